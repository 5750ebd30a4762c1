"""“Connect to the office server”: where a seat finds the office's PostgreSQL database.

Opened from the first-run wizard and from the sign-in screen. The person gives the server's
address, port and database and their own Enlace account; the dialog tries that account's server
login once (:func:`desktop.services.workspace.server.check_server`, 10 seconds at most, off the
GUI thread) and says in plain words what went wrong: no answer, no TLS from another machine, a
refused password, a database that is not an Enlace office. On success this PC remembers the
server (host, port and database only: the password is typed at each sign-in and never kept) and
the caller opens the sign-in screen on it.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services.core.errors import EnlaceError
from desktop.services.workspace import server as server_service
from desktop.ui import settings

DEFAULT_PORT = 5432
CONNECT_TIMEOUT_S = 10


class ServerConnectDialog(QDialog):
    """After it is accepted, ``location`` is the server as this PC keeps it (no user, no password)."""

    def __init__(self, parent: QWidget | None = None, *, username: str = "") -> None:
        super().__init__(parent)
        self.location = ""
        self.username_done = ""
        self._worker = None
        self.setWindowTitle(_("Connect to the office server"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Several computers of the office share one database on a server (PostgreSQL). Ask whoever "
                         "runs it for its address and the database's name; then sign in with your own Enlace user "
                         "name and password."))
        intro.setWordWrap(True)
        layout.addWidget(intro)

        form = QFormLayout()
        self.host = QLineEdit()
        self.host.setObjectName("server_host")
        self.host.setPlaceholderText(_("e.g. 192.168.1.10 or servidor.oficina.local"))
        self.port = QSpinBox()
        self.port.setObjectName("server_port")
        self.port.setRange(1, 65535)
        self.port.setValue(DEFAULT_PORT)
        self.port.setGroupSeparatorShown(False)
        self.database = QLineEdit("enlace")
        self.database.setObjectName("server_database")
        self.username = QLineEdit(username or settings.LAST_USERNAME.get())
        self.username.setObjectName("server_username")
        self.username.setMaxLength(64)
        self.password = QLineEdit()
        self.password.setObjectName("server_password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setToolTip(_("Only to try the connection now: it is not saved. You type it again to sign in."))
        form.addRow(_("&Server:"), self.host)
        form.addRow(_("P&ort:"), self.port)
        form.addRow(_("&Database:"), self.database)
        form.addRow(_("&User name:"), self.username)
        form.addRow(_("&Password:"), self.password)
        layout.addLayout(form)

        self.preview = QLabel()
        self.preview.setObjectName("connection")
        self.preview.setWordWrap(True)
        layout.addWidget(self.preview)
        note = QLabel(_("The password is used only to try the connection; it is never saved on this computer. "
                        "A server on another computer must offer an encrypted (TLS) connection."))
        note.setWordWrap(True)
        layout.addWidget(note)

        self.status = QLabel()
        self.status.setObjectName("status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)

        self.buttons = QDialogButtonBox()
        self.connect_button = self.buttons.addButton(_("&Connect"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setObjectName("connect")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.try_connect)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.connect_button.setDefault(True)  # Enter in any field connects

        self._fill_from(settings.OFFICE_SERVER.get())
        for edit in (self.host, self.database, self.username):
            edit.textChanged.connect(self._update_preview)
        self.port.valueChanged.connect(self._update_preview)
        self._update_preview()
        self.host.setFocus()

    def _fill_from(self, location: str) -> None:
        parts = server_service.seat_parts(location) if location else None
        if parts is not None:
            host, port, database = parts
            self.host.setText(host)
            self.port.setValue(port)
            self.database.setText(database)

    def _seat(self) -> str:
        return server_service.seat_location(self.host.text(), self.port.value(), self.database.text())

    def _update_preview(self, *_args: object) -> None:
        try:
            text = server_service.login_url_text(self._seat(), self.username.text().strip() or "…")
        except EnlaceError:
            text = "postgresql+psycopg://…"
        self.preview.setText(_("Connection: {url}").format(url=text))

    def show_error(self, message: str) -> None:
        self.status.clear()
        self.error.setText(message)
        self.error.show()
        layout = self.layout()
        layout.activate()
        needed = layout.totalHeightForWidth(self.width())
        if needed > self.height():
            self.resize(self.width(), needed)

    def _busy(self, busy: bool) -> None:
        for widget in (self.host, self.port, self.database, self.username, self.password, self.connect_button):
            widget.setEnabled(not busy)

    def try_connect(self) -> None:
        """Try the connection in the background (up to 10 seconds); the dialog stays responsive."""
        from desktop.ui.worker import run_in_background

        if self._worker is not None:
            return
        self.error.hide()
        empty = next((edit for edit in (self.host, self.database, self.username, self.password)
                      if not edit.text().strip()), None)
        if empty is not None:
            self.show_error(_("Fill in every field: server, database, user name and password."))
            empty.setFocus()
            return
        try:
            seat = self._seat()
        except EnlaceError as exc:
            self.show_error(str(exc))
            return
        self._busy(True)
        self.status.setText(_("Connecting to {host}… (at most {seconds} seconds)").format(
            host=self.host.text().strip(), seconds=CONNECT_TIMEOUT_S))
        username = self.username.text().strip()
        self._worker = run_in_background(server_service.check_server, seat, username, self.password.text(),
                                         timeout=CONNECT_TIMEOUT_S,
                                         on_done=lambda _result: self._connected(seat, username),
                                         on_failed=self._failed)

    def _connected(self, seat: str, username: str) -> None:
        self._worker = None
        self._busy(False)
        self.password.clear()
        settings.OFFICE_SERVER.set(seat)
        settings.LAST_USERNAME.set(username)
        self.location, self.username_done = seat, username
        self.accept()

    def _failed(self, message: str) -> None:
        self._worker = None
        self._busy(False)
        self.password.clear()
        self.show_error(message)
        self.password.setFocus()

    def reject(self) -> None:
        if self._worker is None:  # a try under way ends within its timeout
            super().reject()


def connect_to_server(parent: QWidget | None, username: str = "") -> ServerConnectDialog:
    """Open the dialog (window-modal, not blocking); connect to its ``accepted`` for ``dialog.location``."""
    dialog = ServerConnectDialog(parent, username=username)
    dialog.open()
    return dialog
