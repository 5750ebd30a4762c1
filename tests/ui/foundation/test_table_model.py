"""The one lazy table model: pages read as the view needs them, columns declared as tuples."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt

from desktop.ui.table_model import LazyTableModel

ROWS = [{"id": n, "name": f"row {n}"} for n in range(25)]
COLUMNS = [("Id", lambda r: str(r["id"]), Qt.AlignmentFlag.AlignRight),
           ("Name", lambda r: r["name"], {Qt.ItemDataRole.ForegroundRole: lambda r: "red" if r["id"] % 2 else None})]


def _loader(calls: list):
    def load(offset: int, limit: int) -> list:
        calls.append((offset, limit))
        return ROWS[offset:offset + limit]
    return load


def test_appended_pages_are_read_as_the_view_scrolls(qtbot) -> None:
    calls: list = []
    model = LazyTableModel(COLUMNS, _loader(calls), page_size=10)
    assert model.rowCount() == 10 and calls == [(0, 10)] and model.total is None
    while model.canFetchMore(QModelIndex()):
        model.fetchMore(QModelIndex())
    assert model.rowCount() == 25 and calls[-1] == (20, 10)
    assert model.index_of(24, key=lambda r: r["id"]) == 24
    index = model.index(3, 1)
    assert model.data(index) == "row 3" and model.data(index, Qt.ItemDataRole.UserRole) is ROWS[3]
    assert model.data(index, Qt.ItemDataRole.ForegroundRole) == "red"
    assert model.data(model.index(3, 0), Qt.ItemDataRole.TextAlignmentRole) == Qt.AlignmentFlag.AlignRight
    assert model.headerData(1, Qt.Orientation.Horizontal) == "Name"


def test_a_known_total_and_first_page_read_nothing_until_scrolled(qtbot) -> None:
    calls: list = []
    model = LazyTableModel(COLUMNS, page_size=10)
    model.reset(_loader(calls), total=12, first_page=ROWS[:10])
    assert calls == [] and model.rowCount() == 10 and model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == 12 and not model.canFetchMore(QModelIndex())
    model.set_rows(ROWS[:2])
    assert model.rows == ROWS[:2] and not model.canFetchMore(QModelIndex())


def test_counted_mode_reads_only_the_pages_shown(qtbot) -> None:
    calls: list = []
    model = LazyTableModel(COLUMNS, _loader(calls), count=lambda: len(ROWS), page_size=10)
    assert model.rowCount() == 25 and calls == [] and model.total == 25
    assert model.row(21)["id"] == 21 and calls == [(20, 10)]
    assert model.row(22)["id"] == 22 and calls == [(20, 10)]
    assert model.row(25) is None


def test_sort_asks_the_hook_for_a_loader(qtbot) -> None:
    asked: list = []

    def on_sort(column: int, order: Qt.SortOrder):
        asked.append((column, order))
        return lambda offset, limit: list(reversed(ROWS))[offset:offset + limit]

    model = LazyTableModel(COLUMNS, _loader([]), page_size=10, on_sort=on_sort)
    model.sort(0, Qt.SortOrder.DescendingOrder)
    assert asked == [(0, Qt.SortOrder.DescendingOrder)] and model.row(0)["id"] == 24
