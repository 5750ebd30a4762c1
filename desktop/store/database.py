"""The one engine/session factory, and opening a database file safely.

Everything that connects to a database goes through :class:`Database`. It is the single place
where SQLite pragmas, write-transaction locking, encryption keys and server URLs are decided.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from desktop.i18n import _

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


class StoreError(Exception):
    """A storage problem with a message fit for the user."""


class SchemaTooNewError(StoreError):
    pass


class UnreadableDatabaseError(StoreError):
    pass


def sqlite_url(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def _configure_sqlite(engine: Engine, key_pragma: Callable[[object], None] | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        if key_pragma is not None:
            key_pragma(dbapi_conn)
        # We issue BEGIN ourselves (below) so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction that starts deferred and later upgrades can fail with SQLITE_BUSY
        # without waiting; BEGIN IMMEDIATE waits (busy_timeout) for the write lock instead.
        if conn.get_execution_options().get("enlace_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """An open database: engine plus read and write session factories."""

    def __init__(self, url: str, *, key_pragma: Callable[[object], None] | None = None,
                 module: object | None = None, echo: bool = False) -> None:
        self.url = make_url(url)
        kwargs: dict = {"echo": echo, "future": True}
        if module is not None:
            kwargs["module"] = module
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        self.engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, key_pragma)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(self.engine.execution_options(enlace_write=True), expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            return Path(self.url.database)
        return None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; anything written in it is rolled back."""
        with self._read() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session: commits when the block ends, rolls back on any exception."""
        with self._write() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------

    def _alembic_config(self, connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_state(self) -> tuple[set[str], set[str]]:
        """Return (revisions the database is at, head revisions of this Enlace).

        Feature areas have their own migration branches, so there may be several heads.
        """
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
            script = ScriptDirectory.from_config(self._alembic_config(conn))
            heads = set(script.get_heads())
        return current, heads

    def known_revision(self, revision: str) -> bool:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        script = ScriptDirectory.from_config(self._alembic_config(None))
        try:
            return script.get_revision(revision) is not None
        except CommandError:
            return False

    def upgrade(self, target: str = "heads") -> None:
        from alembic import command

        with self.engine.begin() as conn:
            command.upgrade(self._alembic_config(conn), target)


def backup_copy(src: Path, dest: Path) -> Path:
    """Consistent copy of a live SQLite file with the online backup API."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(str(src)) as source, sqlite3.connect(str(dest)) as target:
        source.backup(target)
    return dest


OpenHook = Callable[[str], Database]


def open_database(target: str | os.PathLike[str], *, factory: OpenHook | None = None,
                  pre_upgrade_backup: Callable[[Database, Path], Path] | None = None) -> Database:
    """Open (creating if needed) a database and bring its schema to the Alembic head.

    A database written by a newer Enlace is refused untouched. An older one is first copied
    aside (``<file>.pre-<revision>-<time>.bak``), then upgraded.
    """
    target_str = str(target)
    url = target_str if "://" in target_str else sqlite_url(target_str)
    if "://" not in target_str:
        Path(target_str).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    db = factory(url) if factory else Database(url)
    try:
        current, heads = db.schema_state()
    except Exception as exc:  # not a database, wrong key, …
        db.dispose()
        raise UnreadableDatabaseError(
            _("The database file {path} cannot be read: it is damaged, encrypted with another key, "
              "or not an Enlace database.").format(path=target_str)) from exc
    if current == heads:
        return db
    unknown = sorted(rev for rev in current if not db.known_revision(rev))
    if unknown:
        db.dispose()
        raise SchemaTooNewError(
            _("This database was written by a newer version of Enlace (schema {revision}). "
              "Install the newer version to open it; the file has not been changed.").format(
                revision=", ".join(unknown)))
    if current and db.path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = db.path.with_name(f"{db.path.name}.pre-{'+'.join(sorted(current))}-{stamp}.bak")
        (pre_upgrade_backup or (lambda _db, d: backup_copy(_db.path, d)))(db, dest)  # type: ignore[arg-type]
    db.upgrade()
    return db

