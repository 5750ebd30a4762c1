"""The sign-in dialog: user name and password; on a demo database, the demo accounts.

It is the first screen: it imports nothing heavier than the widgets it shows (not even
``desktop.ui.common``, whose imports serve the other screens), and it leaves PySide6's ``Qt``
namespace alone until it is needed: building its ~90 Python enums takes longer (~15 ms) than the
rest of the dialog.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.i18n import _
from desktop.services import workspace
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, StoreError
from desktop.ui import settings, warmup


class SelectableLabel(QLabel):
    """A label whose text the mouse can select (to copy), from the moment the pointer reaches it."""

    _selectable = False

    def enterEvent(self, event) -> None:
        if not self._selectable:
            from PySide6.QtCore import Qt

            self._selectable = True
            self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        super().enterEvent(event)


class SignInDialog(QDialog):
    """Signs a person in through :func:`desktop.services.workspace.open_signed_in`.

    On success ``ctx`` holds the signed-in context and the dialog is accepted. ``location_chosen``
    asks the session for a sign-in somewhere else: the office server, or back to this PC's file.
    """

    location_chosen = Signal(str)

    def __init__(self, location: str, *, demo: bool = False, office_name: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.location = location
        self.ctx: AppContext | None = None
        self.setWindowTitle(_("Sign in — {app}").format(app=APP_NAME))
        self.setMinimumWidth(520)

        layout = QVBoxLayout(self)
        title = QLabel(office_name or APP_NAME)
        title.setObjectName("title")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        title.setFont(font)
        title.setWordWrap(True)
        layout.addWidget(title)
        subtitle = QLabel(_("Sign in to continue."))
        layout.addWidget(subtitle)

        form = QFormLayout()
        self.username = QLineEdit()
        self.username.setObjectName("username")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setObjectName("password")
        form.addRow(_("&User name:"), self.username)
        form.addRow(_("&Password:"), self.password)
        layout.addLayout(form)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)

        if demo:
            layout.addWidget(self._demo_box())

        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        is_server = "://" in location
        where = SelectableLabel(_("Office server: {where}").format(where=location.split("://", 1)[1]) if is_server
                                else _("Database: {path}").format(path=location))
        where.setObjectName("database")
        where.setWordWrap(True)
        where.setStyleSheet("color: palette(mid);")
        layout.addWidget(where)
        places = QHBoxLayout()
        self.server_button = QPushButton(_("Connect to the office &server…"))
        self.server_button.setObjectName("connect_server")
        self.server_button.setAutoDefault(False)
        self.server_button.clicked.connect(self.open_server_connect)
        places.addWidget(self.server_button)
        self.local_button: QPushButton | None = None
        if is_server:
            self.local_button = QPushButton(_("Use this &computer's database"))
            self.local_button.setObjectName("use_local")
            self.local_button.setAutoDefault(False)
            self.local_button.setToolTip(_("Back to the office database kept on this computer."))
            self.local_button.clicked.connect(self._use_local)
            places.addWidget(self.local_button)
        places.addStretch(1)
        layout.addLayout(places)

        self.buttons = QDialogButtonBox()
        self.sign_in_button = self.buttons.addButton(_("&Sign in"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.sign_in_button.setObjectName("sign_in")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.try_sign_in)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.sign_in_button.setDefault(True)  # Enter in either field signs in
        if workspace.is_encrypted(location):  # the recovery sheet's key gives an administrator a new password
            self.forgot_button = self.buttons.addButton(_("&Forgot the password?"),
                                                        QDialogButtonBox.ButtonRole.HelpRole)
            self.forgot_button.setObjectName("forgot_password")
            self.forgot_button.setAutoDefault(False)
            self.forgot_button.clicked.connect(self.open_recovery)

        last = settings.LAST_USERNAME.get()
        if last:
            self.username.setText(last)
            self.password.setFocus()
        else:
            self.username.setFocus()

    def _demo_box(self) -> QGroupBox:
        from desktop.services.core.permissions import role_label
        from desktop.services.demo import DEMO_PASSWORD, DEMO_USERS

        box = QGroupBox(_("Demo database"))
        box.setObjectName("demo_accounts")
        inner = QVBoxLayout(box)
        note = QLabel(_("This database holds invented demo data. Every account has the same password:"))
        note.setWordWrap(True)
        password = SelectableLabel(DEMO_PASSWORD)  # on its own line: a wrap must never split it at the hyphen
        password.setObjectName("demo_password")
        bold = password.font()
        bold.setBold(True)
        password.setFont(bold)
        inner.addWidget(note)
        inner.addWidget(password)
        row = QHBoxLayout()
        for username, _full_name, role in DEMO_USERS:
            button = QPushButton(f"{username} · {role_label(role)}")
            button.setObjectName(f"demo_{username}")
            button.setToolTip(_("Fill in the {user} account").format(user=username))
            button.setAutoDefault(False)
            button.clicked.connect(lambda _checked=False, u=username: self._fill_demo(u, DEMO_PASSWORD))
            row.addWidget(button)
        inner.addLayout(row)
        return box

    def _fill_demo(self, username: str, password: str) -> None:
        self.username.setText(username)
        self.password.setText(password)
        self.sign_in_button.setFocus()

    def open_server_connect(self):
        from desktop.ui.server_connect import connect_to_server

        dialog = connect_to_server(self, self.username.text().strip())
        dialog.accepted.connect(lambda: self.location_chosen.emit(dialog.location))
        return dialog

    def _use_local(self) -> None:
        self.location_chosen.emit(settings.LOCAL_DATABASE.get() or workspace.default_location())

    def open_recovery(self):
        warmup.wait()  # the recovery screen opens the database: the background imports first
        from desktop.ui.recovery import RecoverAccessDialog

        dialog = RecoverAccessDialog(self.location, self.username.text().strip(), self)
        dialog.accepted.connect(lambda: self._recovered(dialog.username_done))
        dialog.open()
        return dialog

    def _recovered(self, username: str) -> None:
        self.username.setText(username)
        self.password.clear()
        self.password.setFocus()
        self.show_error(_("{user} has a new password: sign in with it.").format(user=username))

    def show_error(self, message: str) -> None:
        if self.error.property("notice"):  # back from a notice to the error colour
            self.error.setProperty("notice", False)
            self.error.setStyleSheet("color: #c62828;")
        self._show_message(message)

    def show_notice(self, message: str) -> None:
        """A message that is not an error, shown at once (before a long wait on this thread)."""
        from PySide6.QtWidgets import QApplication

        self.error.setProperty("notice", True)
        self.error.setStyleSheet("")
        self._show_message(message)
        QApplication.processEvents()

    def _show_message(self, message: str) -> None:
        self.error.setText(message)
        self.error.show()
        # Grow to show the whole message (the layout's minimum height follows the wrapped text).
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def try_sign_in(self) -> None:
        username = self.username.text().strip()
        if not username:
            self.show_error(_("Enter your user name."))
            self.username.setFocus()
            return
        if not self.password.text():
            self.show_error(_("Enter your password."))
            self.password.setFocus()
            return
        from PySide6.QtCore import Qt

        self.setCursor(Qt.CursorShape.WaitCursor)
        try:
            # The password check first (an encrypted file's argon2id key unwrap, which leaves the
            # GIL to the background imports), then the database, once those imports are done.
            warmup.start()  # (already running unless Enter came at once)
            warmup.wait_for_password_check()
            started = workspace.begin_sign_in(self.location, username, self.password.text())
            warmup.wait()
            if workspace.moves_files_first(started):
                self.show_notice(_("Enlace is moving people and trainings into their own encrypted files, so that "
                                   "each role opens only what it may read. This happens once and can take a minute "
                                   "or two; do not close Enlace."))
            self.ctx = workspace.complete_sign_in(started)
        except (EnlaceError, StoreError) as exc:
            self.password.clear()
            self.password.setFocus()
            self.show_error(str(exc))
            return
        finally:
            self.unsetCursor()
        settings.LAST_USERNAME.set(username)
        self.password.clear()
        self.accept()
