"""One line of migrations: every step up and down on both databases, old branched databases upgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from desktop.store import name_index
from desktop.store.base import Base
from desktop.store.database import Database, open_database, sqlite_url
from desktop.store.old_heads import OLD_BRANCHED_PARENTS, linearise
from tests import pg


@pytest.fixture
def empty_db(backend: str, tmp_path: Path) -> Iterator[Database]:
    """A database with no table at all, on the backend under test."""
    if backend == "sqlite":
        database = Database(sqlite_url(tmp_path / "empty.db"))
        yield database
        database.dispose()
        return
    url = pg.new_database(migrated=False)
    database = Database(url)
    yield database
    database.dispose()
    pg.drop_database(url)


def _line(db: Database) -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(db._alembic_config(None))
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def _stamp(db: Database, *revisions: str) -> None:
    with db.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM alembic_version")
        for rev in revisions:
            conn.execute(text("INSERT INTO alembic_version (version_num) VALUES (:r)"), {"r": rev})


def _versions(db: Database) -> list[str]:
    with db.engine.connect() as conn:
        return [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]


def test_the_history_is_one_line_with_one_head(tmp_path: Path) -> None:
    from alembic.script import ScriptDirectory

    db = Database(sqlite_url(tmp_path / "x.db"))
    script = ScriptDirectory.from_config(db._alembic_config(None))
    assert len(script.get_heads()) == 1, "a new migration chains on the one head (CONTRIBUTING: Migrations)"
    for revision in script.walk_revisions("base", "heads"):
        assert not isinstance(revision.down_revision, tuple | list), revision.revision
        assert len(revision.nextrev) <= 1, revision.revision
    db.dispose()


def test_every_migration_goes_up_and_down_and_up_again(empty_db: Database) -> None:
    line = _line(empty_db)
    for rev in line:
        empty_db.upgrade(rev)
        assert _versions(empty_db) == [rev]
    for rev in reversed(line[:-1]):
        empty_db.downgrade("-1")
        assert _versions(empty_db) == [rev]
    empty_db.downgrade("base")
    assert set(inspect(empty_db.engine).get_table_names()) <= {"alembic_version"}
    empty_db.upgrade()
    assert set(inspect(empty_db.engine).get_table_names()) - {"alembic_version"} - name_index.SQLITE_TABLES \
        == set(Base.metadata.tables)


def test_a_database_at_the_old_branch_heads_opens_and_upgrades(empty_db: Database) -> None:
    """Written when the history still had three heads: every old revision applied, one row per head."""
    empty_db.upgrade("0007c")  # the last revision of the branched history
    heads = empty_db.schema_state()[1]
    _stamp(empty_db, "0003c", "0004", "0007c")
    empty_db.dispose()
    again = open_database(empty_db.location)
    try:
        assert again.schema_state() == (heads, heads)
        assert _versions(again) == sorted(heads)
    finally:
        again.dispose()


def test_a_database_missing_a_revision_the_line_puts_earlier_gets_it(empty_db: Database) -> None:
    """Written before the training tables existed: people (0003) and its indexes (0003b) but no 0004."""
    empty_db.upgrade("0002")
    with empty_db.engine.begin() as conn:
        from alembic.operations import Operations
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        script = ScriptDirectory.from_config(empty_db._alembic_config(conn))
        with Operations.context(MigrationContext.configure(conn, opts={"render_as_batch": True})):
            for rev in ("0003", "0003b"):
                script.get_revision(rev).module.upgrade()
    _stamp(empty_db, "0003b")
    assert "course" not in inspect(empty_db.engine).get_table_names()
    with empty_db.engine.begin() as conn:
        linearise(conn, empty_db._alembic_config(conn))
    assert _versions(empty_db) == ["0003b"]
    assert {"course", "referral_event"} <= set(inspect(empty_db.engine).get_table_names())
    indexes = {ix["name"] for ix in inspect(empty_db.engine).get_indexes("referral_event")}
    assert "ix_referral_event_referral_status_at" in indexes  # 0007b, which the line puts before 0003b
    empty_db.upgrade()
    assert len(_versions(empty_db)) == 1


def test_every_old_revision_is_still_known() -> None:
    from desktop.store.database import head_revisions

    assert head_revisions()
    db = Database("sqlite://")
    assert all(db.known_revision(rev) for rev in OLD_BRANCHED_PARENTS)
    db.dispose()
