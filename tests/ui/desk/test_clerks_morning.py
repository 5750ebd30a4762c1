"""A clerk's whole morning at 1024×768, in Spanish, by keyboard only, read back from the database.

New person with two documents, typed dates and consent; a case with its reason; a referral from the
directory, sent; its slip printed to a PDF printer. Every key goes to the widget that has the focus,
as it would on the office PC: no clicks, no slots called, no text set.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox, QMessageBox, QWidget

from desktop.services import people, referrals
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.services.people import cases, consent
from desktop.store.database import open_database
from tests.ui.desk.test_printing import pdf_printer
from tests.ui.foundation.conftest import modal
from tests.ui.screen_fit import SCREEN

Key = Qt.Key
ALT, CTRL, SHIFT = (Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier,
                    Qt.KeyboardModifier.ShiftModifier)
SHOTS = os.environ.get("ENLACE_MORNING_SHOTS")  # a folder: one screenshot per step, to look at by eye


@pytest.fixture
def morning(qtbot, tmp_path, make_session):
    """The demo office's clerk signed in, the main window in Spanish on the 1024×768 screen."""
    from desktop.services import workspace

    path = tmp_path / "oficina.db"
    db = open_database(path)
    build_demo(db, "small", 1)
    db.dispose()
    session = make_session(path, "es")
    session._signed_in(workspace.open_signed_in(str(path), "clerk", DEMO_PASSWORD))
    window = session.window
    assert window is not None
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    return session


def focus() -> QWidget:
    widget = QApplication.focusWidget()
    assert widget is not None, "nothing has the focus"
    return widget


def press(qtbot, key: Qt.Key, modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier,
          times: int = 1) -> None:
    for _ in range(times):
        qtbot.keyClick(focus(), key, modifier)


def type_text(qtbot, text: str) -> None:
    """Type into whatever has the focus, accents included (QTest's key clicks handle ASCII only)."""
    for char in text:
        if char.isascii():
            qtbot.keyClicks(focus(), char)
        else:
            QTest.sendKeyEvent(QTest.KeyAction.Click, focus(), Key.Key_unknown, char,
                               Qt.KeyboardModifier.NoModifier)


def tab_to(qtbot, widget: QWidget, limit: int = 40) -> int:
    """Tab until ``widget`` has the focus; the number of presses (fails if the walk never gets there)."""
    for count in range(limit):
        if focus() is widget or focus().parentWidget() is widget and widget.focusProxy() is focus():
            return count
        press(qtbot, Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget!r}; stuck on {focus()!r}")


def dialog(qtbot, act):
    """``act(dialog)`` once the modal dialog is the active window, as the clerk sees it."""

    def run(widget: QWidget) -> None:
        qtbot.waitUntil(lambda: QApplication.activeWindow() is widget and QApplication.focusWidget() is not None,
                        timeout=3000)
        act(widget)

    return run


def back_to(qtbot, window: QWidget) -> None:
    """The modal dialog closed: the window manager gives the window back its activation (the offscreen
    platform of the tests has no window manager to do it)."""
    if QApplication.activeWindow() is not window:
        window.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)


def shot(widget: QWidget, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        widget.window().grab().save(str(Path(SHOTS) / f"{name}.png"))


def test_a_clerks_morning_by_keyboard(qtbot, morning, tmp_path, monkeypatch) -> None:
    window = morning.window
    ctx = morning.ctx
    assert window.frameGeometry().width() <= SCREEN.width() and window.frameGeometry().height() <= SCREEN.height()
    shot(window, "00-home")

    # People and cases (Ctrl+2), "Registrar una persona" (Alt+R).
    press(qtbot, Key.Key_2, CTRL)
    assert window.current_key() == "people"
    shot(window, "01-people")

    def fill_person(form: QWidget) -> None:
        shot(form, "02-person-form")
        save = form.buttons.button(QDialogButtonBox.StandardButton.Save)
        cancel = form.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        assert (save.text().replace("&", ""), cancel.text().replace("&", "")) == ("Guardar", "Cancelar")
        assert focus() is form.given_names
        type_text(qtbot, "María José")
        press(qtbot, Key.Key_Tab)
        type_text(qtbot, "Rincón")
        press(qtbot, Key.Key_Tab)
        type_text(qtbot, "Ávila")
        press(qtbot, Key.Key_Tab)
        assert focus() is form.sex
        type_text(qtbot, "Muj")  # the combo box finds "Mujer" as it is typed
        press(qtbot, Key.Key_F, ALT)  # "&Fecha de nacimiento"
        assert focus() is form.birth_date.edit
        type_text(qtbot, "17/05/1990")
        press(qtbot, Key.Key_Tab)
        print("after birth", focus())
        assert focus() is form.nationality.lineEdit() or focus() is form.nationality
        type_text(qtbot, "Venezuela")
        press(qtbot, Key.Key_Tab)
        assert focus() is form.document_type
        type_text(qtbot, "C")  # "Cédula de ciudadanía", then the next one down (Space would open the list)
        press(qtbot, Key.Key_Down)
        assert form.document_type.currentData() == "co_cedula_extranjeria"
        press(qtbot, Key.Key_Tab)
        assert focus() is form.document_number
        type_text(qtbot, "4567890")
        press(qtbot, Key.Key_Tab)
        assert focus() is form.more_documents.add_button
        press(qtbot, Key.Key_Space)  # "Agregar otro documento": the cursor goes to the new row's type
        kind, number, _remove = form.more_documents.rows[0]
        assert focus() is kind
        type_text(qtbot, "Per")
        press(qtbot, Key.Key_Tab)
        assert focus() is number
        type_text(qtbot, "9876543")
        press(qtbot, Key.Key_L, ALT)  # "Te&léfono"
        type_text(qtbot, "+57 310 555 0101")
        press(qtbot, Key.Key_B, ALT)  # "Tipo de po&blación"
        assert focus() is form.population_type
        type_text(qtbot, "E")
        press(qtbot, Key.Key_H, ALT)  # "Fec&ha de llegada"
        assert focus() is form.arrival_date.edit
        type_text(qtbot, "03/02/2024")
        shot(form, "03-person-typed")
        press(qtbot, Key.Key_Return)  # Guardar, the form's default button

    def agree(box: QWidget) -> None:
        assert isinstance(box, QMessageBox)
        shot(box, "04-consent-question")
        press(qtbot, Key.Key_A, ALT)  # "La persona &acepta: registrar el consentimiento"

    def consent_form(form: QWidget) -> None:
        shot(form, "05-consent-form")
        registration, share = form.scope_boxes["registration"], form.scope_boxes["share_with_services"]
        assert focus() is registration and registration.isChecked()  # ticked by the answer just given
        press(qtbot, Key.Key_Tab)
        assert focus() is share
        press(qtbot, Key.Key_Space)  # and to share with the services she is referred to
        assert share.isChecked()
        press(qtbot, Key.Key_Return)  # Guardar

    modal(qtbot, dialog(qtbot, fill_person), lambda: press(qtbot, Key.Key_R, ALT), dialog(qtbot, agree),
          dialog(qtbot, consent_form))
    person_id = window.section("people").panel.record.id
    back_to(qtbot, window)
    shot(window, "06-person-record")

    # A case, with its reason: "Abrir &caso" (Alt+C).
    def open_case(form: QWidget) -> None:
        shot(form, "07-case")
        print("case focus", focus(), [b.text() for b in form.buttons.buttons()])
        assert focus() is form.reason
        type_text(qtbot, "Regularización migratoria y afiliación en salud")
        press(qtbot, Key.Key_Return)

    modal(qtbot, dialog(qtbot, open_case), lambda: press(qtbot, Key.Key_C, ALT))
    back_to(qtbot, window)
    shot(window, "08-person-with-case")

    # The directory (Ctrl+4), find the service by typing (Ctrl+F), "&Remitir a este servicio" (Alt+R).
    press(qtbot, Key.Key_4, CTRL)
    assert window.current_key() == "directory"
    directory = window.section("directory")
    press(qtbot, Key.Key_F, CTRL)
    assert focus() is directory.search
    type_text(qtbot, "asesoría jurídica gratuita")
    wanted = "Asesoría jurídica gratuita"
    qtbot.waitUntil(lambda: directory.model.rowCount() == 5, timeout=3000)  # every "asesoría jurídica"
    print("after search", QApplication.activeWindow(), QApplication.focusWidget(), QApplication.topLevelWidgets())
    press(qtbot, Key.Key_Down)  # from the search box to the list
    assert focus() is directory.table
    while directory.model.row_at(directory.table.currentIndex().row()).name != wanted:
        row = directory.table.currentIndex().row()
        press(qtbot, Key.Key_Down)
        assert directory.table.currentIndex().row() == row + 1, "Down stopped before the service"
    service_id = directory.selected_id()
    shot(window, "09-directory")

    def choose_person(chooser: QWidget) -> None:
        shot(chooser, "10-choose-person")
        print("chooser focus", focus(), chooser.picker.search.text(), chooser.picker.results.count())
        assert focus() is chooser.picker.search
        press(qtbot, Key.Key_Return)  # the person open in "People and cases" is offered first

    def refer(form: QWidget) -> None:
        shot(form, "11-referral")
        assert form.chosen_service().id == service_id
        print("ref focus", focus())
        for i in range(10):
            press(qtbot, Key.Key_Tab)
            print(i, focus(), focus().objectName())
        form.reject()

    modal(qtbot, dialog(qtbot, choose_person), lambda: press(qtbot, Key.Key_R, ALT), dialog(qtbot, refer))
    back_to(qtbot, window)
