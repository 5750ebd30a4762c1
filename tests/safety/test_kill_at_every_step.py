"""No crash can replace a database: each job that rewrites a database or its key file is killed at
every step (``os._exit`` at the N-th crash point or write statement, as a power cut would), and
then the original data opens with the original password. Nothing is renamed, set aside or
re-created on its own.

Each run forks: the child does the job and dies at step N; the parent checks, then tries N + 1,
until the job runs to its end.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from desktop.services import people, workspace
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from desktop.services.workspace import backup
from desktop.store import files
from desktop.store import role_files as people_file
from desktop.store.database import integrity_check
from desktop.store.models import CatalogItem, Person
from tests.conftest import PASSWORD
from tests.people.helpers import person_form

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")]

CRASHED, FINISHED = 86, 0
WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "PRAGMA WAL_CHECKPOINT")


def _sql_steps() -> None:
    """Make every write statement a crash point too (in the child only)."""

    @event.listens_for(Engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(WRITES):
            files.crash_point("sql")


def _run(job: Callable[[], object], step: int, sql: bool) -> int:
    """Run ``job`` in a child that dies at crash point ``step``: CRASHED, FINISHED, or 1 for an error."""
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            if sql:
                _sql_steps()
            files.crash_after(step)
            job()
            code = FINISHED
        except BaseException:
            import traceback

            traceback.print_exc()
        finally:
            os._exit(code)
    _pid, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _every_step(setup: Callable[[], None], job: Callable[[], object], check: Callable[[int], None],
                limit: int = 400, sql: bool = False) -> int:
    """Kill ``job`` at step 1, 2, … (each time on a fresh copy from ``setup``); ``check`` after each.

    The steps are the crash points between the files' writes; with ``sql`` every write statement too.
    """
    for step in range(1, limit):
        setup()
        code = _run(job, step, sql)
        assert code in (CRASHED, FINISHED), f"the job failed at step {step} (exit {code})"
        check(step)
        if code == FINISHED:
            print(f"{job} finished after {step} steps")
            return step
    pytest.fail("the job never finished")


def _marker(ctx, person: bool = True) -> None:
    with ctx.db.transaction() as session:
        session.add(CatalogItem(catalog="kill", code="original", label_es="Dato original", label_en="Original",
                                created_by="admin", updated_by="admin"))
    if person:
        people.register_person(ctx, person_form(given_names="Original", family_name_1="Marcador"))


def _opens_with_original_password(path: Path, username: str = "admin", password: str = PASSWORD,
                                  person: bool = True) -> None:
    ctx = workspace.open_signed_in(path, username, password)
    try:
        assert integrity_check(path, ctx.db.key) == []
        with ctx.db.session() as session:
            assert session.scalar(select(CatalogItem.code).where(CatalogItem.catalog == "kill")) == "original"
            if person:  # the people, in their own file when the database is split
                assert session.scalar(select(Person.family_name_1).where(Person.given_names == "Original")) == \
                    "Marcador"
        if ctx.db.people is not None:
            assert integrity_check(*ctx.db.people) == []
    finally:
        ctx.db.dispose()
    assert not [p for p in path.parent.iterdir() if "abandoned" in p.name or "unusable" in p.name]


def _save(folder: Path, into: Path) -> None:
    if into.exists():
        shutil.rmtree(into)
    shutil.copytree(folder, into)


def _restore(saved: Path, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(saved, folder)


@pytest.fixture
def office(tmp_path: Path) -> Path:
    """An encrypted office (admin and clerk, password PASSWORD) holding one marked record, saved aside."""
    path = tmp_path / "office" / "enlace.db"
    ctx = workspace.create_office(path, OfficeForm(code="KIL", name="Oficina", country="CO"), "admin", "Ana Admin",
                                  PASSWORD)
    auth.create_user(ctx, "clerk", "Carla Clerk", "clerk", PASSWORD)
    _marker(ctx)
    ctx.db.dispose()
    _save(path.parent, tmp_path / "saved")
    return path


def test_killing_encrypt_at_every_step_keeps_the_database(office_db, db_path: Path, tmp_path: Path) -> None:
    ctx = auth.sign_in(office_db, "admin", PASSWORD)
    from desktop.services.core.context import AppContext

    _marker(AppContext(office_db, ctx))
    office_db.dispose()
    saved = tmp_path / "saved-plain"
    saved.mkdir()
    shutil.copy2(db_path, saved / db_path.name)

    def setup() -> None:
        for leftover in db_path.parent.glob(f"*{db_path.name}*"):
            leftover.unlink()
        shutil.rmtree(db_path.parent / "backups", ignore_errors=True)
        shutil.copy2(saved / db_path.name, db_path)

    steps = _every_step(setup, lambda: workspace.encrypt_in_place(db_path, "admin", PASSWORD),
                        lambda step: _opens_with_original_password(db_path))
    assert steps > 5
    assert workspace.is_encrypted(db_path)


def test_killing_a_restore_at_every_step_keeps_a_database_that_opens(office: Path, tmp_path: Path) -> None:
    ctx = workspace.open_signed_in(office, "admin", PASSWORD)
    made = backup.create_backup(ctx, tmp_path / "drive")
    ctx.db.dispose()
    _save(office.parent, tmp_path / "saved")

    def job() -> None:
        ctx = workspace.open_signed_in(office, "admin", PASSWORD)
        backup.restore_backup(office, made.path, ctx=ctx)

    _every_step(lambda: _restore(tmp_path / "saved", office.parent), job,
                lambda step: _opens_with_original_password(office))


def test_killing_a_restore_into_a_new_folder_leaves_nothing_or_the_office(office: Path, tmp_path: Path) -> None:
    ctx = workspace.open_signed_in(office, "admin", PASSWORD)
    made = backup.create_backup(ctx, tmp_path / "drive")
    ctx.db.dispose()
    target = tmp_path / "new-pc" / "enlace.db"

    def setup() -> None:
        shutil.rmtree(target.parent, ignore_errors=True)

    def check(step: int) -> None:
        if target.exists() or workspace.journal_pending(target):
            _opens_with_original_password(target)
        else:
            assert workspace.needs_setup(target)
            assert not target.parent.exists() or not list(target.parent.iterdir()), list(target.parent.iterdir())

    _every_step(setup, lambda: backup.restore_backup(target, made.path, unlock=workspace.Unlock("admin", PASSWORD)),
                check)


def test_killing_setup_leaves_no_half_made_office(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "enlace.db"

    def setup() -> None:
        shutil.rmtree(path.parent, ignore_errors=True)

    def job() -> None:
        ctx = workspace.create_office(path, OfficeForm(code="NEW", name="Nueva", country="CO"), "admin", "Ana",
                                      PASSWORD)
        _marker(ctx)

    def check(step: int) -> None:
        if workspace.needs_setup(path):
            assert not path.exists()
            return
        ctx = workspace.open_signed_in(path, "admin", PASSWORD)
        ctx.db.dispose()

    _every_step(setup, job, check)


def test_killing_a_password_change_keeps_one_password_working(office: Path, tmp_path: Path) -> None:
    def job() -> None:
        ctx = workspace.open_signed_in(office, "clerk", PASSWORD)
        auth.change_own_password(ctx, PASSWORD, "a-new-password-7")

    def check(step: int) -> None:
        try:
            _opens_with_original_password(office, "clerk", PASSWORD)
        except Exception:
            _opens_with_original_password(office, "clerk", "a-new-password-7")
        _opens_with_original_password(office)

    _every_step(lambda: _restore(tmp_path / "saved", office.parent), job, check)


def test_killing_a_key_rotation_keeps_the_database(office: Path, tmp_path: Path) -> None:
    def job() -> None:
        ctx = workspace.open_signed_in(office, "admin", PASSWORD)
        clerk = next(u for u in auth.list_users(ctx) if u.username == "clerk")
        auth.update_user(ctx, clerk.id, active=False)

    _every_step(lambda: _restore(tmp_path / "saved", office.parent), job,
                lambda step: _opens_with_original_password(office))


def _unsplit_office(path: Path, downgrade_to: str | None = None) -> None:
    """An encrypted office whose people are still in the main file (as made before the people file):
    the one place that does not split at once is a new database opened by ``open_store``."""
    from desktop.services.workspace import setup

    db = workspace.open_store(path)
    setup.setup_office(db, OfficeForm(code="KIL", name="Oficina", country="CO"), "admin", "Ana Admin", PASSWORD)
    from desktop.services.core.context import AppContext

    ctx = AppContext(db, auth.sign_in(db, "admin", PASSWORD))
    auth.create_user(ctx, "clerk", "Carla Clerk", "clerk", PASSWORD)
    _marker(ctx, person=downgrade_to is None)
    assert db.people is None and "person" in people_file.main_tables(db.engine.connect())
    if downgrade_to is not None:
        from alembic import command

        with db.engine.begin() as conn:
            command.downgrade(db._alembic_config(conn), downgrade_to)
    db.dispose()


def test_killing_a_migration_keeps_the_database(tmp_path: Path) -> None:
    """An older database (people still in the main file) is migrated, then split, at the next sign-in."""
    office = tmp_path / "office" / "enlace.db"
    _unsplit_office(office, downgrade_to="0003b")
    _save(office.parent, tmp_path / "saved")

    _every_step(lambda: _restore(tmp_path / "saved", office.parent),
                lambda: workspace.open_signed_in(office, "admin", PASSWORD),
                lambda step: _opens_with_original_password(office, person=False), sql=True)


def test_killing_the_split_into_a_people_file_keeps_the_database(tmp_path: Path) -> None:
    """The first sign-in of someone holding the people key moves the people tables into their own file;
    killed at every step (files written aside, the journal, each rename, every write statement) the data
    opens with the original password, split or not."""
    office = tmp_path / "office" / "enlace.db"
    _unsplit_office(office)
    _save(office.parent, tmp_path / "saved")

    def check(step: int) -> None:
        _opens_with_original_password(office, "clerk")
        _opens_with_original_password(office)

    _every_step(lambda: _restore(tmp_path / "saved", office.parent),
                lambda: workspace.open_signed_in(office, "clerk", PASSWORD), check, sql=True)
    ctx = workspace.open_signed_in(office, "clerk", PASSWORD)
    try:
        assert ctx.db.people is not None and people_file.is_split(ctx.db.engine.connect())
    finally:
        ctx.db.dispose()
