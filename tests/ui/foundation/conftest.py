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
    from desktop.ui.language import install_qt_translations

    install_qt_translations(QApplication.instance(), "en")  # the next test starts in English


def type_into(qtbot, edit: QLineEdit, text: str) -> None:
    """Type as a person would, accents included (QTest's own key clicks handle ASCII only)."""
    from PySide6.QtTest import QTest

    edit.setFocus()
    edit.clear()
    for char in text:
        if char.isascii():
            qtbot.keyClicks(edit, char)
        else:
            QTest.sendKeyEvent(QTest.KeyAction.Click, edit, Qt.Key.Key_unknown, char,
                               Qt.KeyboardModifier.NoModifier)


def click(qtbot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def sign_in(qtbot, session: AppSession, username: str, password: str) -> None:
    dialog = session.sign_in_dialog
    assert dialog is not None
    type_into(qtbot, dialog.username, username)
    type_into(qtbot, dialog.password, password)
    click(qtbot, dialog.sign_in_button)


def modal(qtbot, action: Callable[[QWidget], None], trigger: Callable[[], object], *then: Callable[[QWidget], None],
          timeout: int = 5000) -> list:
    """Run ``trigger()`` (which opens a modal dialog) and ``action(dialog)`` once the dialog shows.

    Each function in ``then`` handles the next modal dialog that opens (e.g. a confirmation box).
    """
    actions = [action, *then]
    seen: list = []
    stopped = False
    before = QApplication.activeModalWidget()

    def poll() -> None:
        if stopped:  # the test is over (or gave up): stop looking for dialogs
            return
        widget = QApplication.activeModalWidget()
        if widget is None or widget is before or widget in seen:
            QTimer.singleShot(20, poll)
            return
        seen.append(widget)
        if len(seen) < len(actions):
            QTimer.singleShot(20, poll)
        try:
            actions[len(seen) - 1](widget)
        except BaseException:
            # A failed check must not leave a modal dialog waiting forever: close it, then fail.
            for open_widget in (QApplication.activeModalWidget(), widget):
                if isinstance(open_widget, QDialog):
                    open_widget.done(0)
            raise

    QTimer.singleShot(20, poll)
    try:
        trigger()
        qtbot.waitUntil(lambda: len(seen) == len(actions), timeout=timeout)
    finally:
        stopped = True
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


@pytest.fixture
def window_for(qtbot, office_db, db_path, make_session) -> Callable[[str], AppSession]:
    """``window_for("clerk")``: a session with that role's user signed in and the main window shown."""
    from desktop.services import workspace
    from tests.conftest import PASSWORD

    def make(username: str, language: str = "en") -> AppSession:
        session = make_session(db_path, language)
        session._signed_in(workspace.open_signed_in(str(db_path), username, PASSWORD))
        assert session.window is not None
        qtbot.addWidget(session.window)
        return session

    return make


def select_combo(combo, data: object) -> None:
    index = combo.findData(data)
    assert index >= 0, data
    combo.setCurrentIndex(index)
