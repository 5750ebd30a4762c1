"""Disclosure control across every table of one partner export, checked by integer programming.

The per-table suppression (:mod:`.suppression`) protects each table against its own totals. A
reader holds the whole export, though: the same people are counted in several tables (age × sex,
population type × sex, the 5W table by sex and under/over 18, nationality, municipality…), the
same totals are printed in several places, and figures repeat table totals. This module writes
everything the export publishes as one system of linear relations over non-negative integer
unknowns, and for every withheld count asks HiGHS (through its Python bindings, highspy) for the
smallest and the largest value consistent with all of it, as an attacker would.

The unknowns ("variables") are the counts of the finest groups the tables are sums of (for
people: population type × sex × age band × under/over 18 × new or returning; for a table with no
finer source, its own cells). Every published number is a :class:`Quantity`: a linear form over
the variables, its true value and its mark. Numbers printed twice, or that are sums of the same
groups, are one quantity, so they are published or withheld together.

A quantity is protected when every value its mark admits to a reader is still possible:

- ``<5`` (a count from 1 to 4): each of 1 and 4 (hence the whole range) is consistent.
- ``*`` (withheld; a reader knows only that it is 0 or more): values from ``H − 4`` to ``H`` are
  consistent, where ``H`` is the larger of 5 and the true value plus 2. A withheld 0 can therefore
  be anything from 0 to 5; no ``*`` can be shown to be small, nor narrowed to fewer than five values.

:func:`protect` audits every withheld quantity and, where one is not protected, asks HiGHS for a
second export that differs from the true one in that quantity and agrees with everything else
published except a cheapest set of other numbers (weighted L1 distance: small counts are cheap,
totals dear, the grand totals dearest); those numbers are withheld too. It repeats until the audit
passes (withholding more only ever widens the ranges, so this ends).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from desktop.services.reports.suppression import SMALL_MAX, SMALL_MIN, is_small

Form = dict[int, int]  # variable index → coefficient
SMALL, WITHHELD = "small", "withheld"
RELABEL = 4.0  # what showing a count from 1 to 4 as * instead of <5 costs, per unit of the count
BIG = 10**7  # an upper bound on any count, so every problem is bounded


@dataclass
class Quantity:
    form: Form
    value: int
    cost: float = 1.0
    mark: str | None = None  # None: published; SMALL ("<5", 1 to 4) or WITHHELD ("*", 0 or more)
    keys: set = field(default_factory=set)

    @property
    def withheld(self) -> bool:
        return self.mark is not None

    @property
    def small(self) -> bool:
        """Shown as ``<5``: a reader knows it is 1 to 4."""
        return self.mark == SMALL

    def withhold(self) -> None:
        if self.mark is None:
            self.mark = SMALL if is_small(self.value) else WITHHELD

    def needs(self) -> tuple[int, int]:
        """The range of values this quantity's mark must leave open."""
        if self.small:
            return SMALL_MIN, SMALL_MAX
        high = max(SMALL_MAX + 1, self.value + 2)
        return max(0, high - 4), high


@dataclass
class Model:
    """Variables (non-negative integers), structural relations, and the published quantities."""

    names: list[str] = field(default_factory=list)
    quantities: list[Quantity] = field(default_factory=list)
    equal: list[tuple[Form, Form]] = field(default_factory=list)  # always true: a == b
    at_most: list[tuple[Form, Form]] = field(default_factory=list)  # always true: a <= b
    _index: dict[str, int] = field(default_factory=dict)
    _by_form: dict[tuple, int] = field(default_factory=dict)
    _by_key: dict[object, int] = field(default_factory=dict)

    def var(self, name: str) -> int:
        if name not in self._index:
            self._index[name] = len(self.names)
            self.names.append(name)
        return self._index[name]

    def quantity(self, form: Form, value: int, *, key: object = None, cost: float = 1.0) -> int:
        """The quantity published as ``form`` (and/or under ``key``): the same one if already known.

        Two forms for one key are different ways of writing one number (two sources that count the
        same people): the model records that they are equal.
        """
        form = {v: c for v, c in form.items() if c}
        canon = tuple(sorted(form.items()))
        found = self._by_form.get(canon)
        by_key = self._by_key.get(key) if key is not None else None
        if found is not None and by_key is not None and found != by_key:
            self._merge(found, by_key)
            found = self._find(found)
        qid = found if found is not None else by_key
        if qid is None:
            qid = len(self.quantities)
            self.quantities.append(Quantity(form, int(value), cost))
        else:
            qid = self._find(qid)
            q = self.quantities[qid]
            if found is None:  # same number, another way of writing it
                self.equal.append((q.form, form))
            q.cost = max(q.cost, cost)
        self._by_form.setdefault(canon, qid)
        if key is not None:
            self._by_key.setdefault(key, qid)
            self.quantities[qid].keys.add(key)
        return qid

    _parent: dict[int, int] = field(default_factory=dict)

    def _find(self, qid: int) -> int:
        while qid in self._parent:
            qid = self._parent[qid]
        return qid

    def _merge(self, a: int, b: int) -> None:
        a, b = self._find(a), self._find(b)
        if a != b:
            self.equal.append((self.quantities[a].form, self.quantities[b].form))
            self._parent[b] = a
            self.quantities[a].cost = max(self.quantities[a].cost, self.quantities[b].cost)
            self.quantities[a].keys |= self.quantities[b].keys

    def resolve(self, qid: int) -> int:
        return self._find(qid)

    def live(self) -> list[int]:
        return [i for i in range(len(self.quantities)) if i not in self._parent]


# -- solving -----------------------------------------------------------------------------------


class _System:
    """The constraints a reader has for one marking, ready for HiGHS."""

    def __init__(self, model: Model, live: list[int]):
        self.model, self.live = model, live
        self.rows: list[Form] = []
        self.lower: list[float] = []
        self.upper: list[float] = []

        def add(form: Form, lo: float, hi: float) -> None:
            self.rows.append(form)
            self.lower.append(lo)
            self.upper.append(hi)

        for a, b in model.equal:
            add(_minus(a, b), 0, 0)
        for a, b in model.at_most:
            add(_minus(a, b), -BIG, 0)
        for qid in live:
            q = model.quantities[qid]
            if not q.withheld:
                add(q.form, q.value, q.value)
            elif q.small:
                add(q.form, SMALL_MIN, SMALL_MAX)
        self.n = len(model.names)

    def solve(self, objective: Form, extra: list[tuple[Form, float, float]] = (), *, integer: bool = True):
        """Minimize ``objective`` over integers (or reals); the values of every variable, or None if
        infeasible. The linear relaxation is solved first: an integral optimum of it is the answer."""
        import numpy as np

        c = np.zeros(self.n)
        for v, k in objective.items():
            c[v] += k
        rows, lower, upper = list(self.rows), list(self.lower), list(self.upper)
        for form, lo, hi in extra:
            rows.append(form)
            lower.append(lo)
            upper.append(hi)
        x = _highs(c, rows, lower, upper, mip=False)
        if x is None or not integer:
            return x
        if not _integral(x):
            x = _highs(c, rows, lower, upper, mip=True)
            if x is None:
                return None
        return np.round(x).astype(np.int64)


def _highs(c, rows: list[Form], lower: list[float], upper: list[float], *, mip: bool):
    """Minimize ``c·x`` subject to ``lower <= row·x <= upper`` for every row and ``0 <= x <= BIG``, over
    integers if ``mip`` (else reals): ``x`` at an optimum, or None (infeasible, or no optimum proven).

    The model goes to HiGHS column by column, rows in order, as ``scipy.optimize.milp`` passed it
    before (the same solver, options and input order give the same answers)."""
    import highspy
    import numpy as np

    n = c.size
    columns: list[dict[int, float]] = [{} for _ in range(n)]
    for r, form in enumerate(rows):
        for v, k in form.items():
            columns[v][r] = columns[v].get(r, 0.0) + k
    start, index, value = [0], [], []
    for column in columns:
        for r in sorted(column):
            if column[r]:
                index.append(r)
                value.append(column[r])
        start.append(len(index))

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n, len(rows)
    lp.col_cost_ = c
    lp.col_lower_ = np.zeros(n)
    lp.col_upper_ = np.full(n, float(BIG))
    lp.row_lower_ = np.asarray(lower, dtype=np.float64)
    lp.row_upper_ = np.asarray(upper, dtype=np.float64)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = n, len(rows)
    lp.a_matrix_.start_ = np.asarray(start, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(value, dtype=np.float64)
    kind = highspy.HighsVarType.kInteger if mip else highspy.HighsVarType.kContinuous
    lp.integrality_ = [kind] * n

    solver = highspy._Highs()  # the bare solver (Highs() adds Python callbacks we do not use)
    solver.setOptionValue("log_to_console", False)
    if solver.passModel(lp) == highspy.HighsStatus.kError or solver.run() == highspy.HighsStatus.kError:
        return None
    if solver.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.array(solver.getSolution().col_value)


def _minus(a: Form, b: Form) -> Form:
    out = dict(a)
    for v, c in b.items():
        out[v] = out.get(v, 0) - c
    return {v: c for v, c in out.items() if c}


def _integral(x) -> bool:
    import numpy as np

    return bool(np.abs(x - np.round(x)).max(initial=0) <= 1e-7)


def _value(form: Form, x) -> int:
    return int(sum(c * round(float(x[v])) for v, c in form.items()))


def audit(model: Model, targets: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """The withheld quantities not protected, each with the range a reader can narrow it to
    (only as far as needed to show it falls short).

    A few solves first push every pending quantity towards the ends of its range at once (capped
    at what it needs, so one quantity does not crowd the others out); each solution is a second
    export a reader cannot tell from the true one, and every value it gives is noted. Only the
    quantities still short are then maximized or minimized alone.
    """
    live = model.live()
    withheld = [q for q in live if model.quantities[q].withheld]
    todo = [q for q in (targets if targets is not None else withheld) if model.quantities[q].withheld]
    if not todo:
        return {}
    n = len(model.names)
    caps = {q: n + k for k, q in enumerate(todo)}  # one helper variable per pending quantity
    system = _System(Model(names=model.names + [f"cap{q}" for q in todo], quantities=model.quantities,
                           equal=model.equal, at_most=model.at_most), live)
    seen: dict[int, list[int]] = {}

    def note(x) -> None:
        for q in withheld:
            v = _value(model.quantities[q].form, x)
            lo_hi = seen.setdefault(q, [v, v])
            lo_hi[0], lo_hi[1] = min(lo_hi[0], v), max(lo_hi[1], v)

    def short(q: int, sign: int) -> bool:
        need_lo, need_hi = model.quantities[q].needs()
        lo_hi = seen.get(q)
        return not lo_hi or (lo_hi[1] < need_hi if sign < 0 else lo_hi[0] > need_lo)

    for sign in (-1, +1):  # together: up to what each needs, then down to it
        for _attempt in range(3):
            pending = [q for q in todo if short(q, sign)]
            if len(pending) < 2:
                break
            rows = []
            for q in pending:
                need_lo, need_hi = model.quantities[q].needs()
                cap = {caps[q]: 1}
                if sign < 0:  # cap <= form, cap <= need_hi; maximize the caps
                    rows += [(_minus(cap, model.quantities[q].form), -BIG, 0), (cap, 0, need_hi)]
                else:  # cap >= form, cap >= need_lo; minimize the caps
                    rows += [(_minus(cap, model.quantities[q].form), 0, BIG), (cap, need_lo, BIG)]
            x = system.solve({caps[q]: sign for q in pending}, rows, integer=False)
            if x is None or not _integral(x):
                break
            before = sum(short(q, sign) for q in pending)
            note(x)
            if sum(short(q, sign) for q in pending) == before:
                break

    failing: dict[int, tuple[int, int]] = {}
    for q in todo:
        quantity = model.quantities[q]
        need_lo, need_hi = quantity.needs()
        for sign in (-1, +1):  # maximize, then minimize
            if not short(q, sign):
                continue
            objective = {v: sign * c for v, c in quantity.form.items()}
            x = system.solve(objective, integer=False)
            if x is None:
                failing[q] = (quantity.value, quantity.value)
                break
            relaxed = sum(c * x[v] for v, c in quantity.form.items())
            if (relaxed < need_hi - 1e-6) if sign < 0 else (relaxed > need_lo + 1e-6):
                break  # not even the linear relaxation reaches it: short for certain
            if not _integral(x):
                x = system.solve(objective)
            note(x)
        lo, hi = seen.get(q, (quantity.value, quantity.value))
        if q not in failing and (hi < need_hi or lo > need_lo):
            failing[q] = (lo, hi)
    return failing


class _Widen:
    """Finds what to withhold so that a quantity can reach a value: the cheapest other export
    (weighted L1 distance from the published numbers, linear relaxation) that lets it. Built once
    per round from the marks at its start (withholding more later only makes its answers easier)."""

    def __init__(self, model: Model):
        live = model.live()
        self.model = model
        self.published = {p for p in live if not model.quantities[p].withheld}
        self.smalls = {p for p in live if model.quantities[p].small}
        names = list(model.names)
        self.rows: list[tuple[Form, float, float]] = []
        self.objective: Form = {}
        self.slacks: dict[int, tuple[int, int]] = {}

        def slack(label: str, cost: float) -> int:
            names.append(label)
            self.objective[len(names) - 1] = cost
            return len(names) - 1

        for p in sorted(self.published | self.smalls):
            quantity = model.quantities[p]
            cost = quantity.cost if p in self.published else RELABEL * (1 + quantity.value)
            up, down = slack(f"+{p}", cost), slack(f"-{p}", cost)
            self.slacks[p] = (up, down)
            low, high = (quantity.value, quantity.value) if p in self.published else (SMALL_MIN, SMALL_MAX)
            self.rows.append((quantity.form | {up: -1, down: 1}, low, high))
        self.system = _System(Model(names=names, equal=list(model.equal), at_most=list(model.at_most)), [])

    def __call__(self, q: int, target: tuple[str, int]) -> tuple[set[int], set[int]]:
        """Published quantities to withhold and ``<5`` ones to show as ``*`` so that ``q`` can reach
        ``target`` (">=" or "<=", value)."""
        sense, bound = target
        form = self.model.quantities[q].form
        row = (form, bound, BIG) if sense == ">=" else (form, 0, bound)
        x = self.system.solve(self.objective, [*self.rows, row], integer=False)
        if x is None:
            return set(), set()
        moved = {p for p, (up, down) in self.slacks.items() if p != q and (x[up] > 1e-6 or x[down] > 1e-6)}
        return moved & self.published, moved & self.smalls


def protect(model: Model, max_rounds: int = 200) -> bool:
    """Withhold more quantities until every withheld one is protected. False if it could not be done
    (the caller then withholds whole tables)."""
    for q in model.quantities:
        if is_small(q.value):
            q.withhold()
    pending: list[int] | None = None
    for _round in range(max_rounds):
        # Withholding more only widens what a reader can say of the others: after the first round
        # only what failed and what changed is audited again.
        failing = audit(model, pending)
        if not failing:
            return True
        changed: set[int] = set()
        widen = _Widen(model)
        for q, (lo, hi) in failing.items():
            need_lo, need_hi = model.quantities[q].needs()
            for target in ((">=", need_hi),) * (hi < need_hi) + (("<=", need_lo),) * (lo > need_lo):
                more, relabel = widen(q, target)
                for p in more:
                    model.quantities[p].withhold()
                for p in relabel:
                    model.quantities[p].mark = WITHHELD
                changed |= more | relabel
        if not changed:
            return False
        pending = sorted(set(failing) | changed)
    return False
