"""Idle auto-lock: after N minutes without keyboard or mouse input, cover every window and ask
for the password again. Nothing is closed or cleared: open forms keep what was typed.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.security import auth
from desktop.ui.common import password_field

MAX_UNLOCK_ATTEMPTS = 5

_ACTIVITY = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
    QEvent.Type.TouchBegin,
}


class _Cover(QWidget):
    """An opaque sheet over a window's contents while the session is locked."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("lock_cover")
        self.setAutoFillBackground(True)
        palette = self.palette()
        palette.setColor(QPalette.ColorRole.Window, palette.color(QPalette.ColorRole.Dark))
        self.setPalette(palette)
        self.setGeometry(window.rect())
        window.installEventFilter(self)
        self.raise_()
        self.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and isinstance(watched, QWidget):
            self.setGeometry(watched.rect())
        return False


class LockDialog(QDialog):
    """Asks for the signed-in person's password. Escape and the close button do not unlock."""

    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.failures = 0
        self.setObjectName("lock_dialog")
        self.setWindowTitle(_("{app} is locked").format(app=APP_NAME))
        self.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.setMinimumWidth(420)
        layout = QVBoxLayout(self)
        heading = QLabel(_("Enlace was locked after a period without activity."))
        heading.setWordWrap(True)
        layout.addWidget(heading)
        who = QLabel(_("Enter the password of {name} ({user}) to continue where you left off.").format(
            name=ctx.actor.full_name, user=ctx.actor.username))
        who.setWordWrap(True)
        layout.addWidget(who)
        self.password = password_field()
        self.password.setObjectName("unlock_password")
        layout.addWidget(self.password)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        row = QHBoxLayout()
        self.sign_out_button = QPushButton(_("Sign &out"))
        self.sign_out_button.setObjectName("sign_out")
        self.sign_out_button.setAutoDefault(False)
        self.sign_out_button.setToolTip(_("Closes your session; unsaved text in open forms is lost."))
        self.unlock_button = QPushButton(_("&Unlock"))
        self.unlock_button.setObjectName("unlock")
        row.addWidget(self.sign_out_button)
        row.addStretch(1)
        row.addWidget(self.unlock_button)
        layout.addLayout(row)
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.try_unlock)
        self.password.returnPressed.connect(self.try_unlock)
        self.sign_out_button.clicked.connect(self.sign_out_requested)

    def try_unlock(self) -> None:
        try:
            auth.confirm_password(self.ctx, self.password.text())
        except EnlaceError as exc:
            self.failures += 1
            self.password.clear()
            if self.failures >= MAX_UNLOCK_ATTEMPTS:
                self.sign_out_requested.emit()
                return
            self.error.setText(str(exc))
            self.error.show()
            return
        self.password.clear()
        self.unlocked.emit()

    def reject(self) -> None:  # Escape must not unlock
        pass

    def closeEvent(self, event) -> None:
        if event.spontaneous():  # the title bar's close button; quitting the application still works
            event.ignore()


class IdleLock(QObject):
    """Watches input on the whole application and locks after ``timeout_ms`` without any.

    The session owns it while someone is signed in; ``lock_now()`` is the menu's "Lock" action.
    """

    locked = Signal()
    unlocked = Signal()
    sign_out_requested = Signal()

    def __init__(self, ctx: AppContext, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.timeout_ms = timeout_ms
        self._last_activity = time.monotonic()
        self._covers: list[_Cover] = []
        self.dialog: LockDialog | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._check)
        app = QApplication.instance()
        assert app is not None
        app.installEventFilter(self)
        self._timer.start(self.timeout_ms)

    @property
    def is_locked(self) -> bool:
        return self.dialog is not None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in _ACTIVITY and self.dialog is None:
            self._last_activity = time.monotonic()
        return False

    def _check(self) -> None:
        if self.dialog is not None:
            return
        idle_ms = (time.monotonic() - self._last_activity) * 1000
        if idle_ms >= self.timeout_ms:
            self.lock_now()
        else:  # activity since the timer started: wait for the rest of the period
            self._timer.start(max(50, int(self.timeout_ms - idle_ms)))

    def lock_now(self) -> None:
        if self.dialog is not None:
            return
        self._timer.stop()
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible() and w.isWindow()]
        self._covers = [_Cover(w) for w in windows]
        parent = next((w for w in windows if w.objectName() == "main_window"), None)
        self.dialog = LockDialog(self.ctx, parent)
        self.dialog.unlocked.connect(self._unlock)
        self.dialog.sign_out_requested.connect(self.sign_out_requested)
        self.dialog.show()
        self.dialog.raise_()
        self.dialog.activateWindow()
        self.dialog.password.setFocus()
        self.locked.emit()

    def _unlock(self) -> None:
        self._remove_lock()
        self._last_activity = time.monotonic()
        self._timer.start(self.timeout_ms)
        self.unlocked.emit()

    def _remove_lock(self) -> None:
        for cover in self._covers:
            parent = cover.parentWidget()
            if parent is not None:
                parent.removeEventFilter(cover)
            cover.hide()
            cover.deleteLater()
        self._covers = []
        if self.dialog is not None:
            self.dialog.hide()
            self.dialog.deleteLater()
            self.dialog = None

    def stop(self) -> None:
        """Sign-out: remove the lock and stop watching."""
        self._timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._remove_lock()
