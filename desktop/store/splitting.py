"""Giving a role file its tables: the one-time split of an encrypted database (:mod:`desktop.store.role_files`).

The main file still holding a role file's tables (a database from before role files, a new one, one
restored from an older backup) is split when someone holding that file's key opens it: the role
file and a main file without those tables are written aside, then swapped in with one journal
(:mod:`desktop.store.swap`), so a crash at any point leaves the database as it was or split.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.i18n import _
from desktop.store.files import StoreError, crash_point, fsync_file
from desktop.store.role_files import (
    FILES,
    RoleFileMissingError,
    attached,
    is_split,
    main_tables,
    missing_message,
    path_for,
)


def _metadata():
    import desktop.store.models  # noqa: F401  (every table on the metadata)
    from desktop.store.base import Base

    return Base.metadata


def _tables(name: str):
    return [_metadata().tables[table] for table in FILES[name]]


def _ddl(table, keep_references: frozenset[str] | tuple[str, ...]) -> list[str]:
    """CREATE statements of a table and its indexes, keeping only foreign keys to ``keep_references``."""
    from sqlalchemy.dialects import sqlite
    from sqlalchemy.schema import CreateIndex, CreateTable

    dialect = sqlite.dialect()
    inside = [fk for fk in table.foreign_key_constraints if fk.referred_table.name in keep_references]
    return [str(CreateTable(table, include_foreign_key_constraints=inside).compile(dialect=dialect)),
            *(str(CreateIndex(ix).compile(dialect=dialect)) for ix in table.indexes)]


def write_role_file(name: str, source: Path, source_key: bytes, dest: Path, key: bytes, salt: bytes) -> None:
    """Write at ``dest`` role file ``name`` (key ``key``, salt ``salt``) holding its tables from the main file
    ``source`` that still has them; synced and checked. ``dest`` must not be in use."""
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
            conn.execute("PRAGMA cache_size = -262144")  # 256 MB: the indexes are built by sorting, in memory
            indexes = []
            for table in _tables(name):
                create_table, *create_indexes = _ddl(table, FILES[name])
                conn.execute(create_table)
                indexes += create_indexes
            for table in _tables(name):
                columns = ", ".join(f'"{c.name}"' for c in table.columns)
                conn.execute(f'INSERT INTO main."{table.name}" ({columns}) SELECT {columns} FROM src."{table.name}"')
            for statement in indexes:  # each built once over the copied rows, not row by row
                conn.execute(statement)
            if "person_name_index" in FILES[name]:
                name_index.create_sqlite(conn)
            conn.execute("COMMIT")
            conn.execute("DETACH DATABASE src")
        finally:
            conn.close()
        fsync_file(dest)
        crash_point(f"{name}:written")
        problems = integrity_check(dest, key)
        if problems:
            raise StoreError(_("The file written aside failed its check ({problem}); nothing was changed.").format(
                problem=problems[0]))
    except BaseException:
        for leftover in (dest, Path(f"{dest}-journal")):
            leftover.unlink(missing_ok=True)
        raise


def strip_main(path: Path, key: bytes, name: str) -> None:
    """Drop role file ``name``'s tables from a copy of the main file, rebuild the main tables that pointed at
    them without those foreign keys, then rewrite the file (VACUUM): no free page keeps what moved (so no
    ``secure_delete`` either: VACUUM writes a new file)."""
    from desktop.store import name_index
    from desktop.store.files import connect_raw

    moving = set(FILES[name])
    conn = connect_raw(path, key)
    try:
        conn.isolation_level = None
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("BEGIN")
        if "person_name_index" in moving:
            name_index.drop_sqlite(conn)
        for table in reversed(FILES[name]):
            conn.execute(f'DROP TABLE IF EXISTS main."{table}"')
        present = main_tables(conn)
        for table in _metadata().sorted_tables:  # e.g. certificate → enrollment, course, participant
            if table.name not in present or not any(fk.referred_table.name in moving
                                                    for fk in table.foreign_key_constraints):
                continue
            columns = ", ".join(f'"{c.name}"' for c in table.columns)
            conn.execute(f'ALTER TABLE main."{table.name}" RENAME TO "{table.name}__old"')
            old_indexes = [r[0] for r in conn.execute(
                "SELECT name FROM main.sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
                (f"{table.name}__old",))]
            for index in old_indexes:
                conn.execute(f'DROP INDEX main."{index}"')
            for statement in _ddl(table, frozenset(present - moving)):
                conn.execute(statement)
            conn.execute(f'INSERT INTO main."{table.name}" ({columns}) SELECT {columns} FROM main."{table.name}__old"')
            conn.execute(f'DROP TABLE main."{table.name}__old"')
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    fsync_file(path)


def _set_aside_stale(role_file: Path) -> None:
    """A role file beside a database that still keeps those tables (an older demo's, a file copied by hand)
    is kept under another name, never overwritten."""
    from datetime import datetime

    from desktop.store.files import fsync_dir

    if not role_file.exists():
        return
    kept = f"{role_file}.replaced-{datetime.now():%Y%m%d-%H%M%S}"
    for suffix in ("-wal", "-shm", ""):
        if Path(f"{role_file}{suffix}").exists():
            os.replace(f"{role_file}{suffix}", f"{kept}{suffix}")
    fsync_dir(role_file.parent)


def ensure_split(db, keys: dict[str, bytes]) -> list[str]:
    """Give each role file whose key is in ``keys`` its tables, if the main file still has them; return the
    files made. Raises :class:`RoleFileMissingError` for a split database whose role file is not attached.
    Called when someone opens the database."""
    made = []
    for name, key in keys.items():
        if _split_one(db, name, key):
            made.append(name)
    return made


def _split_one(db, name: str, role_key: bytes) -> bool:
    from desktop.store import swap
    from desktop.store.database import integrity_check
    from desktop.store.files import file_salt
    from desktop.store.key_hierarchy import new_salt
    from desktop.store.rotation import export_copy

    path = Path(db.path)
    with db.engine.connect() as conn:
        split, here = is_split(conn, name), attached(conn, name)
        conn.rollback()
        if not split:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    if split:
        if not here:
            raise RoleFileMissingError(missing_message(path, name))
        return False
    db.dispose()
    _set_aside_stale(path_for(path, name))
    staged_main = swap.aside(path, "splitting")
    staged_file = swap.aside(path, f"{name}-new")
    try:
        write_role_file(name, path, db.key, staged_file, role_key, new_salt())
        crash_point(f"split:{name}")
        export_copy(path, db.key, staged_main, db.key, file_salt(path), check=False)  # type: ignore[arg-type]
        strip_main(staged_main, db.key, name)
        problems = integrity_check(staged_main, db.key)  # checked once stripped: a far smaller file
        if problems:
            raise StoreError(_("The file written aside failed its check ({problem}); nothing was changed.").format(
                problem=problems[0]))
        crash_point("split:main")
    except BaseException:
        for leftover in (staged_main, staged_file):
            leftover.unlink(missing_ok=True)
        raise
    swap.commit_swap(path, db_from=staged_main, files_from={name: staged_file})
    db.attach_file(name, path_for(path, name), role_key)
    return True
