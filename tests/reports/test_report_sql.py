"""The report's figures equal hand-written SQL of its definitions (``tests/reports/handwritten.py``),
on three months of the demo office."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from desktop.services.core.context import AppContext
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.services.office import get_setting
from desktop.services.reports import Period, build_report
from desktop.services.reports.disaggregation import parse_age_bands
from desktop.services.reports.tables import NOT_RECORDED
from desktop.services.security import auth
from desktop.store.database import open_database
from tests.reports import handwritten

BOGOTA = ZoneInfo("America/Bogota")
NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    auth.use_fast_hashing_for_tests()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, "small", 1)
    db.dispose()
    return path


def _months() -> list[Period]:
    first = NOW.astimezone(BOGOTA).date().replace(day=1)
    months = []
    for _ in range(3):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(Period.month(f"{first:%Y-%m}"))
    return months


def _k(value) -> str:
    return NOT_RECORDED if value in (None, "") else str(value)


@pytest.mark.parametrize("month", range(3), ids=["last month", "two months ago", "three months ago"])
def test_report_figures_equal_hand_written_sql(demo, month):
    period = _months()[month]
    db = open_database(demo)
    try:
        ctx = AppContext(db, auth.sign_in(db, "supervisor", DEMO_PASSWORD))
        report = build_report(ctx, period, now=NOW)
        bands = parse_age_bands(get_setting(db, "age_bands"))
        p = handwritten.params(period, report.timezone, bands, NOW)
        with db.session() as session:
            sql = handwritten.everything(session.connection().connection.driver_connection, p)
    finally:
        db.dispose()

    people = sql["people"]
    assert report.figure("people_served").value == sum(people.values())
    assert report.figure("people_new").value == sum(n for k, n in people.items() if k[6] == "new")
    axes = {"people_age_sex": 1, "people_population_sex": 4, "people_nationality_sex": 3,
            "people_municipality_sex": 5, "people_newness_sex": 6}
    for key, axis in axes.items():
        expected = Counter()
        for k, n in people.items():
            expected[(_k(k[axis]), _k(k[0]))] += n
        table = report.table(key)
        got = {(r.key, c.key): table.cells[i][j] for i, r in enumerate(table.rows)
               for j, c in enumerate(table.columns) if table.cells[i][j]}
        assert got == {k: v for k, v in expected.items() if v}, key
    fivew = Counter()
    for k, n in people.items():
        fivew[(_k(k[4]), f"{_k(k[0])}|{_k(k[2])}")] += n
    table = report.table("fivew")
    assert {(r.key, c.key): table.cells[i][j] for i, r in enumerate(table.rows) for j, c in enumerate(table.columns)
            if table.cells[i][j]} == {k: v for k, v in fivew.items() if v}

    referrals = sql["referrals"]
    assert report.figure("referrals_made").value == sum(referrals.values())
    by_status = Counter()
    by_org = Counter()
    for (status, _category, org), n in referrals.items():
        by_status[status] += n
        by_org[(_k(org), status)] += n
    status = report.table("referrals_status")
    assert {r.key: status.cells[i][0] for i, r in enumerate(status.rows) if status.cells[i][0]} == dict(by_status)
    orgs = report.table("referrals_organization_status")
    assert {(r.key, c.key): orgs.cells[i][j] for i, r in enumerate(orgs.rows) for j, c in enumerate(orgs.columns)
            if orgs.cells[i][j]} == dict(by_org)
    figures = sql["referral_figures"]
    assert report.figure("people_referred").value == figures["people_referred"]
    assert report.figure("median_days").value == figures["median_days"]
    assert report.figure("overdue_follow_ups").value == figures["overdue"]

    training = sql["trainings"]
    assert report.figure("courses_held").value == training["courses"]
    assert report.figure("sessions_held").value == training["sessions"]
    assert report.figure("hours_delivered").value == pytest.approx(training["hours"])
    assert report.figure("participants").value == sum(training["participants"].values())
    rate = report.figure("training_completion_rate")
    assert rate.basis == training["finished"]
    assert (rate.value is None) == (training["finished"] == 0)
    if training["finished"]:
        assert rate.value == pytest.approx(training["completed"] / training["finished"])
    assert report.figure("certificates_issued").value == training["issued"]
    assert report.figure("certificates_revoked").value == training["revoked"]
