"""The attendance sheet laid out without overlaps: long names, institutions and titles wrap in their
cells, the sheet code stays on one line, a long course flows onto several pages with its headings."""

from __future__ import annotations

import pytest

from desktop.documents.attendance_sheet import SheetData, SheetRow, build_attendance_sheet
from desktop.services import training
from tests.pdf_layout import assert_clean_layout, page_lines, pages
from tests.training.helpers import logo_png, make_course

LONG_INSTITUTION = ("Secretaría de Desarrollo Social, Equidad de Género e Inclusión de la Gobernación de Santander "
                    "— Programa de Atención Integral a Población Migrante, Retornada y Refugiada del Área "
                    "Metropolitana de Bucaramanga, Floridablanca, Girón y Piedecuesta (sede principal y satélites)")
LONG_COURSE = "CAJA-HERRAMIENTAS-MESAS-MIGRA-2026"  # 34 characters: the sheet code is 45
LABELS = {"name": "Full name", "document": "Document", "institution": "Institution", "position": "Position",
          "signature": "Signature", "title": "ATTENDANCE SHEET", "date": "Date", "time": "Time",
          "hours": "Duration (hours)", "venue": "Venue", "trainer": "Trainer", "topic": "Topic",
          "code": "Sheet code", "page": "Page {page} of {pages}", "trainer_signature": "Trainer's signature",
          "extra": "Participants not on the list"}


def _sheet(page_size: str, rows: int = 60) -> tuple[SheetData, bytes]:
    people = [SheetRow(f"María de los Ángeles Guadalupe del Carmen Rodríguez de la Hoz y Santamaría Nº{i + 1}",
                       f"Cédula de extranjería {1098765400 + i}", LONG_INSTITUTION,
                       "Profesional universitaria especializada en protección internacional y rutas de atención")
              for i in range(rows)]
    one_word = "Maximilianoalejandrofernandezdelasmercedesypalaciosdelvallemontenegro"
    people[min(3, rows - 1)] = SheetRow(one_word, "PPT 1", "Alcaldía", "")
    data = SheetData(
        "Oficina de Atención al Migrante de Bucaramanga y su Área Metropolitana — Sede Centro", logo_png(),
        LONG_COURSE, "Caja de herramientas para mesas migratorias municipales: protección, integración "
        "socioeconómica, rutas de atención en salud, educación y regularización para población refugiada y migrante",
        "Session 3 of 12", "Wednesday, March 18, 2026", "8:00 AM to 12:00 PM", 4.0,
        "Salón del Concejo Municipal, Edificio de la Alcaldía, piso 3, Carrera 11 # 34-52, Bucaramanga",
        "Tomás Gómez Peña y María Fernanda Castillo Rueda de la Fundación Nueva Esperanza",
        "Módulo 3: rutas de atención en salud y regularización migratoria para niños, niñas y adolescentes",
        f"{LONG_COURSE}-S03-ABC123", people, LABELS, page_size=page_size)
    return data, build_attendance_sheet(data)


@pytest.mark.parametrize("page_size", ["Letter", "A4"])
def test_sixty_long_rows_fit_their_cells_over_several_pages(page_size) -> None:
    data, pdf = _sheet(page_size)
    assert_clean_layout(pdf, margin=18)
    found = pages(pdf)
    assert len(found) >= 4
    lines = page_lines(pdf)
    for number, page in enumerate(lines, 1):
        text = "\n".join(page)
        assert "Full name" in text and "Signature" in text, f"no column headings on page {number}"
        assert f"Page {number} of {len(lines)}" in text
        # The sheet code is whole on every page (the footer; on the first page the details too).
        assert sum(data.code in line for line in page) == (2 if number == 1 else 1)
    words = [w.text for page in found for w in page.words]
    assert not [w for w in words if len(w) >= 6 and w != data.code and w in data.code and w not in LONG_COURSE]
    # Every participant is numbered and named, then the blank rows for people not on the list.
    numbers = {w for w in words if w.isdigit()}
    assert {str(n) for n in range(1, 66)} <= numbers
    everything = " ".join(" ".join(page) for page in lines)
    assert everything.count("Santamaría Nº") == 59 and "Participants not on the list" in everything


def test_a_damaged_logo_leaves_a_clean_sheet() -> None:
    data, _pdf = _sheet("Letter", rows=2)
    data.logo = b"\x89PNG not really"
    assert_clean_layout(build_attendance_sheet(data), margin=18)


def test_the_printed_sheet_of_a_course_with_long_values_is_clean(ctx_for) -> None:
    trainer = ctx_for("trainer")
    people = [("María de los Ángeles Guadalupe del Carmen", "Rodríguez de la Hoz y Santamaría Villalobos",
               str(1098765400 + i), "F", "otra", "Profesional universitaria especializada en protección "
               "internacional") for i in range(6)]
    setup = make_course(trainer, code="CAJA-HERRAMIENTAS-MESAS-2026", people=people, sessions=2,
                        signatories=False)
    pdf = training.attendance_sheet_pdf(trainer, setup.course_id, 2)
    assert_clean_layout(pdf, margin=18)
    first = page_lines(pdf)[0]
    assert sum("CAJA-HERRAMIENTAS-MESAS-2026-S02-" in line for line in first) == 2
