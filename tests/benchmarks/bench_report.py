"""Benchmark: the monthly report on an encrypted large demo vs. hand-written SQL of the same figures.

    python tests/benchmarks/bench_report.py [--db PATH] [--month YYYY-MM] [--repeat N]

Builds the large demo (100,000 people, 200,000 referrals) at PATH if it is not there yet, encrypted
as every office's database is (``enlace demo --size large``). The baseline is
``tests/reports/handwritten.py``: one hand-written grouped query per figure family (the people cube
behind every people table and the 5W table, referrals by status at period end × category ×
organization, people referred, median days, overdue follow-ups, trainings), run on the same
encrypted connection as the report. The two alternate, best of N each; one line per figure with the
ratio. Target (issue 17): the report within 1.5× of its SQL.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET = 1.5


def ensure_demo(path: Path) -> None:
    if path.exists():
        return
    print(f"building the encrypted large demo at {path} (once)…", file=sys.stderr)
    started = time.perf_counter()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "desktop", "--db", str(path), "demo", "--size", "large"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/enlace-bench-large-encrypted.db")
    parser.add_argument("--month", default=None, help="default: the last full month")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.db)
    ensure_demo(path)

    from desktop.services import workspace
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.services.office import get_setting
    from desktop.services.reports import Period, build_report
    from desktop.services.reports.disaggregation import parse_age_bands
    from tests.reports import handwritten

    today = date.today()
    month = args.month or (f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12")
    period = Period.month(month)
    ctx = workspace.open_signed_in(path, "supervisor", DEMO_PASSWORD)
    assert ctx.db.key is not None, "the benchmark runs on an encrypted office database"
    now = datetime.now(UTC)
    bands = parse_age_bands(get_setting(ctx.db, "age_bands"))
    report = build_report(ctx, period, now=now)  # warm: both sides then read a warm cache
    params = handwritten.params(period, report.timezone, bands, now)
    parts = {"people cube (every people table and the 5W table)": handwritten.people_cube,
             "referrals by status at end × category × organization": handwritten.referral_cube,
             "people referred, median days, overdue follow-ups": handwritten.referral_figures,
             "trainings (courses, sessions, participants, completion, certificates)": handwritten.trainings}
    times: dict[str, list[float]] = {"report": [], "sql": [], **{k: [] for k in parts}}
    for _ in range(args.repeat):  # alternately, so both see the same cache and machine load
        started = time.perf_counter()
        report = build_report(ctx, period, now=now)
        times["report"].append(time.perf_counter() - started)
        with ctx.db.session() as session:  # the same encrypted connection pool, one connection
            conn = session.connection().connection.driver_connection
            started = time.perf_counter()
            for name, part in parts.items():
                t = time.perf_counter()
                part(conn, params)
                times[name].append(time.perf_counter() - t)
            times["sql"].append(time.perf_counter() - started)
    ctx.db.dispose()
    best = {k: min(v) for k, v in times.items()}
    base, full = best["sql"], best["report"]
    print(f"period {period.key} on an encrypted database: people served {report.figure('people_served').value:,}, "
          f"referrals made {report.figure('referrals_made').value:,}; best of {args.repeat}, alternating")
    print(f"hand-written SQL of the same figures, same connection   {base * 1000:8.1f} ms")
    for name in parts:
        print(f"  {name:70s} {best[name] * 1000:8.1f} ms")
    print(f"monthly report (build_report: every table and figure)  {full * 1000:8.1f} ms  ratio {full / base:.2f}× "
          f"(target ≤ {TARGET:.1f}×) {'OK' if full <= TARGET * base else 'OVER'}")
    return 0 if full <= TARGET * base else 1


if __name__ == "__main__":
    raise SystemExit(main())
