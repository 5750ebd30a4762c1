"""Importing participant lists as trainers have them: XLSX and CSV, messy headers, bad cells."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from desktop.services import training
from desktop.services.core.errors import ValidationError
from desktop.services.training import roster_import as pi
from desktop.store.models import Enrollment, Participant


def _course(ctx, code="MESA-2026"):
    return training.create_course(ctx, training.CourseForm(code=code, title="Mesa migratoria", total_hours=20))


def _xlsx(build) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    build(wb.active)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def messy_sheet(ws) -> None:
    """What a trainer's list looks like: a title, a merged two-row header, blank rows, bad cells."""
    ws["A1"] = "LISTADO DE ASISTENTES — MESA MIGRATORIA"
    ws.merge_cells("A1:H1")
    ws["A3"], ws["B3"], ws["D3"], ws["E3"], ws["F3"], ws["G3"], ws["H3"] = (
        "No.", "NOMBRE", "CÉDULA", "ENTIDAD", "CARGO", "CORREO", "FECHA")
    ws.merge_cells("B3:C3")  # "NOMBRE" spans given names and family names
    for col in "ADEFGH":
        ws.merge_cells(f"{col}3:{col}4")
    ws["B4"], ws["C4"] = "Nombres", "Apellidos"
    rows = [
        (1, "MARÍA DE LOS ÁNGELES", "PÉREZ GÓMEZ", 1098765432.0, "Alcaldía de Girón", "Enlace", "maria@giron.gov.co",
         "15/03/2026"),
        None,
        (2, "josé luis", "ñañez ortiz", "91.234.567", "Personería Municipal", "Personero delegado", "no-es-correo",
         datetime(2026, 3, 16)),
        (3, "Ana", "Ruiz", 1098765432, "ICBF", "Defensora", "", "16/03/2026"),  # same document as row 5
        (4, "Pedro", "Gómez", datetime(1985, 2, 1), "Sec. Salud", "Médico", "", ""),
        (5, "Lucía", "Mora", "52111222", "Defensoría del Pueblo", "", "", "ayer"),
        (6, "", "", "", "", "", "", ""),
        (7, "Sin Documento", "Pérez", "", "ICBF", "", "", ""),
    ]
    for i, row in enumerate(rows, start=5):
        if row:
            for j, value in enumerate(row, start=1):
                ws.cell(i, j, value)


def test_messy_xlsx_is_read_with_merged_headers_and_row_by_row_reasons(ctx_for) -> None:
    trainer = ctx_for("trainer")
    course = _course(trainer)
    table = pi.read_spreadsheet(_xlsx(messy_sheet), "asistentes.xlsx")
    preview = pi.preview_import(trainer, table, "asistentes.xlsx", course.id)
    assert preview.header_index == 3
    assert set(preview.mapping.values()) >= {"given_names", "family_names", "document_number", "institution",
                                             "position", "email", "enrolled_on"}
    by_row = {r.row_number: r for r in preview.rows}
    assert 6 not in by_row and 11 not in by_row  # empty rows are skipped, not reported
    maria = by_row[5]
    assert maria.status == pi.NEW
    assert maria.values["given_names"] == "María de los Ángeles"
    assert maria.values["family_names"] == "Pérez Gómez"
    assert maria.values["document_number"] == "1098765432"  # the float lost its ".0"
    assert maria.values["enrolled_on"] == date(2026, 3, 15)  # a date typed as text
    assert maria.institution == "alcaldia"
    jose = by_row[7]
    assert jose.status == pi.NEW and jose.values["given_names"] == "José Luis"
    assert jose.values["family_names"] == "Ñañez Ortiz" and jose.values["document_number"] == "91234567"
    assert jose.values["email"] == "" and any("email" in r for r in jose.reasons)
    assert by_row[8].status == pi.REJECTED and "row 5" in " ".join(by_row[8].reasons)
    assert by_row[9].status == pi.REJECTED and "date" in " ".join(by_row[9].reasons)
    assert by_row[10].status == pi.REJECTED and "“ayer” is not a date" in " ".join(by_row[10].reasons)
    assert by_row[12].status == pi.REJECTED and "no document number" in by_row[12].reasons
    assert preview.count(pi.NEW) == 2


def test_nothing_is_written_until_the_preview_is_accepted_then_all_in_one_go(ctx_for) -> None:
    trainer = ctx_for("trainer")
    course = _course(trainer)
    table = pi.read_spreadsheet(_xlsx(messy_sheet), "asistentes.xlsx")
    preview = pi.preview_import(trainer, table, "asistentes.xlsx", course.id)
    with trainer.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
    result = pi.apply_import(trainer, preview)
    assert (result.created, result.enrolled, result.rejected) == (2, 2, 4)
    again = pi.preview_import(trainer, table, "asistentes.xlsx", course.id)
    assert again.count(pi.ENROLLED) == 2 and again.count(pi.NEW) == 0


def test_a_cancelled_import_leaves_nothing(ctx_for) -> None:
    from desktop.services.core.errors import Cancelled

    trainer = ctx_for("trainer")
    course = _course(trainer)
    preview = pi.preview_import(trainer, pi.read_spreadsheet(_xlsx(messy_sheet), "a.xlsx"), "a.xlsx", course.id)
    calls = iter([False, True])
    with pytest.raises(Cancelled):
        pi.apply_import(trainer, preview, cancelled=lambda: next(calls))
    with trainer.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
        assert session.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_a_person_already_registered_is_matched_by_document_and_enrolled(ctx_for) -> None:
    trainer = ctx_for("trainer")
    first, second = _course(trainer, "A-1"), _course(trainer, "B-2")
    training.save_participant(trainer, training.ParticipantForm("María", "Pérez", "1098765432"), course_id=first.id)
    csv_bytes = "Nombres;Apellidos;Cédula\nMARIA;PEREZ;1.098.765.432\n".encode()
    preview = pi.preview_import(trainer, pi.read_spreadsheet(csv_bytes, "l.csv"), "l.csv", second.id)
    assert [r.status for r in preview.rows] == [pi.MATCHED]
    result = pi.apply_import(trainer, preview)
    assert (result.created, result.enrolled) == (0, 1)
    with trainer.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 1


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_in_any_common_encoding_and_delimiter(encoding: str, delimiter: str) -> None:
    text = delimiter.join(["Nombres y apellidos", "Documento", "Entidad", "Celular"]) + "\r\n"
    text += delimiter.join(["MARÍA DE LOS ÁNGELES PÉREZ GÓMEZ", "1098765432", "Alcaldía", "300 123 4567"]) + "\r\n"
    rows = pi.read_csv_rows(text.encode(encoding))
    header = pi.find_header_row(rows)
    mapping = pi.guess_mapping(rows[header])
    parsed = pi.parse_rows(rows, header, mapping)
    assert parsed[0].values["given_names"] == "María de los Ángeles"
    assert parsed[0].values["family_names"] == "Pérez Gómez"
    assert parsed[0].values["phone"] == "3001234567"


def test_spanish_headers_are_guessed() -> None:
    headers = ["N°", "Nombres", "Apellidos", "Tipo de documento", "No. de Cédula", "Sexo", "Entidad", "Cargo",
               "Municipio", "Correo electrónico", "Celular"]
    mapping = pi.guess_mapping(headers)
    assert [mapping.get(i) for i in range(len(headers))] == [
        None, "given_names", "family_names", "document_type", "document_number", "sex", "institution", "position",
        "municipality", "email", "phone"]
    assert pi.guess_mapping(["Apellidos y nombres", "Identificación"]) == {0: "full_name_family_first",
                                                                           1: "document_number"}


def test_a_remembered_mapping_wins_over_guessing() -> None:
    remembered = pi.remembered_from_mapping(["Funcionario", "Doc", "Observaciones"],
                                            {0: "full_name", 1: "document_number"})
    assert pi.guess_mapping(["FUNCIONARIO", "DOC", "Observaciones"], remembered) == {0: "full_name",
                                                                                       1: "document_number"}
    assert pi.find_header_row([["Funcionario", "Doc"], ["Ana Ruiz", "123"]], remembered) == 0


@pytest.mark.parametrize(("value", "expected"), [
    ("MARÍA DE LOS ÁNGELES", "María de los Ángeles"), ("josé  luis", "José Luis"),
    ("DE LA HOZ", "De la Hoz"), ("McAllister", "McAllister"), ("PÉREZ-GÓMEZ", "Pérez-Gómez"), (None, ""),
])
def test_names_in_capitals_get_sensible_case(value, expected) -> None:
    assert pi.normalize_name(value) == expected


@pytest.mark.parametrize(("value", "number", "problem"), [
    (1098765432.0, "1098765432", None), ("1098765432.0", "1098765432", None), ("1.098.765.432", "1098765432", None),
    ("C.C. 63.123.456", "63123456", None), ("ab-123456", "AB123456", None), ("1,09877E+09", "", "scientific"),
    ("1.09877E+09", "", "scientific"), (datetime(1985, 2, 1), "", "date"), ("01/02/1985", "", "date"),
    ("", "", "no document"), (12.5, "", "whole number"), ("12", "", "3 to 20"),
])
def test_document_numbers_are_normalized_or_refused_with_a_reason(value, number, problem) -> None:
    got, reason = pi.parse_document(value)
    assert got == number
    assert (reason is None) if problem is None else (problem in reason)


def test_sex_column_using_hombre_mujer_reads_m_as_a_woman() -> None:
    rows = [["Nombres", "Apellidos", "Cédula", "Sexo"], ["Ana", "Ruiz", "111222", "M"], ["Luis", "Díaz", "333444", "H"]]
    parsed = pi.parse_rows(rows, 0, pi.guess_mapping(rows[0]))
    assert [p.values["sex"] for p in parsed] == ["F", "M"]


def test_password_protected_workbook_gets_a_clear_message() -> None:
    # An encrypted .xlsx is an OLE compound file holding EncryptionInfo and EncryptedPackage streams.
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 64
    with pytest.raises(ValidationError, match="protected with a password"):
        pi.read_spreadsheet(data, "lista.xlsx")


@pytest.mark.parametrize("data", [b"PK\x03\x04garbage" * 20, b"not a workbook at all"])
def test_corrupt_workbook_gets_a_clear_message(data: bytes) -> None:
    with pytest.raises(ValidationError, match="damaged or is not an Excel workbook"):
        pi.read_spreadsheet(data, "lista.xlsx")


def test_a_file_without_a_recognizable_header_is_refused_with_advice(ctx_for) -> None:
    trainer = ctx_for("trainer")
    table = pi.read_spreadsheet(b"a,b\n1,2\n", "x.csv")
    with pytest.raises(ValidationError, match="No header row"):
        pi.preview_import(trainer, table, "x.csv", None)
    with pytest.raises(ValidationError, match="Choose a column for"):
        pi.preview_import(trainer, table, "x.csv", None, mapping={0: "given_names"}, header_index=0)


def test_supervisors_cannot_import(ctx_for) -> None:
    from desktop.services.core.errors import PermissionDenied

    table = pi.read_spreadsheet("Nombres;Apellidos;Cédula\nAna;Ruiz;123456\n".encode(), "l.csv")
    with pytest.raises(PermissionDenied):
        pi.preview_import(ctx_for("supervisor"), table, "l.csv", None)


def _roster_csv(count: int, start: int = 0) -> bytes:
    lines = ["Nombres;Apellidos;Cédula;Entidad"]
    lines += [f"Persona {n};Pérez;{5_000_000 + n};Fundación Número {n % 7}" for n in range(start, start + count)]
    return "\n".join(lines).encode()


def _statements(db, job) -> int:
    from sqlalchemy import event

    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        job()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_preview_and_import_cost_the_same_statements_for_30_or_900_rows(ctx_for) -> None:
    trainer = ctx_for("trainer")
    costs = []
    previews: list = []
    for n, size in enumerate((30, 900)):
        course = _course(trainer, f"C-{n}")
        table = pi.read_spreadsheet(_roster_csv(size, start=n * 10_000), "l.csv")
        preview_cost = _statements(trainer.db, lambda t=table, c=course: previews.append(
            pi.preview_import(trainer, t, "l.csv", c.id)))
        import_cost = _statements(trainer.db, lambda: pi.apply_import(trainer, previews[-1]))
        costs.append((preview_cost, import_cost))
    assert costs[0] == costs[1]  # one lookup, one insert, one audit statement per batch: not per row


def test_an_import_cancelled_after_its_first_batch_leaves_nothing(ctx_for) -> None:
    from desktop.services.core.errors import Cancelled
    from desktop.store.models import AuditEvent

    trainer = ctx_for("trainer")
    course = _course(trainer)
    preview = pi.preview_import(trainer, pi.read_spreadsheet(_roster_csv(pi.BATCH * 2 + 5), "l.csv"), "l.csv",
                                course.id)
    with trainer.db.session() as session:
        events = session.scalar(select(func.count()).select_from(AuditEvent))
    progress: list[int] = []
    with pytest.raises(Cancelled):
        pi.apply_import(trainer, preview, progress=lambda done, total: progress.append(done),
                        cancelled=lambda: bool(progress))
    assert progress == [pi.BATCH]  # the first batch was written, inside the transaction, then rolled back
    with trainer.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0
        assert session.scalar(select(func.count()).select_from(Enrollment)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == events


def test_unmapped_columns_are_named_in_the_preview(ctx_for) -> None:
    trainer = ctx_for("trainer")
    course = _course(trainer)
    data = "Nombres;Apellidos;Cédula;Talla;;Observaciones\nAna;Ruiz;52111222;M;x;\n".encode()
    preview = pi.preview_import(trainer, pi.read_spreadsheet(data, "l.csv"), "l.csv", course.id)
    assert preview.unmapped_lines() == ["Column “Talla” will not be imported.",
                                        "Column “column E” will not be imported.",
                                        "Column “Observaciones” will not be imported."]


def test_a_matched_participant_gets_the_institution_name_as_written(ctx_for) -> None:
    trainer = ctx_for("trainer")
    course = _course(trainer)
    training.save_participant(trainer, training.ParticipantForm("María", "Pérez", "1098765432", institution="ong"))
    data = "Nombres;Apellidos;Cédula;Entidad\nMaría;Pérez;1098765432;FUNDACIÓN ÁNGELES DE LA CALLE – SEDE NORTE\n"
    preview = pi.preview_import(trainer, pi.read_spreadsheet(data.encode(), "l.csv"), "l.csv", course.id)
    pi.apply_import(trainer, preview)
    with trainer.db.session() as session:
        person = session.scalars(select(Participant)).one()
        assert (person.institution, person.institution_detail) == ("ong", "FUNDACIÓN ÁNGELES DE LA CALLE – SEDE NORTE")
