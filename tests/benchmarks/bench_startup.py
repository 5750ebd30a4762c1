"""Start-up time: process start to the main window shown, signed in on a demo database.

Baseline, measured in the same run: a bare PySide6 process that shows an empty QMainWindow.
Target: Enlace at most 1.5 times the baseline.

    python tests/benchmarks/bench_startup.py [--runs 7] [--keep-db PATH]

Both programs print the wall-clock time once their window is shown (Enlace through
ENLACE_STARTUP_PROBE, signing in with ENLACE_USER/ENLACE_PASSWORD); the figure is that time minus
the moment just before the process was spawned. Medians of alternating runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TARGET = 1.5

BARE = """
import time
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.resize(1200, 760)
window.show()
def shown():
    print(f"main-window-shown {time.time():.6f}", flush=True)
    app.quit()
QTimer.singleShot(0, shown)
app.exec()
"""


def _time(cmd: list[str], env: dict[str, str]) -> float:
    started = time.time()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith("main-window-shown ")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"{cmd[:3]} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return float(lines[-1].split()[1]) - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep-db", metavar="PATH", help="reuse or keep this demo database")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(args.keep_db) if args.keep_db else Path(tmp) / "demo.db"
        env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
        env.update(XDG_CONFIG_HOME=str(Path(tmp) / "config"), PYTHONDONTWRITEBYTECODE="1")
        if not db.exists():
            subprocess.run([sys.executable, "-m", "desktop", "demo", "--db", str(db)], env=env, check=True,
                           capture_output=True, cwd=ROOT)
        app_env = {**env, "ENLACE_STARTUP_PROBE": "1", "ENLACE_USER": "clerk", "ENLACE_PASSWORD": "enlace-demo"}
        enlace_cmd = [sys.executable, "-m", "desktop", "--db", str(db)]
        bare_cmd = [sys.executable, "-c", BARE]
        _time(bare_cmd, env)  # warm the file cache for both before measuring
        _time(enlace_cmd, app_env)
        bare, enlace = [], []
        for _run in range(args.runs):
            bare.append(_time(bare_cmd, env))
            enlace.append(_time(enlace_cmd, app_env))
    base = statistics.median(bare)
    ours = statistics.median(enlace)
    ratio = ours / base
    print(f"bare PySide6 QMainWindow shown: {base * 1000:.0f} ms (median of {args.runs}; baseline 1.00x)")
    print(f"Enlace main window shown, signed in on the demo database: {ours * 1000:.0f} ms "
          f"(median of {args.runs}; {ratio:.2f}x the baseline, target <= {TARGET}x: "
          f"{'met' if ratio <= TARGET else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
