"""The service list: a table model over light search rows (no ORM objects)."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.i18n import _, format_date
from desktop.services.directory import ServiceRow

_Index = QModelIndex | QPersistentModelIndex
STALE_COLOR = QColor("#B45F06")


class ServiceTableModel(QAbstractTableModel):
    COLUMNS = ("name", "organization", "municipality", "referrals", "verified")

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[ServiceRow] = []

    def set_rows(self, rows: list[ServiceRow]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

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
