"""Idle auto-lock: the window is covered and asks for the password; what was typed stays."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from desktop.services import office as office_service
from tests.conftest import PASSWORD
from tests.ui.foundation.conftest import click, type_into


def _lock_soon(session, ms: int = 150) -> None:
    session.idle.timeout_ms = ms
    session.idle._timer.start(ms)


def test_idle_window_locks_and_unlocking_keeps_the_half_typed_form(qtbot, window_for) -> None:
    session = window_for("admin")
    window = session.window
    window.show_section("admin")
    section = window.section("admin")
    office_tab = section.pages["OfficeTab"]
    section.tabs.setCurrentWidget(office_tab)
    type_into(qtbot, office_tab.fields.name, "Oficina en edición, sin guardar")

    _lock_soon(session)
    qtbot.waitUntil(lambda: session.idle.is_locked, timeout=3000)
    dialog = session.idle.dialog
    assert dialog.isVisible()
    covers = [w for w in window.findChildren(QWidget, "lock_cover") if w.isVisible()]
    assert covers and covers[0].geometry() == window.rect()  # nothing of the form can be read

    type_into(qtbot, dialog.password, "wrong-password")
    click(qtbot, dialog.unlock_button)
    assert session.idle.is_locked and dialog.error.text() == "Wrong password."

    type_into(qtbot, dialog.password, PASSWORD)
    click(qtbot, dialog.unlock_button)
    assert not session.idle.is_locked
    assert not [w for w in window.findChildren(QWidget, "lock_cover") if w.isVisible()]
    assert office_tab.fields.name.text() == "Oficina en edición, sin guardar"
    assert window.isVisible() and session.ctx is not None


def test_activity_postpones_the_lock(qtbot, window_for) -> None:
    session = window_for("clerk")
    _lock_soon(session, 400)
    for _step in range(4):
        qtbot.wait(150)
        qtbot.keyClick(session.window.nav, "a")  # someone is working
    assert not session.idle.is_locked
    qtbot.waitUntil(lambda: session.idle.is_locked, timeout=3000)


def test_escape_does_not_unlock(qtbot, window_for) -> None:
    from PySide6.QtCore import Qt

    session = window_for("clerk")
    session.window.lock_requested.emit()  # Ctrl+L
    assert session.idle.is_locked
    qtbot.keyClick(session.idle.dialog, Qt.Key.Key_Escape)
    assert session.idle.is_locked and session.idle.dialog.isVisible()


def test_five_wrong_unlock_passwords_sign_out(qtbot, window_for) -> None:
    session = window_for("clerk")
    session.lock()
    dialog = session.idle.dialog
    for _attempt in range(5):
        type_into(qtbot, dialog.password, "not-my-password")
        click(qtbot, dialog.unlock_button)
    qtbot.waitUntil(lambda: session.sign_in_dialog is not None)
    assert session.ctx is None and session.window is None and session.idle is None


def test_lock_time_comes_from_the_office_setting(qtbot, window_for, admin_ctx) -> None:
    office_service.set_setting(admin_ctx, "idle_lock_minutes", 3)
    session = window_for("clerk")
    assert session.idle.timeout_ms == 3 * 60_000
