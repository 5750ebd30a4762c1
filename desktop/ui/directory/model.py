"""The service list: a table model over light search rows, one page at a time (no ORM objects).

The first page comes with the search; further pages are fetched as the view scrolls
(``canFetchMore``/``fetchMore``), so a keystroke never loads thousands of rows.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.i18n import _, format_date
from desktop.services.directory import ServiceRow

_Index = QModelIndex | QPersistentModelIndex
STALE_COLOR = QColor("#B45F06")


class ServiceTableModel(QAbstractTableModel):
    COLUMNS = ("name", "organization", "municipality", "referrals", "verified")

    def __init__(self, fetch_page: Callable[[int], list[ServiceRow]] | None = None) -> None:
        super().__init__()
        self.rows: list[ServiceRow] = []
        self.total = 0
        self._fetch_page = fetch_page

    def set_rows(self, rows: list[ServiceRow], total: int | None = None,
                 fetch_page: Callable[[int], list[ServiceRow]] | None = None) -> None:
        """Show the first page; ``fetch_page(offset)`` brings the next ones while ``total`` is not reached."""
        self.beginResetModel()
        self.rows = list(rows)
        self.total = len(rows) if total is None else total
        self._fetch_page = fetch_page
        self.endResetModel()

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and self._fetch_page is not None and len(self.rows) < self.total

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        batch = self._fetch_page(len(self.rows))  # type: ignore[misc]
        if not batch:
            self.total = len(self.rows)
            return
        first = len(self.rows)
        self.beginInsertRows(QModelIndex(), first, first + len(batch) - 1)
        self.rows.extend(batch)
        self.endInsertRows()

    def row_at(self, row: int) -> ServiceRow | None:
        return self.rows[row] if 0 <= row < len(self.rows) else None

    def index_of(self, service_id) -> int:
        for i, row in enumerate(self.rows):
            if row.id == service_id:
                return i
        return -1

    def headers(self) -> list[str]:
        return [_("Service"), _("Organization"), _("Municipality"), _("Referrals"), _("Verified")]

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.headers()[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = self.COLUMNS[index.column()]
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        if role == Qt.ItemDataRole.DisplayRole:
            if column == "name":
                return row.name if row.status == "active" else _("{name} (temporarily closed)").format(name=row.name)
            if column == "organization":
                return row.organization_name
            if column == "municipality":
                return row.municipality
            if column == "referrals":
                return _("yes") if row.accepts_referrals else _("no")
            if column == "verified":
                if row.last_verified_on is None:
                    return _("never — to be confirmed")
                date = format_date(row.last_verified_on, "short")
                return _("{date} — to be confirmed").format(date=date) if row.stale else date
        if role == Qt.ItemDataRole.ForegroundRole and column == "verified" and row.stale:
            return QBrush(STALE_COLOR)
        if role == Qt.ItemDataRole.ToolTipRole and column == "verified" and row.stale:
            return _("Not verified recently: call to confirm before referring, then mark it as verified.")
        return None
