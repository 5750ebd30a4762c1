"""User accounts: create, edit (name, role, language, active), reset password, unlock."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_datetime
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ConflictError, EnlaceError, ValidationError
from desktop.services.core.permissions import ROLE_PERMISSIONS, role_label
from desktop.services.security import auth
from desktop.services.security.auth import UserInfo
from desktop.ui.common import (
    FieldErrors,
    PasswordRules,
    confirm,
    language_choices,
    password_field,
    select_data,
    show_error,
    show_info,
)
from desktop.ui.table_model import LazyTableModel


def language_label(code: str) -> str:
    return dict(language_choices()).get(code, code)


def user_status(user: UserInfo) -> str:
    if not user.active:
        return _("Deactivated")
    if user.locked:
        return _("Locked")
    return _("Active")


def _status_color(user: UserInfo):
    if user.locked or not user.active:
        from PySide6.QtGui import QColor

        return QColor("#c62828") if user.locked else QColor("#757575")
    return None


def user_columns(timezone: str | None) -> list[tuple]:
    return [
        (_("User name"), lambda u: u.username),
        (_("Full name"), lambda u: u.full_name),
        (_("Role"), lambda u: role_label(u.role)),
        (_("Language"), lambda u: language_label(u.preferred_language)),
        (_("Status"), user_status, {Qt.ItemDataRole.ForegroundRole: _status_color}),
        (_("Last sign-in"), lambda u: format_datetime(u.last_login_at, "short", tz=timezone)
         if u.last_login_at else _("never")),
    ]


class UserDialog(QDialog):
    """Create a user (with a first password) or edit one (name, role, language, active)."""

    def __init__(self, ctx: AppContext, user: UserInfo | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.user = user
        self.result_user: UserInfo | None = None
        self.setWindowTitle(_("New user") if user is None else _("Edit user {user}").format(user=user.username))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.username = QLineEdit(user.username if user else "")
        self.username.setObjectName("username")
        self.username.setMaxLength(64)
        self.username.setReadOnly(user is not None)
        self.full_name = QLineEdit(user.full_name if user else "")
        self.full_name.setObjectName("full_name")
        self.role = QComboBox()
        self.role.setObjectName("role")
        for role in ROLE_PERMISSIONS:
            self.role.addItem(role_label(role), role)
        select_data(self.role, user.role if user else "clerk")
        self.language = QComboBox()
        self.language.setObjectName("language")
        for code, name in language_choices():
            self.language.addItem(name, code)
        select_data(self.language, user.preferred_language if user else "es")
        form.addRow(_("&User name:"), self.username)
        form.addRow(_("&Full name:"), self.full_name)
        form.addRow(_("&Role:"), self.role)
        form.addRow(_("&Language:"), self.language)
        fields: dict[str, QWidget] = {"username": self.username, "full_name": self.full_name, "role": self.role}
        if user is None:
            self.password = password_field()
            self.password.setObjectName("password")
            self.repeat = password_field()
            self.repeat.setObjectName("repeat")
            form.addRow(_("&Password:"), self.password)
            form.addRow(_("R&epeat password:"), self.repeat)
            self.rules = PasswordRules(self.password, self.repeat, self.username.text)
            self.username.textChanged.connect(self.rules.update_rules)
            form.addRow("", self.rules)
            fields["password"] = self.password
        else:
            self.active = QCheckBox(_("Account is &active (can sign in)"))
            self.active.setObjectName("active")
            self.active.setChecked(user.active)
            form.addRow("", self.active)
        layout.addLayout(form)
        self.errors = FieldErrors(fields)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _save(self) -> None:
        try:
            if self.user is None:
                if self.password.text() != self.repeat.text():
                    raise ValidationError(_("The two passwords differ."), {"password": _("Differs")})
                self.result_user = auth.create_user(
                    self.ctx, self.username.text(), self.full_name.text(), str(self.role.currentData()),
                    self.password.text(), str(self.language.currentData()))
            else:
                self.result_user = auth.update_user(
                    self.ctx, self.user.id, full_name=self.full_name.text(), role=str(self.role.currentData()),
                    active=self.active.isChecked(), language=str(self.language.currentData()),
                    expected_version=self.user.version)
        except ValidationError as exc:
            self.errors.show(exc)
            show_error(self, exc)
            return
        except ConflictError as exc:
            show_error(self, exc)
            self.reject()  # the list reloads; the person opens the fresh record
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.accept()


class ResetPasswordDialog(QDialog):
    def __init__(self, ctx: AppContext, user: UserInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.user = ctx, user
        self.setWindowTitle(_("Reset password of {user}").format(user=user.username))
        self.setMinimumWidth(460)
        layout = QVBoxLayout(self)
        note = QLabel(_("Give {name} this temporary password in person. Enlace asks for a new one at the "
                        "next sign-in; the account is also unlocked.").format(name=user.full_name))
        note.setWordWrap(True)
        layout.addWidget(note)
        form = QFormLayout()
        self.password = password_field()
        self.password.setObjectName("password")
        self.repeat = password_field()
        self.repeat.setObjectName("repeat")
        form.addRow(_("&New password:"), self.password)
        form.addRow(_("&Repeat password:"), self.repeat)
        self.rules = PasswordRules(self.password, self.repeat, lambda: user.username)
        form.addRow("", self.rules)
        layout.addLayout(form)
        self.errors = FieldErrors({"password": self.password})
        buttons = QDialogButtonBox()
        self.ok_button = buttons.addButton(_("Reset password"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.ok_button.setObjectName("reset")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.ok_button.setDefault(True)

    def _save(self) -> None:
        try:
            if self.password.text() != self.repeat.text():
                raise ValidationError(_("The two passwords differ."), {"password": _("Differs")})
            auth.reset_password(self.ctx, self.user.id, self.password.text())
        except ValidationError as exc:
            self.errors.show(exc)
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.accept()


class UsersTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        from desktop.services import office as office_service

        super().__init__(parent)
        self.ctx = ctx
        info = office_service.office_info(ctx.db)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setPlaceholderText(_("Search by user name or full name"))
        self.search.setClearButtonEnabled(True)
        top.addWidget(self.search, 1)
        layout.addLayout(top)

        self.model = LazyTableModel(user_columns(info.timezone if info else None), parent=self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.search.textChanged.connect(self.proxy.setFilterFixedString)
        self.table = QTableView()
        self.table.setObjectName("users_table")
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.doubleClicked.connect(lambda _index: self.edit_user())
        layout.addWidget(self.table, 1)

        buttons = QHBoxLayout()
        self.new_button = QPushButton(_("&New user…"))
        self.new_button.setObjectName("new_user")
        self.edit_button = QPushButton(_("&Edit…"))
        self.edit_button.setObjectName("edit_user")
        self.reset_button = QPushButton(_("&Reset password…"))
        self.reset_button.setObjectName("reset_password")
        self.unlock_button = QPushButton(_("Un&lock"))
        self.unlock_button.setObjectName("unlock")
        self.active_button = QPushButton(_("&Deactivate"))
        self.active_button.setObjectName("toggle_active")
        for button in (self.new_button, self.edit_button, self.reset_button, self.unlock_button, self.active_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.new_button.clicked.connect(self.new_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.reset_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.active_button.clicked.connect(self.toggle_active)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.refresh()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        selected = self.selected()
        try:
            users = auth.list_users(self.ctx)
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.model.set_rows(users)
        if selected is not None:
            self.select(selected.username)
        self._update_buttons()

    def select(self, username: str) -> None:
        for row in range(self.proxy.rowCount()):
            user = self.proxy.index(row, 0).data(Qt.ItemDataRole.UserRole)
            if user.username == username:
                self.table.selectRow(row)
                return

    def selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].data(Qt.ItemDataRole.UserRole) if rows else None

    def _update_buttons(self, *_args: object) -> None:
        user = self.selected()
        for button in (self.edit_button, self.reset_button, self.active_button):
            button.setEnabled(user is not None)
        self.unlock_button.setEnabled(user is not None and user.locked)
        self.active_button.setText(_("&Activate") if user is not None and not user.active else _("&Deactivate"))

    def new_user(self) -> None:
        dialog = UserDialog(self.ctx, None, self)
        if dialog.exec() and dialog.result_user:
            self.refresh()
            self.select(dialog.result_user.username)

    def edit_user(self) -> None:
        user = self.selected()
        if user is None:
            return
        dialog = UserDialog(self.ctx, user, self)
        dialog.exec()
        self.refresh()
        self._show_new_recovery_key()

    def _show_new_recovery_key(self) -> None:
        """An administrator lost access (deactivated, reset, role): the recovery key changed; show it once."""
        from desktop.services import workspace
        from desktop.ui.setup_wizard import RecoveryKeyDialog

        key = workspace.take_recovery_key(self.ctx)
        if key:
            RecoveryKeyDialog(self.ctx, key, self).open()

    def reset_password(self) -> None:
        user = self.selected()
        if user is None:
            return
        if ResetPasswordDialog(self.ctx, user, self).exec():
            show_info(self, _("The password of {user} was reset.").format(user=user.username))
        self.refresh()
        self._show_new_recovery_key()

    def unlock(self) -> None:
        user = self.selected()
        if user is None:
            return
        try:
            auth.unlock_user(self.ctx, user.id)
        except EnlaceError as exc:
            show_error(self, exc)
        self.refresh()

    def toggle_active(self) -> None:
        user = self.selected()
        if user is None:
            return
        if user.active and not confirm(self, _("Deactivate {user}? The account can no longer sign in; its "
                                               "records and history stay.").format(user=user.username)):
            return
        try:
            auth.update_user(self.ctx, user.id, active=not user.active, expected_version=user.version)
        except EnlaceError as exc:
            show_error(self, exc)
        self.refresh()
        self._show_new_recovery_key()
