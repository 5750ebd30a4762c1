"""An attacker who holds a partner export (the CSV or XLSX file itself) and solves it.

It reads the file as anyone would, writes down every linear relation a reader can see between the
published numbers (each table's totals, the same total printed in several tables and figures, the
5W table against the population and age tables, "of which" counts bounded by their row, the
completion rate against its terms), and asks HiGHS for the smallest and largest value of each
withheld count consistent with all of it, over non-negative integers.

It knows only what the report says of itself (titles, labels, definitions), in the export's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from desktop.i18n import _load_catalog

SMALL, WITHHELD = "<5", "*"

TITLES = {
    "newness": "People served: new and returning, by sex",
    "age": "People served by age band and sex",
    "population": "People served by population type and sex",
    "nationality": "People served by nationality and sex",
    "municipality": "People served by municipality and sex",
    "fivew": "5W: people served by population type, sex and age",
    "of_which": "5W: of which, by population type",
    "status": "Referrals made, by status at period end",
    "category": "Referrals made by service category and status",
    "organization": "Referrals made by organization and status",
    "participants": "Participants by institution and sex",
}
FIGURES = {
    "served": "People served", "new": "New people (registered in the period)", "returning": "Returning people",
    "made": "Referrals made", "referred": "People referred", "completed": "Completed at period end",
    "rate": "Completion rate", "participants": "Participants who attended",
}
WORDS = ("Total", "Figures", "About", "Female", "Male", "Intersex", "Not recorded", "under 18", "18 and over",
         "age not recorded", "{sex}, {age}", "New in the period", "Returning", "Completed", "Cancelled",
         "Age not recorded", "Section", "Table", "Row", "Column", "Value", "Figure", "About this report",
         "Sheet", "Definitions")


class Words:
    """The report's words in one language (the attacker reads the file in its language)."""

    def __init__(self, language: str):
        catalog = _load_catalog(language) if language != "en" else None
        self.t = (lambda s: catalog.gettext(s)) if catalog else (lambda s: s)

    def __getitem__(self, source: str) -> str:
        return self.t(source)


Value = int | float | str | None


def parse_value(text) -> Value:
    if text is None:
        return None
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        return text
    text = str(text).strip().replace("\u00a0", " ")
    if text in (SMALL, WITHHELD) or text == "":
        return text or None
    percent = text.endswith("%")
    number = text.rstrip("%").strip()
    if re.fullmatch(r"-?\d+", number) and not percent:
        return int(number)
    number = number.replace(".", "").replace(",", ".") if re.fullmatch(r"-?[\d.]*,\d+", number) else number
    try:
        value = float(number)
    except ValueError:
        return text
    if percent:  # a rate: the fraction and how far the printed digits leave it open
        decimals = len(number.partition(".")[2]) + 2
        return rate(value / 100, decimals)
    return value


def rate(fraction: float, decimals: int) -> tuple:
    return ("rate", round(fraction, decimals), 0.5 * 10**-decimals)


@dataclass
class Grid:
    rows: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    values: dict[tuple[str, str], Value] = field(default_factory=dict)

    def put(self, row: str, column: str, value: Value) -> None:
        if row not in self.rows:
            self.rows.append(row)
        if column not in self.columns:
            self.columns.append(column)
        self.values[(row, column)] = value


@dataclass
class Export:
    figures: dict[str, Value]
    tables: dict[str, Grid]


def read_csv(path: Path, language: str) -> Export:
    w = Words(language)
    text = path.read_bytes().decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    figures: dict[str, Value] = {}
    tables: dict[str, Grid] = defaultdict(Grid)
    for number, row in enumerate(csv.reader(io.StringIO(text), dialect)):
        if number == 0 or len(row) < 5:
            continue
        section, table, label, column, value = row[:5]
        if section == w["About"]:
            continue
        if table == w["Figures"]:
            figures[label] = parse_value(value)
        else:
            tables[table].put(label, column, parse_value(value))
    return Export(figures, dict(tables))


def read_xlsx(path: Path, language: str) -> Export:
    import openpyxl

    w = Words(language)
    book = openpyxl.load_workbook(path, data_only=True)
    about = book.worksheets[0]
    titles: dict[str, str] = {}
    index = False
    for row in about.iter_rows(values_only=True):
        if row and row[0] == w["Sheet"]:
            index = True
            continue
        if index and row and row[0]:
            titles[str(row[0])] = str(row[1]).split(" — ")[0]
    figures: dict[str, Value] = {}
    tables: dict[str, Grid] = {}
    for sheet in book.worksheets[1:]:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        if not rows or sheet.title == w["Definitions"]:
            continue
        if sheet.title not in titles:  # the figures sheet: section, figure, value
            for r in list(sheet.iter_rows())[1:]:
                if r and r[1].value is not None:
                    value = parse_value(r[2].value)
                    if isinstance(value, float) and "%" in r[2].number_format:
                        # As precise as the cell shows it, or as its stored digits, whichever is less.
                        shown = len(r[2].number_format.partition(".")[2].rstrip("%")) + 2
                        value = rate(value, min(shown, len(repr(value).partition(".")[2])))  # type: ignore
                    figures[str(r[1].value)] = value
            continue
        grid = Grid()
        header = [str(h) for h in rows[0]]
        for r in rows[1:]:
            if r[0] is None:
                continue
            for column, value in zip(header[1:], r[1:], strict=False):
                grid.put(str(r[0]), column, parse_value(value))
        tables[titles[sheet.title]] = grid
    return Export(figures, tables)


# -- the attack --------------------------------------------------------------------------------


@dataclass
class Finding:
    where: tuple[str, str, str]
    mark: str
    low: int
    high: int

    def __str__(self) -> str:
        return f"{' / '.join(self.where)} shown {self.mark}: only {self.low}..{self.high} fit what is published"


class Attack:
    BIG = 10**7

    def __init__(self, export: Export, language: str):
        self.export, self.w = export, Words(language)
        self.index: dict[tuple, int] = {}
        self.rows: list[tuple[dict[int, float], float, float]] = []
        self.known: dict[tuple, Value] = {}
        self._relations()

    # variables: one per printed number
    def v(self, key: tuple) -> int | None:
        if key not in self.index:
            value = self._lookup(key)
            if value is None or isinstance(value, tuple) or isinstance(value, float):
                return None
            self.index[key] = len(self.index)
            self.known[key] = value
        return self.index[key]

    def _lookup(self, key: tuple) -> Value:
        if key[0] == "figure":
            return self.export.figures.get(key[1])
        grid = self.export.tables.get(key[0])
        return grid.values.get((key[1], key[2])) if grid else None

    def rel(self, terms: list[tuple[float, tuple]], low: float, high: float) -> None:
        """sum(coef * value) between low and high; skipped if a term is not printed."""
        form: dict[int, float] = {}
        for coef, key in terms:
            index = self.v(key)
            if index is None:
                return
            form[index] = form.get(index, 0) + coef
        self.rows.append((form, low, high))

    def equal(self, a: tuple, b: tuple) -> None:
        self.rel([(1, a), (-1, b)], 0, 0)

    def sum_is(self, parts: list[tuple], total: tuple) -> None:
        if parts:
            self.rel([(1, p) for p in parts] + [(-1, total)], 0, 0)

    def table(self, name: str) -> tuple[str, Grid] | None:
        title = self.w[TITLES[name]]
        grid = self.export.tables.get(title)
        return (title, grid) if grid else None

    def _relations(self) -> None:
        w = self.w
        total = w["Total"]
        for title, grid in self.export.tables.items():
            inner_rows = [r for r in grid.rows if r != total]
            inner_cols = [c for c in grid.columns if c != total]
            if total in grid.columns and inner_cols:
                for r in grid.rows:
                    self.sum_is([(title, r, c) for c in inner_cols], (title, r, total))
            if total in grid.rows:
                for c in grid.columns:
                    self.sum_is([(title, r, c) for r in inner_rows], (title, total, c))
        fig = {k: ("figure", w[label]) for k, label in FIGURES.items()}
        sexes = [w[s] for s in ("Female", "Male", "Intersex", "Not recorded")]
        people = [t for t in (self.table(n) for n in ("newness", "age", "population", "nationality",
                                                      "municipality", "fivew")) if t]
        for title, grid in people:
            self.equal((title, total, grid.columns[-1] if len(grid.columns) == 1 else total), fig["served"])
            for s in sexes:
                if s in grid.columns:
                    for other, og in people:
                        if s in og.columns and other != title:
                            self.equal((title, total, s), (other, total, s))
        fivew, population, age = self.table("fivew"), self.table("population"), self.table("age")
        ages = {"minor": w["under 18"], "adult": w["18 and over"], "none": w["age not recorded"]}
        if fivew:
            ft, fg = fivew
            split = {s: [w["{sex}, {age}"].format(sex=s, age=a) for a in ages.values()] for s in sexes}
            if population:
                pt, pg = population
                for r in pg.rows:
                    if r in fg.rows:
                        self.equal((pt, r, total), (ft, r, total))
                        for s in sexes:
                            cols = [c for c in split[s] if c in fg.columns]
                            if s in pg.columns and cols:
                                self.sum_is([(ft, r, c) for c in cols], (pt, r, s))
            if age:
                at, ag = age
                groups: dict[str, list[str]] = defaultdict(list)
                for r in ag.rows:
                    m = re.fullmatch(r"(\d+)\s*[–-]\s*(\d+)|(\d+)\+", r)
                    if r == w["Age not recorded"]:
                        groups["none"].append(r)
                    elif m and m.group(1):
                        if int(m.group(2)) < 18:
                            groups["minor"].append(r)
                        elif int(m.group(1)) >= 18:
                            groups["adult"].append(r)
                        else:
                            groups.clear()
                            break
                    elif m and m.group(3) and int(m.group(3)) >= 18:
                        groups["adult"].append(r)
                for s in sexes:
                    for group, label in ages.items():
                        col = w["{sex}, {age}"].format(sex=s, age=label)
                        if s in ag.columns and col in fg.columns and groups.get(group):
                            self.sum_is([(at, r, s) for r in groups[group]], (ft, total, col))
        newness, of_which = self.table("newness"), self.table("of_which")
        if newness:
            nt, _ng = newness
            self.equal((nt, w["New in the period"], total), fig["new"])
            self.equal((nt, w["Returning"], total), fig["returning"])
            if of_which:
                self.equal((of_which[0], total, w["New in the period"]), (nt, w["New in the period"], total))
        if of_which and fivew:
            ot, og = of_which
            for r in og.rows:
                if r != total:
                    for c in og.columns:
                        self.rel([(1, (ot, r, c)), (-1, (fivew[0], r, total))], -self.BIG, 0)
        status, category, organization = self.table("status"), self.table("category"), self.table("organization")
        if status:
            st, sg = status
            col = sg.columns[0]
            self.equal((st, total, col), fig["made"])
            self.equal((st, w["Completed"], col), fig["completed"])
            for other in (category, organization):
                if other:
                    ot, og = other
                    self.equal((ot, total, og.columns[-1] if len(og.columns) == 1 else total), fig["made"])
                    for r in sg.rows:
                        if r in og.columns:
                            self.equal((st, r, col), (ot, total, r))
            printed = self.export.figures.get(fig["rate"][1])
            if printed is not None and not isinstance(printed, str):
                if isinstance(printed, tuple):
                    low, high = printed[1] - printed[2], printed[1] + printed[2]
                else:  # a fraction printed with two decimals
                    low, high = printed - 0.005, printed + 0.005
                made, completed, cancelled = fig["made"], (st, w["Completed"], col), (st, w["Cancelled"], col)
                # completed / (made - cancelled) in [low, high]
                self.rel([(1, completed), (-low, made), (low, cancelled)], 0, self.BIG)
                self.rel([(1, completed), (-high, made), (high, cancelled)], -self.BIG, 0)
        self.rel([(1, fig["returning"]), (-1, fig["referred"])], -self.BIG, 0)
        self.rel([(1, fig["referred"]), (-1, fig["made"])], -self.BIG, 0)
        participants = self.table("participants")
        if participants:
            pt, pg = participants
            self.equal((pt, total, pg.columns[-1] if len(pg.columns) == 1 else total), fig["participants"])

    def solve(self) -> list[Finding]:
        """Every withheld number a reader can pin down or narrow below its mark."""
        import numpy as np
        from scipy.optimize import Bounds, LinearConstraint, milp
        from scipy.sparse import csr_array

        n = len(self.index)
        lower, upper = np.zeros(n), np.full(n, float(self.BIG))
        for key, i in self.index.items():
            value = self.known[key]
            if value == SMALL:
                lower[i], upper[i] = 1, 4
            elif isinstance(value, int):
                lower[i] = upper[i] = value
        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (form, low, high) in enumerate(self.rows):
            for i, c in form.items():
                data.append(c)
                ri.append(r)
                ci.append(i)
            lo.append(low)
            hi.append(high)
        constraints = [LinearConstraint(csr_array((data, (ri, ci)), shape=(len(self.rows), n)), lo, hi)]
        findings = []
        for key, i in self.index.items():
            mark = self.known[key]
            if mark not in (SMALL, WITHHELD):
                continue
            ends = []
            for sign in (1, -1):
                c = np.zeros(n)
                c[i] = sign
                # The linear relaxation first: when its optimum is integral it is the integer one.
                result = milp(c, constraints=constraints, integrality=np.zeros(n), bounds=Bounds(lower, upper))
                assert result.status == 0, f"the published numbers contradict each other ({result.message})"
                if np.abs(result.x - np.round(result.x)).max() > 1e-7:
                    result = milp(c, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lower, upper))
                ends.append(round(result.x[i]))
            low, high = ends
            narrow = (low > 1 or high < 4) if mark == SMALL else (high < 5 or high - low < 4)
            if narrow:
                findings.append(Finding(key, mark, low, high))
        return findings

    def withheld(self) -> int:
        return sum(v in (SMALL, WITHHELD) for v in self.known.values())
