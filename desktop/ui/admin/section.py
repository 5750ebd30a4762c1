"""The Administration section: users, the audit log, the office profile and settings.

Each tab appears only for roles that hold its permission (supervisors see the audit log only).
Other areas may add tabs by appending ``(title, "module:Class", permission)`` to :data:`ADMIN_TABS`.
"""

from __future__ import annotations

import importlib

from PySide6.QtWidgets import QTabWidget, QVBoxLayout, QWidget

from desktop.i18n import N_, _
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission

ADMIN_TABS: list[tuple[str, str, Permission]] = [
    (N_("Users"), "desktop.ui.admin.users:UsersTab", Permission.MANAGE_USERS),
    (N_("Audit log"), "desktop.ui.admin.audit_log:AuditTab", Permission.VIEW_AUDIT),
    (N_("Office"), "desktop.ui.admin.office:OfficeTab", Permission.MANAGE_OFFICE),
    (N_("Backups"), "desktop.ui.admin.backups:BackupsTab", Permission.BACKUP),
]


class AdminSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("admin_tabs")
        self.tabs.setDocumentMode(True)
        self.pages: dict[str, QWidget] = {}
        for title, target, permission in ADMIN_TABS:
            if not ctx.can(permission):
                continue
            module_name, class_name = target.split(":")
            page = getattr(importlib.import_module(module_name), class_name)(ctx, self.tabs)
            self.tabs.addTab(page, _(title))
            self.pages[class_name] = page
        layout.addWidget(self.tabs)
        self.tabs.currentChanged.connect(lambda _i: self.refresh())

    def current_page(self) -> QWidget | None:
        return self.tabs.currentWidget()

    def focus_search(self) -> None:
        focus = getattr(self.current_page(), "focus_search", None)
        if callable(focus):
            focus()

    def refresh(self) -> None:
        refresh = getattr(self.current_page(), "refresh", None)
        if callable(refresh):
            refresh()
