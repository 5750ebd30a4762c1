"""Issuing certificates that would print without the office logo or a signature asks first, in the
person's language: No issues nothing, Yes issues them all."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QMessageBox
from sqlalchemy import func, select

from desktop.i18n import set_language
from desktop.services.training import certificates
from desktop.store.models import Certificate
from desktop.ui.training.certificates import IssueDialog
from tests.training.helpers import make_course
from tests.ui.foundation.conftest import answer_message_box, click, modal


def _issued(db) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Certificate))


def test_issuing_without_logo_or_signature_asks_first(qtbot, ctx_for, qt_settings, tmp_path: Path) -> None:
    trainer = ctx_for("trainer")
    people = [(f"Persona {i}", "Pérez", str(3_000 + i), "F", "alcaldia", "") for i in range(3)]
    course = make_course(trainer, people=people, sessions=1, signatories=False)
    certificates.save_template(trainer, course.course_id, certificates.TemplateForm(signatories=[
        certificates.SignatoryForm("Adriana Rueda Martínez", "Secretaria")]))
    set_language("es")
    dialog = IssueDialog(trainer, course.course_id, course.code)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.path.setText(str(tmp_path / "constancias.pdf"))
    dialog.print_after.setChecked(False)

    no = answer_message_box(QMessageBox.StandardButton.No)
    modal(qtbot, no, lambda: click(qtbot, dialog.start_button))
    assert "La oficina no tiene logo" in no.text and "Adriana Rueda Martínez no tiene imagen de firma" in no.text
    assert no.text.endswith("¿Emitir las constancias de todos modos?")
    assert _issued(trainer.db) == 0 and not (tmp_path / "constancias.pdf").exists()
    assert dialog.status.text().startswith("No se emitió nada") and dialog.start_button.isEnabled()
    assert dialog.worker is None

    yes = answer_message_box(QMessageBox.StandardButton.Yes)
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        modal(qtbot, yes, lambda: click(qtbot, dialog.start_button))
    assert yes.text == no.text
    assert _issued(trainer.db) == 3 and (tmp_path / "constancias.pdf").exists()
    assert dialog.result.issued == 3
