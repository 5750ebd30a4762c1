"""Forgotten administrator password on an encrypted database: the recovery key from the recovery sheet
gives an administrator account a new password (:func:`desktop.services.workspace.recover_access`)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.services import workspace
from desktop.services.core.errors import EnlaceError, StoreError
from desktop.ui.common import FieldErrors, PasswordRules, password_field


class RecoverAccessDialog(QDialog):
    """Recovery key, administrator user name, new password twice. ``username`` holds the account after success."""

    def __init__(self, location: str, username: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.location = location
        self.username_done = ""
        self.setWindowTitle(_("Forgotten password"))
        self.setMinimumWidth(500)
        layout = QVBoxLayout(self)
        note = QLabel(_("Type the recovery key printed on the office's recovery sheet. It gives an administrator "
                        "account a new password; the administrator can then reset the other users' passwords."))
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.key = QLineEdit()
        self.key.setObjectName("recovery_key")
        self.key.setPlaceholderText("XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX-XXXX")
        self.username = QLineEdit(username)
        self.username.setObjectName("username")
        self.password = password_field()
        self.password.setObjectName("new_password")
        self.repeat = password_field()
        self.repeat.setObjectName("repeat")
        form.addRow(_("Recovery &key:"), self.key)
        form.addRow(_("Administrator's &user name:"), self.username)
        form.addRow(_("&New password:"), self.password)
        form.addRow(_("&Repeat password:"), self.repeat)
        self.rules = PasswordRules(self.password, self.repeat, self.username.text)
        form.addRow("", self.rules)
        layout.addLayout(form)
        self.errors = FieldErrors({"username": self.username, "password": self.password})
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.ok = self.buttons.addButton(_("Set the &new password"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok.setObjectName("recover")
        self.buttons.accepted.connect(self.recover)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.username.textChanged.connect(self.rules.update_rules)
        for edit in (self.key, self.username, self.password, self.repeat):
            edit.textChanged.connect(self._update)
        self._update()

    def _update(self, *_args: object) -> None:
        self.ok.setEnabled(bool(self.key.text().strip() and self.username.text().strip() and self.rules.is_ok()))

    def recover(self) -> None:
        from desktop.services.core.errors import ValidationError

        try:
            workspace.recover_access(self.location, self.key.text(), self.username.text().strip(),
                                     self.password.text())
        except ValidationError as exc:
            self.errors.show(exc)
            self.error.setText(str(exc))
            self.error.show()
            return
        except (EnlaceError, StoreError) as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        self.username_done = self.username.text().strip()
        self.accept()
