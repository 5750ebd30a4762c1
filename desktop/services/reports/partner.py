"""The partner export's tables as one system a reader can solve, and its protection.

:func:`protect_export` takes the tables of an anonymized report after the per-table suppression
(:func:`~desktop.services.reports.suppression.suppress_tables`), writes every number they publish
as a :class:`~desktop.services.reports.disclosure.Quantity` of one
:class:`~desktop.services.reports.disclosure.Model`, withholds more until no withheld count can be
worked out or narrowed from the whole export, and writes the marks back into the tables.

The people tables are sums of one cube a reader can reason about: population type × sex × age band
(× under/over 18 where a band straddles 18) × new or returning; its cells are the model's
variables. Other tables (nationality, municipality, referrals, participants) are linked to it and to
each other through the totals they share.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import product

from desktop.services.reports.disclosure import WITHHELD, Form, Model, protect
from desktop.services.reports.suppression import SMALL_MARK, WITHHELD_MARK, SuppressedTable, is_small
from desktop.services.reports.tables import NOT_RECORDED, Table

CUBE_TABLES = ("people_newness_sex", "people_age_sex", "people_population_sex", "fivew", "fivew_of_which")
ADULT_AGE = 18

Entry = tuple[str, int, int]  # (table key, row, column); -1 is "the total"


def _adult_groups(band: str) -> tuple[str, ...]:
    """Under/over 18 groups an age band holds (``12-17`` → minor; ``15-19`` → both)."""
    if band == NOT_RECORDED:
        return (NOT_RECORDED,)
    match = re.fullmatch(r"(\d+)(?:-(\d+)|\+)", band)
    if not match:
        return ("minor", "adult", NOT_RECORDED)
    low, high = int(match.group(1)), match.group(2)
    groups = []
    if low < ADULT_AGE:
        groups.append("minor")
    if high is None or int(high) >= ADULT_AGE:
        groups.append("adult")
    return tuple(groups)


@dataclass
class _Cube:
    """The people cube's cells as model variables, and sums over them."""

    model: Model
    cells: list[dict[str, str]]
    index: list[int]

    @classmethod
    def from_tables(cls, model: Model, tables: Sequence[Table]) -> _Cube:
        domains: dict[str, set[str]] = {"population_type": set(), "sex": set(), "age_band": set(),
                                        "newness": {"new", "returning"}}
        for t in tables:
            for dim, cats in ((t.row_dimension, t.rows), (t.column_dimension, t.columns)):
                for c in cats:
                    if dim in domains:
                        domains[dim].add(c.key)
                    elif dim == "sex_age":
                        domains["sex"].add(c.key.split("|")[0])
        for dim in domains:
            domains[dim] = domains[dim] or {NOT_RECORDED}
        cells, index = [], []
        for pop, sex, band, newness in product(*(sorted(domains[d]) for d in
                                                 ("population_type", "sex", "age_band", "newness"))):
            for adult in _adult_groups(band):
                cell = {"population_type": pop, "sex": sex, "age_band": band, "adult": adult, "newness": newness}
                cells.append(cell)
                index.append(model.var("people:" + "/".join(cell.values())))
        return cls(model, cells, index)

    def form(self, conditions: dict[str, str]) -> Form:
        return {v: 1 for cell, v in zip(self.cells, self.index, strict=True)
                if all(cell[k] == want for k, want in conditions.items())}


def _conditions(dimension: str, key: str) -> dict[str, str]:
    if dimension == "sex_age":
        sex, adult = key.split("|")
        return {"sex": sex, "adult": adult}
    if dimension in ("count", "*", "flag"):
        return {}
    return {dimension: key}


def _cost(value: int, kind: str) -> float:
    base = 1.0 + value
    return base * {"cell": 1.0, "margin": 10.0, "grand": 500.0}[kind]


class ExportModel:
    """Every number of one export's tables (and the figures that repeat them) as model quantities."""

    def __init__(self, tables: Sequence[Table]):
        self.model = Model()
        self.tables = list(tables)
        self.entries: dict[Entry, int] = {}
        cube_tables = [t for t in self.tables if t.key in CUBE_TABLES]
        self.cube = _Cube.from_tables(self.model, cube_tables) if cube_tables else None
        for t in self.tables:
            if t.key in CUBE_TABLES and self.cube is not None:
                self._cube_table(t)
            else:
                self._own_table(t)

    # -- tables --------------------------------------------------------------------------------

    def _add(self, entry: Entry, form: Form, value: int, key, kind: str) -> None:
        self.entries[entry] = self.model.quantity(form, value, key=key, cost=_cost(value, kind))

    def _margins(self, t: Table, cell_form, extra_total: Form | None = None) -> None:
        """Cells, row totals, column totals and the grand total of ``t`` given each cell's form."""
        n, m = len(t.rows), len(t.columns)
        forms = [[cell_form(i, j) for j in range(m)] for i in range(n)]
        single = t.additive and m == 1
        for i, row in enumerate(t.rows):
            for j in range(m):
                key = (t.measure, t.row_dimension, row.key) if single else None
                self._add((t.key, i, j), forms[i][j], t.cells[i][j], key, "margin" if single else "cell")
            if t.additive and not single:
                self._add((t.key, i, -1), _sum(forms[i]), t.row_totals[i], (t.measure, t.row_dimension, row.key),
                          "margin")
        for j, col in enumerate(t.columns):
            column = _sum(forms[i][j] for i in range(n))
            if t.additive:
                key = (t.measure, "*", "*") if single else (t.measure, t.column_dimension, col.key)
                self._add((t.key, -1, j), column, t.column_totals[j], key, "grand" if single else "margin")
            else:
                self._add((t.key, -1, j), column, t.column_totals[j], (t.measure, t.column_dimension, col.key),
                          "margin")
        if t.additive and not single:
            self._add((t.key, -1, -1), _sum(_sum(r) for r in forms), t.total, (t.measure, "*", "*"), "grand")

    def _cube_table(self, t: Table) -> None:
        cube, model = self.cube, self.model
        assert cube is not None

        def cell(i: int, j: int) -> Form:
            row, col = t.rows[i], t.columns[j]
            if t.column_dimension == "flag" and col.key != "new":
                # "Of which" columns other than "new": a count of its own, at most the row's people.
                v = model.var(f"flag:{row.key}/{col.key}")
                model.at_most.append(({v: 1}, cube.form({t.row_dimension: row.key})))
                return {v: 1}
            conditions = _conditions(t.row_dimension, row.key) | _conditions(t.column_dimension, col.key)
            if t.column_dimension == "flag":
                conditions["newness"] = "new"
            return cube.form(conditions)

        self._margins(t, cell)

    def _own_table(self, t: Table) -> None:
        model = self.model
        self._margins(t, lambda i, j: {model.var(f"{t.key}:{t.rows[i].key}/{t.columns[j].key}"): 1})

    # -- figures -------------------------------------------------------------------------------

    def key_quantity(self, key) -> int | None:
        qid = self.model._by_key.get(key)
        return self.model.resolve(qid) if qid is not None else None

    def figure(self, name: str, value: int, key=None, *, between: tuple | None = None) -> int:
        """A figure: the table total it repeats (``key``), or a count of its own, optionally known to
        lie between two other quantities' forms (``between``: (lower form or None, upper form or None))."""
        if key is not None and (qid := self.key_quantity(key)) is not None:
            return qid
        v = self.model.var(f"figure:{name}")
        if between:
            low, high = between
            if low:
                self.model.at_most.append((low, {v: 1}))
            if high:
                self.model.at_most.append(({v: 1}, high))
        return self.model.quantity({v: 1}, value, key=key or ("figure", name), cost=_cost(value, "grand"))

    # -- marks ---------------------------------------------------------------------------------

    def seed(self, shown: dict[str, SuppressedTable]) -> None:
        """Withhold what the per-table pass withheld, and every count from 1 to 4."""
        for (key, i, j), qid in self.entries.items():
            st = shown.get(key)
            if st is not None and isinstance(_shown_at(st, i, j), str):
                self.model.quantities[self.model.resolve(qid)].withhold()
        for q in self.model.quantities:
            if is_small(q.value):
                q.withhold()

    def withhold_all(self, keep: Iterable[int] = ()) -> None:
        keep = set(keep)
        for qid in self.model.live():
            if qid not in keep:
                self.model.quantities[qid].withhold()

    def mark(self, qid: int) -> int | str:
        q = self.model.quantities[self.model.resolve(qid)]
        if not q.withheld:
            return q.value
        return SMALL_MARK if q.small else WITHHELD_MARK

    def protect(self) -> None:
        if protect(self.model):
            return
        grand = {q for key in (("people", "*", "*"), ("referrals", "*", "*"), ("participants", "*", "*"))
                 if (q := self.key_quantity(key)) is not None}
        self.withhold_all(keep={q for q in grand if not self.model.quantities[q].withheld})
        if not protect(self.model):  # nothing published at all: nothing to work anything out from
            for qid in self.model.live():
                self.model.quantities[qid].mark = WITHHELD

    def render(self, shown: dict[str, SuppressedTable]) -> None:
        """Write the marks back into the per-table results."""
        for (key, i, j), qid in self.entries.items():
            st = shown.get(key)
            if st is None:
                continue
            mark = self.mark(qid)
            if i >= 0 and j >= 0:
                st.cells[i][j] = mark
                if len(st.table.columns) == 1 and st.row_totals:
                    st.row_totals[i] = mark
            elif i >= 0:
                st.row_totals[i] = mark
            elif j >= 0:
                st.column_totals[j] = mark
                if len(st.table.columns) == 1 and st.table.additive:
                    st.total = mark
            else:
                st.total = mark


def _shown_at(st: SuppressedTable, i: int, j: int):
    if i >= 0 and j >= 0:
        return st.cells[i][j]
    if i >= 0:
        return st.row_totals[i] if st.row_totals else None
    if j >= 0:
        return st.column_totals[j]
    return st.total


def _sum(forms: Iterable[Form]) -> Form:
    out: Form = {}
    for f in forms:
        for v, c in f.items():
            out[v] = out.get(v, 0) + c
    return out
