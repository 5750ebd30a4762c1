"""Signing in, the lockout a person meets after wrong passwords, demo accounts, signing out."""

from __future__ import annotations

from PySide6.QtWidgets import QGroupBox, QLabel, QPushButton

from desktop.services.demo import DEMO_PASSWORD
from desktop.services.security import auth
from desktop.services.security.audit import AuditFilter, list_events
from desktop.ui.main_window import MainWindow
from tests.conftest import PASSWORD
from tests.ui.foundation.conftest import click, sign_in, type_into


def test_right_password_opens_the_main_window_with_user_and_office_in_the_status_bar(
        qtbot, office_db, db_path, make_session) -> None:
    session = make_session(db_path)
    assert session.start()
    assert session.sign_in_dialog.windowTitle().startswith("Sign in")
    sign_in(qtbot, session, "clerk", PASSWORD)
    qtbot.waitUntil(lambda: session.window is not None and session.window.isVisible())
    window: MainWindow = session.window
    assert session.ctx.actor.role == "clerk"
    assert "Clerk Pérez" in window.user_label.text()
    assert "BGA" in window.office_label.text()
    assert window.current_key() == "home"
    assert "admin" not in [spec.key for spec in window.specs]  # clerks do not manage users


def test_wrong_password_says_so_and_keeps_the_dialog_open(qtbot, office_db, db_path, make_session) -> None:
    session = make_session(db_path)
    session.start()
    dialog = session.sign_in_dialog
    sign_in(qtbot, session, "clerk", "not-the-password")
    assert dialog.isVisible()
    assert dialog.error.text() == "Wrong user name or password."
    assert dialog.password.text() == ""  # cleared for the next try
    assert session.window is None


def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(qtbot, office_db, db_path,
                                                                      make_session) -> None:
    session = make_session(db_path)
    session.start()
    dialog = session.sign_in_dialog
    for _attempt in range(5):
        sign_in(qtbot, session, "clerk", "wrong-password")
    assert "locked for 15 minutes" in dialog.error.text()
    sign_in(qtbot, session, "clerk", PASSWORD)
    assert "locked until" in dialog.error.text()
    assert session.window is None


def test_demo_database_shows_its_accounts_and_a_click_fills_them_in(qtbot, db_path, make_session) -> None:
    from desktop.services.demo import build_demo
    from desktop.services.workspace import open_store

    db = open_store(db_path, encrypt=False)
    build_demo(db)
    db.dispose()
    session = make_session(db_path)
    session.start()
    dialog = session.sign_in_dialog
    box = dialog.findChild(QGroupBox, "demo_accounts")
    assert box is not None and box.findChild(QLabel, "demo_password").text() == DEMO_PASSWORD
    click(qtbot, dialog.findChild(QPushButton, "demo_trainer"))
    assert dialog.username.text() == "trainer" and dialog.password.text() == DEMO_PASSWORD
    click(qtbot, dialog.sign_in_button)
    qtbot.waitUntil(lambda: session.window is not None)
    assert session.ctx.actor.username == "trainer"


def test_an_office_database_does_not_show_demo_accounts(qtbot, office_db, db_path, make_session) -> None:
    session = make_session(db_path)
    session.start()
    assert session.sign_in_dialog.findChild(QGroupBox, "demo_accounts") is None
    assert "enlace-demo" not in " ".join(label.text() for label in session.sign_in_dialog.findChildren(QLabel))


def test_sign_out_returns_to_the_sign_in_screen(qtbot, office_db, db_path, make_session) -> None:
    session = make_session(db_path)
    session.start()
    sign_in(qtbot, session, "supervisor", PASSWORD)
    qtbot.waitUntil(lambda: session.window is not None)
    session.window.sign_out_requested.emit()
    qtbot.waitUntil(lambda: session.sign_in_dialog is not None and session.sign_in_dialog.isVisible())
    assert session.window is None and session.ctx is None
    assert session.sign_in_dialog.username.text() == "supervisor"  # remembered on this PC
    events = list_events(_admin(office_db), AuditFilter(action="logout"))
    assert [e.username for e in events] == ["supervisor"]


def test_temporary_password_must_be_changed_before_the_window_opens(qtbot, office_db, db_path, admin_ctx,
                                                                    make_session) -> None:
    clerk = next(u for u in auth.list_users(admin_ctx) if u.username == "clerk")
    auth.reset_password(admin_ctx, clerk.id, "temporal-1234")
    session = make_session(db_path)
    session.start()
    sign_in(qtbot, session, "clerk", "temporal-1234")
    qtbot.waitUntil(lambda: session.password_dialog is not None and session.password_dialog.isVisible())
    assert session.window is None
    form = session.password_dialog.form
    type_into(qtbot, form.current, "temporal-1234")
    type_into(qtbot, form.new, "clerk")  # too short and holds the user name
    assert not form.rules.is_ok()
    assert form.rules.length_label.text().startswith("✘")
    assert form.rules.name_label.text().startswith("✘")
    type_into(qtbot, form.new, "mi-clave-nueva-77")
    type_into(qtbot, form.repeat, "mi-clave-nueva-77")
    assert form.rules.is_ok()
    click(qtbot, session.password_dialog.ok_button)
    qtbot.waitUntil(lambda: session.window is not None)
    assert not auth.must_change_password(session.ctx)
    auth.confirm_password(session.ctx, "mi-clave-nueva-77")


def test_type_and_enter_signs_in_from_the_keyboard(qtbot, office_db, db_path, make_session) -> None:
    from PySide6.QtCore import Qt

    session = make_session(db_path)
    session.start()
    dialog = session.sign_in_dialog
    type_into(qtbot, dialog.username, "admin")
    qtbot.keyClick(dialog.username, Qt.Key.Key_Tab)
    type_into(qtbot, dialog.password, PASSWORD)
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: session.window is not None)
    assert session.ctx.actor.username == "admin"


def _admin(db):
    from desktop.services.core.context import AppContext
    from desktop.store.models import User

    with db.session() as session:
        user = session.query(User).filter_by(username="admin").one()
        return AppContext(db, auth.actor_for(user))


def test_the_database_path_can_be_selected_to_copy_once_the_pointer_is_on_it(qtbot, office_db, db_path,
                                                                            make_session) -> None:
    from PySide6.QtCore import QPointF, Qt
    from PySide6.QtGui import QEnterEvent
    from PySide6.QtWidgets import QApplication

    session = make_session(db_path)
    session.start()
    label = session.sign_in_dialog.findChild(QLabel, "database")
    assert str(db_path) in label.text()
    QApplication.sendEvent(label, QEnterEvent(QPointF(2, 2), QPointF(2, 2), QPointF(2, 2)))
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse
