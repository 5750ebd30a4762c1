"""Home screen panel: referrals whose follow-up date has come, the most overdue first."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.i18n import N_, _, format_date, ngettext
from desktop.services import referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.core.permissions import Permission
from desktop.services.workspace import live


class FollowUpPanel(QWidget):
    """Due today and overdue referrals; double-click opens the referral in the Referrals section."""

    permission = Permission.VIEW_REFERRALS
    title = N_("Referrals to follow up")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.summary = QLabel()
        self.summary.setObjectName("follow_up_summary")
        self.summary.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("follow_up_list")
        self.list.setMinimumHeight(160)
        self.list.itemActivated.connect(self._open)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.list)
        self.refresh()
        # Other seats' new referrals and follow-up dates show within seconds, without a restart.
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
        except Exception:  # a poll never interrupts the person: the next one (or a refresh) tries again
            return
        if changed:
            self.refresh()

    def refresh(self) -> None:
        self.list.clear()
        try:
            rows, total = referrals.follow_up_due(self.ctx, limit=50)
        except EnlaceError as exc:
            self.summary.setText(str(exc))
            return
        self.list.setVisible(bool(total))  # no empty box under "nothing to do"
        if not total:
            self.summary.setText(_("No referral needs a follow-up call today."))
            return
        self.summary.setText(ngettext("{n} referral needs a follow-up.", "{n} referrals need a follow-up.",
                                      total).format(n=total))
        for row in rows:
            when = _("due today") if row.days_overdue == 0 else ngettext(
                "{n} day overdue", "{n} days overdue", row.days_overdue).format(n=row.days_overdue)
            urgent = " ⚠" if row.urgency == "urgent" else ""
            item = QListWidgetItem(_("{number} · {person} → {service} · {status} · {when}").format(
                number=row.number, person=row.person_name, service=row.service,
                status=referrals.status_label(row.status), when=when) + urgent)
            item.setToolTip(_("Follow-up date: {date}").format(date=format_date(row.follow_up_on)))
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.list.addItem(item)

    def _open(self, item: QListWidgetItem) -> None:
        window = self.window()
        show = getattr(window, "show_section", None)
        section = getattr(window, "section", None)
        if callable(show) and callable(section):
            show("referrals")
            target = section("referrals")
            if target is not None:
                target.show_referral(item.data(Qt.ItemDataRole.UserRole))
