"""Report files: what a supervisor opens in Excel or a PDF reader, and what a partner receives."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from datetime import UTC, date, datetime

import openpyxl
import pytest

from desktop.services.core.errors import PermissionDenied, ValidationError
from desktop.services.reports import Period
from desktop.services.reports.export import export_report
from desktop.services.security.audit import list_events
from tests.reports import factories as f

NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)
SECRETS = ("Persona", "Prueba", "V0", "3001234567", "Calle 1", "1990-01", "Servidora", "Pública")


@pytest.fixture
def filled(ctx_for):
    """Thirty-one women in destination, three men in transit (a small count), in November."""
    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        svc = f.service(s, "Cruz Roja Colombiana", "Atención en salud", ("health", "Salud"))
        people = [f.person(s, registered=f.local(date(2026, 11, 1 + i % 28)), birth_date=date(1990, 1, 1 + i % 28))
                  for i in range(31)]
        people += [f.person(s, registered=f.local(date(2026, 11, 2)), sex="male", population_type="transit",
                            birth_date=date(1990, 1, 2), nationality="CO") for _ in range(3)]
        for p in people[:20]:
            f.referral(s, p, svc, created=f.local(date(2026, 11, 5)), sent=f.local(date(2026, 11, 5)))
    return ctx


def test_xlsx_has_a_sheet_per_table_numbers_as_numbers_and_frozen_headers(filled, tmp_path):
    path = export_report(filled, NOV, "xlsx", tmp_path / "r.xlsx", language="en", now=NOW)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames[0] == "About this report"
    about = book["About this report"]
    values: dict = {}
    for row in about.iter_rows(values_only=True):
        if row and row[0]:
            values.setdefault(row[0], row[1])
    assert values["Period"] == "November 2026" and values["From"] == "2026-11-01"  # ISO in spreadsheets
    definitions = {r[0]: r[1] for r in book["Definitions"].iter_rows(min_row=2, values_only=True)}
    assert "Referrals made" in definitions and "Rates" in definitions  # definitions have their own sheet
    sheet = next(book[n] for n in book.sheetnames if n.startswith("People served by age band"))
    assert sheet.freeze_panes == "B2"
    assert [c.value for c in sheet[1]][:4] == ["Age band", "Female", "Male", "Intersex"]
    assert all(c.font.bold for c in sheet[1])
    total_row = [c.value for c in sheet[sheet.max_row]]
    assert total_row[0] == "Total" and total_row[-1] == 34 and isinstance(total_row[1], int)
    assert sheet.column_dimensions["A"].width >= 14
    figures = book["Figures"]
    rows = {r[1]: r[2] for r in figures.iter_rows(min_row=2, values_only=True)}
    assert rows["People served"] == 34 and rows["Referrals made"] == 20


def test_xlsx_opens_in_a_spreadsheet_application_when_one_is_installed(filled, tmp_path):
    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed")
    path = export_report(filled, NOV, "xlsx", tmp_path / "r.xlsx", now=NOW)  # Spanish by default
    # Every sheet to its own UTF-8 CSV as LibreOffice Calc reads the workbook, text cells quoted.
    out = tmp_path / "calc"
    subprocess.run([office, f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,true,true,false,false,false,-1",
                    "--outdir", str(out), str(path)], check=True, timeout=180, capture_output=True)
    raw = {p.stem: p.read_text(encoding="utf-8") for p in out.glob("*.csv")}
    sheets = {name: list(csv.reader(io.StringIO(text))) for name, text in raw.items()}
    figures = next(rows for name, rows in sheets.items() if name.endswith("Cifras"))
    assert ["Personas atendidas", "Personas atendidas", "34"] in figures
    name = next(name for name in sheets if "5W" in name and "cuales" not in name)
    assert sheets[name][0][0] == "Tipo de población" and sheets[name][-1][0] == "Total"
    assert raw[name].splitlines()[-1].endswith(",34")  # unquoted: Calc read a number, not text


def test_csv_is_utf8_with_bom_and_keeps_accents(filled, tmp_path):
    path = export_report(filled, NOV, "csv", tmp_path / "r.csv", now=NOW)  # Spanish by default
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["Sección", "Tabla", "Fila", "Columna", "Valor"]
    assert any(r[2] == "Personas atendidas" and r[4] == "34" for r in rows)
    assert "Remisiones realizadas por categoría de servicio y estado" in raw.decode("utf-8")


def test_pdf_is_a_paged_document_in_spanish(filled, tmp_path):
    path = export_report(filled, NOV, "pdf", tmp_path / "r.pdf", now=NOW)
    data = path.read_bytes()
    assert data.startswith(b"%PDF") and b"DejaVu" in data
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "noviembre de 2026" in text.lower()
        assert "Página 1 de" in text and "Personas atendidas" in text


def test_partner_export_holds_no_personal_data_and_no_small_counts(filled, tmp_path):
    for fmt in ("csv", "xlsx", "pdf"):
        path = export_report(filled, NOV, fmt, tmp_path / f"anon.{fmt}", anonymized=True, language="en", now=NOW)
        if fmt == "csv":
            text = path.read_bytes().decode("utf-8-sig")
            rows = list(csv.reader(io.StringIO(text)))
            values = [r[4] for r in rows[1:] if r[1] not in ("",) and r[0] != "About"]
            assert "<5" in values
            assert not any(v.isdigit() and 1 <= int(v) <= 4 for v in values)
        elif fmt == "xlsx":
            book = openpyxl.load_workbook(path)
            text = "\n".join(str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row if c)
            for ws in book.worksheets[1:]:
                for row in ws.iter_rows(min_row=2, values_only=True):
                    assert not any(isinstance(v, int) and 1 <= v <= 4 for v in row[1:]), (ws.title, row)
        else:
            if not shutil.which("pdftotext"):
                continue
            text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        for secret in SECRETS:
            assert secret not in text, (fmt, secret)
        assert "Supervisor Pérez" not in text  # the author's name stays out too


def test_every_export_is_audited_with_period_and_format(filled, ctx_for, tmp_path):
    export_report(filled, Period.between("2026-11-03", "2026-11-09"), "csv", tmp_path / "r.csv", now=NOW)
    event = list_events(ctx_for("admin"))[0]
    assert (event.action, event.entity, event.username) == ("export", "report", "supervisor")
    detail = json.loads(event.detail)
    assert detail["period"] == "2026-11-03_2026-11-09" and detail["format"] == "csv"
    assert detail["anonymized"] is False and detail["language"] == "es"


def test_only_supervisors_and_administrators_export(ctx_for, tmp_path):
    for role in ("clerk", "trainer"):
        with pytest.raises(PermissionDenied):
            export_report(ctx_for(role), NOV, "pdf", tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()
    export_report(ctx_for("admin"), NOV, "pdf", tmp_path / "x.pdf")


def test_bad_format_or_folder_is_refused_and_writes_nothing(ctx_for, tmp_path):
    ctx = ctx_for("supervisor")
    with pytest.raises(ValidationError, match="pdf, xlsx or csv"):
        export_report(ctx, NOV, "docx", tmp_path / "x.docx")
    with pytest.raises(ValidationError, match="does not exist"):
        export_report(ctx, NOV, "pdf", tmp_path / "missing" / "x.pdf")
    assert list(tmp_path.iterdir()) == [] or all(p.suffix == ".db" or p.is_dir() or "db" in p.name
                                                 for p in tmp_path.iterdir())


def test_a_partner_table_too_sparse_to_protect_is_shared_as_its_totals(ctx_for, tmp_path):
    """Four ones adding up to four would give themselves away: the table is cut to its row totals."""
    from desktop.services.reports import build_report

    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        for code in ("health", "legal", "food", "shelter"):
            svc = f.service(s, f"Org {code}", code, (code, code.title()))
            for i in range(3):
                p = f.person(s, registered=f.local(date(2026, 11, 2)))
                f.referral(s, p, svc, created=f.local(date(2026, 11, 3)), sent=f.local(date(2026, 11, 3)),
                           closed=f.local(date(2026, 11, 4)) if i == 0 else None, final="rejected")
    full = build_report(ctx, NOV, now=NOW).table("referrals_category_status")
    assert full.value("health", "rejected") == 1 and full.column_totals[[c.key for c in full.columns].index(
        "rejected")] == 4
    report = build_report(ctx, NOV, anonymized=True, now=NOW)
    table = report.table("referrals_category_status")
    shown = report.suppressed[table.key]
    assert [c.key for c in table.columns] == ["count"] and not shown.withheld
    assert [row[0] for row in shown.cells] == ["<5"] * 4 and shown.total == 12
    assert "Totals only" in table.note
    assert report.figure("courses_held").shown == 0  # counts of courses are never suppressed


def test_an_unwritable_target_gives_a_message_not_a_crash(ctx_for, tmp_path, monkeypatch):
    import os

    ctx = ctx_for("supervisor")
    with pytest.raises(ValidationError, match="is a folder"):
        export_report(ctx, NOV, "csv", tmp_path)

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(ValidationError, match=r"could not be written.*Permission denied"):
        export_report(ctx, NOV, "csv", tmp_path / "r.csv")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".enlace-report")] == []


def test_the_cli_writes_each_format_and_refuses_bad_periods(ctx_for, tmp_path, monkeypatch, capsys):
    from desktop.cli import main as enlace
    from tests.conftest import PASSWORD

    ctx_for("supervisor")  # the office database exists
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    db = ctx_for("supervisor").db.location
    for fmt in ("pdf", "xlsx", "csv"):
        out = tmp_path / f"r.{fmt}"
        assert enlace(["--db", db, "--user", "supervisor", "report", "--month", "2026-11", "--format", fmt,
                       "--out", str(out), "--lang", "en"]) == 0
        assert out.stat().st_size > 0
    assert enlace(["--db", db, "--user", "supervisor", "report", "--from", "2026-11-01", "--to", "2026-11-15",
                   "--format", "csv", "--out", str(tmp_path / "a.csv"), "--anonymized"]) == 0
    assert enlace(["--db", db, "--user", "supervisor", "report", "--month", "2026-13", "--format", "csv",
                   "--out", str(tmp_path / "b.csv"), "--lang", "en"]) == 1
    assert "YYYY-MM" in capsys.readouterr().err
    assert enlace(["--db", db, "--user", "supervisor", "report", "--from", "2026-11-01", "--format", "csv",
                   "--out", str(tmp_path / "c.csv"), "--lang", "en"]) == 2
    assert enlace(["--db", db, "--user", "clerk", "report", "--month", "2026-11", "--format", "csv",
                   "--out", str(tmp_path / "d.csv"), "--lang", "en"]) == 1
    assert "does not allow" in capsys.readouterr().err
    assert not (tmp_path / "d.csv").exists()
    with pytest.raises(SystemExit):
        enlace(["--db", db, "report", "--month", "2026-11", "--from", "2026-11-01", "--to", "2026-11-02",
                "--format", "csv", "--out", "x.csv"])
