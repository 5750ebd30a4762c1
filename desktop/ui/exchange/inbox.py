"""What clerks work in Intercambio: referrals other offices sent here, and directory rows to review."""

from __future__ import annotations

import uuid

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date
from desktop.services import exchange
from desktop.services.core.context import AppContext
from desktop.ui.common import EmptyState, confirm, guarded, show_info


class RegisterDialog(QDialog):
    """The clerk decides: one of the people who may already be registered, or a new registration."""

    def __init__(self, ctx: AppContext, info: exchange.InboundInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Register the person"))
        self.choice: uuid.UUID | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("{name} was referred by {office}. If the person is already registered here, choose "
                                  "them; otherwise register a new person. Nobody is merged automatically.").format(
            name=info.person_name, office=info.sender_office)))
        self.candidates = QListWidget()
        for candidate in guarded(self, exchange.duplicate_suggestions, ctx, info.id) or []:
            item = QListWidgetItem(f"{candidate.row.name} — {', '.join(candidate.reasons)}")
            item.setData(256, candidate.row.id)
            self.candidates.addItem(item)
        layout.addWidget(self.candidates)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.same = buttons.addButton(_("Same person"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.same.setEnabled(False)
        self.new = buttons.addButton(_("Register as new"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.candidates.currentItemChanged.connect(lambda item, _old: self.same.setEnabled(item is not None))
        self.same.clicked.connect(self._same)
        self.new.clicked.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _same(self) -> None:
        item = self.candidates.currentItem()
        self.choice = item.data(256) if item else None
        self.accept()


class InboxTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.rows: list[exchange.InboundInfo] = []
        self.table = QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels([_("Number"), _("From"), _("Service"), _("Person"), _("Status")])
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self.show_current)
        self.empty_state = EmptyState(self.table, _("No referral from another office yet. They arrive when an "
                                                    "administrator imports a partner's bundle."))
        self.detail = QLabel()
        self.detail.setWordWrap(True)
        self.register_button = QPushButton(_("Register the person…"))
        self.register_button.clicked.connect(self.register)
        self.action_buttons: dict[str, QPushButton] = {}
        actions = QHBoxLayout()
        actions.addWidget(self.register_button)
        for status, label in (("accepted", _("Accept")), ("rejected", _("Reject")), ("attended", _("Attended")),
                              ("not_attended", _("Did not attend"))):
            button = QPushButton(label)
            button.clicked.connect(lambda _checked=False, s=status: self.record(s))
            self.action_buttons[status] = button
            actions.addWidget(button)
        actions.addStretch(1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.detail)
        side_layout.addLayout(actions)
        side_layout.addStretch(1)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(side)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.refresh()

    def refresh(self) -> None:
        self.rows = guarded(self, exchange.inbox, self.ctx) or []
        self.table.setRowCount(len(self.rows))
        for row, r in enumerate(self.rows):
            for col, text in enumerate((r.number, r.sender_office, r.service_name, r.person_name, r.status_label)):
                self.table.setItem(row, col, QTableWidgetItem(text))
        self.empty_state.update()
        self.show_current()

    def current(self) -> exchange.InboundInfo | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def show_current(self) -> None:
        info = self.current()
        self.register_button.setVisible(info is not None and info.person_id is None)
        for status, button in self.action_buttons.items():
            button.setVisible(info is not None and status in info.next_statuses)
        if info is None:
            self.detail.setText(_("Choose a referral to see what the other office sent."))
            return
        p = info.person
        lines = [_("Referral {number} from {office}").format(number=info.number, office=info.sender_office),
                 _("Service: {name}").format(name=info.service_name),
                 _("Person: {name}").format(name=info.person_name),
                 _("Document: {document}").format(document=p.get("document_number") or "—"),
                 _("Reason: {reason}").format(reason=info.reason or "—")]
        lines += [f"{exchange.event_label(status)} — {format_date(at, 'medium')}" for status, at, _note in info.events]
        self.detail.setText("\n".join(lines))

    def register(self) -> None:
        info = self.current()
        if info is None:
            return
        dialog = RegisterDialog(self.ctx, info, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            if guarded(self, exchange.register_inbound_person, self.ctx, info.id, dialog.choice):
                self.refresh()

    def record(self, status: str) -> None:
        info = self.current()
        if info is not None and guarded(self, exchange.record_outcome, self.ctx, info.id, status):
            row = self.table.currentRow()
            self.refresh()
            self.table.selectRow(row)


class ReviewTab(QWidget):
    """Rows changed here and at another office since they last agreed: both versions side by side."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.items: list[exchange.ConflictInfo] = []
        self.list = QListWidget()
        self.list.currentRowChanged.connect(self.show_current)
        self.empty_state = EmptyState(self.list, _("Nothing to review: no directory row was changed both here "
                                                   "and at another office."))
        self.compare = QTableWidget(0, 3)
        self.compare.setHorizontalHeaderLabels([_("Field"), _("This office"), _("Other office")])
        self.compare.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        for col in (1, 2):
            self.compare.horizontalHeader().setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.keep_button = QPushButton(_("Keep this office's version"))
        self.take_button = QPushButton(_("Take the other office's version"))
        self.keep_button.clicked.connect(lambda: self.resolve("local"))
        self.take_button.clicked.connect(lambda: self.resolve("remote"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.keep_button)
        buttons.addWidget(self.take_button)
        buttons.addStretch(1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.compare)
        right_layout.addLayout(buttons)
        split = QSplitter()
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        layout = QVBoxLayout(self)
        layout.addWidget(split)
        self.refresh()

    def refresh(self) -> None:
        self.items = guarded(self, exchange.list_conflicts, self.ctx) or []
        self.list.clear()
        for c in self.items:
            self.list.addItem(f"{c.title} ({c.table}, {c.sender_office})")
        self.empty_state.update()
        if self.items:
            self.list.setCurrentRow(0)
        self.show_current()

    def show_current(self, *_args) -> None:
        row = self.list.currentRow()
        c = self.items[row] if 0 <= row < len(self.items) else None
        self.keep_button.setEnabled(c is not None)
        self.take_button.setEnabled(c is not None)
        fields = (c.changed_fields + [k for k in ("name", "id") if k not in c.changed_fields]) if c else []
        self.compare.setRowCount(len(fields))
        for i, name in enumerate(fields):
            for col, text in enumerate((name, c.local.get(name, ""), c.remote.get(name, ""))):
                self.compare.setItem(i, col, QTableWidgetItem(text))

    def resolve(self, keep: str) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.items):
            return
        c = self.items[row]
        question = (_("Keep this office's version of “{name}”?") if keep == "local"
                    else _("Write the version of {office} over this office's “{name}”?")).format(
            name=c.title, office=c.sender_office)
        if confirm(self, question) and guarded(self, exchange.resolve_conflict, self.ctx, c.id, keep):
            show_info(self, _("Done: the two offices' versions are now reconciled here."))
            self.refresh()
