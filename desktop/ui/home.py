"""The home section: a greeting, the office, and panels other areas plug in.

A feature adds a panel by appending ``"module:Class"`` to :data:`HOME_PANELS`. The class takes
``(ctx, parent)``; if it has a ``permission`` attribute (a :class:`Permission`), it is shown
only to roles that hold it. A panel may define ``refresh()``, called each time Home is shown,
and a ``title`` (marked with ``N_``) shown above it.
"""

from __future__ import annotations

import importlib
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QGridLayout, QGroupBox, QLabel, QScrollArea, QVBoxLayout, QWidget

from desktop.i18n import _, office_now
from desktop.services import office as office_service
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import role_label

# "module:Class" factories, shown in this order, two to a row.
HOME_PANELS: list[str] = [
    "desktop.ui.referrals.home_panel:FollowUpPanel",
]


def greeting(name: str, now: datetime | None = None) -> str:
    hour = (now or office_now()).hour  # the office's clock, not this PC's
    first = name.split()[0] if name.strip() else name
    if 5 <= hour < 12:
        return _("Good morning, {name}").format(name=first)
    if 12 <= hour < 19:
        return _("Good afternoon, {name}").format(name=first)
    return _("Good evening, {name}").format(name=first)


def load_panels(ctx: AppContext, parent: QWidget) -> list[QWidget]:
    """Build the panels the signed-in role may see (a factory may also return None to stay hidden)."""
    panels: list[QWidget] = []
    for entry in HOME_PANELS:
        module_name, class_name = entry.split(":")
        cls = getattr(importlib.import_module(module_name), class_name)
        permission = getattr(cls, "permission", None)
        if permission is not None and not ctx.can(permission):
            continue
        widget = cls(ctx, parent)
        if widget is not None:
            panels.append(widget)
    return panels


class HomeSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)

        self.greeting = QLabel(greeting(ctx.actor.full_name))
        self.greeting.setObjectName("greeting")
        font = self.greeting.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.greeting.setFont(font)
        layout.addWidget(self.greeting)

        info = office_service.office_info(ctx.db)
        where = info.name if info else ""
        if info and info.municipality:
            where = _("{office}, {municipality}").format(office=info.name, municipality=info.municipality)
        self.office_label = QLabel(where)
        self.office_label.setObjectName("office")
        self.office_label.setWordWrap(True)
        layout.addWidget(self.office_label)
        self.role_label = QLabel(_("Signed in as {user} ({role}).").format(
            user=ctx.actor.username, role=role_label(ctx.actor.role)))
        layout.addWidget(self.role_label)
        if info and info.is_demo:
            demo = QLabel(_("This is a demo database: its people, referrals and trainings are invented."))
            demo.setObjectName("demo_note")
            demo.setWordWrap(True)
            demo.setStyleSheet("color: #8a5300;")
            layout.addWidget(demo)

        self.panels = load_panels(ctx, body)
        grid = QGridLayout()
        grid.setSpacing(12)
        for index, panel in enumerate(self.panels):
            title = getattr(panel, "title", None)
            if title:
                box = QGroupBox(_(title))
                QVBoxLayout(box).addWidget(panel)
                holder: QWidget = box
            else:
                holder = panel
            grid.addWidget(holder, index // 2, index % 2)
        layout.addLayout(grid)
        layout.addWidget(self._shortcuts())
        layout.addStretch(1)

    def _shortcuts(self) -> QGroupBox:
        box = QGroupBox(_("Keyboard"))
        box.setObjectName("shortcuts")
        text = QLabel(_("Ctrl+1 … Ctrl+9: go to a section · Ctrl+F: search in the section · "
                        "Ctrl+L: lock · Ctrl+,: preferences"))
        text.setWordWrap(True)
        text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        QVBoxLayout(box).addWidget(text)
        return box

    def refresh(self) -> None:
        self.greeting.setText(greeting(self.ctx.actor.full_name))
        for panel in self.panels:
            refresh = getattr(panel, "refresh", None)
            if callable(refresh):
                refresh()
