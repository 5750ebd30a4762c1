"""``enlace report`` loads only what its format needs: no Qt on the command line, no PDF or spreadsheet
library for a CSV (each would add a large share of the command's start; see
tests/benchmarks/bench_report_startup.py). Checked by the modules loaded, not by timing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from desktop.cli import main
status = main(sys.argv[1:])
names = set(sys.modules)
loaded = sorted({name.split(".")[0] for name in names} | {name for name in names if name.startswith("desktop.")})
print(json.dumps({"status": status, "loaded": loaded}))
"""


def _run_report(db: str, fmt: str, out: Path) -> dict:
    from tests.conftest import PASSWORD

    env = dict(os.environ, PYTHONPATH=str(ROOT), ENLACE_PASSWORD=PASSWORD, ENLACE_USER="supervisor")
    result = subprocess.run([sys.executable, "-c", PROBE, "--db", db, "report", "--month", "2026-11",
                             "--format", fmt, "--out", str(out), "--lang", "en"],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 0 and out.stat().st_size > 0
    return answer


@pytest.mark.sqlite_only
def test_the_csv_report_loads_no_qt_no_reportlab_no_openpyxl(ctx_for, tmp_path) -> None:
    db = ctx_for("supervisor").db.location
    loaded = set(_run_report(db, "csv", tmp_path / "r.csv")["loaded"])
    heavy = loaded & {"PySide6", "shiboken6", "reportlab", "openpyxl", "segno", "PIL"}
    heavy |= {name for name in loaded if name.startswith(("desktop.ui", "desktop.documents.monthly_report_charts"))}
    assert not heavy, f"the CSV report loaded {sorted(heavy)}: import them inside the functions that need them"
    assert {"sqlalchemy", "desktop.services.reports.export"} <= loaded  # the probe sees what was loaded
