"""The Trainings section driven as a trainer would: import with mapping, keyboard attendance,
bulk issuing with cancel, verify and revoke."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import func, select

from desktop.services import training
from desktop.services.training import certificates
from desktop.store.models import Attendance, Certificate, Participant
from desktop.ui.training.attendance import FIXED
from desktop.ui.training.section import TrainingSection
from tests.training.helpers import give_office_logo, make_course


@pytest.fixture
def infos(monkeypatch) -> list[str]:
    """Messages the section would show in a box (recorded instead of blocking the test)."""
    shown: list[str] = []
    monkeypatch.setattr("desktop.ui.training.section.show_info", lambda _parent, message, *a: shown.append(message))
    monkeypatch.setattr("desktop.ui.training.certificates.show_info", lambda _p, message, *a: shown.append(message))
    return shown


def _section(qtbot, ctx) -> TrainingSection:
    section = TrainingSection(ctx)
    qtbot.addWidget(section)
    section.resize(1300, 800)
    section.show()
    return section


def test_import_with_a_column_mapping_that_is_remembered(qtbot, ctx_for, qt_settings, infos, tmp_path: Path) -> None:
    from desktop.ui import settings

    trainer = ctx_for("trainer")
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa migratoria", total_hours=20))
    section = _section(qtbot, trainer)
    # Headers Enlace cannot guess: "Funcionario" (full name) and "Identif" (the document).
    csv_file = tmp_path / "lista.csv"
    csv_file.write_bytes("Lista de asistencia\n\nFuncionario;Identif;Entidad\n"
                         "MARÍA DE LOS ÁNGELES PÉREZ GÓMEZ;1098765432;Alcaldía de Girón\n"
                         "JOSÉ LUIS ÑAÑEZ ORTIZ;91.234.567;Personería\n"
                         "SIN DOCUMENTO;;ICBF\n".encode("cp1252"))
    dialog = section.participants.import_file(str(csv_file))
    qtbot.waitUntil(dialog.isVisible)
    dialog.header_row.setValue(3)
    assert not dialog.next_button.isEnabled()  # no name or document column yet
    dialog.set_column(0, "full_name")
    dialog.set_column(1, "document_number")
    assert dialog.next_button.isEnabled()
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert "2 new" in dialog.counts.text() and "1 rejected" in dialog.counts.text()
    assert dialog.preview_table.item(2, 2).text() == "no document number"
    with trainer.db.session() as session:
        assert session.scalar(select(func.count()).select_from(Participant)) == 0  # not before Import
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(infos), timeout=10_000)
    assert "2 new participants" in infos[0]
    assert section.participants.table.rowCount() == 2
    assert section.participants.table.item(0, 0).text() == "María de los Ángeles Pérez Gómez"
    assert settings.PARTICIPANT_IMPORT_MAPPING.get()["funcionario"] == "full_name"

    # The next list with the same headers is mapped from memory.
    again = tmp_path / "otra.csv"
    again.write_bytes("Funcionario,Identif\nCAMILO SUÁREZ PEÑA,13456789\n".encode())
    second = section.participants.import_file(str(again))
    qtbot.waitUntil(second.isVisible)
    assert second.mapping() == {0: "full_name", 1: "document_number"}
    second.reject()


def test_the_preview_names_the_columns_that_will_not_be_imported(qtbot, ctx_for, qt_settings, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa", total_hours=20))
    section = _section(qtbot, trainer)
    path = tmp_path / "lista.csv"
    path.write_bytes("Nombres;Apellidos;Cédula;Talla de camiseta\nAna;Ruiz;52111222;M\n".encode())
    dialog = section.participants.import_file(str(path))
    qtbot.waitUntil(dialog.isVisible)
    qtbot.mouseClick(dialog.next_button, Qt.MouseButton.LeftButton)
    assert dialog.unmapped.isVisible()
    assert dialog.unmapped.text() == "Column “Talla de camiseta” will not be imported."
    dialog.reject()


def test_a_protected_workbook_is_refused_with_a_message(qtbot, ctx_for, qt_settings, monkeypatch,
                                                       tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa", total_hours=20))
    section = _section(qtbot, trainer)
    errors: list[str] = []
    monkeypatch.setattr("desktop.ui.common.show_error", lambda _p, error, *a: errors.append(str(error)))
    path = tmp_path / "protegido.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100 + "EncryptedPackage".encode("utf-16-le"))
    assert section.participants.import_file(str(path)) is None
    assert "protected with a password" in errors[0]


def test_attendance_is_taken_from_the_keyboard_with_live_hours(qtbot, ctx_for, qt_settings) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, attend={"13456789": 0, "1098765432": 0}, sessions=3, signatories=False)
    section = _section(qtbot, trainer)
    section.course_tabs.setCurrentWidget(section.attendance)
    view, model = section.attendance.view, section.attendance.model
    rows = [model.grid.rows[r].document_number for r in range(model.rowCount())]
    last = model.columnCount() - 1
    # Session 1 column, first person (everyone attended nothing yet for two of them).
    view.setFocus()
    view.setCurrentIndex(model.index(rows.index("13456789"), FIXED))
    qtbot.keyClick(view, Qt.Key.Key_T)  # late: earns the hours
    assert view.currentIndex().row() == rows.index("13456789") + 1  # moved to the next person
    view.setCurrentIndex(model.index(rows.index("13456789"), FIXED))
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_P)
    qtbot.keyClick(view, Qt.Key.Key_Up)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_E)  # excused: no hours
    row = rows.index("13456789")
    assert model.data(model.index(row, last - 1)) == "8 of 12"
    assert model.data(model.index(row, last)) == "No"
    view.setCurrentIndex(model.index(row, FIXED + 2))
    qtbot.keyClick(view, Qt.Key.Key_P)
    assert model.data(model.index(row, last)) == "Yes"  # 12 of 12 h
    assert model.data(model.index(row, FIXED)) == "T"
    # Delete clears a cell; "mark all present" on session 3 then fills only that one.
    view.setCurrentIndex(model.index(rows.index("1098765432"), FIXED + 2))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert model.status(rows.index("1098765432"), FIXED + 2) is None
    view.setCurrentIndex(model.index(0, FIXED + 2))
    qtbot.mouseClick(section.attendance.mark_all, Qt.MouseButton.LeftButton)
    with trainer.db.session() as session:
        statuses = dict(session.execute(select(Attendance.enrollment_id, Attendance.status)
                                        .where(Attendance.session_id == setup.session_ids[2])).all())
    assert statuses[setup.enrollment_ids["1098765432"]] == "present"
    assert statuses[setup.enrollment_ids["13456789"]] == "present"
    assert "3 of 4 participants" in section.attendance.summary.text()


def test_supervisors_see_attendance_but_keys_change_nothing(qtbot, ctx_for, qt_settings) -> None:
    make_course(ctx_for("trainer"), sessions=2, signatories=False)
    section = _section(qtbot, ctx_for("supervisor"))
    view, model = section.attendance.view, section.attendance.model
    view.setCurrentIndex(model.index(0, FIXED))
    before = model.status(0, FIXED)
    qtbot.keyClick(view, Qt.Key.Key_A)
    assert model.status(0, FIXED) == before
    assert not section.attendance.mark_all.isVisibleTo(section.attendance)
    assert not section.participants.import_button.isVisibleTo(section.participants)


def test_bulk_issuing_can_be_cancelled_then_completed(qtbot, ctx_for, qt_settings, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    people = [(f"Persona {i}", "Pérez Gómez", str(1_000_000 + i), "F", "alcaldia", "") for i in range(30)]
    make_course(trainer, people=people, sessions=2)
    give_office_logo(trainer.db)  # nothing missing: no question before issuing
    section = _section(qtbot, trainer)
    section.course_tabs.setCurrentWidget(section.certificates)
    dialog = section.certificates.issue()
    qtbot.waitUntil(dialog.isVisible)
    assert "30 participants" in dialog.summary.text()
    dialog.split.setChecked(True)
    dialog.path.setText(str(tmp_path / "constancias"))
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Cancelled" in dialog.status.text(), timeout=15_000)
    assert dialog.isVisible()
    assert not list((tmp_path / "constancias").glob("*"))
    assert dialog.start_button.isEnabled()

    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    assert dialog.result.issued + dialog.result.reprinted == 30
    with trainer.db.session() as session:
        assert sorted(session.scalars(select(Certificate.seq))) == list(range(1, 31))
    assert len(list((tmp_path / "constancias").glob("*.pdf"))) == 30
    assert section.certificates.table.rowCount() == 30


def test_verify_then_revoke_then_verify_again(qtbot, ctx_for, qt_settings, tmp_path: Path) -> None:
    trainer, supervisor = ctx_for("trainer"), ctx_for("supervisor")
    setup = make_course(trainer, signatories=False)
    number = certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf").numbers[0]
    with trainer.db.session() as session:
        payload = session.scalar(select(Certificate.payload).where(Certificate.number == number))

    trainer_view = _section(qtbot, trainer)
    assert not trainer_view.certificates.revoke_button.isVisibleTo(trainer_view.certificates)
    verify = trainer_view.verify_panel
    trainer_view.tabs.setCurrentWidget(verify)
    verify.code.setPlainText(payload)
    qtbot.mouseClick(verify.verify_button, Qt.MouseButton.LeftButton)
    assert verify.outcome.text().startswith("Valid")
    assert verify.fields["hours"].text() == "20"
    verify.code.setPlainText(payload.replace("MESA-2026", "MESA-2027"))
    qtbot.mouseClick(verify.verify_button, Qt.MouseButton.LeftButton)
    assert verify.outcome.text().startswith("Not valid")
    assert not verify.details.isVisible()
    # The number and code as printed under the QR code, typed by a person: any case, spaces for dashes.
    with trainer.db.session() as session:
        code = session.scalar(select(Certificate.verification_code).where(Certificate.number == number))
    verify.code.setPlainText(f"{number.lower().replace('-', ' ')}  {code[:4].lower()} {code[4:].lower()}")
    qtbot.mouseClick(verify.verify_button, Qt.MouseButton.LeftButton)
    assert verify.outcome.text().startswith("Valid") and verify.fields["number"].text() == number

    section = _section(qtbot, supervisor)
    panel = section.certificates
    assert panel.revoke_button.isVisibleTo(panel) and not panel.issue_button.isVisibleTo(panel)
    row = [r.number for r in panel.rows].index(number)
    panel.table.selectRow(row)
    assert panel.revoke("La persona no asistió; error de digitación")
    assert "Revoked" in panel.table.item(row, 5).text()
    section.verify_panel.code.setPlainText(payload)
    qtbot.mouseClick(section.verify_panel.verify_button, Qt.MouseButton.LeftButton)
    assert section.verify_panel.outcome.text().startswith("Revoked")
    assert section.verify_panel.fields["reason"].text() == "La persona no asistió; error de digitación"


def test_the_office_key_is_exported_and_only_administrators_import_keys(qtbot, ctx_for, qt_settings, monkeypatch,
                                                                         tmp_path: Path) -> None:
    from desktop.ui.training.certificates import KeysBox

    errors: list[str] = []
    monkeypatch.setattr("desktop.ui.common.show_error", lambda _p, error, *a: errors.append(str(error)))
    box = _section(qtbot, ctx_for("trainer")).verify_panel.findChild(KeysBox)
    assert not box.import_button.isVisibleTo(box)
    path = box.export_key(str(tmp_path / "clave.json"))
    assert path and "This office: BGA" in box.list.text()
    admin_box = _section(qtbot, ctx_for("admin")).verify_panel.findChild(KeysBox)
    assert admin_box.import_button.isVisibleTo(admin_box)
    assert not admin_box.import_key(path)
    assert "own key" in errors[0]
