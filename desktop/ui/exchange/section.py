"""The Intercambio section: bundles with other offices (administrators and supervisors), referrals
from other offices and the directory review queue (clerks). Tabs appear by permission; the services
check again."""

from __future__ import annotations

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission


class ExchangeSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from desktop.ui.exchange.bundles import BundlesTab
        from desktop.ui.exchange.inbox import InboxTab, ReviewTab

        self.ctx = ctx
        self.tabs = QTabWidget()
        self.bundles = self.inbox = self.review = None
        if ctx.can(Permission.WORK_EXCHANGE):
            self.inbox = InboxTab(ctx)
            self.tabs.addTab(self.inbox, _("Referrals from other offices"))
            self.review = ReviewTab(ctx)
            self.tabs.addTab(self.review, _("Directory review"))
        if ctx.can(Permission.EXCHANGE_BUNDLES):
            self.bundles = BundlesTab(ctx)
            self.tabs.addTab(self.bundles, _("Bundles and trusted offices"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.tabs)

    def refresh(self) -> None:
        for tab in (self.bundles, self.inbox, self.review):
            if tab is not None:
                tab.refresh()
