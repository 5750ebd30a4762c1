"""Database files without SQLAlchemy: storage errors, recognising a plain SQLite file, raw connections.

Kept apart from :mod:`desktop.store.database` so that the sign-in screen (which only needs to
know whether a file is encrypted) starts without importing SQLAlchemy; that module re-exports
everything here.
"""

from __future__ import annotations

import os
import time
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


class ServerTlsMissingError(ServerUnreachableError):
    """The office server is on another machine and does not offer TLS (Enlace does not connect in the clear)."""


class NotEnlaceDatabaseError(StoreError):
    """The server's database answers but holds no Enlace schema."""


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


SALT_BYTES = 16


def key_pragma_for(key: bytes, salt: bytes | None = None) -> Callable[[object], None]:
    """Set a raw 256-bit SQLCipher key on a new connection (no passphrase KDF: the key is random).

    ``salt`` (16 bytes) is the file's SQLCipher salt, stored in clear as its first 16 bytes. Given
    when a file is created, it makes the file carry the salt its key is derived from (see
    :mod:`desktop.store.key_hierarchy`); on an existing file it must be the file's own.
    """
    if len(key) != 32:
        raise ValueError("a database key is 32 bytes")
    if salt is not None and len(salt) != SALT_BYTES:
        raise ValueError("a database salt is 16 bytes")
    statement = f"PRAGMA key = \"x'{key.hex()}{salt.hex() if salt else ''}'\""

    def apply(dbapi_conn) -> None:
        dbapi_conn.execute(statement)

    return apply


def connect_raw(path: str | os.PathLike[str], key: bytes | None = None, salt: bytes | None = None):
    """A bare DB-API connection (backup, integrity checks, conversion), keyed when ``key`` is given."""
    if key is None:
        import sqlite3

        return sqlite3.connect(str(path))
    conn = sqlcipher_module().connect(str(path))
    key_pragma_for(key, salt)(conn)
    return conn


def file_salt(path: str | os.PathLike[str]) -> bytes | None:
    """The SQLCipher salt of an encrypted file (its first 16 bytes, stored in clear); None when unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SALT_BYTES)
    except OSError:
        return None
    return head if len(head) == SALT_BYTES and head != SQLITE_HEADER else None


# -- crash points (tests kill a job between two writes) --------------------------------------

_crash = {"at": None, "count": 0}


def crash_after(step: int | None) -> None:
    """Make this process exit at once at the ``step``-th :func:`crash_point` (tests; None: never)."""
    _crash["at"], _crash["count"] = step, 0


def crash_point(name: str) -> None:
    """A point between two writes of a multi-file change; a test may end the process here.

    ``$ENLACE_CRASH_AT=N`` (or :func:`crash_after`) ends the process with ``os._exit`` at the
    N-th point reached, as a power cut would: no clean-up code runs.
    """
    at = _crash["at"]
    if at is None:
        env = os.environ.get("ENLACE_CRASH_AT")
        if not env:
            return
        _crash["at"] = at = int(env)
    _crash["count"] += 1
    if _crash["count"] == at:
        os._exit(86)


def fsync_dir(folder: str | os.PathLike[str]) -> None:
    """Make a rename inside ``folder`` durable (POSIX; Windows makes renames durable itself)."""
    if os.name != "posix":
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def fsync_file(path: str | os.PathLike[str]) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id runs (POSIX); elsewhere assume it does."""
    if pid <= 0:
        return False
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def write_private(path: Path, data: bytes) -> None:
    """Write atomically (temporary file, fsync, rename), readable by this OS user only."""
    import secrets

    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            crash_point("write:written")
            fh.flush()
            os.fsync(fh.fileno())
        crash_point("write:synced")
        for attempt in range(50):
            try:
                os.replace(tmp, path)
                break
            except PermissionError:  # Windows: another process is reading the file this instant
                if attempt == 49:
                    raise
                time.sleep(0.02)
        fsync_dir(path.parent)
        crash_point("write:renamed")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _lock_owner_alive(lock: Path) -> bool:
    try:
        text = lock.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        return True
    return pid_alive(int(text)) if text.isdigit() else True
