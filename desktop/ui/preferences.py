"""Preferences: the interface language and changing one's own password.

The language is saved on the person's account (and as this PC's default for the sign-in
screen). It applies at once: the session reopens the main window in the new language, after
asking, because unsaved text in open forms would be lost. Choosing "No" applies it at the
next sign-in.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError, EnlaceError, ValidationError
from desktop.services.security import auth
from desktop.ui.common import FieldErrors, PasswordRules, language_choices, password_field, select_data


class PasswordChangeForm(QWidget):
    """Current password, new password twice, and the live rule."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        form = QFormLayout(self)
        self.current = password_field()
        self.current.setObjectName("current_password")
        self.new = password_field()
        self.new.setObjectName("new_password")
        self.repeat = password_field()
        self.repeat.setObjectName("repeat_password")
        form.addRow(_("C&urrent password:"), self.current)
        form.addRow(_("&New password:"), self.new)
        form.addRow(_("&Repeat new password:"), self.repeat)
        self.rules = PasswordRules(self.new, self.repeat, lambda: ctx.actor.username)
        form.addRow("", self.rules)
        self.errors = FieldErrors({"current": self.current, "password": self.new})

    def submit(self) -> str | None:
        """Change the password; return None on success, else the translated problem."""
        try:
            if self.new.text() != self.repeat.text():
                raise ValidationError(_("The two new passwords differ."), {"password": _("Differs")})
            auth.change_own_password(self.ctx, self.current.text(), self.new.text())
        except AuthError as exc:
            self.errors.show({"current": str(exc)})
            return str(exc)
        except ValidationError as exc:
            self.errors.show(exc.fields or {"password": str(exc)})
            return str(exc)
        except EnlaceError as exc:
            return str(exc)
        for edit in (self.current, self.new, self.repeat):
            edit.clear()
        return None


class ChangePasswordDialog(QDialog):
    """Change one's own password. ``forced``: after an administrator's reset, before the window opens."""

    def __init__(self, ctx: AppContext, *, forced: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Change password"))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        if forced:
            note = QLabel(_("An administrator set a temporary password for your account. Choose your own "
                            "password to continue."))
            note.setWordWrap(True)
            layout.addWidget(note)
        self.form = PasswordChangeForm(ctx)
        layout.addWidget(self.form)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(_("Change password"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("change_password")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._submit)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.ok_button.setDefault(True)

    def _submit(self) -> None:
        problem = self.form.submit()
        if problem:
            self.error.setText(problem)
            self.error.show()
            return
        self.accept()


class PreferencesDialog(QDialog):
    """Language and password. After it is accepted, ``language_changed`` says whether to rebuild the UI."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.language_changed = False
        self.setWindowTitle(_("Preferences"))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)

        lang_box = QGroupBox(_("Language"))
        lang_form = QFormLayout(lang_box)
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in language_choices():
            self.language.addItem(name, code)
        select_data(self.language, ctx.actor.language)
        lang_form.addRow(_("&Interface language:"), self.language)
        hint = QLabel(_("Saved on your account; Enlace speaks this language wherever you sign in."))
        hint.setWordWrap(True)
        lang_form.addRow(hint)
        layout.addWidget(lang_box)

        pw_box = QGroupBox(_("Password"))
        pw_layout = QVBoxLayout(pw_box)
        self.password_form = PasswordChangeForm(ctx)
        pw_layout.addWidget(self.password_form)
        self.password_status = QLabel()
        self.password_status.setObjectName("password_status")
        self.password_status.setWordWrap(True)
        pw_layout.addWidget(self.password_status)
        self.change_button = QPushButton(_("Change &password"))
        self.change_button.setObjectName("change_password")
        self.change_button.setAutoDefault(False)
        self.change_button.clicked.connect(self._change_password)
        pw_layout.addWidget(self.change_button)
        layout.addWidget(pw_box)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def selected_language(self) -> str:
        return str(self.language.currentData())

    def _change_password(self) -> None:
        problem = self.password_form.submit()
        if problem:
            self.password_status.setStyleSheet("color: #c62828;")
            self.password_status.setText(problem)
        else:
            self.password_status.setStyleSheet("color: #2e7d32;")
            self.password_status.setText(_("Your password was changed."))

    def _save(self) -> None:
        from dataclasses import replace

        from desktop.ui import settings
        from desktop.ui.common import show_error

        language = self.selected_language()
        if language != self.ctx.actor.language:
            try:
                auth.set_own_language(self.ctx, language)
            except EnlaceError as exc:
                show_error(self, exc)
                return
            self.ctx.actor = replace(self.ctx.actor, language=language)
            settings.LANGUAGE.set(language)
            self.language_changed = True
        self.accept()
