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
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox, QWidget
from sqlalchemy import select

from desktop.i18n import office_today
from desktop.services import referrals
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.store.database import open_database
from desktop.store.models.people import Case, Consent, Person, PersonDocument, Referral
from tests.ui.desk.test_printing import pdf_printer
from tests.ui.foundation.conftest import modal
from tests.ui.screen_fit import SCREEN

Key = Qt.Key
ALT, CTRL = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
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
    window.setGeometry(SCREEN)  # the office PC's 1024×768 screen, the window maximised on it
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
    assert (window.width(), window.height()) == (1024, 768)
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
    press(qtbot, Key.Key_Down)  # from the search box to the list
    assert focus() is directory.table
    while directory.model.row(directory.table.currentIndex().row()).name != wanted:
        row = directory.table.currentIndex().row()
        press(qtbot, Key.Key_Down)
        assert directory.table.currentIndex().row() == row + 1, "Down stopped before the service"
    service_id = directory.selected_id()
    shot(window, "09-directory")

    def choose_person(chooser: QWidget) -> None:
        shot(chooser, "10-choose-person")
        assert focus() is chooser.picker.search and chooser.chosen() == person_id
        press(qtbot, Key.Key_Return)  # the person open in "People and cases" is offered first: Continuar

    def refer(form: QWidget) -> None:
        assert form.chosen_service().id == service_id
        assert focus() is form.reason_code
        type_text(qtbot, "Ori")  # "Orientación jurídica"
        press(qtbot, Key.Key_Tab)
        assert focus() is form.reason
        type_text(qtbot, "Trámite del PPT y recurso de reposición")
        press(qtbot, Key.Key_Tab)
        assert focus() is form.urgency
        type_text(qtbot, "A")  # "Alta"
        shot(form, "11-referral")
        press(qtbot, Key.Key_Return)  # "Guardar y enviar", the form's default button

    # "&Remitir a este servicio…" (Alt+R)
    modal(qtbot, dialog(qtbot, choose_person), lambda: press(qtbot, Key.Key_R, ALT), dialog(qtbot, refer))
    back_to(qtbot, window)
    assert window.current_key() == "referrals"  # the new referral, shown with its slip buttons
    panel = window.section("referrals").panel
    shot(window, "12-referral-sent")

    # "Im&primir hoja de remisión" (Alt+P): the preview's Print, to a PDF printer.
    slip = tmp_path / "hoja.pdf"
    printed = pdf_printer(monkeypatch, slip)
    press(qtbot, Key.Key_P, ALT)  # a mnemonic presses the button as a click would, a moment later
    qtbot.waitUntil(lambda: len(printed) == 1, timeout=3000)
    assert len(printed) == 1 and slip.stat().st_size > 0
    number = panel.info.number

    # Everything typed, read back from the database.
    with ctx.db.session() as session:
        person = session.get(Person, person_id)
        assert (person.given_names, person.family_name_1, person.family_name_2) == ("María José", "Rincón", "Ávila")
        assert person.sex == "female" and person.nationality == "VE" and person.population_type == "destination"
        assert (person.birth_date, person.arrival_date) == (date(1990, 5, 17), date(2024, 2, 3))
        assert (person.document_type, person.document_number) == ("co_cedula_extranjeria", "4567890")
        assert person.phone == "+57 310 555 0101"
        documents = session.scalars(select(PersonDocument).where(PersonDocument.person_id == person_id)
                                    .order_by(PersonDocument.position)).all()
        assert [(d.document_type, d.number) for d in documents] == [("co_cedula_extranjeria", "4567890"),
                                                                    ("co_ppt", "9876543")]
        granted = session.scalars(select(Consent).where(Consent.person_id == person_id,
                                                        Consent.withdrawn_at.is_(None))).all()
        assert sorted(c.scope for c in granted) == ["registration", "share_with_services"]
        assert all(c.taken_by == "clerk" and c.given_on == office_today() for c in granted)
        case = session.scalars(select(Case).where(Case.person_id == person_id)).one()
        assert (case.reason, case.status, case.caseworker) == (
            "Regularización migratoria y afiliación en salud", "open", "clerk")
        referral = session.scalars(select(Referral).where(Referral.person_id == person_id)).one()
        assert referral.number == number
        assert (referral.service_id, referral.case_id, referral.reason_code, referral.urgency, referral.status) == (
            service_id, case.id, "legal", "high", "sent")
        assert referral.reason == "Trámite del PPT y recurso de reposición"

    # The printer gets the slip as page images: its QR code carries the referral's number.
    if shutil.which("pdftoppm") and shutil.which("zbarimg"):
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(slip), str(tmp_path / "hoja")],
                       check=True)
        scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "hoja.png")], capture_output=True,
                                 text=True).stdout.strip()
        assert scanned.startswith(f"ENLACE-REM|{number}|"), scanned
        check = referrals.verify_slip(ctx, scanned)  # and its check code makes it this office's own slip
        assert (check.genuine, check.number, check.status) == (True, number, "sent")
