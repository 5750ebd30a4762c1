"""Small-cell suppression: no count from 1 to 4 is printed, and none can be worked out from totals."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.services.reports.suppression import (
    SMALL_MARK,
    WITHHELD_MARK,
    Grid,
    is_small,
    protect_grid,
    suppress_tables,
    witness_holds,
)
from desktop.services.reports.tables import Category, Table

COUNTS = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 9), st.integers(10, 400))


def grids(max_rows: int = 5, max_cols: int = 5):
    return st.integers(1, max_rows).flatmap(
        lambda n: st.integers(1, max_cols).flatmap(
            lambda m: st.lists(st.lists(COUNTS, min_size=m, max_size=m), min_size=n, max_size=n)))


def make_table(cells, key="t", measure="people", rows_dim="r", cols_dim="c", additive=True) -> Table:
    rows = [Category(f"r{i}", f"R{i}") for i in range(len(cells))]
    cols = [Category(f"c{j}", f"C{j}") for j in range(len(cells[0]))]
    return Table(key, key, "rows", rows, cols, [list(r) for r in cells], measure, rows_dim, cols_dim, additive)


def determined_positions(grid: Grid, suppressed: set) -> set:
    """Withheld positions whose value follows from the published lines alone (linear algebra)."""
    order = sorted(suppressed)
    index = {p: k for k, p in enumerate(order)}
    n, m = grid.n, grid.m
    lines = []
    for i in range(n + 1):
        lines.append({(i, j): Fraction(1) for j in range(m)} | {(i, m): Fraction(-1)})
    for j in range(m + 1):
        lines.append({(i, j): Fraction(1) for i in range(n)} | {(n, j): Fraction(-1)})
    matrix = [[line.get(p, Fraction(0)) for p in order] for line in lines]
    # Reduced row echelon form; then the kernel's free columns.
    pivots: list[int] = []
    r = 0
    for c in range(len(order)):
        pivot = next((k for k in range(r, len(matrix)) if matrix[k][c] != 0), None)
        if pivot is None:
            continue
        matrix[r], matrix[pivot] = matrix[pivot], matrix[r]
        lead = matrix[r][c]
        matrix[r] = [v / lead for v in matrix[r]]
        for k in range(len(matrix)):
            if k != r and matrix[k][c] != 0:
                f = matrix[k][c]
                matrix[k] = [a - f * b for a, b in zip(matrix[k], matrix[r], strict=True)]
        pivots.append(c)
        r += 1
    free = [c for c in range(len(order)) if c not in pivots]
    undetermined = set()
    for f in free:
        undetermined.add(order[f])
        for row, c in enumerate(pivots):
            if matrix[row][f] != 0:
                undetermined.add(order[c])
    return {p for p in suppressed if index[p] is not None and p not in undetermined}


@settings(max_examples=300, deadline=None)
@given(grids())
def test_no_small_count_is_printed_and_none_can_be_recovered(cells):
    grid = Grid.from_cells(cells)
    result = protect_grid(grid)
    for i, j in grid.positions():
        if is_small(grid.values[i][j]):
            assert (i, j) in result.primary
    if result.withheld:
        return
    assert not (result.primary & result.secondary)
    # Linear algebra: no withheld count follows from the lines of the table.
    assert not (determined_positions(grid, result.suppressed) & (result.primary | result.secondary))
    # Bounds too: every small count has a second table, equal in all that is published and in
    # what the reader knows (<5 is 1–4, * is 5 or more, 0 is 0), where that count differs.
    for pos in result.primary:
        witness = result.witnesses[pos]
        assert witness.get(pos, 0) != 0
        assert witness_holds(grid, result.suppressed, witness)


def test_a_single_small_cell_takes_three_others_with_it():
    grid = Grid.from_cells([[3, 40], [25, 60]])
    result = protect_grid(grid)
    assert result.primary == {(0, 0)}
    assert len(result.secondary) == 3
    assert not determined_positions(grid, result.suppressed)


def test_a_row_of_ones_adding_to_four_withholds_the_table():
    # Four cells of at least 1 each under a total of at most 4 can only be 1 each.
    result = protect_grid(Grid.from_cells([[1, 1, 1, 1], [30, 20, 10, 9]]))
    assert result.withheld


def test_large_counts_are_printed_untouched():
    table = make_table([[10, 20], [30, 40]])
    (shown,), withheld = suppress_tables([table])
    assert shown.cells == [[10, 20], [30, 40]] and shown.total == 100 and not withheld


def test_marks_for_small_and_withheld_counts():
    (shown,), _ = suppress_tables([make_table([[3, 40], [25, 60]])])
    assert shown.cells[0][0] == SMALL_MARK
    flat = [*shown.cells[0], *shown.cells[1], *shown.row_totals, *shown.column_totals, shown.total]
    assert flat.count(WITHHELD_MARK) == 3
    assert not any(isinstance(v, int) and is_small(v) for v in flat)


def test_one_column_table_never_leaves_a_lone_small_count():
    (shown,), _ = suppress_tables([make_table([[3], [50], [60]], rows_dim="nationality", cols_dim="count")])
    assert shown.cells[0][0] == SMALL_MARK
    assert sum(1 for r in shown.cells if isinstance(r[0], str)) + isinstance(shown.total, str) >= 2
    assert shown.row_totals == [r[0] for r in shown.cells]


@settings(max_examples=150, deadline=None)
@given(grids(max_cols=4))
def test_overlapping_columns_are_each_protected(cells):
    table = make_table(cells, additive=False)
    (shown,), _ = suppress_tables([table])
    assert shown.row_totals == [] and shown.total == ""
    for j in range(len(cells[0])):
        column = [row[j] for row in shown.cells] + [shown.column_totals[j]]
        values = [row[j] for row in cells] + [sum(row[j] for row in cells)]
        assert not any(isinstance(v, int) and is_small(v) for v in column)
        marked = sum(isinstance(v, str) for v in column)
        assert marked == 0 or marked >= 2 or shown.withheld
        assert all(v == w for v, w in zip(column, values, strict=True) if isinstance(v, int))


@settings(max_examples=150, deadline=None)
@given(grids(4, 4), st.data())
def test_totals_shared_by_two_tables_are_withheld_in_both(cells, data):
    """People by sex in two tables: a sex total withheld in one is not printed in the other."""
    n, m = len(cells), len(cells[0])
    # A second table of the same people by the same columns (sex), other rows (age band).
    column_totals = [sum(r[j] for r in cells) for j in range(m)]
    other = [[0] * m for _ in range(2)]
    for j, total in enumerate(column_totals):
        first = data.draw(st.integers(0, total))
        other[0][j], other[1][j] = first, total - first
    a = make_table(cells, "a", rows_dim="age", cols_dim="sex")
    b = make_table(other, "b", rows_dim="nationality", cols_dim="sex")
    (sa, sb), _withheld = suppress_tables([a, b])
    if sa.withheld or sb.withheld:
        return
    for j in range(m):
        assert isinstance(sa.column_totals[j], str) == isinstance(sb.column_totals[j], str)
    assert isinstance(sa.total, str) == isinstance(sb.total, str)
    assert n >= 1
