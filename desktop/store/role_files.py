"""Role files: the tables a role may not read, kept in SQLCipher files only the roles that read them can open.

An encrypted office database is three files:

- ``<db>``: what every role works with: accounts, the audit log, office settings, the directory,
  number counters, certificates as issued (clerks check them), signing and trusted keys, exchange
  bookkeeping;
- ``<db>.people``: people, their documents, needs, consent, households, cases, case notes,
  referrals, referrals between offices and the search index (:data:`FILES` ``people``);
- ``<db>.training``: courses, sessions, participants, enrolments, attendance, certificate
  templates and signatories (``training``).

Each role file's SQLCipher key is the role key of the same name (:mod:`desktop.store.wraps`):
``people`` is granted to the slots of clerks, supervisors and administrators, ``training`` to
trainers, supervisors and administrators. A trainer's password unwraps the main file's key and
``training``: nothing that opens the people file; a clerk's, nothing that opens the training file.

A session attaches the role files it holds the keys of, each as the schema of its name
(``ATTACH … KEY``); queries name tables without a schema and SQLite finds them in whichever file
holds them, so services and reports do not know how many files there are. A session without a
file's key has no such tables at all (``no such table``), whatever it tries.

- **Keys.** ``K_name = HKDF(M, S, "enlace role key <name> v1")`` with ``S`` the main file's salt:
  the recovery key and the main file (or a backup of it) give them, no key file needed. Each role
  file has its own SQLCipher salt.
- **Split.** A database whose tables are still all in the main file (created, encrypted or
  restored from before this scheme) gives a role file its tables the first time someone holding
  that file's key opens it (:func:`desktop.store.splitting.ensure_split`): both files are written aside, then swapped in
  with one journal (:mod:`desktop.store.swap`). The main file is rewritten (VACUUM), so no page of
  it still holds what moved.
- **Foreign keys** between two files cannot be declared (SQLite checks a foreign key inside one
  file): ``consent.service_id`` and ``referral.service_id`` (to the directory) and
  ``certificate.enrollment_id``, ``course_id`` and ``participant_id`` (from the main file) are
  checked by the services; a PostgreSQL server keeps them.
- **DDL** on a role file's tables must name the schema (SQLite creates unqualified indexes, triggers
  and tables in ``main``): :func:`schema_of` says which, for migrations and bulk loads.

A plain file and a PostgreSQL server keep every table in one place. See docs/keys.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.store.files import StoreError

# The tables of each role file, in an order that respects their foreign keys. The number counters
# (case_referral_counter) and the certificates as issued stay in the main file: certificates take
# their numbers there, and clerks check certificates.
FILES: dict[str, tuple[str, ...]] = {
    "people": ("household", "person", "person_document", "person_need", "household_member", "person_search_term",
               "person_name_index", "consent", "case_file", "case_note", "referral", "referral_event",
               "exchange_inbound_referral", "exchange_referral_event"),
    "training": ("course", "training_session", "participant", "enrollment", "attendance", "certificate_template",
                 "certificate_signatory"),
}
NAMES = tuple(FILES)
# A database has given a role file its tables when its main file has no table of this name.
MARKERS = {"people": "person", "training": "course"}
MOVED = frozenset(t for tables in FILES.values() for t in tables)

class RoleFileMissingError(StoreError):
    """The database was split but one of its role files is not beside it (or does not open)."""


def owner_of(table: str) -> str | None:
    """The role file a table lives in (the search index's full-text tables go with the people), else None."""
    if table.startswith("person_name_fts"):
        return "people"
    return next((name for name, tables in FILES.items() if table in tables), None)


class RoleFileNotHeldError(StoreError):
    """A query reached the tables of a role file whose key the session does not hold."""


def not_held_message(name: str) -> str:
    if name == "training":
        return _("Your account cannot open this office's courses and participants: they are kept in a file that "
                 "only trainers, supervisors and administrators can open.")
    return _("Your account cannot open this office's people, cases and referrals: they are kept in a file that "
             "only clerks, supervisors and administrators can open.")

def path_for(db_path: str | os.PathLike[str], name: str = "people") -> Path:
    assert name in FILES
    return Path(f"{db_path}.{name}")

def key_for(db_path: Path, key: bytes, master: bytes | None, roles: dict[str, bytes] | None,
            name: str = "people") -> bytes | None:
    """Role file ``name``'s key for whoever opened ``db_path`` with ``key``: derived from the master key (an
    administrator, the recovery key) or granted by their slot; None when they do not hold it."""
    from desktop.store import wraps
    from desktop.store.files import file_salt
    from desktop.store.key_hierarchy import database_key
    from desktop.store.keys import key_id

    if master is not None:
        salt = file_salt(db_path)
        if salt is None or key_id(database_key(master, salt)) != key_id(key):
            return None  # an older database (random key): no role keys
        return wraps.role_key(master, salt, name)
    return (roles or {}).get(name)

def keys_for(db_path: Path, key: bytes, master: bytes | None, roles: dict[str, bytes] | None) -> dict[str, bytes]:
    """Every role file key the person holds, by file name."""
    found = {name: key_for(db_path, key, master, roles, name) for name in NAMES}
    return {name: value for name, value in found.items() if value is not None}

def attach(dbapi_conn: Any, name: str, path: Path, key: bytes) -> None:
    """Attach a role file to a keyed SQLCipher connection (before any pragma that applies to all files)."""
    dbapi_conn.execute(f"ATTACH DATABASE ? AS {name} KEY \"x'{key.hex()}'\"", (str(path),))

def _execute(conn: Any):
    return conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute

def main_tables(conn: Any) -> set[str]:
    """Tables of the main file (DB-API or SQLAlchemy connection)."""
    return {r[0] for r in _execute(conn)("SELECT name FROM main.sqlite_master WHERE type = 'table'").fetchall()}

def is_split(conn: Any, name: str = "people") -> bool:
    tables = main_tables(conn)
    return "alembic_version" in tables and MARKERS[name] not in tables

def file_is_split(db_path: Path, key: bytes, name: str = "people") -> bool:
    """Whether the main file at ``db_path`` has given role file ``name`` its tables (False when it cannot be
    read: opening it then says why)."""
    from desktop.store.files import connect_raw

    try:
        conn = connect_raw(db_path, key)
    except Exception:
        return False
    try:
        return is_split(conn, name)
    except Exception:
        return False
    finally:
        conn.close()

def attached(conn: Any, name: str = "people") -> bool:
    return any(row[1] == name for row in _execute(conn)("PRAGMA database_list").fetchall())

def schema_of(conn: Any, table: str) -> str | None:
    """The schema to name in DDL on ``table``: the role file's name when it lives in an attached role file,
    else None (main, a plain file, a server)."""
    if table not in MOVED or getattr(getattr(conn, "dialect", None), "name", "sqlite") != "sqlite":
        return None
    name = next(n for n, tables in FILES.items() if table in tables)
    if not attached(conn, name):
        return None
    found = _execute(conn)(f"SELECT 1 FROM {name}.sqlite_master WHERE type = 'table' AND name = ?",
                           (table,)).fetchone()
    return name if found else None

def missing_message(db_path: Path, name: str = "people") -> str:
    if name == "training":
        return _("The database {path} keeps its courses, participants and attendance in {file}, which is missing "
                 "or does not open with this key. Nothing was changed. Put that file back beside the database, "
                 "or restore the newest backup (all its files together).").format(
            path=db_path, file=path_for(db_path, name))
    return _("The database {path} keeps its people, cases and referrals in {people}, which is missing or does "
             "not open with this key. Nothing was changed. Put that file back beside the database, or restore "
             "the newest backup (both files together).").format(path=db_path, people=path_for(db_path, name))
