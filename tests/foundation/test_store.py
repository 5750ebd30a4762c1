"""The database file: migrations, WAL, refusal of newer schemas, optimistic concurrency."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from desktop.services import office as office_service
from desktop.services.core.errors import ConflictError
from desktop.services.office import OfficeForm
from desktop.store import name_index
from desktop.store.base import Base
from desktop.store.database import Database, SchemaTooNewError, open_database, sqlite_url
from desktop.store.models import Office


@pytest.mark.sqlite_only
def test_new_database_is_at_head_in_wal_mode_with_foreign_keys(db, db_path: Path) -> None:
    current, heads = db.schema_state()
    assert current == heads
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_migrations_create_exactly_the_models_tables_and_columns(db) -> None:
    inspector = inspect(db.engine)
    tables = set(inspector.get_table_names()) - {"alembic_version"}
    assert tables - name_index.SQLITE_TABLES == set(Base.metadata.tables)
    for name, table in Base.metadata.tables.items():
        assert {c["name"] for c in inspector.get_columns(name)} == {c.name for c in table.columns}, name


def test_autogenerate_finds_nothing_to_migrate(db) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={
            "compare_type": True,
            # The word index's own objects (FTS5 tables, GIN expression indexes) are not models.
            "include_name": lambda name, _kind, _parent: not name_index.is_index_object(name)}), Base.metadata)
    assert diff == []


def test_database_from_a_newer_enlace_is_refused_and_left_untouched(db_path: Path) -> None:
    open_database(db_path).dispose()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DELETE FROM alembic_version")
        conn.execute("INSERT INTO alembic_version VALUES ('9999_future')")
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError, match="newer version of Enlace"):
        open_database(db_path)
    assert db_path.read_bytes() == before


def test_older_database_is_copied_aside_before_upgrade(db_path: Path) -> None:
    old = Database(sqlite_url(db_path))
    if old.schema_state()[1] == {"0001"}:
        pytest.skip("only one revision so far")
    old.upgrade("0001")
    old.dispose()
    before = db_path.read_bytes()
    db = open_database(db_path)
    current, heads = db.schema_state()
    db.dispose()
    assert current == heads
    copies = list(db_path.parent.glob("enlace.db.pre-0001-*.bak"))
    assert len(copies) == 1
    with sqlite3.connect(copies[0]) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    assert len(before) > 0


def test_unreadable_file_gets_a_clear_message(tmp_path: Path) -> None:
    from desktop.store.database import UnreadableDatabaseError

    bad = tmp_path / "notes.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(UnreadableDatabaseError, match="cannot be read"):
        open_database(bad)


def test_saving_over_someone_elses_change_is_refused_with_who_and_when(admin_ctx, ctx_for) -> None:
    info = office_service.office_info(admin_ctx.db)
    form = OfficeForm(code="BGA", name="Primera versión", country="CO")
    office_service.update_office(admin_ctx, form, expected_version=info.version)
    with pytest.raises(ConflictError, match="changed by admin"):
        office_service.update_office(admin_ctx, OfficeForm(code="BGA", name="Segunda", country="CO"),
                                     expected_version=info.version)
    with admin_ctx.db.session() as session:
        assert session.scalar(select(Office.name)) == "Primera versión"


def test_quick_head_check_agrees_with_alembic(db) -> None:
    """Start-up reads the heads from the revision files; Alembic must agree."""
    from alembic.script import ScriptDirectory

    from desktop.store.database import head_revisions

    with db.engine.connect() as conn:
        heads = set(ScriptDirectory.from_config(db._alembic_config(conn)).get_heads())
    assert head_revisions() == heads
    assert db.schema_state() == (heads, heads)
