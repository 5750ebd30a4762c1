"""Opening an office database file or server: the key that opens it, and the checks before it opens.

A location with a database is opened (and migrated) with a user's password or the recovery key
(:class:`Unlock`); a location without one gets a new database, encrypted (SQLCipher) unless
``encrypt=False``: see :mod:`desktop.store.keys` for the key file beside it. A plain database keeps
working as before and can be converted with :func:`desktop.services.workspace.encrypt_in_place`.

Like the rest of the package's front door, this module imports SQLAlchemy (through the store, ``auth`` and
``office``) only inside the functions that open a database: the window's first screen shows without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _
from desktop.services.core.errors import AuthError
from desktop.services.security.lockout import LOCKOUT, MAX_FAILED_LOGINS, locked_error
from desktop.store import keys
from desktop.store.files import StoreError, UnreadableDatabaseError, is_plain_sqlite

if TYPE_CHECKING:
    from desktop.store.database import Database


class LockedDatabaseError(StoreError):
    """The database is encrypted and no password or recovery key was given."""


@dataclass(frozen=True)
class Unlock:
    """What opens an encrypted database without a full sign-in: a user's password or the recovery key."""

    username: str | None = None
    password: str | None = None
    recovery_key: str | None = None


UnlockSource = Unlock | Callable[[], Unlock] | None


def _path(location: str | os.PathLike[str]) -> Path | None:
    text = str(location)
    return None if "://" in text else Path(text).expanduser().resolve()


def with_login(location: str | os.PathLike[str], username: str, password: str) -> str:
    """A server location completed with an account's own server login, when it names no user itself.

    Seats keep only host, port and database; the person's user name and password are their login.
    """
    text = str(location)
    if "://" not in text:
        return text
    from desktop.store import server
    from desktop.store.database import make_url

    url = make_url(text)
    if url.username:
        return text
    return url.set(username=server.login_name(url.database or "", username), password=password).render_as_string(
        hide_password=False)


def key_file(location: str | os.PathLike[str]) -> keys.KeyFile | None:
    """The key file of a database file location (whether or not it exists yet)."""
    path = _path(location)
    return keys.KeyFile(keys.key_file_for(path)) if path is not None else None


def _is_new(path: Path) -> bool:
    return not path.exists() or path.stat().st_size == 0


def is_encrypted(location: str | os.PathLike[str]) -> bool:
    """True for a database file that needs a key (a key file beside it, or no plain SQLite header)."""
    path = _path(location)
    if path is None or _is_new(path):
        return False
    return keys.key_file_for(path).exists() or not is_plain_sqlite(path)


def _wrong() -> AuthError:
    return AuthError(_("Wrong user name or password."))


def _locked_message(until: datetime) -> AuthError:
    return locked_error(until)


def _unlock_with_password(kf: keys.KeyFile, username: str, password: str) -> keys.Unlocked:
    """Unwrap the key with a user's password, counting failures in the key file (the database is shut)."""
    until = kf.locked_until(username)
    if until is not None:
        raise _locked_message(until)
    try:
        if not kf.has_slot(username):
            keys.spend_kdf_time(password)  # answer as slowly as for a real user: names stay secret
            raise keys.WrongSecret
        unlocked = kf.unlock_with_password(username, password)
    except keys.WrongSecret:
        reason = "password" if kf.has_slot(username) else "unknown"
        locked = kf.note_failure(username, reason, MAX_FAILED_LOGINS, LOCKOUT)
        if locked is not None:
            raise AuthError(_("Too many failed attempts: the account is locked for {n} minutes.").format(
                n=int(LOCKOUT.total_seconds() // 60))) from None
        raise _wrong() from None
    kf.clear_failures(username)
    return unlocked


def _unlock_with_recovery(path: Path, kf: keys.KeyFile, recovery_key: str) -> tuple[keys.Unlocked, bytes | None]:
    """The database key from the recovery key, and the office master key when the key derives from it."""
    from desktop.store import key_hierarchy
    from desktop.store.files import connect_raw

    normal = keys.normalize_recovery_key(recovery_key)
    if normal is not None:
        master = key_hierarchy.master_key(normal)
        derived = key_hierarchy.key_from_file(path, normal)
        if derived is not None and _key_opens(path, derived, connect_raw):
            return keys.Unlocked(derived, "recovery"), master
        try:
            return kf.unlock_with_recovery(normal), None  # a database encrypted before keys were derived
        except (keys.WrongSecret, keys.KeyFileError):
            pass
    try:
        if kf.exists():
            kf.note_failure("(recovery key)", "recovery", MAX_FAILED_LOGINS, LOCKOUT)
    except keys.KeyFileError:
        pass
    raise AuthError(_("This recovery key does not open this database."))


def _key_opens(path: Path, key: bytes, connect_raw=None) -> bool:
    if connect_raw is None:
        from desktop.store.files import connect_raw
    try:
        conn = connect_raw(path, key)
    except Exception:
        return False
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except Exception:
        return False
    finally:
        conn.close()


def _open_keyed(path: Path, kf: keys.KeyFile | None, key: bytes, salt: bytes | None = None,
                master: bytes | None = None, roles: dict[str, bytes] | None = None) -> Database:
    from desktop.store import role_files, splitting
    from desktop.store.database import open_database

    file_keys = role_files.keys_for(path, key, master, roles) if salt is None else {}
    attach = {name: (role_files.path_for(path, name), file_key) for name, file_key in file_keys.items()
              if role_files.path_for(path, name).exists() and role_files.file_is_split(path, key, name)}
    # (a role file beside a database that still keeps those tables is set aside when it is split below)
    try:
        db = open_database(path, key=key, salt=salt, files=attach)
    except UnreadableDatabaseError as exc:
        if attach and _key_opens(path, key):
            raise UnreadableDatabaseError("\n".join(role_files.missing_message(path, name) for name in attach)) from exc
        raise UnreadableDatabaseError(_("The database file {path} cannot be opened with its key file: the "
                                        "key file belongs to another database, or the file is damaged. "
                                        "Restore both from a backup.").format(path=path)) from exc
    db.keyring = keys.Keyring(kf, key, master, roles) if kf is not None else None
    if file_keys:
        try:
            splitting.ensure_split(db, file_keys)  # each role file's tables into their own file, once
        except BaseException:
            db.dispose()
            raise
    return db


def split_role_files(db: Database) -> list[str]:
    """Move the tables of every role file whose key the opener of an encrypted database holds into their own
    files now (as the next sign-in would); returns the files made. Nothing on a plain file or a server."""
    from desktop.store import role_files, splitting

    keyring = db.keyring
    if not isinstance(keyring, keys.Keyring) or db.path is None or db.key is None:
        return []
    return splitting.ensure_split(db, role_files.keys_for(db.path, db.key, keyring.master, keyring.roles))


def _new_encrypted_key(recovery: str | None = None) -> tuple[bytes, bytes, str, bytes]:
    """A new (database key, file salt, recovery key, master key): the key derives from the recovery key."""
    from desktop.store import key_hierarchy

    recovery = recovery or keys.new_recovery_key()
    salt = key_hierarchy.new_salt()
    master = key_hierarchy.master_key(recovery)
    return key_hierarchy.database_key(master, salt), salt, recovery, master


def _create_encrypted(path: Path, kf: keys.KeyFile | None = None) -> Database:
    kf = kf or keys.KeyFile(keys.key_file_for(path))
    key, salt, recovery, master = _new_encrypted_key()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kf.create(key, recovery, salt)
    db = _open_keyed(path, kf, key, salt, master)
    db.keyring.new_recovery_key = recovery  # type: ignore[union-attr]  # shown once to the administrator
    return db


def _no_account_message(path: Path, kf: keys.KeyFile) -> str:
    return _("The key file {keys} of the database {path} holds no account: setting up or encrypting this "
             "database was interrupted. Nothing was changed or deleted. Open it with the recovery key (enlace "
             "recover --user NAME); if it is a new office whose setup never finished and you have no recovery "
             "key, delete both files and set the office up again.").format(keys=kf.path, path=path)


def _orphan_key_file_message(path: Path, kf: keys.KeyFile) -> str:
    return _("There is a key file {keys} but no database {path}: nothing was created. Put the database file "
             "back beside its key file (or restore a backup); if you want a new office here, move the key file "
             "away first.").format(keys=kf.path, path=path)


def open_store(location: str | os.PathLike[str], unlock: UnlockSource = None, *, encrypt: bool = True,
               create: bool = True) -> Database:
    """Open (and migrate) a database without signing in: setup checks, ``audit verify``, the demo.

    A location with no database yet is created when ``create`` (else StoreError), encrypted
    unless ``encrypt`` is False (its new recovery key is then on ``db.keyring.new_recovery_key``).
    An existing encrypted database needs ``unlock`` (a user's password or the recovery key; a
    callable is asked only when a key is needed), else :class:`LockedDatabaseError`. No existing
    file is ever renamed, replaced or created again here: a database that cannot be opened is
    refused with a message that names the files and the way back.
    """
    from desktop.store.database import open_database

    path = _path(location)
    if path is None:
        from desktop.store.database import make_url

        if not make_url(str(location)).username:  # a seat's server address: the person's own login
            given = unlock() if callable(unlock) else unlock
            if given is not None and given.username:
                location = with_login(location, given.username, given.password or "")
        return open_database(location)
    prepare_location(path)
    kf = keys.KeyFile(keys.key_file_for(path))
    if _is_new(path):
        if kf.exists():
            raise StoreError(_orphan_key_file_message(path, kf))
        if not create:
            raise StoreError(_("There is no database file at {path}.").format(path=path))
        return _create_encrypted(path) if encrypt else open_database(path)
    if not is_encrypted(path):
        refuse_foreign_sqlite(path)
        return open_database(path)
    given = unlock() if callable(unlock) else unlock
    if given is not None and given.recovery_key:
        return _open_with_recovery(path, kf, given.recovery_key)
    if not kf.exists():
        raise LockedDatabaseError(_("The key file {path} is missing: without it the encrypted database cannot be "
                                    "opened. Restore it from a backup, or use the recovery key.").format(
            path=kf.path))
    try:
        if given is not None and given.username:
            if not kf.usernames():
                raise StoreError(_no_account_message(path, kf))
            unlocked = _unlock_with_password(kf, given.username, given.password or "")
        else:
            raise LockedDatabaseError(_("This database is encrypted: give a user name and password, or the "
                                        "recovery key, to open it."))
    except keys.KeyFileError as exc:
        raise StoreError(str(exc)) from exc
    return _open_keyed(path, kf, unlocked.key, master=unlocked.master, roles=unlocked.roles)


def journal_pending(location: str | os.PathLike[str]) -> bool:
    """True while a replacement of the database at ``location`` is committed but not finished."""
    from desktop.store import swap

    path = _path(location)
    return path is not None and swap.journal_for(path).exists()


def prepare_location(path: Path) -> None:
    """Before opening: finish a replacement that was committed, remove what interrupted jobs left."""
    from desktop.store import swap

    swap.clean_leftovers(path)
    swap.remove_backup_leftovers(path.parent / "backups")


def refuse_foreign_sqlite(path: Path) -> None:
    """A plain SQLite file that is not an Enlace database (another program's) is refused untouched."""
    import sqlite3
    from urllib.parse import quote

    try:
        conn = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True)
    except Exception:
        return
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    except Exception:
        tables = None
    finally:
        conn.close()
    if tables is None:
        return  # not readable as SQLite: opening says it is damaged
    enlace = {"alembic_version", "office", "user_account", "audit_event"}
    if tables and not tables & enlace:
        raise StoreError(_("{path} is an SQLite database of another program, not an Enlace database: it was "
                           "not changed. Choose an Enlace database, or a new file name for a new office.").format(
            path=path))


def _open_with_recovery(path: Path, kf: keys.KeyFile, recovery_key: str) -> Database:
    """Open with the recovery key: through the key file, else (missing, damaged, another file's)
    by deriving the key from the recovery key and the file's salt. A key file that is missing or
    does not fit is then written again for this database (the old one is kept aside)."""
    unlocked, master = _unlock_with_recovery(path, kf, recovery_key)
    usable = False
    try:
        usable = kf.exists() and kf.key_id() == keys.key_id(unlocked.key)
    except keys.KeyFileError:
        usable = False
    if not usable:
        _rebuild_key_file(path, kf, unlocked.key, recovery_key)
    return _open_keyed(path, kf, unlocked.key, master=master or unlocked.master)


def _rebuild_key_file(path: Path, kf: keys.KeyFile, key: bytes, recovery_key: str) -> None:
    from desktop.store.files import file_salt

    if kf.exists():
        kept = kf.path.with_name(f"{kf.path.name}.unusable-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(kf.path, kept)
    kf.create(key, keys.normalize_recovery_key(recovery_key) or recovery_key, file_salt(path))
