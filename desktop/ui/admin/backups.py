"""Administration → Backups: the backup folder, backing up now, checking and restoring a backup,
and a new recovery key for an encrypted database."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_datetime, format_number
from desktop.services import office
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, StoreError
from desktop.services.core.permissions import Permission
from desktop.services.security import auth
from desktop.services.workspace import Unlock, backup
from desktop.ui.common import EmptyState, confirm, password_field, show_error, show_info, shown_if
from desktop.ui.job_status import track
from desktop.ui.worker import Worker


def reason_label(reason: str) -> str:
    labels = {"": _("Manual"), "manual": _("Manual"), "close": _("At sign-out"), "daily": _("Daily"),
              "pre-restore": _("Before a restore"), "pre-encrypt": _("Before encryption")}
    return labels.get(reason, reason)


def size_label(size: int) -> str:
    return _("{n} MB").format(n=format_number(round(size / 1_048_576, 1)))


class RestoreDialog(QDialog):
    """Shows a backup's date and record counts; restores it after the administrator's password.

    ``restored`` is emitted after a restore: the database connection is closed, so the window
    must sign out.
    """

    restored = Signal(object)  # RestoreResult

    def __init__(self, ctx: AppContext, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.path = ctx, path
        self.result_value: backup.RestoreResult | None = None
        self.setWindowTitle(_("Restore a backup"))
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("summary")
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        self.counts = QTableWidget(0, 2)
        self.counts.setObjectName("counts")
        self.counts.setHorizontalHeaderLabels([_("Records"), _("Number")])
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.counts)
        warning = QLabel(_("The current database is backed up first, then replaced by this backup. Everything "
                           "entered after the backup's date will be only in that safety copy. Close Enlace on every "
                           "other computer using this database first. You will sign in again afterwards, with the "
                           "passwords of the backup's date."))
        warning.setWordWrap(True)
        warning.setStyleSheet("color: #b71c1c;")
        layout.addWidget(warning)
        form = QFormLayout()
        self.password = password_field()
        self.password.setObjectName("password")
        form.addRow(_("Your &password:"), self.password)
        layout.addLayout(form)
        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #c62828;")
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.restore_button = self.buttons.addButton(_("&Restore"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.restore_button.setObjectName("restore")
        self.restore_button.setEnabled(False)
        self.buttons.accepted.connect(self.restore)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.password.textChanged.connect(lambda text: self.restore_button.setEnabled(bool(text) and self.ok))
        self.ok = False
        self._restoring = None
        self.load()

    def load(self, unlock: Unlock | None = None) -> None:
        try:
            summary = backup.inspect_backup(self.path, [self.ctx.db.key] if self.ctx.db.key else [], unlock)
        except (EnlaceError, StoreError) as exc:
            self.summary_label.setText(_("This backup is encrypted with another key. Type the password you had "
                                         "on the day of the backup and press Restore.") if unlock is None else
                                       str(exc))
            self.ok = unlock is None and not isinstance(exc, StoreError)
            self._needs_password_for_backup = True
            return
        self._needs_password_for_backup = False
        self.ok = summary.ok
        tz = backup.office_timezone(self.ctx.db)
        when = format_datetime(summary.created_at, "long", tz) if summary.created_at else "?"
        if summary.ok:
            self.summary_label.setText(_("Backup of {office} made on {when}.").format(office=summary.office, when=when))
        else:
            self.summary_label.setText(_("This backup is damaged and cannot be restored: {problem}").format(
                problem=summary.problems[0]))
        shown = backup.summarize_counts(summary.counts)
        self.counts.setRowCount(len(shown))
        for row, (label, n) in enumerate(shown):
            self.counts.setItem(row, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(format_number(n))
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.counts.setItem(row, 1, number)

    def restore(self) -> None:
        """Check the password and restore off the GUI thread (both take seconds); the window stays live."""
        from desktop.ui.worker import run_in_background

        if self._restoring is not None:
            return
        self.error.hide()
        self.restore_button.setEnabled(False)
        self.password.setEnabled(False)
        self.summary_label.setText(_("Restoring the backup… Please wait."))
        self._restoring = run_in_background(_restore, self.ctx, self.path, self.password.text(),
                                            self._needs_password_for_backup, on_done=self._restored,
                                            on_failed=self._restore_failed)

    def _restored(self, result) -> None:
        self._restoring = None
        self.result_value = result
        self.restored.emit(result)
        self.accept()

    def _restore_failed(self, message: str) -> None:
        self._restoring = None
        self.password.setEnabled(True)
        self.restore_button.setEnabled(bool(self.password.text()) and self.ok)
        self.load()
        self.error.setText(message)
        self.error.show()

    def reject(self) -> None:
        if self._restoring is None:  # a restore under way cannot be left half done
            super().reject()


def _restore(ctx: AppContext, path: Path, password: str, needs_backup_password: bool):
    """The restore job: the administrator's password, the backup's own key if it needs one, then the restore."""
    try:
        auth.confirm_password(ctx, password)
        unlock = Unlock(ctx.username, password)
        if needs_backup_password:
            summary = backup.inspect_backup(path, [ctx.db.key] if ctx.db.key else [], unlock)
            if not summary.ok:
                raise EnlaceError(_("This backup is damaged and cannot be restored: {problem}").format(
                    problem=summary.problems[0]))
        return backup.restore_backup(ctx.db.path, path, ctx=ctx, unlock=unlock)
    except StoreError as exc:
        raise EnlaceError(str(exc)) from exc


class BackupsTab(QWidget):
    """Backups of the open database. Supervisors back up; administrators also restore and set the folder."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.worker: Worker | None = None
        layout = QVBoxLayout(self)
        self.status = QLabel()
        self.status.setObjectName("backup_status")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)

        folder_row = QHBoxLayout()
        self.folder = QLabel()
        self.folder.setObjectName("backup_folder")
        self.folder.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.folder.setWordWrap(True)
        folder_row.addWidget(self.folder, 1)
        self.change_folder = QPushButton(_("Change &folder…"))
        self.change_folder.setObjectName("change_folder")
        self.change_folder.setToolTip(_("A USB drive is a good place: keep it away from this computer."))
        shown_if(self.change_folder, ctx.can(Permission.MANAGE_OFFICE))
        self.change_folder.clicked.connect(self._choose_folder)
        folder_row.addWidget(self.change_folder)
        layout.addLayout(folder_row)

        self.table = QTableWidget(0, 5)
        self.table.setObjectName("backups")
        self.table.setHorizontalHeaderLabels([_("Made on"), _("Kind"), _("Size"), _("Encrypted"), _("File")])
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.table, 1)
        self.empty_state = EmptyState(self.table, _("No backups in this folder yet. “Back up now” makes one; Enlace "
                                                    "also makes one each day while it is open."))

        buttons = QHBoxLayout()
        self.backup_now = QPushButton(_("&Back up now"))
        self.backup_now.setObjectName("backup_now")
        self.backup_now.clicked.connect(self.start_backup)
        self.check = QPushButton(_("&Check"))
        self.check.setObjectName("check")
        self.check.clicked.connect(self.check_selected)
        self.restore_button = QPushButton(_("&Restore…"))
        self.restore_button.setObjectName("restore")
        self.restore_button.clicked.connect(self.restore_selected)
        self.restore_file = QPushButton(_("Restore from a &file…"))
        self.restore_file.setObjectName("restore_file")
        self.restore_file.clicked.connect(self._restore_from_file)
        self.new_key = QPushButton(_("New recovery &key…"))
        self.new_key.setObjectName("new_recovery_key")
        self.new_key.clicked.connect(self.make_new_recovery_key)
        for button in (self.backup_now, self.check, self.restore_button, self.restore_file, self.new_key):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        # A server backup goes into a new, empty server database from the command line, never over this one.
        can_restore = ctx.can(Permission.RESTORE) and not backup.is_server(ctx)
        self.restore_button.setVisible(can_restore)
        self.restore_file.setVisible(can_restore)
        self.new_key.setVisible(ctx.can(Permission.MANAGE_OFFICE) and ctx.db.key is not None)
        # On a server the backup holds every account: administrators make it (with their own password).
        self.backup_now.setVisible(not backup.is_server(ctx) or ctx.can(Permission.MANAGE_OFFICE))
        self.backups: list[backup.BackupInfo] = []
        self.refresh()

    # -- listing ---------------------------------------------------------------------------

    def refresh(self) -> None:
        status = backup.backup_status(self.ctx.db)
        self.status.setText(status.text)
        self.status.setStyleSheet("color: #b71c1c; font-weight: bold;" if status.overdue else "")
        try:
            folder = backup.backup_folder(self.ctx.db)
        except EnlaceError as exc:
            self.folder.setText(str(exc))
            self.backup_now.setEnabled(False)
            return
        self.folder.setText(_("Backup folder: {folder}").format(folder=folder))
        if not folder.exists():
            self.folder.setText(_("Backup folder: {folder} (not found: is the USB drive connected?)").format(
                folder=folder))
        self.backups = backup.list_backups(self.ctx)
        tz = backup.office_timezone(self.ctx.db)
        self.table.setRowCount(len(self.backups))
        for row, info in enumerate(self.backups):
            cells = [format_datetime(info.created_at, "short", tz), reason_label(info.reason), size_label(info.size),
                     _("Yes") if info.encrypted else _("No"), info.path.name]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 4:
                    item.setToolTip(str(info.path))
                self.table.setItem(row, column, item)
        self.table.resizeColumnsToContents()
        self._selection_changed()

    def _selection_changed(self) -> None:
        selected = self.selected() is not None
        self.check.setEnabled(selected)
        self.restore_button.setEnabled(selected)

    def selected(self) -> backup.BackupInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.backups[rows[0].row()] if rows and rows[0].row() < len(self.backups) else None

    def _choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, _("Backup folder"), str(backup.backup_folder(self.ctx.db)))
        if folder:
            self.set_folder(folder)

    def set_folder(self, folder: str) -> None:
        try:
            office.set_setting(self.ctx, "backup_dir", folder)
        except EnlaceError as exc:
            show_error(self, exc)
        self.refresh()

    # -- backing up ------------------------------------------------------------------------

    def start_backup(self) -> None:
        """Back up in the background; the window stays usable."""
        if self.worker is not None:
            return
        self.backup_now.setEnabled(False)
        self.status.setText(_("Backing up…"))
        self.worker = Worker(backup.create_backup, self.ctx)
        self.worker.finished.connect(self._backup_done)
        self.worker.failed.connect(self._backup_failed)
        track(self.worker, self.ctx, "backup", audited=True)  # create_backup logs its own failures
        self.worker.start()

    def _worker_done(self) -> None:
        if self.worker is not None:
            self.worker.wait()
            self.worker.deleteLater()
            self.worker = None
        self.backup_now.setEnabled(True)
        self.refresh()
        window = self.window()
        refresh_status = getattr(window, "refresh_backup_status", None)
        if callable(refresh_status):
            refresh_status()

    def _backup_done(self, made: backup.BackupInfo) -> None:
        self._worker_done()
        self.status.setText(_("Backup checked and saved: {path}").format(path=made.path))

    def _backup_failed(self, message: str) -> None:
        self._worker_done()
        self.status.setText(message)
        self.status.setStyleSheet("color: #b71c1c; font-weight: bold;")

    # -- checking and restoring ------------------------------------------------------------

    def check_selected(self) -> None:
        info = self.selected()
        if info is None:
            return
        try:
            if info.path.name.endswith(".pgdump"):  # an office server's backup: opened with one's own password
                from desktop.services.workspace import server_backup

                checked = server_backup.check_own(self.ctx, info.path)
                summary = backup.BackupSummary(info.path, checked.created_at, checked.office, True, checked.counts,
                                               checked.problems)
            else:
                summary = backup.inspect_backup(info.path, [self.ctx.db.key] if self.ctx.db.key else [])
        except (EnlaceError, StoreError) as exc:
            show_error(self, exc)
            return
        if summary.ok:
            show_info(self, _("The backup {name} is sound.").format(name=info.path.name))
        else:
            show_error(self, _("The backup {name} is damaged: {problem}").format(name=info.path.name,
                                                                                 problem=summary.problems[0]))

    def restore_selected(self) -> None:
        info = self.selected()
        if info is not None:
            self.open_restore(info.path)

    def _restore_from_file(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Restore a backup"), str(backup.backup_folder(self.ctx.db)),
                                                    _("Enlace backups (*.db)"))
        if path:
            self.open_restore(Path(path))

    def open_restore(self, path: Path) -> RestoreDialog:
        dialog = RestoreDialog(self.ctx, path, self)
        dialog.restored.connect(self._restored)
        dialog.open()
        return dialog

    def _restored(self, result: backup.RestoreResult) -> None:
        show_info(self, _("The backup was restored. The database as it was before is saved in {path}. "
                          "Sign in again.").format(path=result.safety_backup))
        window = self.window()
        sign_out = getattr(window, "sign_out_requested", None)
        if sign_out is not None:
            sign_out.emit()

    def make_new_recovery_key(self) -> None:
        from desktop.services import workspace
        from desktop.ui.setup_wizard import RecoveryKeyDialog

        if not confirm(self, _("Make a new recovery key? The printed recovery sheet stops working; print the new "
                               "one right away.")):
            return
        try:
            key = workspace.new_recovery_key(self.ctx)
        except (EnlaceError, StoreError) as exc:
            show_error(self, exc)
            return
        RecoveryKeyDialog(self.ctx, key, self).open()
