"""Helpers for driving the foundation screens: sessions on a test database, modal dialogs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLineEdit, QMessageBox, QWidget

from desktop.ui.session import AppSession


@pytest.fixture
def make_session(qtbot, qt_settings) -> Iterator[Callable[[Path], AppSession]]:
    """``make_session(path)``: a session on that database, quitting nothing when it ends."""
    sessions: list[AppSession] = []

    def make(location: Path, language: str | None = None) -> AppSession:
        session = AppSession(str(location), fixed_language=language, quit_app=False)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        if session.ctx is not None or session.window is not None:
            session._end_session()
        for dialog in (session.sign_in_dialog, session.wizard, session.password_dialog, session.recovery_dialog):
            if dialog is not None:
                dialog.hide()
                dialog.deleteLater()


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    edit.setFocus()
    edit.clear()
    qtbot.keyClicks(edit, text)


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def sign_in(qtbot, session: AppSession, username: str, password: str) -> None:
    dialog = session.sign_in_dialog
    assert dialog is not None
    type_into(qtbot, dialog.username, username)
    type_into(qtbot, dialog.password, password)
    click(qtbot, dialog.sign_in_button)


def modal(qtbot, action: Callable[[QWidget], None], trigger: Callable[[], object], timeout: int = 5000) -> list:
    """Run ``trigger()`` (which opens a modal dialog) and ``action(dialog)`` once the dialog shows."""
    seen: list = []

    def poll() -> None:
        widget = QApplication.activeModalWidget()
        if widget is None:
            QTimer.singleShot(20, poll)
            return
        seen.append(widget)
        action(widget)

    QTimer.singleShot(20, poll)
    trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=timeout)
    return seen


def answer_message_box(button: QMessageBox.StandardButton) -> Callable[[QWidget], None]:
    def act(widget: QWidget) -> None:
        assert isinstance(widget, QMessageBox), type(widget)
        act.text = widget.text()  # type: ignore[attr-defined]
        widget.button(button).click()

    return act


def accept_dialog(widget: QWidget) -> None:
    assert isinstance(widget, QDialog)
    widget.accept()
