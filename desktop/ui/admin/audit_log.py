"""The audit log browser (bitácora): filters, newest first, pages fetched as the list scrolls."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_datetime, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.security import audit, audit_text
from desktop.services.security.audit import AuditFilter
from desktop.ui.common import TextBox, show_error
from desktop.ui.dates import DateField
from desktop.ui.search_box import SearchBox
from desktop.ui.table_model import LazyTableModel

NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


RAW = (5, 6, 7)  # record type, record, fields: hidden at first; the sentence says it, its tooltip and the pane show it


def audit_columns(timezone: str | None, sentences: dict[int, str]) -> list[tuple]:
    """Events newest first: number, time in the office's zone, what happened in words, who, what, on which
    record, which fields. ``sentences`` holds each loaded event's sentence by its number."""
    return [
        (_("No."), lambda e: str(e.seq), NUMBER),
        (_("When"), lambda e: format_datetime(e.at, "short", tz=timezone)),
        (_("What happened"), lambda e: sentences.get(e.seq, ""), {Qt.ItemDataRole.ToolTipRole: raw_text}),
        (_("User"), lambda e: e.username or ""),
        (_("Action"), lambda e: audit.action_label(e.action)),
        (_("Record type"), lambda e: audit.entity_label(e.entity)),
        (_("Record"), lambda e: e.entity_id or ""),
        (_("Changed fields"), lambda e: ", ".join(json.loads(e.fields))),
    ]


def raw_text(event) -> str:
    """The event as stored (record type and id, changed fields, details): the tooltip of its sentence."""
    return "\n".join([
        _("Record: {entity} {id}").format(entity=audit.entity_label(event.entity) or "—", id=event.entity_id or ""),
        _("Changed fields: {fields}").format(fields=", ".join(json.loads(event.fields)) or "—"),
        _("Details: {detail}").format(detail=event.detail),
    ])


class AuditTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        from desktop.services import office as office_service

        super().__init__(parent)
        self.ctx = ctx
        info = office_service.office_info(ctx.db)
        self.timezone = info.timezone if info else "UTC"
        layout = QVBoxLayout(self)

        filters = QGridLayout()
        self.search = SearchBox(_("Search record, type, user or fields"), pause_ms=300)
        self.search.setObjectName("search")
        self.user = QComboBox()
        self.user.setObjectName("user_filter")
        self.action = QComboBox()
        self.action.setObjectName("action_filter")
        self.action.addItem(_("All actions"), None)
        for code in audit.ACTIONS:
            self.action.addItem(audit.action_label(code), code)
        today = office_today()
        self.use_since = QCheckBox(_("&From:"))
        self.use_since.setObjectName("use_since")
        self.since = DateField(today - timedelta(days=30))
        self.since.setObjectName("since")
        self.use_until = QCheckBox(_("&To:"))
        self.use_until.setObjectName("use_until")
        self.until = DateField(today)
        self.until.setObjectName("until")
        for edit in (self.since, self.until):
            edit.setEnabled(False)
        self.use_since.toggled.connect(self.since.setEnabled)
        self.use_until.toggled.connect(self.until.setEnabled)
        filters.addWidget(QLabel(_("&Search:")), 0, 0)
        filters.itemAtPosition(0, 0).widget().setBuddy(self.search)
        filters.addWidget(self.search, 0, 1, 1, 3)
        user_label = QLabel(_("&User:"))
        user_label.setBuddy(self.user)
        filters.addWidget(user_label, 0, 4)
        filters.addWidget(self.user, 0, 5)
        action_label = QLabel(_("A&ction:"))
        action_label.setBuddy(self.action)
        filters.addWidget(action_label, 1, 0)
        filters.addWidget(self.action, 1, 1)
        dates = QHBoxLayout()
        dates.addWidget(self.use_since)
        dates.addWidget(self.since)
        dates.addWidget(self.use_until)
        dates.addWidget(self.until)
        dates.addStretch(1)
        filters.addLayout(dates, 1, 2, 1, 4)
        filters.setColumnStretch(1, 1)
        layout.addLayout(filters)

        self.filter = AuditFilter()
        self.sentences: dict[int, str] = {}
        self.model = LazyTableModel(audit_columns(self.timezone, self.sentences), parent=self)
        self.table = QTableView()
        self.table.setObjectName("audit_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in enumerate((50, 130, 470, 100, 140, 110, 240)):
            header.resizeSection(column, width)
        for column in RAW:
            self.table.setColumnHidden(column, True)
        self.detail = TextBox()
        self.detail.setObjectName("event_detail")
        self.detail.setReadOnly(True)
        self.detail.setPlaceholderText(_("Select an event to see all its details."))
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.table)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.count_label = QLabel()
        self.verify_button = QPushButton(_("&Verify integrity"))
        self.verify_button.setObjectName("verify")
        self.verify_button.setToolTip(_("Checks that no event was changed or removed since it was written."))
        self.verify_label = QLabel()
        self.verify_label.setObjectName("verify_result")
        self.verify_label.setWordWrap(True)
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.verify_label, 2)
        bottom.addWidget(self.verify_button)
        layout.addLayout(bottom)

        self.search.searched.connect(lambda _text: self.apply_filter())
        for combo in (self.user, self.action):
            combo.currentIndexChanged.connect(lambda _i: self.apply_filter())
        for check in (self.use_since, self.use_until):
            check.toggled.connect(lambda _on: self.apply_filter())
        for edit in (self.since, self.until):
            edit.dateChanged.connect(lambda _d: self.apply_filter())
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self.model.rowsInserted.connect(self._update_count)
        self.model.modelReset.connect(self._update_count)
        self.verify_button.clicked.connect(self.verify)
        self._verifying = None
        self._fill_users()
        self.apply_filter()

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        self._fill_users()
        self.apply_filter()

    def _fill_users(self) -> None:
        current = self.user.currentData()
        self.user.blockSignals(True)
        self.user.clear()
        self.user.addItem(_("All users"), None)
        try:
            names = audit.list_usernames(self.ctx)
        except EnlaceError:
            names = []
        for name in names:
            self.user.addItem(name, name)
        index = self.user.findData(current)
        self.user.setCurrentIndex(max(index, 0))
        self.user.blockSignals(False)

    def _bound(self, day: date | None) -> datetime | None:
        """Midnight at the start of ``day`` in the office's time zone, as UTC (None: no bound)."""
        if day is None:
            return None
        local = datetime.combine(day, time.min, tzinfo=ZoneInfo(self.timezone))
        return local.astimezone(UTC)

    def current_filter(self) -> AuditFilter:
        since = self._bound(self.since.value()) if self.use_since.isChecked() else None
        until = self._bound(self.until.value()) if self.use_until.isChecked() else None
        until = until + timedelta(days=1) if until is not None else None
        return AuditFilter(username=self.user.currentData(), action=self.action.currentData(), since=since,
                           until=until, text=self.search.text().strip() or None)

    def apply_filter(self) -> None:
        self.filter = self.current_filter()
        try:
            self.model.reset(self._page)
        except EnlaceError as exc:
            show_error(self, exc)
        self.detail.clear()

    def _page(self, offset: int, limit: int) -> list:
        """The next older events: read from the last one shown, not by offset (the log only grows)."""
        last = self.model.row(offset - 1) if offset else None
        flt = replace(self.filter, before_seq=last.seq if last is not None else None)
        if not offset:
            self.sentences.clear()
        try:
            batch = audit.list_events(self.ctx, flt, limit=limit)
            # The page's names in a fixed number of statements, before the rows reach the view.
            self.sentences.update(zip((e.seq for e in batch), audit_text.describe(self.ctx, batch), strict=True))
            return batch
        except EnlaceError:
            if offset:
                return []  # an older page that cannot be read ends the list
            raise

    def _update_count(self, *_args: object) -> None:
        shown = self.model.rowCount()
        if self.model.canFetchMore(QModelIndex()):
            self.count_label.setText(_("{n} events shown; scroll for older ones").format(n=shown))
        else:
            self.count_label.setText(_("{n} events").format(n=shown))

    def _show_detail(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            self.detail.clear()
            return
        event = self.model.data(current, Qt.ItemDataRole.UserRole)
        lines = [
            self.sentences.get(event.seq, ""),
            _("Event {seq} — {action}").format(seq=event.seq, action=audit.action_label(event.action)),
            _("When: {time}").format(time=format_datetime(event.at, "full", tz=self.timezone)),
            _("User: {user}").format(user=event.username or "—"),
            _("Record: {entity} {id}").format(entity=audit.entity_label(event.entity) or "—",
                                              id=event.entity_id or ""),
            _("Changed fields: {fields}").format(fields=", ".join(json.loads(event.fields)) or "—"),
            _("Details: {detail}").format(detail=event.detail),
            _("Hash: {hash}").format(hash=event.hash),
            _("Previous hash: {hash}").format(hash=event.prev_hash),
        ]
        self.detail.setPlainText("\n".join(lines))

    def verify(self) -> None:
        """Check the chain off the GUI thread (a large log takes seconds); the result replaces the label."""
        from desktop.ui.worker import run_in_background

        if self._verifying is not None:
            return
        self.verify_button.setEnabled(False)
        self.verify_label.setStyleSheet("")
        self.verify_label.setText(_("Checking the audit log…"))
        self._verifying = run_in_background(audit.verify_chain, self.ctx.db, on_done=self._verified,
                                            on_failed=self._verify_failed, plain=False)

    def _verify_failed(self, message: str) -> None:
        self._verifying = None
        self.verify_button.setEnabled(True)
        self.verify_label.setStyleSheet("color: #c62828;")
        self.verify_label.setText(message)

    def _verified(self, result) -> None:
        self._verifying = None
        self.verify_button.setEnabled(True)
        if result.ok:
            self.verify_label.setStyleSheet("color: #2e7d32;")
            self.verify_label.setText(_("Intact: {n} events checked.").format(n=result.checked))
        else:
            self.verify_label.setStyleSheet("color: #c62828;")
            self.verify_label.setText(_("Broken at event {seq}: {reason}.").format(
                seq=result.broken_seq, reason=result.reason))
