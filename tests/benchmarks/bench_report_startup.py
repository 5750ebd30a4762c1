"""Benchmark: ``enlace report`` (CSV and PDF) as a command, against the same report made in a running process.

    python tests/benchmarks/bench_report_startup.py [--db PATH] [--size small|large] [--runs N]

The command pays for its start: the interpreter, its imports, opening the encrypted office and the
password's key derivation (argon2id, deliberate: measured on its own line), then the report. The
baseline is ``export_report`` of the same period and format in this process, already signed in and
warm: the report's own work. They alternate (command CSV, baseline CSV, command PDF, baseline PDF),
medians of N; the ratios say what the start costs. Bytecode is compiled once under a temporary
``PYTHONPYCACHEPREFIX`` (an installed Enlace never compiles its modules at start), and a first,
unmeasured run of each format writes it.

What the command must not load is checked in tests/foundation/test_report_startup.py (modules, not time).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def ensure_demo(path: Path, size: str) -> None:
    if path.exists():
        return
    print(f"building the encrypted {size} demo at {path} (once)…", file=sys.stderr)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-m", "desktop", "--db", str(path), "demo", "--size", size], env=env,
                   check=True, stdout=subprocess.DEVNULL)


def last_month() -> str:
    today = date.today()
    return f"{today.year}-{today.month - 1:02d}" if today.month > 1 else f"{today.year - 1}-12"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/enlace-bench-report-startup.db")
    parser.add_argument("--size", default="small", choices=("small", "large"))
    parser.add_argument("--month", default=None, help="default: the last full month")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    path = Path(args.db)
    ensure_demo(path, args.size)
    month = args.month or last_month()

    from desktop.services import workspace
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.services.reports import Period
    from desktop.services.reports.export import export_report
    from desktop.store import keys

    out_dir = Path(tempfile.mkdtemp(prefix="enlace-report-startup-"))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(PYTHONPATH=str(ROOT), PYTHONPYCACHEPREFIX=str(out_dir / "pycache"), ENLACE_USER="supervisor",
               ENLACE_PASSWORD=DEMO_PASSWORD)

    def command(fmt: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "desktop", "--db", str(path), "report", "--month", month,
                        "--format", fmt, "--out", str(out_dir / f"command.{fmt}")], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - started

    started = time.perf_counter()
    ctx = workspace.open_signed_in(path, "supervisor", DEMO_PASSWORD)
    sign_in = time.perf_counter() - started
    assert ctx.db.key is not None, "the benchmark runs on an encrypted office database"
    period = Period.month(month)

    def in_process(fmt: str) -> float:
        started = time.perf_counter()
        export_report(ctx, period, fmt, out_dir / f"baseline.{fmt}", language="es")
        return time.perf_counter() - started

    key_file = keys.KeyFile(keys.key_file_for(path))
    kdf = []
    for fmt in ("csv", "pdf"):  # unmeasured: bytecode written, caches warm
        command(fmt)
        in_process(fmt)
    times: dict[str, list[float]] = {"csv": [], "csv-base": [], "pdf": [], "pdf-base": []}
    for _ in range(args.runs):
        for fmt in ("csv", "pdf"):
            times[fmt].append(command(fmt))
            times[f"{fmt}-base"].append(in_process(fmt))
        started = time.perf_counter()
        key_file.unlock_with_password("supervisor", DEMO_PASSWORD)
        kdf.append(time.perf_counter() - started)
    ctx.db.dispose()
    median = {k: statistics.median(v) for k, v in times.items()}
    print(f"report {month} on the encrypted {args.size} demo; medians of {args.runs}, alternating")
    print(f"unlocking the office key with a password (argon2id, deliberate), in process: "
          f"{statistics.median(kdf) * 1000:7.1f} ms  (first sign-in of this process: {sign_in * 1000:.0f} ms)")
    for fmt in ("csv", "pdf"):
        cmd, base = median[fmt], median[f"{fmt}-base"]
        print(f"{fmt.upper()}: enlace report {cmd * 1000:7.1f} ms   in process {base * 1000:7.1f} ms   "
              f"ratio {cmd / base:5.2f}×   start (difference) {(cmd - base) * 1000:7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
