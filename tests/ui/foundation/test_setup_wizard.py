"""First run on a fresh PC: the wizard creates the office and its administrator, then the window opens."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QLabel, QWizard

from desktop.services import office as office_service
from desktop.services import workspace
from tests.ui.foundation.conftest import click, type_into

ADMIN_PASSWORD = "clave-segura-2026"


def _fill_office(qtbot, wizard) -> None:
    fields = wizard.office_page.fields
    type_into(qtbot, fields.code, "cuc")
    type_into(qtbot, fields.name, "Mesa Migratoria de Cúcuta")
    type_into(qtbot, fields.municipality, "San José de Cúcuta")
    type_into(qtbot, fields.region, "Norte de Santander")


def _fill_admin(qtbot, wizard, password: str = ADMIN_PASSWORD, repeat: str | None = None) -> None:
    page = wizard.admin_page
    type_into(qtbot, page.username, "mlopez")
    type_into(qtbot, page.full_name, "María López Ríos")
    type_into(qtbot, page.password, password)
    type_into(qtbot, page.repeat, password if repeat is None else repeat)


def _finish_recovery(qtbot, session, folder: Path) -> None:
    """A new database is encrypted: its recovery key is shown once, and its sheet saved as a PDF."""
    qtbot.waitUntil(lambda: session.recovery_dialog is not None)
    dialog = session.recovery_dialog
    assert session.window is None  # the key comes first
    assert len(dialog.recovery_key) >= 20
    assert dialog.save_to(folder / "recovery.pdf")
    assert (folder / "recovery.pdf").read_bytes().startswith(b"%PDF")
    click(qtbot, dialog.done_button)


def test_wizard_creates_the_office_and_opens_the_window_signed_in(qtbot, tmp_path: Path, make_session) -> None:
    location = tmp_path / "office" / "enlace.db"
    session = make_session(location)
    assert session.start()
    wizard = session.wizard
    assert wizard is not None and wizard.isVisible()
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    assert not next_button.isEnabled()  # code and name are required
    _fill_office(qtbot, wizard)
    fields = wizard.office_page.fields
    assert fields.country.currentData() == "CO"
    assert fields.timezone.currentData() == "America/Bogota"
    assert fields.locale.currentData() == "es_CO"
    click(qtbot, next_button)
    assert wizard.currentPage() is wizard.admin_page

    finish = wizard.button(QWizard.WizardButton.FinishButton)
    _fill_admin(qtbot, wizard, password="mlopez2026x")  # holds the user name
    assert wizard.admin_page.rules.name_label.text().startswith("✘")
    assert not finish.isEnabled()
    _fill_admin(qtbot, wizard, password="corta")
    assert wizard.admin_page.rules.length_label.text().startswith("✘")
    assert not finish.isEnabled()
    _fill_admin(qtbot, wizard, repeat="otra-cosa-distinta")
    assert wizard.admin_page.rules.repeat_label.text().startswith("✘")
    assert not finish.isEnabled()
    _fill_admin(qtbot, wizard)
    assert wizard.admin_page.rules.is_ok() and finish.isEnabled()
    click(qtbot, finish)
    _finish_recovery(qtbot, session, tmp_path)
    qtbot.waitUntil(lambda: session.window is not None and session.window.isVisible())

    ctx = session.ctx
    assert ctx.actor.username == "mlopez" and ctx.actor.role == "admin"
    info = office_service.office_info(ctx.db)
    assert (info.code, info.name, info.country, info.municipality, info.timezone) == (
        "CUC", "Mesa Migratoria de Cúcuta", "CO", "San José de Cúcuta", "America/Bogota")
    assert not workspace.needs_setup(location)


def test_bad_office_code_is_highlighted_and_the_wizard_stays(qtbot, tmp_path: Path, make_session) -> None:
    session = make_session(tmp_path / "enlace.db")
    session.start()
    wizard = session.wizard
    _fill_office(qtbot, wizard)
    fields = wizard.office_page.fields
    type_into(qtbot, fields.code, "B G A!")
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    assert wizard.currentPage() is wizard.office_page
    assert fields.code.property("invalid") is True
    assert "2 to 10 letters" in fields.code.toolTip()
    assert fields.name.text() == "Mesa Migratoria de Cúcuta"  # nothing typed is lost
    type_into(qtbot, fields.code, "BGA")
    assert not fields.code.property("invalid")


def test_choosing_mexico_offers_its_time_zones_and_locale(qtbot, tmp_path: Path, make_session) -> None:
    session = make_session(tmp_path / "enlace.db")
    session.start()
    fields = session.wizard.office_page.fields
    fields.country.setCurrentIndex(fields.country.findData("MX"))
    assert fields.timezone.currentData() == "America/Mexico_City"
    assert fields.locale.currentData() == "es_MX"


def test_a_logo_that_is_not_an_image_is_refused(qtbot, tmp_path: Path, make_session, monkeypatch) -> None:
    from desktop.ui import setup_wizard

    shown: list[str] = []
    monkeypatch.setattr(setup_wizard, "show_error", lambda _parent, error: shown.append(str(error)))
    session = make_session(tmp_path / "enlace.db")
    session.start()
    picker = session.wizard.office_page.fields.logo
    fake = tmp_path / "logo.png"
    fake.write_bytes(b"not an image")
    assert not picker.load(fake)
    assert picker.data is None and shown == ["Choose a PNG or JPEG image smaller than 2 MB."]
    png = tmp_path / "real.png"
    from PySide6.QtGui import QColor, QImage

    image = QImage(8, 8, QImage.Format.Format_RGB32)
    image.fill(QColor("navy"))
    image.save(str(png))
    assert picker.load(png) and picker.data.startswith(b"\x89PNG")


def test_cancelling_the_wizard_creates_nothing(qtbot, tmp_path: Path, make_session) -> None:
    location = tmp_path / "enlace.db"
    session = make_session(location)
    session.start()
    finished: list[bool] = []
    session.finished.connect(lambda: finished.append(True))
    session.wizard.reject()
    assert finished == [True]
    assert workspace.needs_setup(location)


def test_after_setup_the_administrator_signs_out_and_in_again_on_the_encrypted_database(
        qtbot, tmp_path: Path, make_session) -> None:
    from tests.ui.foundation.conftest import sign_in

    location = tmp_path / "enlace.db"
    session = make_session(location)
    session.start()
    wizard = session.wizard
    _fill_office(qtbot, wizard)
    click(qtbot, wizard.button(QWizard.WizardButton.NextButton))
    _fill_admin(qtbot, wizard)
    click(qtbot, wizard.button(QWizard.WizardButton.FinishButton))
    _finish_recovery(qtbot, session, tmp_path)
    qtbot.waitUntil(lambda: session.window is not None)
    assert workspace.is_encrypted(location)
    assert "Cúcuta".encode() not in location.read_bytes()  # unreadable without the key

    session.sign_out()
    dialog = session.sign_in_dialog
    assert dialog.findChild(QLabel, "title").text() == "Mesa Migratoria de Cúcuta"  # read before unlocking
    sign_in(qtbot, session, "mlopez", "not-the-password")
    assert dialog.error.text() == "Wrong user name or password."
    sign_in(qtbot, session, "mlopez", ADMIN_PASSWORD)
    qtbot.waitUntil(lambda: session.window is not None)
    assert session.ctx.actor.username == "mlopez"


def test_wizard_switches_to_english_and_keeps_what_was_typed(qtbot, tmp_path: Path, make_session) -> None:
    from desktop.i18n import current_language, set_language
    from desktop.ui.app import apply_language
    from tests.ui.foundation.conftest import select_combo

    apply_language("es")
    try:
        session = make_session(tmp_path / "enlace.db")
        session.start()
        wizard = session.wizard
        assert wizard.office_page.title() == "Su oficina"
        assert wizard.button(QWizard.WizardButton.NextButton).text().replace("&", "") == "Siguiente >"
        _fill_office(qtbot, wizard)
        select_combo(wizard.office_page.fields.country, "MX")
        select_combo(wizard.office_page.language, "en")
        assert current_language() == "en"
        fields = wizard.office_page.fields
        assert wizard.office_page.title() == "Your office"
        assert wizard.button(QWizard.WizardButton.NextButton).text().replace("&", "") == "Next >"
        kept = (fields.code.text(), fields.name.text(), fields.country.currentData(), fields.timezone.currentData())
        assert kept == ("cuc", "Mesa Migratoria de Cúcuta", "MX", "America/Mexico_City")
        assert fields.country.currentText() == "Mexico"  # country names in the new language
    finally:
        set_language("en")
