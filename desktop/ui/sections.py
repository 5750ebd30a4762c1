"""The main window's sections. A feature adds one entry to :data:`SECTIONS` when it lands.

A section is a widget class taking ``(ctx: AppContext, parent)``; it may define
``focus_search()`` (Ctrl+F) and ``refresh()`` (called when the section is shown).
It appears only for roles that hold its permission.
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import N_
from desktop.services.core.permissions import Permission


@dataclass(frozen=True)
class SectionSpec:
    key: str
    title: str  # marked with N_, translated when shown
    widget: str  # "module:Class", imported when the window opens
    permission: Permission | None = None
    icon: str = ""  # a QStyle standard pixmap name


SECTIONS: list[SectionSpec] = [
    SectionSpec("home", N_("Home"), "desktop.ui.home:HomeSection", None, "SP_DirHomeIcon"),
    SectionSpec("people", N_("People and cases"), "desktop.ui.people.section:PeopleSection",
                Permission.VIEW_PEOPLE, "SP_FileDialogListView"),
    SectionSpec("referrals", N_("Referrals"), "desktop.ui.referrals.section:ReferralsSection",
                Permission.VIEW_REFERRALS, "SP_ArrowForward"),
    SectionSpec("directory", N_("Directory"), "desktop.ui.directory.section:DirectorySection",
                Permission.VIEW_DIRECTORY, "SP_DirLinkIcon"),
    SectionSpec("trainings", N_("Trainings"), "desktop.ui.training.section:TrainingSection",
                Permission.VIEW_TRAININGS, "SP_FileDialogContentsView"),
    SectionSpec("reports", N_("Reports"), "desktop.ui.reports.section:ReportsSection", Permission.VIEW_REPORTS,
                "SP_FileDialogInfoView"),
    SectionSpec("exchange", N_("Exchange"), "desktop.ui.exchange.section:ExchangeSection",
                Permission.VIEW_EXCHANGE, "SP_BrowserReload"),
    SectionSpec("admin", N_("Administration"), "desktop.ui.admin.section:AdminSection",
                Permission.VIEW_AUDIT, "SP_FileDialogDetailedView"),
]
