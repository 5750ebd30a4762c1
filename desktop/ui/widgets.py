"""Small widgets the people and referral screens share: the consent badges, saving a PDF, a person picker."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.services.core.files import write_private
from desktop.ui.search_box import SearchBox


class ConsentBadges(QWidget):
    """Consent state at a glance: one coloured badge per scope (green: given, grey: not given)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        from desktop.services.people.consent import SHORT_SCOPES

        super().__init__(parent)
        from desktop.ui.common import FlowLayout

        layout = FlowLayout(self)
        self.labels: dict[str, QLabel] = {}
        for scope, title in SHORT_SCOPES.items():
            label = QLabel()
            label.setObjectName(f"consent_{scope}")
            label.setProperty("title", title)
            self.labels[scope] = label
            layout.addWidget(label)

    def set_state(self, state) -> None:
        for scope, label in self.labels.items():
            given = bool(getattr(state, scope))
            mark = "✔" if given else "✘"
            label.setText(f"{mark} {_(label.property('title'))}")
            label.setToolTip(_("Consent given") if given else _("No active consent"))
            label.setProperty("given", given)
            color = "#1b5e20; background: #e8f5e9" if given else "#616161; background: #eeeeee"
            label.setStyleSheet(f"color: {color}; border-radius: 6px; padding: 2px 8px;")


def save_pdf(parent: QWidget | None, pdf: bytes, suggested: str) -> str | None:
    """Ask where to save a PDF, write it and open it in the system viewer. Returns the path or None."""
    from pathlib import Path

    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    from desktop.ui import settings
    from desktop.ui.common import show_error

    folder = settings.LAST_EXPORT_DIR.get() or str(Path.home())
    path, _filter = QFileDialog.getSaveFileName(parent, _("Save PDF"), str(Path(folder) / suggested),
                                                _("PDF documents (*.pdf)"))
    if not path:
        return None
    if not path.lower().endswith(".pdf"):
        path += ".pdf"
    try:
        write_private(path, pdf)  # personal data: the owner's only
    except OSError as exc:
        show_error(parent, _("Cannot write {path}: {reason}").format(path=path, reason=exc.strerror))
        return None
    settings.LAST_EXPORT_DIR.set(str(Path(path).parent))
    QDesktopServices.openUrl(QUrl.fromLocalFile(path))
    return path

class PersonPicker(QWidget):
    """A search box with its results: for choosing another person (household member, merge)."""

    def __init__(self, ctx: Any, exclude: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.exclude = ctx, exclude
        self.search = SearchBox(_("Search by name or document…"))
        self.results = QListWidget()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        self.search.searched.connect(self._search)

    def _search(self, text: str) -> None:
        from desktop.i18n import format_date
        from desktop.services import people

        self.results.clear()
        for row in people.search_people(self.ctx, text, limit=20) if text.strip() else []:
            if row.id == self.exclude:
                continue
            born = format_date(row.birth_date, "short") if row.birth_date else "—"
            item = QListWidgetItem(f"{row.name} · {born} · {row.document_number or _('no document')}")
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.results.addItem(item)
        if self.results.count():
            self.results.setCurrentRow(0)

    def chosen(self) -> Any:
        item = self.results.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None
