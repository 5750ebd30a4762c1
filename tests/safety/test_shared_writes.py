"""Long jobs share the database: another seat or command waits a moment, is told so, never sees a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from desktop.store import database as store_db
from desktop.store.database import DatabaseBusyError, open_database
from tests.conftest import PASSWORD
from tests.safety.helpers import ROOT


def test_a_writer_kept_waiting_is_told_so_and_then_writes(office_db, db_path: Path) -> None:
    from desktop.store.models import CatalogItem

    notices: list[str] = []
    store_db.set_wait_notice(lambda: notices.append("waiting"))
    other = open_database(db_path)
    holding = threading.Event()
    try:
        def hold() -> None:
            with office_db.transaction() as session:
                session.add(CatalogItem(catalog="busy", code="first", label_es="uno", label_en="one",
                                        created_by="admin", updated_by="admin"))
                session.flush()
                holding.set()
                time.sleep(1.5)

        thread = threading.Thread(target=hold)
        thread.start()
        assert holding.wait(10)
        started = time.monotonic()
        with other.transaction() as session:
            session.add(CatalogItem(catalog="busy", code="second", label_es="dos", label_en="two",
                                    created_by="admin", updated_by="admin"))
        waited = time.monotonic() - started
        thread.join(10)
    finally:
        store_db.set_wait_notice(None)
        other.dispose()
    assert notices == ["waiting"]
    assert 0.5 < waited < 10


def test_a_writer_kept_waiting_too_long_gets_a_translated_message(office_db, db_path: Path, monkeypatch) -> None:
    from desktop.i18n import set_language
    from desktop.store.models import CatalogItem

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT_MS", 300)
    other = open_database(db_path)  # connects with the short timeout
    try:
        with office_db.transaction() as session:
            session.add(CatalogItem(catalog="busy", code="held", label_es="x", label_en="x", created_by="admin",
                                    updated_by="admin"))
            session.flush()
            set_language("es")
            try:
                with pytest.raises(DatabaseBusyError) as caught:
                    with other.transaction() as second:
                        second.add(CatalogItem(catalog="busy", code="late", label_es="y", label_en="y",
                                               created_by="admin", updated_by="admin"))
            finally:
                set_language("en")
    finally:
        other.dispose()
    assert "ocupada" in str(caught.value), str(caught.value)


@pytest.mark.slow
def test_a_command_during_a_large_certificate_batch_waits_seconds_not_minutes(encrypted_office, tmp_path) -> None:
    """A 400-certificate batch runs; meanwhile a second command writes (revokes a certificate). It waits
    at most a few seconds, and no "database is locked" reaches the person."""
    import uuid
    from datetime import date

    from sqlalchemy import insert

    from desktop.services import training
    from desktop.services.training import certificates
    from desktop.store.models import Attendance, Enrollment, Participant

    ctx = encrypted_office.sign_in()
    try:
        course = training.create_course(ctx, training.CourseForm(code="BIG-2026", title="Curso grande",
                                                                 total_hours=4))
        sid = training.add_session(ctx, course.id, training.SessionForm(date=date(2026, 3, 2), hours=4)).id
        rows = [dict(id=uuid.uuid4(), given_names=f"Persona {i}", family_names="Pérez Gómez", document_type="CC",
                     document_number=str(30_000_000 + i)) for i in range(400)]
        enrollments = [dict(id=uuid.uuid4(), course_id=course.id, participant_id=r["id"]) for r in rows]
        with ctx.db.transaction() as session:
            session.execute(insert(Participant), rows)
            session.execute(insert(Enrollment), enrollments)
            session.execute(insert(Attendance), [dict(id=uuid.uuid4(), session_id=sid, enrollment_id=e["id"],
                                                      status="present") for e in enrollments])
        certificates.issue_certificates(ctx, course.id, tmp_path / "first.pdf",
                                        enrollment_ids=[enrollments[0]["id"]])
        number = certificates.list_certificates(ctx, course.id)[0].number
    finally:
        ctx.db.dispose()
    env = {**os.environ, "ENLACE_PASSWORD": PASSWORD, "ENLACE_LANG": "en"}
    base = [sys.executable, "-m", "desktop", "--lang", "en", "--db", str(encrypted_office.path)]
    batch = subprocess.Popen([*base, "training", "certificates", "--course", "BIG-2026", "--out",
                              str(tmp_path / "all.pdf"), "--user", "trainer"], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(4)  # past start-up: the batch is numbering and drawing
        started = time.monotonic()
        revoke = subprocess.run([*base, "certificate", "revoke", number, "--reason", "Prueba de espera",
                                 "--user", "supervisor"], cwd=ROOT, env=env, capture_output=True, text=True,
                                timeout=120)
        waited = time.monotonic() - started
        out, err = batch.communicate(timeout=600)
    finally:
        if batch.poll() is None:
            batch.kill()
    assert revoke.returncode == 0, revoke.stderr
    assert "Traceback" not in revoke.stderr and "locked" not in revoke.stderr.lower()
    assert batch.returncode == 0, err
    assert "400 certificates" in out or "399 certificates issued" in out
    assert waited < 30  # the command's own start-up included; the lock itself is held well under a second
