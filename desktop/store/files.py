"""Database files without SQLAlchemy: storage errors, recognising a plain SQLite file, raw connections.

Kept apart from :mod:`desktop.store.database` so that the sign-in screen (which only needs to
know whether a file is encrypted) starts without importing SQLAlchemy; that module re-exports
everything here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from desktop.i18n import _


class StoreError(Exception):
    """A storage problem with a message fit for the user."""


class SchemaTooNewError(StoreError):
    pass


class ServerLoginRefusedError(StoreError):
    """The office server refused the user name or password (its own login check)."""


class ServerUnreachableError(StoreError):
    """No answer from the office server (address, network, TLS)."""


class UnreadableDatabaseError(StoreError):
    pass


class DatabaseBusyError(StoreError):
    """Another connection held the write lock for longer than the busy timeout."""


_wait_notice: Callable[[], None] | None = None


def set_wait_notice(notice: Callable[[], None] | None) -> None:
    """Call ``notice()`` (e.g. print a translated "waiting for another job") whenever a write has to
    wait more than a moment for another seat's or command's write to end. Process-wide."""
    global _wait_notice
    _wait_notice = notice


def wait_notice() -> Callable[[], None] | None:
    return _wait_notice


def is_busy_error(exc: BaseException) -> bool:
    """Whether an exception (the driver's or SQLAlchemy's) is SQLite's "database is locked"."""
    text = str(getattr(exc, "orig", None) or exc).lower()
    return "database is locked" in text or "database is busy" in text or "database table is locked" in text


def busy_message(seconds: int = 30) -> str:
    return _("Another job (another seat or command) kept the database busy for more than {seconds} seconds, "
             "so this one stopped and saved nothing. Try again in a moment.").format(seconds=seconds)


SQLITE_HEADER = b"SQLite format 3\x00"


def sqlite_url(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def sqlcipher_module():
    """The SQLCipher DB-API module (``sqlcipher3``, from the sqlcipher3-binary wheel)."""
    try:
        import sqlcipher3
    except ImportError as exc:  # pragma: no cover - a broken install
        raise StoreError(_("Database encryption is not available: the SQLCipher module is missing. "
                           "Reinstall Enlace.")) from exc
    return sqlcipher3


def key_pragma_for(key: bytes) -> Callable[[object], None]:
    """Set a raw 256-bit SQLCipher key on a new connection (no passphrase KDF: the key is random)."""
    if len(key) != 32:
        raise ValueError("a database key is 32 bytes")
    statement = f"PRAGMA key = \"x'{key.hex()}'\""

    def apply(dbapi_conn) -> None:
        dbapi_conn.execute(statement)

    return apply


def connect_raw(path: str | os.PathLike[str], key: bytes | None = None):
    """A bare DB-API connection (backup, integrity checks, conversion), keyed when ``key`` is given."""
    if key is None:
        import sqlite3

        return sqlite3.connect(str(path))
    conn = sqlcipher_module().connect(str(path))
    key_pragma_for(key)(conn)
    return conn


def is_plain_sqlite(path: str | os.PathLike[str]) -> bool:
    """True when the file starts with SQLite's plain-text header (an unencrypted database)."""
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == SQLITE_HEADER
    except OSError:
        return False


def counts_of_plain_file(path: str | os.PathLike[str], tables: tuple[str, ...]) -> dict[str, int] | None:
    """Rows in each of ``tables`` of an unencrypted database file (0 for a missing table); None if unreadable."""
    try:
        conn = connect_raw(path)
    except Exception:
        return None
    try:
        present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] if t in present else 0
                for t in tables}
    except Exception:
        return None
    finally:
        conn.close()
