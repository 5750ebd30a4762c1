"""HSDS 3.0 data packages: the standard's example, round trips, re-imports, and every bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.services import directory
from desktop.services.core.bounded import LimitExceeded
from desktop.services.core.errors import Cancelled, PermissionDenied
from desktop.services.directory import hsds as directory_hsds
from desktop.services.directory.hsds import PackageError
from desktop.store.models.directory import HSDS_MODELS, Organization, Service
from tests.directory.helpers import add_service, organization

ORG_ID = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
SERVICE_ID = "ac148810-d857-441c-9679-408f346de14b"
SERVICES_HEADER = ("id,organization_id,program_id,name,alternate_name,description,url,email,status,"
                   "interpretation_services,application_process,fees_description,wait_time,fees,accreditations,"
                   "eligibility_description,minimum_age,maximum_age,assured_date,assurer_email,licenses,alert,"
                   "last_modified\n")


def row_counts(db) -> dict[str, int]:
    with db.session() as session:
        return {name: session.scalar(select(func.count()).select_from(model)) for name, model in HSDS_MODELS.items()}


def small_package(folder: Path, services: str = "", organizations: str | None = None) -> Path:
    """A package with one organization and the given services.csv body."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_bytes(directory_hsds.descriptor_bytes())
    (folder / "organizations.csv").write_text(organizations if organizations is not None else (
        "id,name,description\n" f"{ORG_ID},Fundación Ejemplo,Apoyo a migrantes\n"), encoding="utf-8")
    (folder / "services.csv").write_text(SERVICES_HEADER + services, encoding="utf-8")
    return folder


def service_line(sid: str = SERVICE_ID, org: str = ORG_ID, name: str = "Atención psicológica") -> str:
    return f"{sid},{org},,{name},,,,,active,,,,,,,,,,,,,,\n"


# --- the standard's example -------------------------------------------------------------------


def test_the_standards_example_imports_keeping_dangling_optional_references(clerk, example_package) -> None:
    preview = directory_hsds.preview_import(clerk, example_package)
    # The only rejected row: service_at_location points at a service and a location the package lacks.
    assert [(r.file, r.row, r.field) for r in preview.rejects] == [("service_at_location.csv", 2, "service_id")]
    assert preview.counts["service"].new == 1 and preview.counts["organization"].new == 1
    warnings = "\n".join(preview.warnings)
    assert "cd09a387-91f4-4555-94ec-e799c35344cd" in warnings  # parent organization
    assert "ae67a707-5893-4225-b0b1-320ab9cb596b" in warnings  # a contact's organization
    assert "07ff6aee-a219-438c-b694-d2fcb6c5373b" in warnings  # a term's taxonomy
    assert any("taxonomy_detail" in n for n in preview.notices)  # unknown columns ignored
    assert row_counts(clerk.db)["service"] == 0  # the preview wrote nothing
    directory_hsds.apply_import(clerk, preview)
    rows = directory.search(clerk, "counselling")
    assert [r.name for r in rows] == ["Community Counselling"]
    summary = directory.service_summary(clerk, rows[0].id)
    assert summary.organization_name == "Example Organization Inc."
    assert summary.phones == ['"+44 1234 234567" (ext. 100)']


def test_example_round_trips_byte_for_byte(clerk, example_package, tmp_path, ctx_for) -> None:
    directory_hsds.import_package(clerk, example_package)
    first = tmp_path / "first"
    directory_hsds.export_package(clerk, first)
    # A second office imports the export and exports again: identical files.
    from desktop.services.office import OfficeForm
    from desktop.services.workspace.setup import setup_office
    from desktop.store.database import open_database

    other = open_database(tmp_path / "other.db")
    try:
        setup_office(other, OfficeForm(code="CUC", name="Cúcuta", country="CO"), "admin", "Ana", "clave-segura-1")
        from desktop.services.core.context import AppContext
        from desktop.services.security import auth
        from desktop.store.models import User

        with other.session() as session:
            admin = AppContext(other, auth.actor_for(session.query(User).one()))
        preview, _result = directory_hsds.import_package(admin, first)
        assert preview.rejects == []
        second = tmp_path / "second"
        directory_hsds.export_package(admin, second)
    finally:
        other.dispose()
    first_files = sorted(p.name for p in first.iterdir())
    assert first_files == sorted(p.name for p in second.iterdir())
    assert len(first_files) == 22  # datapackage.json and all 21 tables
    for name in first_files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    # Dangling references survive the trip.
    assert "cd09a387-91f4-4555-94ec-e799c35344cd" in (first / "organizations.csv").read_text(encoding="utf-8")


def test_reimporting_updates_by_id_and_never_duplicates(clerk, example_package, tmp_path) -> None:
    directory_hsds.import_package(clerk, example_package)
    before = row_counts(clerk.db)
    again = directory_hsds.preview_import(clerk, example_package)
    assert all(c.new == 0 and c.updated == 0 for c in again.counts.values())
    changed = tmp_path / "changed"
    shutil.copytree(example_package, changed)
    services = changed / "services.csv"
    services.write_text(services.read_text(encoding="utf-8").replace("Community Counselling", "Consejería comunitaria"),
                        encoding="utf-8")
    preview, _result = directory_hsds.import_package(clerk, changed)
    assert preview.counts["service"].updated == 1 and preview.counts["service"].new == 0
    assert row_counts(clerk.db) == before
    assert [r.name for r in directory.search(clerk, "consejeria")] == ["Consejería comunitaria"]


def test_export_passes_frictionless_validation_against_the_standard(clerk, example_package, tmp_path) -> None:
    directory_hsds.import_package(clerk, example_package)
    org = organization(clerk, "Defensoría del Pueblo")
    add_service(clerk, org, "Orientación jurídica")
    out = tmp_path / "export"
    directory_hsds.export_package(clerk, out)
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([str(frictionless), "validate", "--json", "datapackage.json"], cwd=out,
                            capture_output=True, text=True, timeout=120)
    report = json.loads(result.stdout)
    errors = [e for task in report["tasks"] for e in task["errors"]] + report["errors"]
    assert errors, "the example's dangling references should be reported"
    assert {e["type"] for e in errors} == {"foreign-key"}
    dangling = {"cd09a387-91f4-4555-94ec-e799c35344cd", "985e4a42-bd9f-4edc-911d-0243a4640aca",
                "ae67a707-5893-4225-b0b1-320ab9cb596b", "93eaf18d-1cd2-4ec7-bffb-3c9172ee5070",
                "e94c9f38-1e8f-4564-91d4-d53501ab1765", "dd9e501b-4df9-4e71-85ac-29748e7e2d5a",
                "0a41a90a-b5a5-4541-87e2-5cc2fd72536b", "ae8b7eaf-7e7d-4128-a403-ae097f146356",
                "545c684b-4a24-4923-b7c9-6e10fcf8a5a3", "d20cedb8-b597-41cb-86b0-7034fb50c7a9",
                "07ff6aee-a219-438c-b694-d2fcb6c5373b"}
    for error in errors:
        assert any(ref in error["note"] for ref in dangling), error["note"]


def test_a_zipped_package_in_a_folder_imports(clerk, example_package, tmp_path) -> None:
    archive = tmp_path / "paquete.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for item in example_package.iterdir():
            z.write(item, f"paquete/{item.name}")
    preview = directory_hsds.preview_import(clerk, archive)
    assert preview.counts["service"].new == 1


def test_cancelling_an_import_leaves_the_database_unchanged(clerk, example_package) -> None:
    preview = directory_hsds.preview_import(clerk, example_package)
    with pytest.raises(Cancelled):
        directory_hsds.apply_import(clerk, preview, cancelled=lambda: True)
    assert sum(row_counts(clerk.db).values()) == 0


def test_trainers_cannot_import(ctx_for, example_package) -> None:
    with pytest.raises(PermissionDenied):
        directory_hsds.preview_import(ctx_for("trainer"), example_package)


def test_import_makes_services_searchable_and_local_data_survives_reimport(clerk, tmp_path) -> None:
    package = small_package(tmp_path / "p", service_line())
    directory_hsds.import_package(clerk, package)
    sid = directory.search(clerk, "psicologica")[0].id
    directory.mark_verified(clerk, sid)
    directory_hsds.import_package(clerk, small_package(tmp_path / "p", service_line(name="Psicología")))
    row = directory.search(clerk, "psicologia")[0]
    assert row.id == sid and not row.stale


# --- bad input --------------------------------------------------------------------------------


def test_missing_datapackage_json_is_refused_clearly(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line())
    (folder / "datapackage.json").unlink()
    with pytest.raises(PackageError, match=r"no datapackage\.json"):
        directory_hsds.preview_import(clerk, folder)


def test_a_broken_zip_is_refused_clearly(clerk, tmp_path) -> None:
    broken = tmp_path / "roto.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(PackageError, match="not a readable zip"):
        directory_hsds.preview_import(clerk, broken)


def test_a_zip_without_a_descriptor_is_refused(clerk, tmp_path) -> None:
    archive = tmp_path / "solo.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("services.csv", SERVICES_HEADER)
    with pytest.raises(PackageError, match=r"no datapackage\.json"):
        directory_hsds.preview_import(clerk, archive)


def test_an_unreadable_descriptor_is_refused(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line())
    (folder / "datapackage.json").write_text("{ not json", encoding="utf-8")
    with pytest.raises(PackageError, match=r"datapackage\.json cannot be read"):
        directory_hsds.preview_import(clerk, folder)


def test_a_missing_required_column_rejects_the_file(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line())
    (folder / "services.csv").write_text("id,organization_id,name\n" f"{SERVICE_ID},{ORG_ID},Sin estado\n",
                                         encoding="utf-8")
    preview = directory_hsds.preview_import(clerk, folder)
    [reject] = preview.rejects
    assert (reject.file, reject.row, reject.field) == ("services.csv", 0, "status")
    assert "required column" in reject.reason
    assert "services.csv" in reject.line()


def test_a_windows_1252_csv_is_read_with_a_notice(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line(name="Atención psicológica"))
    (folder / "organizations.csv").write_bytes(
        ("id,name,description\n" f"{ORG_ID},Fundación Niñez,Atención\n").encode("cp1252"))
    preview = directory_hsds.preview_import(clerk, folder)
    assert any("Windows-1252" in n for n in preview.notices)
    assert preview.rejects == []
    assert row_counts(clerk.db)["organization"] == 0
    directory_hsds.apply_import(clerk, preview)
    with clerk.db.session() as session:
        assert session.scalar(select(Organization.name)) == "Fundación Niñez"


def test_duplicate_and_malformed_ids_reject_rows(clerk, tmp_path) -> None:
    other = "11111111-2222-4333-8444-555555555555"
    body = service_line() + service_line(name="Repetido") + service_line("no-es-un-uuid") + service_line(other)
    preview = directory_hsds.preview_import(clerk, small_package(tmp_path / "p", body))
    reasons = {(r.row, r.field): r.reason for r in preview.rejects}
    assert set(reasons) == {(3, "id"), (4, "id")}
    assert "row 2" in reasons[(3, "id")]
    assert "not a valid id" in reasons[(4, "id")]
    assert preview.counts["service"].new == 2


def test_a_service_pointing_at_a_missing_organization_is_rejected(clerk, tmp_path) -> None:
    missing = "99999999-9999-4999-8999-999999999999"
    preview = directory_hsds.preview_import(clerk, small_package(tmp_path / "p", service_line(org=missing)))
    [reject] = preview.rejects
    assert (reject.row, reject.field) == (2, "organization_id") and missing in reject.reason


def test_a_service_may_point_at_an_organization_already_in_the_directory(clerk, tmp_path) -> None:
    directory_hsds.import_package(clerk, small_package(tmp_path / "a"))
    preview = directory_hsds.preview_import(
        clerk, small_package(tmp_path / "b", service_line(), organizations="id,name,description\n"))
    assert preview.rejects == [] and preview.counts["service"].new == 1


def test_rejections_cascade_to_rows_that_needed_the_rejected_row(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line(),
                           organizations="id,name,description\n" f"{ORG_ID},,sin nombre\n")
    preview = directory_hsds.preview_import(clerk, folder)
    assert [(r.file, r.field) for r in preview.rejects] == [("organizations.csv", "name"),
                                                           ("services.csv", "organization_id")]


def test_an_invalid_rrule_rejects_the_schedule(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line())
    header = ("id,service_id,freq,byday,bymonthday,opens_at,closes_at\n")
    (folder / "schedules.csv").write_text(
        header + f"aaaaaaaa-0000-4000-8000-000000000001,{SERVICE_ID},DAILY,,,08:00,12:00\n"
        f"aaaaaaaa-0000-4000-8000-000000000002,{SERVICE_ID},WEEKLY,XX,,08:00,12:00\n"
        f"aaaaaaaa-0000-4000-8000-000000000003,{SERVICE_ID},MONTHLY,,40,08:00,12:00\n"
        f"aaaaaaaa-0000-4000-8000-000000000004,{SERVICE_ID},WEEKLY,\"MO,TU\",,8 am,12:00\n"
        f"aaaaaaaa-0000-4000-8000-000000000005,{SERVICE_ID},WEEKLY,\"MO,TU\",,08:00,12:00\n", encoding="utf-8")
    preview = directory_hsds.preview_import(clerk, folder)
    assert [(r.row, r.field) for r in preview.rejects] == [(2, "freq"), (3, "byday"), (4, "bymonthday"),
                                                           (5, "opens_at")]
    assert preview.counts["schedule"].new == 1


def test_a_fifty_megabyte_file_is_refused_before_reading(clerk, tmp_path) -> None:
    folder = small_package(tmp_path / "p", service_line())
    with (folder / "services.csv").open("r+b") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(LimitExceeded, match="file size; the import limit is 50 MB"):
        directory_hsds.preview_import(clerk, folder)


def test_bad_types_are_rejected_with_file_row_field_and_reason(clerk, tmp_path) -> None:
    body = (f"{SERVICE_ID},{ORG_ID},,Edad rara,,,,,active,,,,,,,,doce,,,,,,\n"
            f"aaaaaaaa-0000-4000-8000-00000000000a,{ORG_ID},,Fecha rara,,,,,active,,,,,,,,,,2024-13-45,,,,\n"
            f"aaaaaaaa-0000-4000-8000-00000000000b,{ORG_ID},,Estado raro,,,,,abierto,,,,,,,,,,,,,,\n"
            f"aaaaaaaa-0000-4000-8000-00000000000c,{ORG_ID},,Correo raro,,,,correo@,active,,,,,,,,,,,,,,\n")
    preview = directory_hsds.preview_import(clerk, small_package(tmp_path / "p", body))
    assert [(r.row, r.field) for r in preview.rejects] == [(2, "minimum_age"), (3, "assured_date"), (4, "status"),
                                                           (5, "email")]
    assert all(r.file == "services.csv" and r.reason for r in preview.rejects)


def test_rejection_reasons_are_in_the_interface_language(clerk, tmp_path) -> None:
    from desktop.i18n import set_language

    set_language("es")
    folder = small_package(tmp_path / "p", service_line(org="99999999-9999-4999-8999-999999999999"))
    preview = directory_hsds.preview_import(clerk, folder)
    assert "directorio" in preview.rejects[0].reason
    assert preview.rejects[0].line().startswith("services.csv, fila 2")


def test_a_package_with_no_hsds_tables_is_refused(clerk, tmp_path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "datapackage.json").write_text("{}", encoding="utf-8")
    (folder / "otra.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(PackageError, match=r"none of the HSDS 3\.0 tables"):
        directory_hsds.preview_import(clerk, folder)


def test_exported_services_deleted_in_enlace_are_left_out(clerk, tmp_path) -> None:
    org = organization(clerk)
    sid = add_service(clerk, org, "Borrado")
    add_service(clerk, org, "Vigente")
    directory.delete_service(clerk, sid)
    out = tmp_path / "out"
    directory_hsds.export_package(clerk, out)
    services = (out / "services.csv").read_text(encoding="utf-8")
    assert "Vigente" in services and "Borrado" not in services
    for name in ("phones.csv", "schedules.csv", "attributes.csv", "service_at_location.csv", "languages.csv",
                 "required_documents.csv"):
        assert str(sid) not in (out / name).read_text(encoding="utf-8"), name
    with clerk.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Service)) == 2


def test_a_directory_changed_after_the_preview_is_not_half_imported(clerk, tmp_path) -> None:
    from desktop.services.core.errors import ValidationError

    directory_hsds.import_package(clerk, small_package(tmp_path / "a"))  # the organization
    preview = directory_hsds.preview_import(
        clerk, small_package(tmp_path / "b", service_line(), organizations="id,name,description\n"))
    with clerk.db.transaction() as session:  # meanwhile the organization disappears
        session.execute(Organization.__table__.delete())
    with pytest.raises(ValidationError, match="changed since"):
        directory_hsds.apply_import(clerk, preview)
    assert row_counts(clerk.db)["service"] == 0
