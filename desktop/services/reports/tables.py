"""The report's table: labelled rows × columns of counts whose margins are computed, never stored.

Every figure table in a report is a :class:`Table`. Its totals are sums of its cells, so rows and
columns add up by construction; what the tests prove is that building a table from grouped SQL
counts loses nothing (no row dropped for an unknown category, nobody counted twice).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

NOT_RECORDED = "__none__"  # the key of the "not recorded" category of every dimension


@dataclass(frozen=True)
class Category:
    key: str
    label: str


@dataclass
class Table:
    """Counts by ``rows`` × ``columns``.

    ``measure`` says what is counted (``people``, ``referrals``, ``participants``…) and
    ``row_dimension``/``column_dimension`` by what; two tables of the same measure share their
    margins over a shared dimension, which matters to suppression in partner exports.
    ``additive`` is False for "of which" tables whose columns overlap (a person can be both new
    and with a disability): their rows have no total column.
    """

    key: str
    title: str
    row_title: str
    rows: list[Category]
    columns: list[Category]
    cells: list[list[int]]
    measure: str
    row_dimension: str
    column_dimension: str
    additive: bool = True
    note: str = ""
    chart: str | None = None  # "bar", "stacked" or "pie": how the PDF and the screen draw it

    def __post_init__(self) -> None:
        if len(self.cells) != len(self.rows) or any(len(r) != len(self.columns) for r in self.cells):
            raise ValueError(f"table {self.key}: cells do not match {len(self.rows)}×{len(self.columns)}")

    @property
    def row_totals(self) -> list[int]:
        return [sum(row) for row in self.cells]

    @property
    def column_totals(self) -> list[int]:
        return [sum(row[j] for row in self.cells) for j in range(len(self.columns))]

    @property
    def total(self) -> int:
        return sum(self.row_totals)

    @property
    def single_column(self) -> bool:
        return len(self.columns) == 1

    def value(self, row_key: str, column_key: str) -> int:
        i = next(i for i, r in enumerate(self.rows) if r.key == row_key)
        j = next(j for j, c in enumerate(self.columns) if c.key == column_key)
        return self.cells[i][j]

    def without_empty_rows(self) -> Table:
        """The same table without rows that are all zero (keeps at least one row)."""
        keep = [i for i, row in enumerate(self.cells) if any(row)] or [0][: len(self.rows)]
        return Table(self.key, self.title, self.row_title, [self.rows[i] for i in keep], list(self.columns),
                     [list(self.cells[i]) for i in keep], self.measure, self.row_dimension,
                     self.column_dimension, self.additive, self.note, self.chart)


@dataclass
class Dimension:
    """A way to split counts: its key, title and the labelled categories in display order.

    ``label_for`` names a category that is not in ``categories`` (a code seen in the data but
    missing from a catalog); unknown codes are kept, never dropped.
    """

    key: str
    title: str
    categories: list[Category]
    label_for: Callable[[str], str] = field(default=lambda code: code)
    keep_empty: bool = True  # show categories with no counts (sex, age band); False for long lists
    not_recorded_label: str = ""

    def resolve(self, seen: Iterable[str]) -> list[Category]:
        known = {c.key for c in self.categories}
        extra = sorted({s for s in seen if s not in known and s != NOT_RECORDED},
                       key=lambda s: self.label_for(s).casefold())
        cats = list(self.categories) + [Category(s, self.label_for(s)) for s in extra]
        if NOT_RECORDED not in known:
            cats.append(Category(NOT_RECORDED, self.not_recorded_label or "—"))
        return cats


def normal_key(value: Any) -> str:
    """A category key for a grouped value: ``None`` and blanks become :data:`NOT_RECORDED`."""
    if value is None:
        return NOT_RECORDED
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = str(value).strip()
    return text if text else NOT_RECORDED


def build_table(key: str, title: str, counts: Mapping[tuple[str, str], int], rows: Dimension, columns: Dimension,
                measure: str, *, additive: bool = True, note: str = "", chart: str | None = None) -> Table:
    """A table from ``{(row key, column key): count}``; every key seen gets a row or column."""
    row_cats = rows.resolve(k[0] for k in counts)
    col_cats = columns.resolve(k[1] for k in counts)
    cells = [[int(counts.get((r.key, c.key), 0)) for c in col_cats] for r in row_cats]
    table = Table(key, title, rows.title, row_cats, col_cats, cells, measure, rows.key, columns.key, additive,
                  note, chart)
    drop_rows = [i for i, r in enumerate(row_cats)
                 if not any(cells[i]) and (not rows.keep_empty or r.key == NOT_RECORDED)]
    drop_cols = [j for j, c in enumerate(col_cats)
                 if not any(row[j] for row in cells) and (not columns.keep_empty or c.key == NOT_RECORDED)]
    if len(drop_rows) == len(row_cats):
        drop_rows = drop_rows[1:]
    if len(drop_cols) == len(col_cats):
        drop_cols = drop_cols[1:]
    if drop_rows or drop_cols:
        table.rows = [r for i, r in enumerate(row_cats) if i not in drop_rows]
        table.columns = [c for j, c in enumerate(col_cats) if j not in drop_cols]
        table.cells = [[v for j, v in enumerate(row) if j not in drop_cols]
                       for i, row in enumerate(cells) if i not in drop_rows]
    return table


def marginal(cube: Mapping[tuple[str, ...], int], names: Sequence[str], row: str, column: str | None
             ) -> dict[tuple[str, str], int]:
    """Sum a cube ``{(k1, k2, …): n}`` (axes named ``names``) down to ``{(row, column): n}``.

    ``column=None`` gives a single column keyed ``"count"``.
    """
    i = names.index(row)
    j = names.index(column) if column is not None else None
    out: dict[tuple[str, str], int] = {}
    for keys, n in cube.items():
        pair = (keys[i], keys[j] if j is not None else "count")
        out[pair] = out.get(pair, 0) + n
    return out


def count_dimension(title: str) -> Dimension:
    """The single "count" column of a one-way table."""
    return Dimension("count", title, [Category("count", title)])
