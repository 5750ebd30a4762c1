"""A partner holds the whole export: no withheld count can be worked out or narrowed from it.

The attacker (``tests/reports/attacker.py``) reads the exported CSV and XLSX files, writes every
relation a reader can see between their numbers and solves for each withheld count. It runs on the
demo office and on generated offices of different sizes, one with fewer than 20 people in its
month; and on the export today's main wrote before this protection (kept as files), where it must
find what it found then.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from desktop.services.core.context import AppContext
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.services.reports import Period
from desktop.services.reports.export import export_report
from desktop.services.security import auth
from desktop.store.database import open_database
from tests.reports import factories as f
from tests.reports.attacker import Attack, read_csv, read_xlsx

DATA = Path(__file__).parent / "data"
NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)
pytestmark = pytest.mark.slow


def attack(path: Path, language: str) -> tuple[Attack, list]:
    reader = read_csv if path.suffix == ".csv" else read_xlsx
    a = Attack(reader(path, language), language)
    return a, a.solve()


def test_the_attacker_breaks_the_export_main_wrote_before():
    """Main's partner export of the demo office (November 2026), as it was written: suppressed cell
    by cell and table by table, it gives away dozens of its withheld counts to a reader who solves
    the whole file (53 of its 105 narrowed, 4 of them to one value)."""
    for name in ("main-2026-11.csv", "main-2026-11.xlsx"):
        a, findings = attack(DATA / name, "es")
        pinned = [x for x in findings if x.low == x.high]
        assert a.withheld() > 100
        assert len(findings) >= 40 and len(pinned) >= 3, (name, len(findings), len(pinned))


def _export_both(ctx, period, tmp_path: Path, language: str, now=None) -> tuple[Path, Path]:
    paths = []
    for fmt in ("csv", "xlsx"):
        paths.append(export_report(ctx, period, fmt, tmp_path / f"partner.{fmt}", anonymized=True,
                                   language=language, now=now))
    return paths[0], paths[1]


def _assert_safe(csv_path: Path, xlsx_path: Path, language: str) -> None:
    from_csv, from_xlsx = read_csv(csv_path, language), read_xlsx(xlsx_path, language)
    assert from_csv.tables == from_xlsx.tables  # both files publish the same numbers
    def numbers(figures):  # a rate's fraction; how many digits each file prints may differ
        return {k: v[:2] if isinstance(v, tuple) else v for k, v in figures.items()}

    assert numbers(from_csv.figures) == numbers(from_xlsx.figures)
    a, findings = attack(csv_path, language)
    assert a.withheld() > 0
    assert not findings, "\n".join(map(str, findings))


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    auth.use_fast_hashing_for_tests()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, "small", 1)
    db.dispose()
    return path


def test_the_demo_office_export_holds_against_the_attacker(demo, tmp_path):
    db = open_database(demo)
    try:
        ctx = AppContext(db, auth.sign_in(db, "supervisor", DEMO_PASSWORD))
        today = datetime.now(UTC).date()
        last_month = Period.month(f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}")
        csv_path, xlsx_path = _export_both(ctx, last_month, tmp_path, "es")
    finally:
        db.dispose()
    _assert_safe(csv_path, xlsx_path, "es")


NATIONALITIES = ("VE", "VE", "VE", "CO", "EC", "PE", "HT", "CU")
TOWNS = ("Bucaramanga", "Floridablanca", "Girón", "Piedecuesta", "Lebrija")
POPULATIONS = ("destination", "destination", "transit", "pendular", "returnee", "host_community")
SEXES = ("female", "female", "male", "male", "intersex")
INSTITUTIONS = ("alcaldia", "icbf", "personeria", "defensoria", "migracion", "hospital")


def _fill(ctx, people: int, seed: int) -> None:
    """An office with ``people`` people registered or referred in November 2026."""
    rng = random.Random(seed)
    with ctx.db.transaction() as s:
        services = [f.service(s, f"Organización {k}", f"Servicio {k}", (f"cat{k % 4}", f"Categoría {k % 4}"))
                    for k in range(6)]
        for _k in range(people):
            registered = f.local(date(2026, 11, rng.randint(1, 30))) if rng.random() < 0.6 else \
                f.local(date(2026, rng.randint(1, 10), rng.randint(1, 28)))
            birth = None if rng.random() < 0.05 else date(rng.randint(1950, 2025), rng.randint(1, 12), 15)
            person = f.person(s, registered=registered, sex=rng.choice(SEXES), birth_date=birth,
                              nationality=rng.choice(NATIONALITIES), population_type=rng.choice(POPULATIONS),
                              municipality=rng.choice(TOWNS),
                              needs=("disability",) if rng.random() < 0.08 else (),
                              ethnicity=rng.choice(("not_asked", "none", "indigenous", "afro_descendant")),
                              lgbtiq=rng.choice(("not_asked", "no", "yes")))
            if registered.month != 11 or rng.random() < 0.5:
                day = f.local(date(2026, 11, rng.randint(1, 28)))
                closed = day + f.days(rng.randint(1, 10)) if rng.random() < 0.4 else None
                f.referral(s, person, rng.choice(services), created=day, sent=day, closed=closed,
                           final=rng.choice(("completed", "completed", "rejected", "cancelled", "not_attended")))
        course, sessions = f.course(s, "GOB", [(date(2026, 11, 10), 4.0), (date(2026, 11, 17), 4.0)])
        for _k in range(max(3, people // 8)):
            p = f.participant(s, sex=rng.choice(("F", "F", "M", "I")), institution=rng.choice(INSTITUTIONS))
            f.enroll(s, course, p, {sess: rng.choice(("present", "present", "late", "absent")) for sess in sessions})


@pytest.mark.parametrize("people", [14, 90, 400], ids=["a month under 20 people", "90 people", "400 people"])
def test_generated_offices_hold_against_the_attacker(ctx_for, tmp_path, people):
    ctx = ctx_for("supervisor")
    _fill(ctx, people, seed=people)
    csv_path, xlsx_path = _export_both(ctx, NOV, tmp_path, "en", now=NOW)
    _assert_safe(csv_path, xlsx_path, "en")
