"""The report's totals on the demo office equal counts made independently from the CLI lists.

``enlace people list`` and ``enlace referrals list`` (CSV) are the other areas' own exports; the
counts here are made from their rows alone, in plain Python, and compared with the report.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.cli import main as enlace
from desktop.services.core.context import AppContext
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.services.reports import Period, build_report
from desktop.services.security import auth
from desktop.store.database import open_database

BOGOTA = ZoneInfo("America/Bogota")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    auth.use_fast_hashing_for_tests()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, "small", 1)
    db.dispose()
    return path


def _csv(capsys, monkeypatch, path, *command) -> list[dict[str, str]]:
    monkeypatch.setenv("ENLACE_PASSWORD", DEMO_PASSWORD)
    capsys.readouterr()
    assert enlace(["--db", str(path), "--user", "supervisor", "--lang", "en", *command, "--format", "csv"]) == 0
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out)))


def _report(path, period: Period):
    db = open_database(path)
    try:
        ctx = AppContext(db, auth.sign_in(db, "supervisor", DEMO_PASSWORD))
        return build_report(ctx, period)
    finally:
        db.dispose()


def _instant(text: str) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def _months_back(n: int) -> Period:
    today = datetime.now(BOGOTA).date().replace(day=1)
    for _ in range(n):
        today = (today - timedelta(days=1)).replace(day=1)
    return Period.month(f"{today:%Y-%m}")


@pytest.mark.parametrize("months_back", [0, 1, 2])
def test_referral_totals_match_the_referrals_list(demo, capsys, monkeypatch, months_back):
    period = _months_back(months_back)
    b = period.bounds("America/Bogota")
    rows = _csv(capsys, monkeypatch, demo, "referrals", "list")
    made = [r for r in rows if (sent := _instant(r["sent_at"])) is not None and b.start <= sent < b.end]
    assert made, "the demo has referrals in every recent month"
    report = _report(demo, period)
    assert report.figure("referrals_made").value == len(made)
    assert report.table("referrals_status").total == len(made)
    assert report.figure("people_referred").value == len({r["person_id"] for r in made})
    by_org = Counter(r["organization"] for r in made)
    table = report.table("referrals_organization_status")
    assert {row.label: total for row, total in zip(table.rows, table.row_totals, strict=True) if total} == \
        dict(by_org)
    closed = sorted((_instant(r["closed_at"]) - _instant(r["sent_at"])).total_seconds() / 86400 for r in rows
                    if r["closed_at"] and r["sent_at"] and b.start <= _instant(r["closed_at"]) < b.end)
    if closed:
        middle = (closed[(len(closed) - 1) // 2] + closed[len(closed) // 2]) / 2
        assert report.figure("median_days").value == pytest.approx(middle, abs=0.051)
    if months_back == 0:  # the month is not over: each referral's status now is its status at the end
        status = report.table("referrals_status")
        for row, cat in enumerate(status.rows):
            assert status.cells[row][0] == sum(1 for r in made if r["status"] == cat.key), cat.key


def test_people_totals_match_the_people_list(demo, capsys, monkeypatch):
    """Over every day since the office opened, the people served are everyone in the register."""
    people = _csv(capsys, monkeypatch, demo, "people", "list")
    referrals = _csv(capsys, monkeypatch, demo, "referrals", "list")
    last = datetime.now(BOGOTA).date()
    period = Period.between(date(last.year - 9, 1, 1), last)
    report = _report(demo, period)
    listed = {p["id"] for p in people}
    assert report.figure("people_served").value == len(listed)
    assert report.figure("people_new").value == len(listed)
    sexes = Counter(p["sex"] for p in people)
    table = report.table("people_population_sex")
    assert {c.key: t for c, t in zip(table.columns, table.column_totals, strict=True) if t} == dict(sexes)
    populations = Counter(p["population_type"] for p in people)
    assert {r.key: t for r, t in zip(table.rows, table.row_totals, strict=True) if t} == dict(populations)
    nationalities = Counter(p["nationality"] or "__none__" for p in people)
    table = report.table("people_nationality_sex")
    assert {r.key: t for r, t in zip(table.rows, table.row_totals, strict=True) if t} == dict(nationalities)

    def adult(born: str) -> str:
        if not born:
            return "__none__"
        d = date.fromisoformat(born)
        return "adult" if (last.year - d.year - ((last.month, last.day) < (d.month, d.day))) >= 18 else "minor"

    fivew = report.table("fivew")
    expected = Counter(f"{p['sex']}|{adult(p['birth_date'])}" for p in people)
    assert {c.key: t for c, t in zip(fivew.columns, fivew.column_totals, strict=True) if t} == dict(expected)
    sent = [r for r in referrals if r["sent_at"]]
    assert report.figure("referrals_made").value == len(sent)
