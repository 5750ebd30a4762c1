"""Spreadsheet import: Spanish headers guessed, rows validated, re-import updates instead of duplicating."""

from __future__ import annotations

from pathlib import Path

import pytest

from desktop.services import directory
from desktop.services.core.bounded import LimitExceeded
from desktop.services.directory import sheet as directory_sheet
from desktop.services.directory.hsds import PackageError

HEADERS = ["Entidad", "Servicio", "Descripción", "Categoría", "Dirección", "Municipio", "Teléfono", "Correo",
           "Horario", "Población", "Idiomas", "Recibe remisiones", "Contacto", "Observaciones"]
ROWS = [
    ["Defensoría del Pueblo", "Orientación jurídica", "Asesoría legal gratuita", "Asistencia jurídica",
     "Calle 36 # 14-20", "Bucaramanga", "607 630 1234", "santander@defensoria.gov.co",
     "Lunes a viernes 8:00 a 12:00 y 14:00 a 17:00", "En tránsito; pendular", "Español, inglés", "Sí",
     "Laura Díaz", "Llamar antes"],
    ["ICBF", "Restablecimiento de derechos", "", "Protección de la niñez", "Cra 27 # 50-10", "Girón",
     "607 630 9999 / 315 222 3344", "", "24 horas", "", "", "No", "", ""],
    ["ICBF", "Sin teléfono válido", "", "", "", "", "123", "", "", "", "", "", "", ""],
    ["", "Sin entidad", "", "", "", "", "", "", "", "", "", "", "", ""],
]


def write_xlsx(path: Path, headers=HEADERS, rows=ROWS) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_spanish_headers_are_guessed() -> None:
    mapping = directory_sheet.guess_mapping(HEADERS)
    assert mapping == {"organization": 0, "service": 1, "description": 2, "category": 3, "address": 4,
                       "municipality": 5, "phone": 6, "email": 7, "hours": 8, "population": 9, "languages": 10,
                       "accepts_referrals": 11, "referral_contact": 12, "notes": 13}
    assert directory_sheet.guess_mapping(["Nombre entidad", "Teléfono fijo", "Correo electrónico de contacto",
                                          "Servicio"]) == {"organization": 0, "phone": 1, "email": 2, "service": 3}


def test_a_remembered_mapping_wins_over_the_guess() -> None:
    remembered = {"organization": "Columna A", "service": "Entidad"}
    mapping = directory_sheet.guess_mapping(["Columna A", "Entidad"], remembered)
    assert mapping == {"organization": 0, "service": 1}


def test_xlsx_import_creates_services_with_hours_categories_and_referral_data(clerk, tmp_path) -> None:
    path = write_xlsx(tmp_path / "directorio.xlsx")
    preview = directory_sheet.preview_sheet(clerk, path)
    assert [(r.row, r.field) for r in preview.rejects] == [(4, "Phone"), (5, "Organization")]
    assert preview.counts["service"].new == 2 and preview.counts["organization"].new == 2
    assert any("24 horas" in n for n in preview.notices)
    assert directory.search(clerk, "") == []  # preview wrote nothing
    directory_sheet.apply_sheet(clerk, preview)
    from desktop.i18n import set_language

    set_language("es")
    legal = directory.search(clerk, "juridica")[0]
    s = directory.service_summary(clerk, legal.id)
    assert s.hours == "lunes a viernes, 8:00–12:00 y 14:00–17:00"
    assert s.categories == ["Asistencia jurídica"]
    assert s.populations == ["Población en tránsito", "Población pendular"]
    assert s.languages == ["español", "inglés"]
    assert s.referral_contact == "Laura Díaz" and s.internal_notes == "Llamar antes"
    icbf = directory.service_summary(clerk, directory.search(clerk, "restablecimiento")[0].id)
    assert not icbf.accepts_referrals
    assert icbf.hours == "24 horas"  # kept as a note
    assert icbf.phones == ["607 630 9999", "315 222 3344"]


def test_importing_the_same_sheet_again_updates_instead_of_duplicating(clerk, tmp_path) -> None:
    path = write_xlsx(tmp_path / "directorio.xlsx")
    directory_sheet.import_sheet(clerk, path)
    again = directory_sheet.preview_sheet(clerk, path)
    assert again.counts["service"].new == 0 and again.counts["service"].unchanged == 2
    rows = [list(r) for r in ROWS]
    rows[0][2] = "Asesoría legal y acompañamiento"
    directory_sheet.import_sheet(clerk, write_xlsx(tmp_path / "v2.xlsx", rows=rows))
    found = directory.search(clerk, "acompanamiento")
    assert [r.name for r in found] == ["Orientación jurídica"]
    assert len(directory.search(clerk, "")) == 2


def test_a_semicolon_csv_in_windows_1252_is_read(clerk, tmp_path) -> None:
    path = tmp_path / "directorio.csv"
    path.write_bytes(("Entidad;Servicio;Teléfono\nFundación Niñez;Atención psicológica;607 634 5678\n")
                     .encode("cp1252"))
    preview, _applied = directory_sheet.import_sheet(clerk, path)
    assert any("Windows-1252" in n for n in preview.notices)
    assert [r.organization_name for r in directory.search(clerk, "psicologica")] == ["Fundación Niñez"]


def test_a_sheet_without_the_required_columns_is_refused_row_by_row(clerk, tmp_path) -> None:
    path = write_xlsx(tmp_path / "raro.xlsx", headers=["Columna 1", "Columna 2"], rows=[["a", "b"]])
    preview = directory_sheet.preview_sheet(clerk, path)
    assert [r.row for r in preview.rejects] == [0]
    assert "Organization" in preview.rejects[0].reason


@pytest.mark.parametrize(("name", "content", "message"), [
    ("vacio.csv", b"", "is empty"),
    ("roto.xlsx", b"not a workbook", "cannot be read as an Excel workbook"),
    ("texto.pdf", b"%PDF", "Excel workbook"),
])
def test_unreadable_sheets_get_a_clear_message(clerk, tmp_path, name, content, message) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PackageError, match=message):
        directory_sheet.preview_sheet(clerk, path)


def test_parse_rows_is_pure_and_reports_each_bad_field() -> None:
    headers = ["Entidad", "Servicio", "Correo", "Página web", "Recibe remisiones"]
    rows = [["A", "B", "malo", "", ""], ["A", "C", "", "no es web", ""], ["A", "D", "", "", "quizás"],
            ["A", "B", "", "", ""], ["A", "E", "", "example.org", "sí"]]
    parsed = directory_sheet.parse_sheet_rows(headers, rows, directory_sheet.guess_mapping(headers), "hoja.xlsx")
    assert [(r.row, r.field) for r in parsed.rejects] == [(2, "Email"), (3, "Website"), (4, "Accepts referrals")]
    assert [s.name for s in parsed.services] == ["B", "E"]
    assert parsed.services[1].values["website"] == "https://example.org"


def test_a_fifty_megabyte_sheet_is_refused_before_reading(clerk, tmp_path) -> None:
    path = tmp_path / "enorme.csv"
    with path.open("wb") as fh:
        fh.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    with pytest.raises(LimitExceeded, match="file size; the import limit is 50 MB"):
        directory_sheet.preview_sheet(clerk, path)
