"""Small-cell suppression for the anonymized partner export.

Primary suppression: every count from 1 to 4, in a cell or in a total, is shown as ``<5``.
Secondary suppression: more cells are withheld (shown as ``*``) so that no suppressed count can be
worked out from the published row and column totals, not even by using what a reader knows about
the withheld values (a ``<5`` cell holds 1–4, a ``*`` cell holds 5 or more, a shown 0 is 0).

The method. Write the table with its totals as an (n+1)×(m+1) grid ``A``: cells, a total column,
a total row and the grand total in the corner. Every published line says "the cells of this row
(or column) add up to its total". Another grid ``A + D`` agrees with everything published when
``D`` is zero outside the suppressed positions and every line of ``D`` adds up to its total.
Flip the sign of ``D`` on the total row and column (not the corner): then every row and every
column of the flipped grid sums to zero, which is exactly a cycle of alternating +1/−1 through
positions of the grid (a cycle in the bipartite graph rows ↔ columns). So a suppressed count is
protected when some cycle through it, made of suppressed positions, can be shifted by ±1 and keep
every value within what the reader knows of it. For each count that needs protection we find the
cheapest such cycle (Dijkstra on the directed graph where an edge is a position that may go up or
down by one), withhold its positions, and keep the shift as a *witness*: a second table, different
in that count, that the reader cannot tell apart from the true one. Tests check every witness.

Tables of one partner export share totals (people by sex in one table, people by sex in another).
:func:`suppress_tables` makes the suppressed shared totals agree across tables, repeating until
nothing changes, so a total withheld in one table is not printed in another.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from desktop.services.reports.tables import Table

SMALL_MIN, SMALL_MAX = 1, 4
SMALL_MARK = "<5"
WITHHELD_MARK = "*"

Pos = tuple[int, int]
MarginKey = tuple[str, str, str]  # (measure, dimension, category); ("people", "*", "*") is a grand total


def is_small(value: int) -> bool:
    return SMALL_MIN <= value <= SMALL_MAX


@dataclass
class Grid:
    """Values of a table with its margins: ``values[i][j]``, row ``n`` and column ``m`` are totals."""

    values: list[list[int]]

    @classmethod
    def from_cells(cls, cells: Sequence[Sequence[int]]) -> Grid:
        rows = [[*list(map(int, r)), sum(r)] for r in cells]
        m = len(rows[0]) - 1 if rows else 0
        rows.append([sum(r[j] for r in rows) for j in range(m + 1)])
        return cls(rows)

    @property
    def n(self) -> int:
        return len(self.values) - 1

    @property
    def m(self) -> int:
        return len(self.values[0]) - 1

    def sign(self, pos: Pos) -> int:
        """+1 for cells and the corner, −1 for the totals (see the module's explanation)."""
        i, j = pos
        return -1 if (i == self.n) != (j == self.m) else 1

    def positions(self) -> Iterable[Pos]:
        for i in range(self.n + 1):
            for j in range(self.m + 1):
                yield i, j


@dataclass
class GridResult:
    primary: set[Pos]
    secondary: set[Pos]
    witnesses: dict[Pos, dict[Pos, int]] = field(default_factory=dict)
    withheld: bool = False  # no safe pattern: the whole table is withheld

    @property
    def suppressed(self) -> set[Pos]:
        return self.primary | self.secondary


def _bounds(value: int) -> tuple[int, float]:
    """What a reader knows of a withheld value."""
    if is_small(value):
        return SMALL_MIN, SMALL_MAX
    return SMALL_MAX + 1, float("inf")


def _may_shift(grid: Grid, pos: Pos, delta: int) -> bool:
    value = grid.values[pos[0]][pos[1]]
    if value == 0:
        return False  # a published 0 is exact; a withheld 0 would read as "5 or more"
    low, high = _bounds(value)
    return low <= value + delta <= high


def _cost(grid: Grid, pos: Pos, suppressed: set[Pos]) -> float:
    if pos in suppressed:
        return 0.001  # reuse what is already withheld; prefer short cycles among them
    i, j = pos
    value = grid.values[i][j]
    weight = 1.0
    if i == grid.n and j == grid.m:
        weight = 1000.0  # the grand total is the figure partners need most
    elif i == grid.n or j == grid.m:
        weight = 20.0
    return weight * (100.0 + value)


def _find_cycle(grid: Grid, target: Pos, direction: int, suppressed: set[Pos]) -> tuple[float, dict[Pos, int]] | None:
    """Cheapest cycle through ``target`` shifting it by ``direction`` (±1), as actual deltas."""
    if not _may_shift(grid, target, direction):
        return None
    n1, m1 = grid.n + 1, grid.m + 1
    ti, tj = target
    # Flipped delta at the target: +1 means it is walked row → column.
    flipped = direction * grid.sign(target)
    # Vertices: ("r", i) and ("c", j). Walk from the end of the target edge back to its start.
    if flipped > 0:
        start, goal = ("c", tj), ("r", ti)
    else:
        start, goal = ("r", ti), ("c", tj)
    dist: dict[tuple[str, int], float] = {start: 0.0}
    prev: dict[tuple[str, int], tuple[tuple[str, int], Pos, int]] = {}
    heap: list[tuple[float, tuple[str, int]]] = [(0.0, start)]
    while heap:
        d, vertex = heapq.heappop(heap)
        if d > dist.get(vertex, float("inf")):
            continue
        if vertex == goal:
            break
        kind, k = vertex
        if kind == "c":  # leave a column through a position whose flipped delta is −1
            steps = (((i, k), ("r", i), -1) for i in range(n1))
        else:  # leave a row through a position whose flipped delta is +1
            steps = (((k, j), ("c", j), +1) for j in range(m1))
        for pos, nxt, flip in steps:
            if pos == target:
                continue
            delta = flip * grid.sign(pos)
            if not _may_shift(grid, pos, delta):
                continue
            nd = d + _cost(grid, pos, suppressed)
            if nd < dist.get(nxt, float("inf")):
                dist[nxt] = nd
                prev[nxt] = (vertex, pos, delta)
                heapq.heappush(heap, (nd, nxt))
    if goal not in dist:
        return None
    deltas = {target: direction}
    vertex = goal
    while vertex != start:
        before, pos, delta = prev[vertex]
        deltas[pos] = delta
        vertex = before
    return dist[goal], deltas


def witness_holds(grid: Grid, suppressed: set[Pos], deltas: dict[Pos, int]) -> bool:
    """True when ``grid + deltas`` agrees with everything published and with what a reader knows."""
    if not deltas or any(p not in suppressed for p in deltas):
        return False
    for pos, delta in deltas.items():
        if not _may_shift(grid, pos, delta):
            return False
    n, m = grid.n, grid.m
    for i in range(n + 1):
        if sum(deltas.get((i, j), 0) for j in range(m)) != deltas.get((i, m), 0):
            return False
    for j in range(m + 1):
        if sum(deltas.get((i, j), 0) for i in range(n)) != deltas.get((n, j), 0):
            return False
    return True


def protect_grid(grid: Grid, forced: Iterable[Pos] = ()) -> GridResult:
    """Choose the withheld positions of one grid. ``forced`` are totals withheld elsewhere."""
    primary = {p for p in grid.positions() if is_small(grid.values[p[0]][p[1]])}
    forced = {p for p in forced if grid.values[p[0]][p[1]] != 0} - primary
    result = GridResult(primary, set(forced))
    suppressed = set(result.primary | result.secondary)
    # Small counts first, totals before cells (a total's cycle often protects its cells too).
    need = sorted(suppressed, key=lambda p: (grid.values[p[0]][p[1]], -(p[0] == grid.n) - (p[1] == grid.m), p))
    for pos in need:
        if pos in result.witnesses:
            continue
        best: tuple[float, dict[Pos, int]] | None = None
        for direction in (+1, -1):
            found = _find_cycle(grid, pos, direction, suppressed)
            if found and (best is None or found[0] < best[0]):
                best = found
        if best is None:
            return GridResult(primary, {p for p in grid.positions() if grid.values[p[0]][p[1]]} - primary,
                              {}, withheld=True)
        deltas = best[1]
        suppressed.update(deltas)
        for p in deltas:
            result.witnesses.setdefault(p, deltas)
    result.secondary = suppressed - primary
    return result


@dataclass
class SuppressedTable:
    """A table ready for a partner: each cell and total is an int or a mark (``<5``, ``*``)."""

    table: Table
    cells: list[list[int | str]]
    row_totals: list[int | str]
    column_totals: list[int | str]
    total: int | str
    withheld: bool = False


def _grids_for(table: Table) -> list[tuple[Grid, list[Pos]]]:
    """The grids of a table and, for each grid position, the (row, column) of the table it is.

    Row and column index ``-1`` mean "the total". A non-additive table (overlapping columns) has
    no row totals: each of its columns is a separate one-column grid.
    """
    n, m = len(table.rows), len(table.columns)
    if table.additive:
        grid = Grid.from_cells(table.cells)
        where = [(i if i < n else -1, j if j < m else -1) for i, j in grid.positions()]
        return [(grid, where)]
    out = []
    for j in range(m):
        grid = Grid.from_cells([[row[j]] for row in table.cells])
        out.append((grid, [(i if i < n else -1, j if jj == 0 else -1) for i, jj in grid.positions()]))
    return out


def _margin_keys(table: Table, grid_index: int, grid: Grid) -> dict[Pos, MarginKey]:
    """Shared-total keys for the margin positions of one grid of ``table``."""
    keys: dict[Pos, MarginKey] = {}
    if table.additive:
        for i, row in enumerate(table.rows):
            keys[(i, grid.m)] = (table.measure, table.row_dimension, row.key)
        for j, col in enumerate(table.columns):
            keys[(grid.n, j)] = (table.measure, table.column_dimension, col.key)
        if table.single_column:
            for i in range(len(table.rows)):
                keys[(i, 0)] = keys[(i, grid.m)]
            keys[(grid.n, 0)] = (table.measure, "*", "*")
        keys[(grid.n, grid.m)] = (table.measure, "*", "*")
    else:
        measure = f"{table.measure}:{table.columns[grid_index].key}"
        for i, row in enumerate(table.rows):
            keys[(i, 0)] = keys[(i, 1)] = (measure, table.row_dimension, row.key)
        keys[(grid.n, 0)] = keys[(grid.n, 1)] = (measure, "*", "*")
    return keys


def suppress_tables(tables: Sequence[Table], withheld_totals: Iterable[MarginKey] = ()) -> tuple[
        list[SuppressedTable], set[MarginKey]]:
    """Suppress every table; returns them and the shared totals that ended up withheld.

    Repeats until the withheld shared totals are the same everywhere (they only grow, so it ends).
    """
    shared: set[MarginKey] = set(withheld_totals)
    while True:
        results: list[list[tuple[Grid, list[Pos], GridResult]]] = []
        now_withheld: set[MarginKey] = set(shared)
        for table in tables:
            per_table = []
            for index, (grid, where) in enumerate(_grids_for(table)):
                keys = _margin_keys(table, index, grid)
                forced = [p for p, key in keys.items() if key in shared]
                res = protect_grid(grid, forced)
                per_table.append((grid, where, res))
                now_withheld |= {key for p, key in keys.items() if p in res.suppressed}
            results.append(per_table)
        if now_withheld == shared:
            break
        shared = now_withheld
    return [_render(table, per_table) for table, per_table in zip(tables, results, strict=True)], shared


def _mark(value: int, pos: Pos, res: GridResult) -> int | str:
    if res.withheld:
        return WITHHELD_MARK  # nothing of a withheld table is printed, not even its zeros
    if pos in res.primary:
        return SMALL_MARK
    if pos in res.secondary:
        return WITHHELD_MARK
    return value


def _render(table: Table, per_table: list[tuple[Grid, list[Pos], GridResult]]) -> SuppressedTable:
    cells: list[list[int | str]] = [list(r) for r in table.cells]
    row_totals: list[int | str] = list(table.row_totals)
    column_totals: list[int | str] = list(table.column_totals)
    total: int | str = table.total
    withheld = False
    for grid, where, res in per_table:
        withheld = withheld or res.withheld
        for pos, (i, j) in zip(grid.positions(), where, strict=True):
            shown = _mark(grid.values[pos[0]][pos[1]], pos, res)
            if i >= 0 and j >= 0:
                cells[i][j] = shown
            elif i >= 0:
                row_totals[i] = shown  # (one-column grids: the same count as the cell, same status)
            elif j >= 0:
                column_totals[j] = shown
            else:
                total = shown
    if not table.additive:
        row_totals = []
        total = ""
    return SuppressedTable(table, cells, row_totals, column_totals, total, withheld)
