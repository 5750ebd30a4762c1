"""The main window: sections by role, keyboard navigation, Ctrl+F, home panels, preferences."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QMessageBox, QWidget

from desktop.services.core.permissions import Permission
from desktop.services.security import auth
from desktop.ui import home
from tests.conftest import PASSWORD
from tests.ui.foundation.conftest import answer_message_box, click, modal, select_combo, type_into


def test_ctrl_number_switches_section_and_ctrl_f_focuses_its_search(qtbot, window_for) -> None:
    session = window_for("admin")
    window = session.window
    with qtbot.waitActive(window):
        window.activateWindow()
    admin_row = [spec.key for spec in window.specs].index("admin")
    qtbot.keyClick(window.nav, Qt.Key(Qt.Key.Key_1 + admin_row), Qt.KeyboardModifier.ControlModifier)
    assert window.current_key() == "admin"
    section = window.section("admin")
    section.tabs.setCurrentWidget(section.pages["UsersTab"])
    qtbot.keyClick(window.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is section.pages["UsersTab"].search
    section.tabs.setCurrentWidget(section.pages["AuditTab"])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is section.pages["AuditTab"].search


def test_home_greets_the_person_and_names_the_office(qtbot, window_for) -> None:
    session = window_for("clerk")
    section = session.window.section("home")
    assert "Clerk" in section.greeting.text()
    assert section.office_label.text() == "Oficina de Bucaramanga, Bucaramanga"


class _CountPanel(QWidget):
    permission = Permission.VIEW_PEOPLE
    title = "Due follow-ups"

    def __init__(self, ctx, parent=None) -> None:
        super().__init__(parent)
        self.refreshed = 0
        QLabel(f"for {ctx.actor.username}", self)

    def refresh(self) -> None:
        self.refreshed += 1


def test_home_panels_appear_only_for_roles_that_may_see_them(qtbot, window_for, monkeypatch) -> None:
    monkeypatch.setattr(home, "HOME_PANELS", [f"{__name__}:_CountPanel"])
    clerk = window_for("clerk")
    panels = clerk.window.section("home").panels
    assert len(panels) == 1 and isinstance(panels[0], _CountPanel)
    clerk.window.section("home").refresh()
    assert panels[0].refreshed >= 1
    clerk._end_session()
    trainer = window_for("trainer")
    assert trainer.window.section("home").panels == []  # trainers never see people


def test_status_bar_shows_office_user_role_and_database(qtbot, window_for, db_path) -> None:
    window = window_for("supervisor").window
    assert window.office_label.text() == "BGA · Oficina de Bucaramanga"
    assert window.user_label.text() == "Supervisor Pérez (Supervisor)"
    assert db_path.name in window.db_label.text()


def test_preferences_change_password_and_language(qtbot, window_for, admin_ctx) -> None:
    session = window_for("clerk", language=None)
    dialogs = []

    def use(dialog) -> None:
        dialogs.append(dialog)
        form = dialog.password_form
        type_into(qtbot, form.current, "wrong-current")
        type_into(qtbot, form.new, "nueva-clave-2027")
        type_into(qtbot, form.repeat, "nueva-clave-2027")
        click(qtbot, dialog.change_button)
        assert dialog.password_status.text() == "La contraseña actual no es correcta."  # the clerk reads Spanish
        type_into(qtbot, form.current, PASSWORD)
        type_into(qtbot, form.new, "nueva-clave-2027")
        type_into(qtbot, form.repeat, "nueva-clave-2027")
        click(qtbot, dialog.change_button)
        assert form.current.text() == ""
        select_combo(dialog.language, "en")
        dialog._save()

    old_window = session.window
    modal(qtbot, use, session.window.preferences_requested.emit, answer_message_box(QMessageBox.StandardButton.Yes))
    auth.confirm_password(session.ctx, "nueva-clave-2027")
    assert {u.username: u for u in auth.list_users(admin_ctx)}["clerk"].preferred_language == "en"
    assert session.window is not old_window  # reopened in the new language
    assert session.window.windowTitle().startswith("Enlace")
    assert session.window.nav.item(0).text() == "Home"


def test_closing_the_window_signs_out(qtbot, window_for, admin_ctx) -> None:
    from desktop.services.security.audit import AuditFilter, list_events

    session = window_for("trainer")
    finished: list[bool] = []
    session.finished.connect(lambda: finished.append(True))
    session.window.close()
    assert finished == [True] and session.ctx is None
    assert [e.username for e in list_events(admin_ctx, AuditFilter(action="logout"))] == ["trainer"]
