"""The one table model every list uses: rows read a page at a time from a loader, never all at once.

Columns are declared, not coded: ``(header, getter)``, ``(header, getter, alignment)`` or
``(header, getter, {role: getter})`` tuples (or :class:`Column`). ``getter(row)`` gives the text shown;
the optional roles give colours, tooltips and so on for that column. ``UserRole`` is the row itself.

Two ways to page, one model:

* **appended** (no ``count``): the loader ``loader(offset, limit)`` is asked for the next page when the
  view scrolls to the end (``canFetchMore``/``fetchMore``); the list ends at ``total`` when it is known,
  otherwise at the first page shorter than ``page_size``.
* **counted** (``count`` given): the number of rows is asked once, the scroll bar spans them all and any
  page is read when it is shown (a long list stays flat in memory: old pages are dropped).

``reset(loader, …)`` starts over with a new loader (a new search); ``reload()`` with the same one;
``set_rows(rows)`` shows a fixed list. ``sort()`` calls the ``on_sort(column, order)`` hook, which returns
the loader for that order (or ``None`` to keep the order as it is).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

_Index = QModelIndex | QPersistentModelIndex
Loader = Callable[[int, int], Sequence[Any]]
Sorter = Callable[[int, Qt.SortOrder], Loader | None]

PAGE = 200
_KEPT_PAGES = 50  # counted mode: at most this many pages in memory (10,000 rows)


@dataclass(frozen=True)
class Column:
    header: str
    text: Callable[[Any], Any]
    align: Qt.AlignmentFlag | None = None
    roles: Mapping[int, Callable[[Any], Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Column | tuple) -> Column:
        if isinstance(spec, Column):
            return spec
        header, text, *rest = spec
        extra = rest[0] if rest else None
        if isinstance(extra, Mapping):
            return cls(header, text, roles=extra)
        return cls(header, text, align=extra)


def _no_rows(_offset: int, _limit: int) -> list:
    return []


class LazyTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column | tuple], loader: Loader = _no_rows, *,
                 count: Callable[[], int] | None = None, total: int | None = None,
                 first_page: Sequence[Any] | None = None, page_size: int = PAGE,
                 on_sort: Sorter | None = None, parent=None) -> None:
        super().__init__(parent)
        self.columns = [Column.of(c) for c in columns]
        self.page_size = page_size
        self.on_sort = on_sort
        self._loader: Loader = loader
        self._count_fn = count
        self._rows: list = []  # appended mode: every row read so far
        self._pages: dict[int, Sequence[Any]] = {}  # counted mode: page number → rows
        self._count = 0
        self._total: int | None = None
        self._more = False
        self.reset(loader, count=count, total=total, first_page=first_page)

    # -- what is shown -------------------------------------------------------------------------

    def reset(self, loader: Loader | None = None, *, count: Callable[[], int] | None = None,
              total: int | None = None, first_page: Sequence[Any] | None = None) -> None:
        """Start over with ``loader`` (the current one when None): a new search, a new filter.

        ``first_page``: rows the caller has already read (with ``total``), so the first page is not read twice.
        """
        if loader is not None:
            self._loader, self._count_fn = loader, count
        # Read before the reset: a loader that fails leaves the rows shown as they were.
        if self._count_fn is not None:
            number, rows = self._count_fn(), []
        else:
            rows = list(first_page) if first_page is not None else list(self._loader(0, self.page_size))
        self.beginResetModel()
        self._pages = {}
        if self._count_fn is not None:
            self._count, self._total, self._rows, self._more = number, None, [], False
        else:
            self._total, self._rows = total, rows
            self._more = self._unfinished(len(rows))
        self.endResetModel()

    def reload(self) -> None:
        """Read again with the same loader (the rows changed); keeps a known total only in counted mode."""
        self.reset()

    def set_rows(self, rows: Sequence[Any]) -> None:
        """Show a fixed list (search results already read)."""
        fixed = list(rows)
        self.reset(lambda offset, limit: fixed[offset:offset + limit], total=len(fixed), first_page=fixed)

    def _unfinished(self, loaded: int) -> bool:
        if self._total is not None:
            return loaded < self._total
        return loaded > 0 and loaded % self.page_size == 0

    @property
    def counted(self) -> bool:
        return self._count_fn is not None

    @property
    def total(self) -> int | None:
        """How many rows there are, when known (counted mode, or a total given); None otherwise."""
        return self._count if self.counted else self._total

    @property
    def rows(self) -> list:
        """The rows read so far, in order (counted mode: the pages in memory)."""
        if not self.counted:
            return list(self._rows)
        return [row for number in sorted(self._pages) for row in self._pages[number]]

    def row(self, index: int) -> Any:
        """The row shown at ``index`` (read now if its page is not in memory), or None."""
        if not self.counted:
            return self._rows[index] if 0 <= index < len(self._rows) else None
        if not 0 <= index < self._count:
            return None
        number, offset = divmod(index, self.page_size)
        if number not in self._pages:
            if len(self._pages) >= _KEPT_PAGES:
                self._pages.clear()
            self._pages[number] = self._loader(number * self.page_size, self.page_size)
        page = self._pages[number]
        return page[offset] if offset < len(page) else None

    def index_of(self, value: Any, key: Callable[[Any], Any] = lambda row: row.id) -> int:
        """The position of the first row read so far whose ``key`` is ``value``; -1 when none."""
        if self.counted:
            for number in sorted(self._pages):
                for offset, row in enumerate(self._pages[number]):
                    if key(row) == value:
                        return number * self.page_size + offset
            return -1
        return next((i for i, row in enumerate(self._rows) if key(row) == value), -1)

    # -- Qt ----------------------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._count if self.counted else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: _Index) -> bool:
        return not parent.isValid() and not self.counted and self._more

    def fetchMore(self, parent: _Index) -> None:
        if not self.canFetchMore(parent):
            return
        batch = list(self._loader(len(self._rows), self.page_size))
        if self._total is not None:
            batch = batch[:max(self._total - len(self._rows), 0)]  # the list ends where its total says
        loaded = len(self._rows) + len(batch)
        self._more = bool(batch) and (loaded < self._total if self._total is not None
                                      else len(batch) == self.page_size)
        if not batch:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, loaded - 1)
        self._rows.extend(batch)
        self.endInsertRows()

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self.columns):
            return None
        column = self.columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.header
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return column.align
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(row)
        if role == Qt.ItemDataRole.UserRole:
            return row
        if role in column.roles:
            return column.roles[role](row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align is not None:
            return column.align
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if self.on_sort is None:
            return
        loader = self.on_sort(column, order)
        if loader is not None:
            self.reset(loader, count=self._count_fn)
