"""The "Referrals" section: every referral (lazy table), its history, the allowed next steps and the slip."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date, format_datetime
from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.workspace import live
from desktop.ui.common import EmptyState, FieldErrors, TextBox, show_error
from desktop.ui.dates import dates_ok, future_date_field
from desktop.ui.printing import print_pdf
from desktop.ui.search_box import SearchBox
from desktop.ui.table_model import LazyTableModel
from desktop.ui.widgets import save_pdf


def referral_columns():
    return [
        (_("Number"), lambda r: r.number),
        (_("Status"), lambda r: referrals.status_label(r.status)),
        (_("Person"), lambda r: r.person_name),
        (_("Service"), lambda r: r.service),
        (_("Organization"), lambda r: r.organization),
        (_("Created"), lambda r: format_date(r.created_at, "short")),
        (_("Follow up"), lambda r: format_date(r.follow_up_on, "short") if r.follow_up_on else ""),
    ]


class TransitionDialog(QDialog):
    """One step of the state machine: a note, the outcome when it closes the referral, the next follow-up."""

    def __init__(self, ctx: AppContext, info: referrals.ReferralInfo, action: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.info, self.action = ctx, info, action
        self.result_info: referrals.ReferralInfo | None = None
        target = referrals.TRANSITIONS[action][1]
        self.closing = target in referrals.CLOSED_STATUSES
        self.setWindowTitle(_("{action}: {number}").format(action=_(referrals.ACTIONS[action]), number=info.number))
        self.note = QLineEdit()
        self.outcome = TextBox()
        self.outcome.setMaximumHeight(90)
        self.follow_up = future_date_field(referrals.suggested_follow_up(info.follow_up_on))
        form = QFormLayout()
        form.addRow(QLabel(_("From \"{old}\" to \"{new}\".").format(old=referrals.status_label(info.status),
                                                                     new=referrals.status_label(target))))
        if self.closing:
            form.addRow(_("Outcome"), self.outcome)
        else:
            form.addRow(_("Note"), self.note)
            form.addRow(_("Next follow-up"), self.follow_up)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.errors = FieldErrors({"outcome": self.outcome, "follow_up_on": self.follow_up})

    def save(self) -> None:
        if not self.closing and not dates_ok(self):
            return
        try:
            self.result_info = referrals.transition(
                self.ctx, self.info.id, self.action, note=self.note.text(),
                outcome=self.outcome.toPlainText() if self.closing else "",
                follow_up_on=None if self.closing else self.follow_up.value(),
                expected_version=self.info.version)
        except ValidationError as exc:
            self.errors.show(exc)
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.accept()


class ReferralPanel(QWidget):
    changed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.info: referrals.ReferralInfo | None = None
        self.title = QLabel()
        self.title.setObjectName("referral_title")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.details = QLabel()
        self.details.setObjectName("referral_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #8a5300;")
        self.events = QListWidget()
        self.events.setObjectName("referral_events")
        self.events.setWordWrap(True)
        self.action_row = QHBoxLayout()
        self.action_buttons: dict[str, QPushButton] = {}
        can_edit = ctx.can(Permission.EDIT_REFERRALS)
        for action in referrals.TRANSITIONS:
            button = QPushButton(_(referrals.ACTIONS[action]))
            button.setObjectName(f"action_{action}")
            button.clicked.connect(lambda _c=False, a=action: self.run_action(a))
            button.setVisible(False)
            button.setEnabled(can_edit)
            self.action_buttons[action] = button
            self.action_row.addWidget(button)
        self.action_row.addStretch(1)
        self.page = QComboBox()
        self.page.addItem(_("Letter"), "Letter")
        self.page.addItem(_("Half letter"), "half-letter")
        self.page.addItem("A4", "A4")
        self.slip_button = QPushButton(_("&Print referral slip"))
        self.slip_button.setObjectName("print_slip")
        self.slip_button.clicked.connect(self.print_slip)
        self.save_slip_button = QPushButton(_("Save PDF…"))
        self.save_slip_button.setObjectName("save_slip")
        self.save_slip_button.clicked.connect(self.save_slip)
        self.follow_up = future_date_field()
        self.follow_up_button = QPushButton(_("Set next follow-up"))
        self.follow_up_button.setObjectName("set_follow_up")
        self.follow_up_button.setToolTip(_("After a follow-up call that changed nothing: when to call again"))
        self.follow_up_button.clicked.connect(self.set_follow_up)
        self.follow_up_button.setEnabled(can_edit)
        # Two short rows rather than one long one: the panel stays narrow enough to leave the table readable.
        slip_row = QHBoxLayout()
        slip_row.addWidget(self.page)
        slip_row.addWidget(self.slip_button)
        slip_row.addWidget(self.save_slip_button)
        slip_row.addStretch(1)
        self.follow_up_label = QLabel(_("Next follow-up:"))
        follow_row = QHBoxLayout()
        follow_row.addWidget(self.follow_up_label)
        follow_row.addWidget(self.follow_up)
        follow_row.addWidget(self.follow_up_button)
        follow_row.addStretch(1)
        self.warnings.hide()
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.warnings)
        layout.addLayout(self.action_row)
        layout.addLayout(slip_row)
        layout.addLayout(follow_row)
        self.history_box = QGroupBox(_("History"))
        QVBoxLayout(self.history_box).addWidget(self.events)
        layout.addWidget(self.history_box, 1)
        self.hint = QLabel()
        self.hint.setObjectName("referral_hint")
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(self.hint, 1)
        self.show_referral(None)

    def show_referral(self, referral_id: uuid.UUID | None) -> None:
        self.info = None
        if referral_id is not None:
            try:
                self.info = referrals.get_referral(self.ctx, referral_id)
            except EnlaceError as exc:
                show_error(self, exc)
        info = self.info
        self.slip_button.setEnabled(info is not None)
        self.save_slip_button.setEnabled(info is not None)
        for widget in (self.page, self.slip_button, self.save_slip_button, self.history_box):
            widget.setVisible(info is not None)
        self.hint.setVisible(info is None)
        still_open = info is not None and info.status in referrals.OPEN_STATUSES
        self.follow_up_label.setVisible(still_open)
        self.follow_up.setVisible(still_open)
        self.follow_up_button.setVisible(still_open)
        if still_open:
            self.follow_up.set_value(referrals.suggested_follow_up(info.follow_up_on))
        for action, button in self.action_buttons.items():
            button.setVisible(info is not None and action in info.actions)
        if info is None:
            self.title.setText(_("Choose a referral"))
            self.hint.setText(_("Choose a referral in the list to see its details and history, change its state or "
                                "print its slip. New referrals are made from the person's record (People and "
                                "cases)."))
            self.details.setText("")
            self.warnings.setText("")
            self.warnings.hide()
            self.events.clear()
            return
        reasons = {c.code: c.label for c in people.catalog_choices(self.ctx, "referral_reason")}
        self.title.setText(f"{info.number} · {referrals.status_label(info.status)}")
        lines = [
            _("Person: {name}").format(name=info.person_name),
            _("Service: {service} ({organization})").format(service=info.service.name,
                                                            organization=info.service.organization),
            _("Reason: {reason}").format(reason=reasons.get(info.reason_code, info.reason_code)
                                         + (f" — {info.reason}" if info.reason else "")),
            _("Urgency: {urgency}").format(urgency=_(referrals.URGENCIES.get(info.urgency, info.urgency))),
        ]
        if info.case_number:
            lines.append(_("Case: {number}").format(number=info.case_number))
        if info.follow_up_on and info.status in referrals.OPEN_STATUSES:
            lines.append(_("Follow up on {date}").format(date=format_date(info.follow_up_on)))
        if info.outcome:
            lines.append(_("Outcome: {text}").format(text=info.outcome))
        self.details.setText("\n".join(lines))
        self.warnings.setText("\n".join("⚠ " + w for w in info.service.warnings())
                              if info.status in referrals.OPEN_STATUSES else "")
        self.warnings.setVisible(bool(self.warnings.text()))
        self.events.clear()
        for event in info.events:
            start = referrals.status_label(event.from_status) if event.from_status else _("created")
            text = _("{when} · {user}: {old} → {new}").format(
                when=format_datetime(event.at, "short"), user=event.by_name or event.by, old=start,
                new=referrals.status_label(event.to_status))
            if event.note:
                text += f" — {event.note}"
            self.events.addItem(text)

    def set_follow_up(self) -> None:
        if self.info is None or not dates_ok(self):
            return
        try:
            referrals.set_follow_up(self.ctx, self.info.id, self.follow_up.value(),
                                    expected_version=self.info.version)
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.show_referral(self.info.id)
        self.changed.emit()

    def run_action(self, action: str) -> None:
        if self.info is None:
            return
        dialog = TransitionDialog(self.ctx, self.info, action, self)
        if dialog.exec():
            self.show_referral(self.info.id)
            self.changed.emit()

    def _slip(self) -> bytes | None:
        if self.info is None:
            return None
        try:
            return referrals.slip_pdf(self.ctx, self.info.number, page=self.page.currentData())
        except EnlaceError as exc:
            show_error(self, exc)
            return None

    def print_slip(self) -> None:
        """Imprimir: the print preview, then the system print dialog."""
        if self.info is not None:
            print_pdf(self, self._slip, _("Referral slip {number}").format(number=self.info.number), self.ctx)

    def save_slip(self) -> None:
        """Guardar PDF: a separate action."""
        pdf = self._slip()
        if pdf is not None:
            save_pdf(self, pdf, f"{self.info.number}.pdf")


class ReferralsSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search = SearchBox(_("Referral number (Ctrl+F)"))
        self.search.setObjectName("referral_search")
        self.status = QComboBox()
        self.status.setObjectName("status_filter")
        self.status.addItem(_("All states"), None)
        for code, text in referrals.STATUSES.items():
            self.status.addItem(_(text), code)
        self.count_label = QLabel()
        self.verify_button = QPushButton(_("Check a slip"))
        self.verify_button.setObjectName("verify_slip")
        self.verify_button.setToolTip(_("Confirm that a referral slip shown or read out by an organization is "
                                        "genuine"))
        self.verify_button.clicked.connect(self.verify_slip)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.status)
        top.addWidget(self.count_label)
        top.addWidget(self.verify_button)
        self.model = LazyTableModel(referral_columns(), self._page, count=self._count, parent=self)
        self.table = QTableView()
        self.table.setObjectName("referrals_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((150, 90, 170, 220, 170, 80, 80)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._selected(cur.row()))
        self.empty_state = EmptyState(self.table, self._empty_text)
        self.search.lead_to(self.table)
        self.panel = ReferralPanel(ctx)
        self.panel.changed.connect(self.reload)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 460])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.search.searched.connect(lambda _text: self.reload())
        self.status.currentIndexChanged.connect(lambda _i: self.reload())
        self._update_count()
        # Referrals other seats make or change join the list within seconds (the open one is left alone).
        self._watch = live.ChangeWatch(ctx, ("referral",))
        self._poll = QTimer(self)
        self._poll.setInterval(live.POLL_MS)
        self._poll.timeout.connect(self._reload_if_changed)
        self._poll.start()

    def _reload_if_changed(self) -> None:
        if not self.isVisible():
            return
        try:
            changed = self._watch.changed()
        except Exception:  # a poll never interrupts the person: the next one tries again
            return
        if changed:
            self.model.reload()
            self._update_count()

    def _filter(self) -> referrals.ReferralFilter:
        return referrals.ReferralFilter(status=self.status.currentData(), text=self.search.text())

    def _count(self) -> int:
        return referrals.count_referrals(self.ctx, self._filter())

    def _page(self, offset: int, limit: int):
        return referrals.referrals_page(self.ctx, self._filter(), offset, limit)

    def _update_count(self) -> None:
        self.count_label.setText(_("{n} referrals").format(n=self.model.rowCount()))
        self.empty_state.update()

    def _empty_text(self) -> str:
        if self.search.text().strip() or self.status.currentData() is not None:
            return _("No referral matches this number or state.")
        return _("No referrals yet. A referral is made from the person's record: People and cases → New referral.")

    def reload(self) -> None:
        current = self.panel.info.id if self.panel.info else None
        self.model.reload()
        self._update_count()
        if current is not None:
            self.panel.show_referral(current)

    def refresh(self) -> None:
        self.reload()

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def _selected(self, row: int) -> None:
        item = self.model.row(row)
        if item is not None:
            self.panel.show_referral(item.id)

    def show_referral(self, referral_id: uuid.UUID) -> None:
        self.panel.show_referral(referral_id)

    def verify_slip(self) -> None:
        """An organization calls: is this slip ours? The dialog keeps what is typed whatever the answer."""
        from desktop.ui.referrals.slip_check import SlipCheckDialog

        SlipCheckDialog(self.ctx, self).exec()
