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


def _big_course(path: Path, people: int) -> None:
    """A finished course with ``people`` participants who all attended, none certified yet."""
    import uuid
    from datetime import date

    from sqlalchemy import insert

    from desktop.services import training
    from desktop.store.models import Attendance, Enrollment, Participant

    ctx = workspace.open_signed_in(path, "admin", DEMO_PASSWORD)
    try:
        course = training.create_course(ctx, training.CourseForm(code="CRASH-2026", title="Curso de prueba",
                                                                 total_hours=4))
        sid = training.add_session(ctx, course.id, training.SessionForm(date=date(2026, 3, 2), hours=4)).id
        rows = [dict(id=uuid.uuid4(), given_names=f"Persona {i}", family_names="Prueba Crash",
                     document_type="CC", document_number=str(70_000_000 + i)) for i in range(people)]
        enrollments = [dict(id=uuid.uuid4(), course_id=course.id, participant_id=r["id"]) for r in rows]
        with ctx.db.transaction() as session:
            session.execute(insert(Participant), rows)
            session.execute(insert(Enrollment), enrollments)
            session.execute(insert(Attendance), [dict(id=uuid.uuid4(), session_id=sid, enrollment_id=e["id"],
                                                      status="present") for e in enrollments])
    finally:
        ctx.db.dispose()


def _numbers_in(folder: Path) -> dict[str, set[str]]:
    """Certificate numbers printed in every PDF of ``folder``, finished or temporary (.part)."""
    import re

    found = {}
    for path in folder.iterdir():
        text = subprocess.run(["pdftotext", "-q", str(path), "-"], capture_output=True, text=True).stdout
        found[path.name] = set(re.findall(r"(?:Certificate No\.|Constancia N\.º) ([A-Z]+-\d{4}-\d{5})", text))
    return found


def test_killing_a_certificate_batch_anywhere_leaves_no_certificate_outside_the_database(
        demo_db: Path, tmp_path: Path) -> None:
    """Killed at random moments (numbering, drawing, writing, renaming): every certificate that exists
    as a file, even a temporary one, is in the database and can be revoked; the next run into the
    same folder removes the temporary files."""
    import random

    from desktop.services.training import certificates
    from desktop.store.models.training import Certificate

    _big_course(demo_db, 300)
    seed = random.randrange(10**6)
    rng = random.Random(seed)
    folders = []
    for attempt in range(4):
        split = attempt % 2 == 1
        folder = tmp_path / f"run{attempt}"
        folder.mkdir()
        folders.append(folder)
        out = folder if split else folder / "constancias.pdf"
        marker = tmp_path / f"started{attempt}"
        cli = ["--lang", "en", "--db", str(demo_db), "training", "certificates", "--course", "CRASH-2026",
               "--out", str(out), "--user", "trainer"] + (["--split"] if split else [])
        proc = _child("marked", "desktop.services.training.certificates:issue_certificates", str(marker), "--", *cli)
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 8))
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        proc.stdout.close()
        proc.stderr.close()

    ctx = workspace.open_signed_in(demo_db, "supervisor", DEMO_PASSWORD)
    try:
        assert integrity_check(demo_db, ctx.db.key) == []
        with ctx.db.session() as session:
            stored = dict(session.execute(select(Certificate.number, Certificate.revoked_at)
                                          .where(Certificate.course_code == "CRASH-2026")).all())
        seqs = sorted(int(n.rsplit("-", 1)[1]) for n in stored)
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs))) if seqs else True, f"seed {seed}: gaps"
        in_files: set[str] = set()
        temporary: set[str] = set()
        for folder in folders:
            for name, numbers in _numbers_in(folder).items():
                in_files |= numbers
                if name.endswith(".part"):
                    temporary |= numbers
        assert in_files <= set(stored), f"seed {seed}: printed but not recorded: {sorted(in_files - set(stored))}"
        for number in sorted(temporary) + sorted(in_files - temporary)[:5]:
            assert stored[number] is None
            assert certificates.revoke(ctx, number, "Prueba de revocación").revoked_at is not None
    finally:
        ctx.db.dispose()

    # The next run into the same folders removes what killed runs left behind.
    for attempt, folder in enumerate(folders):
        split = attempt % 2 == 1
        done = subprocess.run([sys.executable, "-m", "tests.safety.harness", "marked",
                               "desktop.services.training.certificates:issue_certificates",
                               str(tmp_path / "again"), "--", "--lang", "en", "--db", str(demo_db), "training",
                               "certificates", "--course", "CRASH-2026", "--out",
                               str(folder if split else folder / "constancias.pdf"), "--user", "trainer",
                               *(["--split"] if split else [])],
                              cwd=ROOT, env={**os.environ, **ENV}, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert not list(folder.glob(".enlace-*.pdf.part")), f"seed {seed}"


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
