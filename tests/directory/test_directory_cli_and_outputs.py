"""The directory CLI (exact commands and exit statuses), the printed booklet, and the demo part."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.services import directory
from desktop.services.directory import hsds as directory_hsds
from tests.conftest import PASSWORD
from tests.directory.helpers import add_service, organization


@pytest.fixture
def cli(office_db, monkeypatch):
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    location = office_db.location

    def run(*args: str) -> int:
        return main(["--lang", "en", "--db", location, *args, "--user", "clerk"])

    return run


def test_cli_import_of_a_clean_package_exits_zero_and_dry_run_changes_nothing(cli, clerk, tmp_path, capsys) -> None:
    org = organization(clerk)
    add_service(clerk, org)
    exported = tmp_path / "paquete"
    directory_hsds.export_package(clerk, exported)
    fresh_copy = tmp_path / "copia"
    shutil.copytree(exported, fresh_copy)
    assert cli("directory", "import", str(fresh_copy), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Dry run: nothing was changed." in out
    assert "services.csv: 0 new, 0 updated, 1 unchanged, 0 rejected" in out


def test_cli_import_with_rejected_rows_exits_non_zero_with_the_row_report(cli, clerk, example_package,
                                                                          capsys) -> None:
    assert cli("directory", "import", str(example_package)) == 1
    captured = capsys.readouterr()
    assert "service_at_location.csv, row 2, field service_id" in captured.err
    assert "Imported" in captured.out
    assert [r.name for r in directory.search(clerk, "counselling")] == ["Community Counselling"]


def test_cli_import_of_something_unreadable_exits_non_zero(cli, tmp_path, capsys) -> None:
    broken = tmp_path / "roto.zip"
    broken.write_bytes(b"not a zip")
    assert cli("directory", "import", str(broken)) == 1
    assert "not a readable zip" in capsys.readouterr().err
    assert cli("directory", "import", str(tmp_path / "missing")) == 1


def test_cli_import_of_a_spreadsheet(cli, clerk, tmp_path, capsys) -> None:
    sheet = tmp_path / "directorio.csv"
    sheet.write_text("Entidad,Servicio,Teléfono\nCruz Roja,Primeros auxilios psicológicos,607 634 5678\n",
                     encoding="utf-8")
    assert cli("directory", "import", str(sheet)) == 0
    assert [r.name for r in directory.search(clerk, "auxilios")] == ["Primeros auxilios psicológicos"]


def test_cli_export_search_and_booklet(cli, clerk, tmp_path, capsys) -> None:
    org = organization(clerk, "Defensoría del Pueblo")
    sid = add_service(clerk, org, "Orientación jurídica")
    assert cli("directory", "export", "--out", str(tmp_path / "out")) == 0
    assert (tmp_path / "out" / "datapackage.json").read_bytes() == directory_hsds.descriptor_bytes()
    capsys.readouterr()
    assert cli("directory", "search", "juridica", "--format", "csv") == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["id", "service", "organization", "municipality", "accepts_referrals", "stale",
                       "last_verified_on"]
    assert rows[1] == [str(sid), "Orientación jurídica", "Defensoría del Pueblo", "Bucaramanga", "1", "1", ""]
    assert cli("directory", "booklet", "--out", str(tmp_path / "directorio.pdf")) == 0
    assert (tmp_path / "directorio.pdf").read_bytes().startswith(b"%PDF")


def _pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "b.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler's pdftotext")
def test_booklet_groups_by_category_then_municipality_in_spanish(clerk, admin_ctx, tmp_path) -> None:
    from desktop.i18n import set_language
    from desktop.services import office

    set_language("es")
    org = organization(clerk, "Pastoral Social")
    add_service(clerk, org, "Comedor para caminantes", category_ids=[directory.term_id(
        directory.CATEGORY_TAXONOMY_ID, "food")], city="Girón")
    add_service(clerk, org, "Atención psicológica")
    text = _pdf_text(directory.booklet_pdf(clerk), tmp_path)
    assert "Directorio de servicios" in text and "Contenido" in text and "Página 3" in text
    assert text.index("Alimentación") < text.index("Apoyo psicosocial")
    assert "lunes a viernes, 8:00–12:00 y 14:00–17:00" in text
    assert "por confirmar" in text  # never verified
    assert "Impreso el" in text
    office.set_setting(admin_ctx, "page_size", "A4")
    a4 = directory.booklet_pdf(clerk)
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in a4


def test_empty_booklet_says_so(clerk, tmp_path) -> None:
    assert "no services to print" in _pdf_text(directory.booklet_pdf(clerk), tmp_path)


def test_demo_directory_is_a_realistic_colombian_directory(db) -> None:
    from desktop.services.core.context import AppContext
    from desktop.services.demo import DemoBuild
    from desktop.services.demo import directory as demo_directory
    from desktop.services.demo import office as demo_office
    from desktop.services.security import auth
    from desktop.store.models import User

    demo = DemoBuild(db, "small", 1, datetime(2026, 11, 23, 15, 0, tzinfo=UTC))
    demo_office.build(demo)
    demo_directory.build(demo)
    assert demo.summary["organizations"] == 40 and demo.summary["services"] == 120
    with db.session() as session:
        ctx = AppContext(db, auth.actor_for(session.query(User).filter_by(username="clerk").one()))
    rows = directory.search(ctx, "")
    assert len(rows) == 120
    assert 10 <= sum(r.stale for r in rows) <= 45
    assert any(not r.accepts_referrals for r in rows)
    assert {r.municipality for r in rows} == {"Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"}
    assert directory.search(ctx, "migracion colombia")
    assert directory.search(ctx, "defensoria")
