"""The main window: navigation on the left, the current section, a status bar."""

from __future__ import annotations

import importlib

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QSplitter,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, set_timezone
from desktop.services import office as office_service
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import has_permission, role_label
from desktop.ui.common import ElidedLabel, fit_to_screen
from desktop.ui.job_status import job_label, job_monitor, track
from desktop.ui.sections import SECTIONS, SectionSpec


def _load_widget(spec: SectionSpec, ctx: AppContext, parent: QWidget) -> QWidget:
    module_name, class_name = spec.widget.split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls(ctx, parent)


class MainWindow(QMainWindow):
    sign_out_requested = Signal()
    lock_requested = Signal()
    preferences_requested = Signal()
    quit_requested = Signal()
    closed = Signal()  # the window was closed (title bar, Quit, or the session closing it)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setObjectName("main_window")
        office = office_service.office_info(ctx.db)
        set_timezone(office.timezone if office else None)  # "today" and greetings on the office's clock
        self.setWindowTitle(_("Enlace — {office}").format(office=office.name if office else ""))
        self.resize(1200, 760)  # shrunk to the screen by restore_layout() and on first show
        self._fitted = False

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        self.nav.setIconSize(QSize(20, 20))
        self.nav.setMinimumWidth(140)
        self.stack = QStackedWidget()
        self.specs: list[SectionSpec] = []
        self._widgets: dict[str, QWidget] = {}
        for spec in SECTIONS:
            if spec.permission is not None and not has_permission(ctx.actor.role, spec.permission):
                continue
            holder = QWidget()  # the section's widget is built on first show, to keep start-up fast
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
            item = QListWidgetItem(_(spec.title))
            if spec.icon:
                item.setIcon(self.style().standardIcon(getattr(QStyle.StandardPixmap, spec.icon)))
            self.nav.addItem(item)
            self.stack.addWidget(holder)
            self.specs.append(spec)
        self.nav.currentRowChanged.connect(self._show_row)

        splitter = QSplitter()
        splitter.addWidget(self.nav)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setChildrenCollapsible(False)
        # The list as wide as its longest entry: no empty band between it and the section.
        splitter.setSizes([max(150, self.nav.sizeHintForColumn(0) + 24), 1000])
        self.setCentralWidget(splitter)

        self._build_menu()
        self._build_status_bar(office)
        self.nav.setCurrentRow(0)

    # -- sections --------------------------------------------------------------------------

    def section(self, key: str) -> QWidget | None:
        """The section's widget (built now if it was not shown yet), or None if the role lacks it."""
        for row, spec in enumerate(self.specs):
            if spec.key == key:
                return self._ensure_loaded(row)
        return None

    def loaded_section(self, key: str) -> QWidget | None:
        """The section's widget if it was shown already (None otherwise: nothing is built)."""
        return self._widgets.get(key)

    def _ensure_loaded(self, row: int) -> QWidget:
        spec = self.specs[row]
        if spec.key not in self._widgets:
            holder = self.stack.widget(row)
            widget = _load_widget(spec, self.ctx, holder)
            holder.layout().addWidget(widget)
            self._widgets[spec.key] = widget
        return self._widgets[spec.key]

    def show_section(self, key: str) -> None:
        for row, spec in enumerate(self.specs):
            if spec.key == key:
                self.nav.setCurrentRow(row)
                return

    def current_key(self) -> str | None:
        row = self.nav.currentRow()
        return self.specs[row].key if 0 <= row < len(self.specs) else None

    def _show_row(self, row: int) -> None:
        if row < 0:
            return
        widget = self._ensure_loaded(row)
        self.stack.setCurrentIndex(row)
        refresh = getattr(widget, "refresh", None)
        if callable(refresh):
            refresh()

    def focus_search(self) -> None:
        row = self.nav.currentRow()
        focus = getattr(self._ensure_loaded(row), "focus_search", None) if row >= 0 else None
        if callable(focus):
            focus()

    def closeEvent(self, event) -> None:
        from desktop.ui import settings

        settings.WINDOW_GEOMETRY.set(self.saveGeometry())
        settings.LAST_SECTION.set(self.current_key() or "home")
        super().closeEvent(event)
        self.closed.emit()

    def restore_layout(self) -> None:
        """The size, position and section of the last session on this PC."""
        from desktop.ui import settings

        geometry = settings.WINDOW_GEOMETRY.get()
        if geometry:
            self.restoreGeometry(geometry)
        fit_to_screen(self)  # a size saved on a bigger monitor, or the default, shrunk to this screen
        self.show_section(settings.LAST_SECTION.get())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._fitted:  # the window manager's frame is known only now
            self._fitted = True
            fit_to_screen(self)

    # -- menu ------------------------------------------------------------------------------

    def _build_menu(self) -> None:
        menu = self.menuBar().addMenu(_("&Enlace"))
        entries = [
            (_("&Preferences…"), QKeySequence("Ctrl+,"), self.preferences_requested),
            (_("&Lock"), QKeySequence("Ctrl+L"), self.lock_requested),
            (_("&Sign out"), QKeySequence("Ctrl+Shift+L"), self.sign_out_requested),
            None,
            (_("&Quit"), QKeySequence("Ctrl+Q"), self.quit_requested),
        ]
        for entry in entries:
            if entry is None:
                menu.addSeparator()
                continue
            text, shortcut, signal = entry
            action = menu.addAction(text)
            action.setShortcut(shortcut)
            action.triggered.connect(signal)
        go = self.menuBar().addMenu(_("&Go"))
        for index, spec in enumerate(self.specs):
            action = go.addAction(_(spec.title))
            if index < 9:
                action.setShortcut(QKeySequence(f"Ctrl+{index + 1}"))
            action.triggered.connect(lambda _checked=False, i=index: self.nav.setCurrentRow(i))
        find = go.addAction(_("&Find in section"))
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.focus_search)

    # -- status bar ------------------------------------------------------------------------

    def _build_status_bar(self, office) -> None:
        bar = self.statusBar()
        actor = self.ctx.actor
        # The office, the person and the database give way (shortened with "…", whole in the tooltip) so
        # that the backup warning is always read whole, even on a 1024-pixel-wide screen.
        self.office_label = ElidedLabel(f"{office.code} · {office.name}" if office else "")
        self.user_label = ElidedLabel(_("{name} ({role})").format(name=actor.full_name, role=role_label(actor.role)))
        path = self.ctx.db.path
        self.db_label = ElidedLabel(_("Database: {path}").format(path=path.name if path else self.ctx.db.url))
        if path:
            self.db_label.setToolTip(str(path))
        self.backup_label = QLabel("")
        self.backup_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.office_label, self.user_label, self.db_label):
            bar.addWidget(label, 1)
        bar.addPermanentWidget(self.backup_label)
        # A failed background job stays here, in red, until the same kind of job succeeds again.
        self.jobs_label = QLabel("")
        self.jobs_label.setObjectName("failed_jobs")
        self.jobs_label.setStyleSheet("color: #b71c1c; font-weight: bold;")
        self.jobs_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bar.addPermanentWidget(self.jobs_label)
        monitor = job_monitor()
        monitor.changed.connect(self.refresh_job_status)
        monitor.alert.connect(self.announce_failure)
        self.refresh_job_status()
        self.refresh_backup_status()
        if self.backup_label.objectName() == "backup_failed":  # e.g. the backup when someone last signed out
            self.announce_failure("backup", self.backup_label.toolTip())

    def refresh_job_status(self) -> None:
        monitor = job_monitor()
        self.jobs_label.setText(monitor.summary())
        self.jobs_label.setToolTip(monitor.details())
        self.jobs_label.setVisible(bool(monitor.failures))

    def announce_failure(self, kind: str, message: str) -> None:
        """Say a failure nobody was watching (the daily backup), without blocking the window."""
        from PySide6.QtWidgets import QMessageBox

        from desktop import APP_NAME

        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME,
                          _("{job} failed: {message}").format(job=job_label(kind), message=message), parent=self)
        box.setObjectName("job_failure_message")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()

    def refresh_backup_status(self) -> None:
        """The last good backup, in red when older than two days; starts the daily automatic backup."""
        from PySide6.QtCore import QTimer

        from desktop.services.workspace import backup

        status = backup.backup_status(self.ctx.db)
        self.backup_label.setText(status.text)
        self.backup_label.setToolTip(status.detail)
        self.backup_label.setObjectName("backup_failed" if status.detail else
                                        "backup_overdue" if status.overdue else "backup_ok")
        self.backup_label.setStyleSheet("color: #b71c1c; font-weight: bold;" if status.overdue else "")
        if not hasattr(self, "_daily_backup_timer") and self.ctx.db.path is not None:
            # The once-a-day backup: checked a minute after sign-in, then every hour, in the background.
            self._daily_backup_worker = None
            self._daily_backup_timer = QTimer(self)
            self._daily_backup_timer.setInterval(3_600_000)
            self._daily_backup_timer.timeout.connect(self._run_daily_backup)
            self._daily_backup_timer.start()
            first = QTimer(self)
            first.setSingleShot(True)
            first.timeout.connect(self._run_daily_backup)
            first.start(60_000)

    def _run_daily_backup(self) -> None:
        from desktop.services.workspace import backup
        from desktop.ui.worker import Worker

        if self._daily_backup_worker is not None or not backup.daily_backup_due(self.ctx.db):
            return
        worker = Worker(backup.run_daily_backup_if_due, self.ctx)
        self._daily_backup_worker = worker
        track(worker, self.ctx, "backup", shown=False, audited=True)
        # Bound methods: Qt calls them on the GUI thread (a nested function would run on the worker's).
        worker.finished.connect(self._daily_backup_done)
        worker.failed.connect(self._daily_backup_done)
        worker.start()

    def _daily_backup_done(self, *_args: object) -> None:
        worker, self._daily_backup_worker = self._daily_backup_worker, None
        if worker is not None:
            worker.wait()
            worker.deleteLater()
        self.refresh_backup_status()
