"""The people file: the tables about people kept in a second SQLCipher file only their readers can open.

An encrypted office database is two files. ``<db>`` holds what every role works with (accounts, the
audit log, the directory, trainings, exchange bookkeeping); ``<db>.people`` holds the people, their
documents, needs, consent, households, cases, case notes, referrals and the search index
(:data:`TABLES`). The people file's SQLCipher key is the ``people`` role key
(:mod:`desktop.store.wraps`), granted only to the slots of clerks, supervisors and administrators: a
trainer's password unwraps the main file's key and nothing that opens the people file.

A session that holds the key opens the main file and attaches the people file as schema
:data:`SCHEMA` (``ATTACH … KEY``); queries name tables without a schema and SQLite finds them in
either file, so services and reports do not know there are two. A session without it has no
people tables at all (``no such table``), whatever it tries.

- **Keys.** ``K_people = HKDF(M, S, "enlace role key people v1")`` with ``S`` the main file's salt:
  the recovery key and the main file (or a backup of it) give it, no key file needed. The people
  file has its own SQLCipher salt.
- **Split.** A database whose people tables are still in the main file (created, encrypted or
  restored from before this scheme) is split the first time someone holding the key opens it
  (:func:`ensure_split`): both files are written aside, then swapped in with one journal
  (:mod:`desktop.store.swap`). The main file is rewritten (VACUUM), so no page of it still holds
  a person.
- **Foreign keys** between the two files cannot be declared (SQLite checks a foreign key inside one
  file): ``consent.service_id`` and ``referral.service_id`` are checked by the services; the
  PostgreSQL server keeps them.
- **DDL** on the people tables must name the schema (SQLite creates unqualified indexes, triggers and
  tables in ``main``): :func:`schema_of` says which, for migrations and bulk loads.

A plain file and a PostgreSQL server keep every table in one place. See docs/keys.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.store.files import StoreError, crash_point, fsync_file

SCHEMA = "people"
SUFFIX = ".people"

# The tables that live in the people file, in an order that respects their foreign keys. The number
# counters (case_referral_counter) stay in the main file: certificates take their numbers there too.
TABLES = ("household", "person", "person_document", "person_need", "household_member", "person_search_term",
          "person_name_index", "consent", "case_file", "case_note", "referral",
          "referral_event", "exchange_inbound_referral", "exchange_referral_event")
MARKER = "person"  # a database is split when its main file has no table of this name


class PeopleFileMissingError(StoreError):
    """The database was split but its people file is not beside it."""


def path_for(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{db_path}{SUFFIX}")


def key_for(db_path: Path, key: bytes, master: bytes | None, roles: dict[str, bytes] | None) -> bytes | None:
    """The people file's key for whoever opened ``db_path`` with ``key``: derived from the master key (an
    administrator, the recovery key) or granted by their slot; None when they do not hold it."""
    from desktop.store import wraps
    from desktop.store.files import file_salt
    from desktop.store.key_hierarchy import database_key
    from desktop.store.keys import key_id

    if master is not None:
        salt = file_salt(db_path)
        if salt is None or key_id(database_key(master, salt)) != key_id(key):
            return None  # an older database (random key): no role keys
        return wraps.role_key(master, salt, "people")
    return (roles or {}).get("people")


def attach_statement(key: bytes, salt: bytes | None = None) -> str:
    return f"ATTACH DATABASE ? AS {SCHEMA} KEY \"x'{key.hex()}{salt.hex() if salt else ''}'\""


def attach(dbapi_conn: Any, path: Path, key: bytes) -> None:
    """Attach the people file to a keyed SQLCipher connection (before any pragma that applies to all files)."""
    dbapi_conn.execute(attach_statement(key), (str(path),))


def main_tables(conn: Any) -> set[str]:
    """Tables of the main file (DB-API or SQLAlchemy connection)."""
    execute = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    return {r[0] for r in execute("SELECT name FROM main.sqlite_master WHERE type = 'table'").fetchall()}


def is_split(conn: Any) -> bool:
    tables = main_tables(conn)
    return "alembic_version" in tables and MARKER not in tables


def file_is_split(db_path: Path, key: bytes) -> bool:
    """Whether the main file at ``db_path`` has given its people tables to the people file (False when it
    cannot be read: opening it then says why)."""
    from desktop.store.files import connect_raw

    try:
        conn = connect_raw(db_path, key)
    except Exception:
        return False
    try:
        return is_split(conn)
    except Exception:
        return False
    finally:
        conn.close()


def attached(conn: Any) -> bool:
    execute = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    return any(row[1] == SCHEMA for row in execute("PRAGMA database_list").fetchall())


def schema_of(conn: Any, table: str) -> str | None:
    """The schema to name in DDL on ``table``: :data:`SCHEMA` when it lives in the attached people file,
    else None (main, a plain file, a server)."""
    if getattr(getattr(conn, "dialect", None), "name", "sqlite") != "sqlite" or not attached(conn):
        return None
    execute = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    found = execute(f"SELECT 1 FROM {SCHEMA}.sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()
    return SCHEMA if found else None


def missing_message(db_path: Path) -> str:
    return _("The database {path} keeps its people, cases and referrals in {people}, which is missing or does "
             "not open with this key. Nothing was changed. Put that file back beside the database, or restore "
             "the newest backup (both files together).").format(path=db_path, people=path_for(db_path))


# -- writing a people file ---------------------------------------------------------------------------------


def _tables():
    import desktop.store.models  # noqa: F401  (every table on the metadata)
    from desktop.store.base import Base

    return [Base.metadata.tables[name] for name in TABLES]


def _ddl() -> list[str]:
    """CREATE statements of the people tables and their indexes, without foreign keys to the main file."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    statements = []
    for table in _tables():
        inside = [fk for fk in table.foreign_key_constraints if fk.referred_table.name in TABLES]
        statements.append(str(CreateTable(table, include_foreign_key_constraints=inside).compile(dialect=dialect)))
        statements += [str(CreateIndex(ix).compile(dialect=dialect)) for ix in table.indexes]
    return statements


def write_people_file(source: Path, source_key: bytes, dest: Path, key: bytes, salt: bytes) -> None:
    """Write at ``dest`` a people file (key ``key``, salt ``salt``) holding the people tables of the
    unsplit database ``source``; synced and checked. ``dest`` must not be in use."""
    from desktop.store import name_index
    from desktop.store.database import integrity_check
    from desktop.store.files import connect_raw

    dest.unlink(missing_ok=True)
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        conn = connect_raw(dest, key, salt)
        try:
            conn.isolation_level = None
            conn.execute("PRAGMA foreign_keys = OFF")
            conn.execute(f"ATTACH DATABASE ? AS src KEY \"x'{source_key.hex()}'\"", (str(source),))
            conn.execute("BEGIN")
            for statement in _ddl():
                conn.execute(statement)
            for table in _tables():
                columns = ", ".join(f'"{c.name}"' for c in table.columns)
                conn.execute(f'INSERT INTO main."{table.name}" ({columns}) SELECT {columns} FROM src."{table.name}"')
            name_index.create_sqlite(conn)
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
        finally:
            conn.close()
        fsync_file(dest)
        crash_point("people:written")
        problems = integrity_check(dest, key)
        if problems:
            raise StoreError(_("The people file written aside failed its check ({problem}); nothing was "
                               "changed.").format(problem=problems[0]))
    except BaseException:
        for leftover in (dest, Path(f"{dest}-journal")):
            leftover.unlink(missing_ok=True)
        raise


def strip_main(path: Path, key: bytes) -> None:
    """Drop the people tables (and the search index) from a copy of the main file, then rewrite it
    (VACUUM): no free page of the main file keeps a person."""
    from desktop.store import name_index
    from desktop.store.files import connect_raw

    conn = connect_raw(path, key)
    try:
        conn.isolation_level = None
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("PRAGMA secure_delete = ON")
        conn.execute("BEGIN")
        name_index.drop_sqlite(conn)
        for table in reversed(TABLES):
            conn.execute(f'DROP TABLE IF EXISTS "{table}"')
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    fsync_file(path)


def _set_aside_stale(people: Path) -> None:
    """A people file beside a database that still keeps its people (an older demo's, a file copied by hand)
    is kept under another name, never overwritten."""
    from datetime import datetime

    from desktop.store.files import fsync_dir

    if not people.exists():
        return
    kept = f"{people}.replaced-{datetime.now():%Y%m%d-%H%M%S}"
    for suffix in ("-wal", "-shm", ""):
        if Path(f"{people}{suffix}").exists():
            os.replace(f"{people}{suffix}", f"{kept}{suffix}")
    fsync_dir(people.parent)


def ensure_split(db, people_key: bytes) -> bool:
    """Split an unsplit encrypted database (its people tables into the people file); True when it did.

    Raises :class:`PeopleFileMissingError` when the database is split but its people file is not
    attached. Called when someone holding the people key opens the database.
    """
    from desktop.store import swap
    from desktop.store.files import file_salt
    from desktop.store.key_hierarchy import new_salt
    from desktop.store.rotation import export_copy

    path = Path(db.path)
    with db.engine.connect() as conn:
        split, here = is_split(conn), attached(conn)
        conn.rollback()
        if not split:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if split:
        if not here:
            raise PeopleFileMissingError(missing_message(path))
        return False
    db.dispose()
    _set_aside_stale(path_for(path))
    staged_main = swap.aside(path, "splitting")
    staged_people = swap.aside(path, "people-new")
    try:
        write_people_file(path, db.key, staged_people, people_key, new_salt())
        crash_point("split:people")
        export_copy(path, db.key, staged_main, db.key, file_salt(path))  # type: ignore[arg-type]
        strip_main(staged_main, db.key)
        crash_point("split:main")
    except BaseException:
        for leftover in (staged_main, staged_people):
            leftover.unlink(missing_ok=True)
        raise
    swap.commit_swap(path, db_from=staged_main, people_from=staged_people)
    db.attach_people(path_for(path), people_key)
    return True
