"""Start-up stays light: the sign-in window shows before the database libraries load, and the main
window opens without the PDF, spreadsheet, chart or migration libraries (timings are in
``tests/benchmarks/bench_startup.py``; these checks are about what is loaded, not how fast)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import PASSWORD

# Runs `enlace --db PATH` as the desktop shortcut does, printing which of these top-level packages
# were loaded when the start-up probe saw the sign-in window and the main window.
SCRIPT = """
import sys
from desktop.ui import session

WATCHED = {"sqlalchemy", "alembic", "reportlab", "openpyxl", "argon2", "cryptography", "babel.dates",
           "babel.numbers", "PySide6.QtSvgWidgets", "PySide6.QtPdf", "desktop.store.models"}

def loaded(when):
    names = sorted(m for m in sys.modules if m in WATCHED or m.split(".")[0] in WATCHED)
    print(when, " ".join(sorted({n if n in WATCHED else n.split(".")[0] for n in names})), flush=True)

for method, when in (("_probe_sign_in", "at-sign-in:"), ("_probe_report", "at-main-window:")):
    def spy(self, _original=getattr(session.AppSession, method), _when=when):
        loaded(_when)
        _original(self)
    setattr(session.AppSession, method, spy)

from desktop.cli import main
sys.exit(main(["--db", sys.argv[1], "--lang", "es"]))
"""


def _start(db: Path, tmp_path: Path, **env: str) -> dict[str, set[str]]:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
    run_env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"), **env)
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(db)], capture_output=True, text=True, env=run_env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    seen = {}
    for line in done.stdout.splitlines():
        when, _, names = line.partition(" ")
        if when.endswith(":"):
            seen[when[:-1]] = set(names.split())
    return seen


def test_the_sign_in_window_shows_before_the_database_libraries_load(encrypted_office, tmp_path) -> None:
    seen = _start(encrypted_office.path, tmp_path, ENLACE_STARTUP_PROBE="sign-in")  # then cancels
    assert seen == {"at-sign-in": set()}


def test_the_main_window_opens_without_pdf_spreadsheet_chart_or_migration_libraries(encrypted_office,
                                                                                     tmp_path) -> None:
    seen = _start(encrypted_office.path, tmp_path, ENLACE_STARTUP_PROBE="1", ENLACE_USER="clerk",
                  ENLACE_PASSWORD=PASSWORD)
    assert seen["at-sign-in"] == set()
    assert {"sqlalchemy", "desktop.store.models", "argon2"} <= seen["at-main-window"]
    assert not seen["at-main-window"] & {"alembic", "reportlab", "openpyxl", "PySide6.QtSvgWidgets", "PySide6.QtPdf"}


def test_a_refused_sign_in_at_start_up_exits_with_an_error(encrypted_office, tmp_path) -> None:
    run_env = {k: v for k, v in os.environ.items() if not k.startswith("ENLACE_")}
    run_env.update(QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path / "config"), ENLACE_STARTUP_PROBE="1",
                   ENLACE_USER="clerk", ENLACE_PASSWORD="not-the-password")
    done = subprocess.run([sys.executable, "-m", "desktop", "--db", str(encrypted_office.path), "--lang", "en"],
                          capture_output=True, text=True, env=run_env, timeout=120, check=False)
    assert done.returncode == 1
    assert "Wrong user name or password" in done.stderr


def test_garbage_collection_pauses_while_start_up_loads_and_resumes_once(monkeypatch) -> None:
    import gc

    from desktop.ui import warmup

    frozen: list[bool] = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))  # the test process keeps its heap
    assert gc.isenabled()
    try:
        warmup.hold_collection()
        assert not gc.isenabled()
        warmup.release_collection()
        assert gc.isenabled() and frozen == [True]
        warmup.release_collection()  # a second sign-in changes nothing
        assert frozen == [True]
    finally:
        gc.enable()
