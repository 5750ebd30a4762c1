"""An administrator manages accounts: create, change role and language, deactivate, reset, unlock."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from desktop.services.core.errors import AuthError
from desktop.services.security import auth
from desktop.ui.admin.users import user_status
from tests.conftest import PASSWORD
from tests.ui.foundation.conftest import answer_message_box, click, modal, select_combo, type_into


def _users_tab(session):
    session.window.show_section("admin")
    section = session.window.section("admin")
    tab = section.pages["UsersTab"]
    section.tabs.setCurrentWidget(tab)
    return tab


def _select(tab, username: str) -> None:
    tab.select(username)
    assert tab.selected().username == username


def test_admin_creates_a_trainer_who_can_then_sign_in(qtbot, window_for, admin_ctx) -> None:
    session = window_for("admin")
    tab = _users_tab(session)

    def fill(dialog) -> None:
        type_into(qtbot, dialog.username, "jperez")
        type_into(qtbot, dialog.full_name, "Julián Pérez Gómez")
        select_combo(dialog.role, "trainer")
        select_combo(dialog.language, "en")
        type_into(qtbot, dialog.password, "corta")
        assert not dialog.rules.is_ok()
        type_into(qtbot, dialog.password, "capacita-2026")
        type_into(qtbot, dialog.repeat, "capacita-2026")
        assert dialog.rules.is_ok()
        dialog._save()

    modal(qtbot, fill, lambda: click(qtbot, tab.new_button))
    assert tab.selected().username == "jperez"
    created = {u.username: u for u in auth.list_users(admin_ctx)}["jperez"]
    assert (created.role, created.preferred_language, created.full_name) == ("trainer", "en", "Julián Pérez Gómez")
    actor = auth.sign_in(admin_ctx.db, "jperez", "capacita-2026")
    assert actor.role == "trainer"


def test_a_taken_user_name_is_highlighted_and_nothing_typed_is_lost(qtbot, window_for, monkeypatch) -> None:
    from desktop.ui.admin import users as users_ui

    shown: list[str] = []
    monkeypatch.setattr(users_ui, "show_error", lambda _parent, error: shown.append(str(error)))
    session = window_for("admin")
    tab = _users_tab(session)
    seen = {}

    def fill(dialog) -> None:
        type_into(qtbot, dialog.username, "clerk")
        type_into(qtbot, dialog.full_name, "Otra Persona")
        type_into(qtbot, dialog.password, "una-clave-larga")
        type_into(qtbot, dialog.repeat, "una-clave-larga")
        dialog._save()
        seen.update(visible=dialog.isVisible(), invalid=dialog.username.property("invalid"),
                    name=dialog.full_name.text())
        dialog.reject()

    modal(qtbot, fill, lambda: click(qtbot, tab.new_button))
    assert seen == {"visible": True, "invalid": True, "name": "Otra Persona"}
    assert shown == ["The user name clerk is already taken."]


def test_deactivated_user_cannot_sign_in_and_can_be_activated_again(qtbot, window_for, admin_ctx) -> None:
    session = window_for("admin")
    tab = _users_tab(session)
    _select(tab, "trainer")
    assert tab.active_button.text().replace("&", "") == "Deactivate"
    modal(qtbot, answer_message_box(QMessageBox.StandardButton.Yes), lambda: click(qtbot, tab.active_button))
    _select(tab, "trainer")
    assert user_status(tab.selected()) == "Deactivated"
    try:
        auth.sign_in(admin_ctx.db, "trainer", PASSWORD)
        raise AssertionError("a deactivated account signed in")
    except AuthError as exc:
        assert "deactivated" in str(exc)
    assert tab.active_button.text().replace("&", "") == "Activate"
    click(qtbot, tab.active_button)
    _select(tab, "trainer")
    assert tab.selected().active
    assert auth.sign_in(admin_ctx.db, "trainer", PASSWORD).username == "trainer"


def test_locked_account_is_shown_and_unlocked_by_the_admin(qtbot, window_for, admin_ctx) -> None:
    for _attempt in range(5):
        try:
            auth.sign_in(admin_ctx.db, "clerk", "nope-nope-nope")
        except AuthError:
            pass
    session = window_for("admin")
    tab = _users_tab(session)
    _select(tab, "clerk")
    assert user_status(tab.selected()) == "Locked"
    assert tab.unlock_button.isEnabled()
    click(qtbot, tab.unlock_button)
    _select(tab, "clerk")
    assert not tab.selected().locked and not tab.unlock_button.isEnabled()
    assert auth.sign_in(admin_ctx.db, "clerk", PASSWORD).username == "clerk"


def test_reset_password_makes_the_user_choose_a_new_one(qtbot, window_for, admin_ctx, monkeypatch) -> None:
    from desktop.ui.admin import users as users_ui

    told: list[str] = []
    monkeypatch.setattr(users_ui, "show_info", lambda _parent, message: told.append(message))
    session = window_for("admin")
    tab = _users_tab(session)
    _select(tab, "supervisor")

    def fill(dialog) -> None:
        type_into(qtbot, dialog.password, "temporal-5678")
        type_into(qtbot, dialog.repeat, "temporal-5678")
        click(qtbot, dialog.ok_button)

    modal(qtbot, fill, lambda: click(qtbot, tab.reset_button))
    assert told == ["The password of supervisor was reset."]
    actor = auth.sign_in(admin_ctx.db, "supervisor", "temporal-5678")
    from desktop.services.core.context import AppContext

    assert auth.must_change_password(AppContext(admin_ctx.db, actor))


def test_edit_changes_role_and_language(qtbot, window_for, admin_ctx) -> None:
    session = window_for("admin")
    tab = _users_tab(session)
    _select(tab, "clerk")

    def edit(dialog) -> None:
        assert dialog.username.isReadOnly()
        select_combo(dialog.role, "supervisor")
        select_combo(dialog.language, "en")
        type_into(qtbot, dialog.full_name, "Clara Pérez")
        dialog._save()

    modal(qtbot, edit, lambda: click(qtbot, tab.edit_button))
    user = {u.username: u for u in auth.list_users(admin_ctx)}["clerk"]
    assert (user.role, user.preferred_language, user.full_name) == ("supervisor", "en", "Clara Pérez")


def test_supervisor_sees_the_audit_log_but_not_users_or_office(qtbot, window_for) -> None:
    session = window_for("supervisor")
    section = session.window.section("admin")
    assert list(section.pages) == ["AuditTab", "BackupsTab"]  # supervisors may back up (not restore)


def test_trainer_and_clerk_have_no_administration(qtbot, window_for) -> None:
    for role in ("trainer", "clerk"):
        session = window_for(role)
        assert session.window.section("admin") is None
        session._end_session()
