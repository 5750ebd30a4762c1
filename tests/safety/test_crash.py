"""Crash safety: ``kill -9`` a CLI job in the middle of its writes; the database must come back whole.

Each child (``tests/safety/harness.py``) signals when it is inside its write transaction, and is
then killed. On reopening: ``integrity_check`` is ok, every committed record is there, and a job
that writes in one transaction (imports, bulk certificates) left nothing half-applied.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.services import workspace
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.store.database import integrity_check
from tests.safety.helpers import ROOT

pytestmark = pytest.mark.slow

ENV = {"ENLACE_PASSWORD": DEMO_PASSWORD, "ENLACE_LANG": "en", "QT_QPA_PLATFORM": "offscreen"}


@pytest.fixture(scope="module")
def demo_template(tmp_path_factory) -> Path:
    """An encrypted small demo database, built once for this module."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    db = workspace.open_store(path)
    build_demo(db, "small", 1)
    db.dispose()
    return path


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "office" / "enlace.db"
    path.parent.mkdir(mode=0o700)
    for suffix in ("", "-wal", ".keys"):
        if Path(f"{demo_template}{suffix}").exists():
            shutil.copy2(f"{demo_template}{suffix}", f"{path}{suffix}")
    return path


def _child(*args: str) -> subprocess.Popen:
    env = {**os.environ, **ENV}
    return subprocess.Popen([sys.executable, "-m", "tests.safety.harness", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _kill_in_the_middle(func: str, writes: int, cli: list[str], tmp_path: Path) -> None:
    marker = tmp_path / "in-the-middle"
    proc = _child("pause", func, str(writes), str(marker), "--", "--lang", "en", *cli)
    deadline = time.monotonic() + 60
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"the job ended before it was killed: {proc.returncode}\n{proc.stdout.read()}\n"
                        f"{proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail("the job never reached the middle of its writes")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _reopen(path: Path):
    ctx = workspace.open_signed_in(path, "admin", DEMO_PASSWORD)
    assert integrity_check(path, ctx.db.key) == []
    return ctx


def _count(ctx, model, *where) -> int:
    with ctx.db.session() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_killing_a_save_loop_loses_no_committed_record(demo_db: Path) -> None:
    from desktop.store.models import CatalogItem

    proc = _child("save-loop", str(demo_db), "clerk")
    committed: list[str] = []
    deadline = time.monotonic() + 60
    while len(committed) < 40 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    proc.stderr.close()
    assert len(committed) >= 40
    ctx = _reopen(demo_db)
    try:
        with ctx.db.session() as session:
            stored = set(session.scalars(select(CatalogItem.code).where(CatalogItem.catalog == "crash")))
        assert set(committed) <= stored
    finally:
        ctx.db.dispose()


def test_killing_demo_generation_leaves_a_sound_database(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    _kill_in_the_middle("desktop.services.demo:build_demo", 400, ["demo", "--db", str(path)], tmp_path)
    ctx = _reopen(path)
    ctx.db.dispose()


def _participants_csv(path: Path, rows: int) -> None:
    lines = ["Nombres;Apellidos;Cédula;Entidad;Cargo;Sexo"]
    lines += [f"Persona{i};Prueba Crash{i};{90_000_000 + i};Alcaldía de Girón;Auxiliar;F" for i in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_killing_a_participant_import_applies_none_of_it(demo_db: Path, tmp_path: Path) -> None:
    from desktop.store.models.training import Participant

    sheet = tmp_path / "lista.csv"
    _participants_csv(sheet, 2500)  # three batches: the kill comes after the first batch's statements
    ctx = _reopen(demo_db)
    before = _count(ctx, Participant)
    ctx.db.dispose()
    cli = ["--db", str(demo_db), "training", "import-participants", str(sheet), "--course", "EMPR-2026",
           "--user", "trainer"]
    _kill_in_the_middle("desktop.services.training.roster_import:apply_import", 4, cli, tmp_path)
    ctx = _reopen(demo_db)
    try:
        assert _count(ctx, Participant) == before
    finally:
        ctx.db.dispose()
    # The same import run again completes.
    done = subprocess.run([sys.executable, "-m", "desktop", *cli], cwd=ROOT, env={**os.environ, **ENV},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    ctx = _reopen(demo_db)
    try:
        assert _count(ctx, Participant) == before + 2500
    finally:
        ctx.db.dispose()


def test_killing_a_bulk_certificate_run_issues_none(demo_db: Path, tmp_path: Path) -> None:
    from desktop.store.models.training import Certificate

    ctx = _reopen(demo_db)
    with ctx.db.session() as session:
        before = sorted(session.execute(select(Certificate.number, Certificate.print_count)).all())
    ctx.db.dispose()
    out = tmp_path / "constancias.pdf"
    _kill_in_the_middle("desktop.services.training.certificates:issue_certificates", 3,
                        ["--db", str(demo_db), "training", "certificates", "--course", "MESA-2026", "--out", str(out),
                         "--user", "trainer"], tmp_path)
    ctx = _reopen(demo_db)
    try:
        with ctx.db.session() as session:
            assert sorted(session.execute(select(Certificate.number, Certificate.print_count)).all()) == before
    finally:
        ctx.db.dispose()
    assert not out.exists()


def test_killing_a_directory_import_applies_none_of_it(demo_db: Path, tmp_path: Path) -> None:
    from desktop.store.models.directory import Organization

    package = ROOT / "tests" / "directory" / "data" / "hsds_example"
    if not package.is_dir():
        pytest.skip("the HSDS example package is not there")
    ctx = _reopen(demo_db)
    before = _count(ctx, Organization)
    ctx.db.dispose()
    _kill_in_the_middle("desktop.services.directory.hsds:apply_import", 5,
                        ["--db", str(demo_db), "directory", "import", str(package), "--user", "clerk"], tmp_path)
    ctx = _reopen(demo_db)
    try:
        assert _count(ctx, Organization) == before
    finally:
        ctx.db.dispose()
