"""Benchmark: the monthly report, the roster import and the directory import on a PostgreSQL office server,
next to the same on the office's encrypted SQLite file.

    eval "$(scripts/pg_test_cluster.sh start)"
    python tests/benchmarks/bench_server.py [--url URL] [--sqlite PATH] [--repeat N]

Issue 14 asks for the server's figures beside the file's (search has ``bench_people_search_pg.py``).
One run, the two sides alternately, one line per figure with the server/file ratio:

* The monthly report (``build_report``, what the report window and ``enlace report`` call) on the
  large demo (100,000 people, 200,000 referrals): the encrypted file ``--sqlite`` (built with
  ``enlace demo --size large`` when missing, as ``bench_report.py`` does) and the server database
  ``--database`` (``largemig``: that file moved with ``enlace server migrate``; made the same way when
  missing). Best of ``--repeat``, then the report's queries one by one. Both sides are opened as the
  demo administrator without signing in, so nothing is written to either (the server side through the
  administrator's own server login, as a seat connects).
* A trainer's 10,000-row roster, CSV preview + import (``bench_roster_import.py``), and the directory
  import, HSDS package and spreadsheet (``bench_directory_import.py``): each run into a fresh small
  office, an encrypted file or a scratch server database (``tests/pg.py``, dropped afterwards, with its
  logins). Median of ``--repeat``.

No target: the figures go in the issue's closing note. The test cluster runs with fsync off, so the
server's writes are somewhat cheaper here than on an office server.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks import bench_directory_import, bench_roster_import
from tests.benchmarks.bench_report import ensure_demo

BENCH_PASSWORD = "bench-password-1"


# -- the large demo on both sides ----------------------------------------------------------------


def ensure_server_copy(admin_url: str, database: str, source: Path) -> str:
    """The owner's location of ``database``, the large demo moved there from ``source`` if it has no office yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from desktop.services import office
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.services.workspace.server import migrate_to_server
    from desktop.store.database import open_database

    location = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    engine.dispose()
    if exists:
        db = open_database(location)
        try:
            if office.office_info(db) is not None:
                return location
        finally:
            db.dispose()
    print(f"moving {source} to the server database {database} (enlace server migrate, once)…", file=sys.stderr)
    started = time.perf_counter()
    migrate_to_server(str(source), location, "admin", DEMO_PASSWORD,
                      progress=lambda step: print(f"  … {step}", file=sys.stderr))
    print(f"  moved in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return location


def seat(owner_location: str) -> str:
    """What a seat keeps of a server database: host, port and database (the person's login is added)."""
    from desktop.services.workspace.server import seat_location, seat_parts

    host, port, database = seat_parts(owner_location)  # type: ignore[misc]
    return seat_location(host, port, database)


def read_only_context(location: str, username: str, password: str):
    """The account's context on a file or a server, opened without signing in (no login event written)."""
    from sqlalchemy import select

    from desktop.services.core.context import AppContext
    from desktop.services.security import auth
    from desktop.services.workspace import Unlock, open_store, with_login
    from desktop.store.models import User

    if "://" in location:
        db = open_store(with_login(location, username, password), encrypt=False, create=False)
    else:
        db = open_store(location, Unlock(username, password), create=False)
    with db.session() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        return AppContext(db, auth.actor_for(user))


# -- the monthly report ----------------------------------------------------------------------------


def report_parts(ctx, period, now) -> dict[str, Callable]:
    """The report's queries, each on one session, as build_report runs them."""
    from desktop.services import office
    from desktop.services.reports import figures
    from desktop.services.reports.disaggregation import parse_age_bands

    with ctx.db.session() as session:
        bands = parse_age_bands(office.get_setting(session, "age_bands"))
        b = period.bounds(office.current_office(session).timezone, now)

    def training(session):
        courses = figures.course_rows(session, b)
        participants = figures.participant_cube(session, b)
        return figures.training_figures(session, b, courses, participants)

    return {"people cube (people tables and the 5W table)": lambda s: figures.people_cube(s, b, bands),
            "people referred": lambda s: figures.people_referred(s, b),
            "referral pass (referrals by status, median days, overdue)": lambda s: figures.referral_pass(s, b),
            "trainings (courses, participants, figures)": training}


def bench_report(file_ctx, server_ctx, month: str | None, repeat: int) -> list[str]:
    from desktop.services.reports import Period, build_report

    today = date.today()
    month = month or (f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12")
    period = Period.month(month)
    now = datetime.now(UTC)
    sides = {"file": file_ctx, "server": server_ctx}
    served = {}
    for side, ctx in sides.items():  # warm: both then read a warm cache
        report = build_report(ctx, period, now=now)
        served[side] = (report.figure("people_served").value, report.figure("referrals_made").value)
    parts = {side: report_parts(ctx, period, now) for side, ctx in sides.items()}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(repeat):
        for side, ctx in sides.items():
            started = time.perf_counter()
            build_report(ctx, period, now=now)
            times.setdefault(("report", side), []).append(time.perf_counter() - started)
        for side, ctx in sides.items():
            for name, part in parts[side].items():
                with ctx.db.session() as session:
                    started = time.perf_counter()
                    part(session)
                    times.setdefault((name, side), []).append(time.perf_counter() - started)
    best = {k: min(v) for k, v in times.items()}
    people, referrals = served["file"]
    same = "the same on both" if served["file"] == served["server"] else f"SERVER DIFFERS: {served['server']}"
    lines = [f"monthly report {period.key} on the large demo: people served {people:,}, referrals made "
             f"{referrals:,} ({same}); best of {repeat}, alternating"]
    lines.append(_line("monthly report (build_report)", best[("report", "file")], best[("report", "server")], "ms"))
    for name in parts["file"]:
        lines.append(_line(f"  {name}", best[(name, "file")], best[(name, "server")], "ms"))
    return lines


def _line(label: str, file_s: float, server_s: float, unit: str = "s") -> str:
    if unit == "ms":
        figures = f"file {file_s * 1000:8.1f} ms   server {server_s * 1000:8.1f} ms"
    else:
        figures = f"file {file_s:6.2f} s   server {server_s:6.2f} s"
    return f"{label:66s} {figures}   server/file {server_s / file_s:5.2f}×"


# -- imports into fresh small offices ----------------------------------------------------------------


def server_office(pg):
    """A fresh server office (scratch database, first administrator) signed in from a seat; (context, owner URL)."""
    from desktop.services import workspace
    from desktop.services.office import OfficeForm
    from desktop.services.workspace.server import init_server

    owner = pg.new_database()
    init_server(owner, OfficeForm(code="BGA", name="Bench", country="CO"), "admin", "Ana", BENCH_PASSWORD)
    return workspace.open_signed_in(seat(owner), "admin", BENCH_PASSWORD), owner


def bench_imports(pg, tmp: Path, rows: int, services: int, repeat: int, directory: bool) -> list[str]:
    from desktop.services import training

    csv_path, _xlsx = bench_roster_import.write_files(tmp, rows)
    package, sheet = tmp / "package", tmp / "directorio.csv"
    if directory:
        bench_directory_import.write_package(package, services)
        bench_directory_import.write_sheet(sheet, services)
    times: dict[tuple[str, str], list[float]] = {}

    def timed(key: tuple[str, str], run: Callable[[], object]) -> object:
        started = time.perf_counter()
        result = run()
        times.setdefault(key, []).append(time.perf_counter() - started)
        return result

    for n in range(repeat):  # alternately: file, server, file, server…
        for side in ("file", "server"):
            if side == "file":
                ctx, course = bench_roster_import.fresh_office(tmp / f"roster-{n}" / "enlace.db")
                owner = None
            else:
                ctx, owner = server_office(pg)
                course = training.create_course(ctx, training.CourseForm(code="MESA", title="Mesa",
                                                                         total_hours=20)).id
            created, previewed = timed(("roster", side), partial(bench_roster_import.enlace, ctx, course, csv_path))
            times.setdefault(("preview", side), []).append(previewed)
            assert created == rows, (side, created)
            ctx.db.dispose()
            if owner:
                pg.drop_database(owner)
            if not directory:
                continue
            for kind, path, run in (("hsds", package, bench_directory_import.enlace),
                                    ("sheet", sheet, bench_directory_import.sheet_enlace)):
                if side == "file":
                    db = bench_directory_import.fresh_db(tmp / f"{kind}-{n}" / "enlace.db")
                else:
                    ctx, owner = server_office(pg)
                    db = ctx.db
                timed((kind, side), partial(run, db, path))
                db.dispose()
                if owner:
                    pg.drop_database(owner)
    med = {k: statistics.median(v) for k, v in times.items()}
    lines = [f"imports into a fresh small office (encrypted file / scratch server database), median of {repeat}, "
             f"alternating"]
    lines.append(_line(f"roster CSV {rows:,} rows, preview + import", med[("roster", "file")],
                       med[("roster", "server")]))
    lines.append(_line("  of which the preview (read + check every row)", med[("preview", "file")],
                       med[("preview", "server")]))
    if directory:
        lines.append(_line(f"directory HSDS package, {services:,} services (import_package)", med[("hsds", "file")],
                           med[("hsds", "server")]))
        lines.append(_line(f"directory spreadsheet, {services:,} services (import_sheet)", med[("sheet", "file")],
                           med[("sheet", "server")]))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("ENLACE_TEST_PG_URL", ""),
                        help="a superuser connection to the server (default: $ENLACE_TEST_PG_URL)")
    parser.add_argument("--database", default="largemig", help="the large demo on the server (only read)")
    parser.add_argument("--sqlite", default="/tmp/large.db", help="the large demo as an encrypted file")
    parser.add_argument("--month", default=None, help="default: the last full month")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rows", type=int, default=10_000, help="roster rows")
    parser.add_argument("--services", type=int, default=10_000, help="directory services")
    parser.add_argument("--no-directory", action="store_true", help="skip the directory import")
    args = parser.parse_args()
    if not args.url:
        print("give --url or start scripts/pg_test_cluster.sh", file=sys.stderr)
        return 2
    from desktop.services.demo import DEMO_PASSWORD
    from tests import pg

    pg.PG_URL = args.url
    source = Path(args.sqlite)
    ensure_demo(source)
    owner = ensure_server_copy(args.url, args.database, source)
    # The report first: the imports switch to the tests' fast key derivation, which must not re-wrap
    # the demo's key file.
    file_ctx = read_only_context(str(source), "admin", DEMO_PASSWORD)
    assert file_ctx.db.key is not None, "the file side runs on an encrypted office database"
    server_ctx = read_only_context(seat(owner), "admin", DEMO_PASSWORD)
    try:
        lines = bench_report(file_ctx, server_ctx, args.month, args.repeat)
    finally:
        file_ctx.db.dispose()
        server_ctx.db.dispose()
    for line in lines:
        print(line, flush=True)
    tmp = Path(tempfile.mkdtemp(prefix="enlace-bench-server-"))
    try:
        for line in bench_imports(pg, tmp, args.rows, args.services, args.repeat, not args.no_directory):
            print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        pg.drop_template()
    return 0


if __name__ == "__main__":
    sys.exit(main())
