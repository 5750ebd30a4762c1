"""Opening an office database for a person: the entry the window and the CLI share.

Everything that turns (database location, user, password) into a signed-in :class:`AppContext`
goes through here, so that database encryption (the key is unwrapped with the password) lives
in one place.

New databases are encrypted (SQLCipher) unless ``encrypt=False``; see
:mod:`desktop.store.keys` for the key file beside the database. A plain database keeps working
as before and can be converted with :func:`encrypt_in_place`.

What the sign-in screen needs before anyone signs in (:func:`needs_setup`, :func:`is_demo`,
:func:`office_label` and :func:`begin_sign_in`, the password check) reads only the key file of
an encrypted database, so this module imports SQLAlchemy (through the store, ``auth`` and
``office``) only inside the functions that open a database: the window's first screen shows
without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _, utc_now
from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError, ValidationError
from desktop.services.security.lockout import LOCKOUT, MAX_FAILED_LOGINS, locked_error
from desktop.services.workspace.startup import default_location, kdf_seconds, prepare_store  # noqa: F401
from desktop.store import key_sessions, keys
from desktop.store.files import StoreError, UnreadableDatabaseError, is_plain_sqlite

if TYPE_CHECKING:
    from desktop.services import office
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


def _key_opens(path: Path, key: bytes, connect_raw) -> bool:
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
    from desktop.store.database import open_database

    try:
        db = open_database(path, key=key, salt=salt)
    except UnreadableDatabaseError as exc:
        raise UnreadableDatabaseError(_("The database file {path} cannot be opened with its key file: the "
                                        "key file belongs to another database, or the file is damaged. "
                                        "Restore both from a backup.").format(path=path)) from exc
    db.keyring = keys.Keyring(kf, key, master, roles) if kf is not None else None
    return db


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


def _is_seat(location: str | os.PathLike[str]) -> bool:
    """A server address as a seat keeps it (no login in it): nothing is readable before a sign-in."""
    text = str(location)
    return "://" in text and "@" not in text.split("://", 1)[1].split("/", 1)[0]


def needs_setup(location: str | os.PathLike[str]) -> bool:
    """True when there is no office yet at ``location`` (first run)."""
    if _is_seat(location):
        return False  # a server office is set up with `enlace server init`, never from a seat
    path = _path(location)
    if path is not None:
        kf = keys.KeyFile(keys.key_file_for(path))
        prepare_location(path)
        if _is_new(path):
            return not kf.exists()  # a key file without its database: signing in says what to do
        if kf.exists():
            return False  # set up, or interrupted (signing in says so): never offered to be set up again
        if not is_plain_sqlite(path):
            return False
    from desktop.services import office

    db = open_store(location)
    try:
        return not office.is_set_up(db)
    finally:
        db.dispose()


def _public_office(location: str | os.PathLike[str]) -> dict:
    kf = key_file(location)
    if kf is None or not kf.exists():
        return {}
    try:
        return kf.office()
    except keys.KeyFileError:
        return {}


def is_demo(location: str | os.PathLike[str]) -> bool:
    """A demo database shows its demo accounts on the sign-in screen."""
    if _is_seat(location):
        return False
    if is_encrypted(location):
        return bool(_public_office(location).get("is_demo"))
    from desktop.services import office

    db = open_store(location, encrypt=False)
    try:
        info = office.office_info(db)
        return bool(info and info.is_demo)
    finally:
        db.dispose()


def office_label(location: str | os.PathLike[str]) -> str:
    """The office's name for the sign-in screen (readable before the database is unlocked)."""
    if _is_seat(location):
        return ""
    if is_encrypted(location):
        return str(_public_office(location).get("name") or "")
    path = _path(location)
    if path is not None and _is_new(path):
        return ""
    from desktop.services import office

    db = open_store(location, encrypt=False)
    try:
        info = office.office_info(db)
        return info.name if info else ""
    finally:
        db.dispose()


def _is_blank_plain(path: Path) -> bool:
    """An unencrypted file with Enlace's tables (or none) and not one office, user or audit event."""
    from desktop.store.files import counts_of_plain_file

    if _is_new(path) or not is_plain_sqlite(path) or keys.key_file_for(path).exists():
        return False
    counts = counts_of_plain_file(path, ("office", "user_account", "audit_event"))
    return counts is not None and not any(counts.values())


def _discard_new(path: Path | None) -> None:
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def create_office(location: str | os.PathLike[str], form: office.OfficeForm, admin_username: str,
                  admin_full_name: str, password: str, *, language: str = "es", is_demo: bool = False,
                  encrypt: bool = True) -> AppContext:
    """First run: create the database, the office and its administrator; return them signed in.

    The new database is encrypted; :func:`take_recovery_key` gives its recovery key once, for the
    recovery sheet. It is built beside its place and moved there only when the office and its
    administrator exist, so a crash leaves nothing at ``location`` (and never a half-made office).
    """
    from desktop.services.security import auth
    from desktop.services.workspace import setup

    path = _path(location)
    if path is None or not encrypt:
        db = open_store(location, encrypt=encrypt)
        try:
            setup.setup_office(db, form, admin_username, admin_full_name, password, is_demo=is_demo,
                              language=language)
            return AppContext(db, auth.sign_in(db, admin_username, password))
        except Exception:
            db.dispose()
            raise
    from desktop.store import swap

    prepare_location(path)
    if _is_blank_plain(path):
        _discard_new(path)  # an empty, unencrypted file left by an earlier command: start it encrypted
    kf = keys.KeyFile(keys.key_file_for(path))
    if not _is_new(path) or kf.exists():
        raise ValidationError(_("{path} already holds a database (or its key file): nothing was changed.").format(
            path=path))
    staged = swap.aside(path, "creating")
    staged_kf = keys.KeyFile(swap.aside(path, "keys-new"))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        db = _create_encrypted(staged, staged_kf)
        try:
            setup.setup_office(db, form, admin_username, admin_full_name, password, is_demo=is_demo,
                              language=language)
            recovery = take_recovery_key(db)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        swap.commit_swap(path, db_from=staged, keys_from=staged_kf.path)
    except BaseException:
        for leftover in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm"), staged_kf.path):
            leftover.unlink(missing_ok=True)
        raise
    db = _open_keyed(path, kf, db.key, master=db.keyring.master)  # type: ignore[arg-type, union-attr]
    try:
        db.keyring.new_recovery_key = recovery  # type: ignore[union-attr]
        return AppContext(db, auth.sign_in(db, admin_username, password))
    except Exception:
        db.dispose()
        raise


def take_recovery_key(ctx_or_db: AppContext | Database) -> str | None:
    """The recovery key of a database created in this process, once; None afterwards or when plain."""
    db = ctx_or_db.db if isinstance(ctx_or_db, AppContext) else ctx_or_db
    keyring = db.keyring
    value = getattr(keyring, "new_recovery_key", None)
    if keyring is not None and value:
        keyring.new_recovery_key = None  # type: ignore[attr-defined]
    return value


def _flush_refused_attempts(db: Database) -> None:
    """Copy sign-ins refused while the database was shut into the audit log (and locks into users)."""
    from sqlalchemy import func, select

    from desktop.services.security import audit
    from desktop.store.models import User

    keyring = db.keyring
    if not isinstance(keyring, keys.Keyring):
        return
    events = keyring.key_file.take_pending_events()
    if not events:
        return
    with db.transaction() as session:
        for event in events:
            name = str(event.get("username") or "")[:64] or None
            user = session.scalar(select(User).where(func.lower(User.username) == (name or "").lower()))
            reason = str(event.get("reason") or "")
            detail = {"reason": "unknown" if user is None and reason == "password" else reason,
                      "at": event.get("at"), "while": "locked database"}
            if reason == "lockout":
                audit.record(session, name, "lockout", "user", user.id if user else None, detail=detail)
                if user is not None:
                    until = keyring.key_file.locked_until(user.username)
                    if until is not None:
                        user.locked_until = until
                        user.updated_by = user.username
            else:
                audit.record(session, name, "login_failed", "user" if user else None, user.id if user else None,
                             detail=detail)


def _establish_role_keys(db: Database, username: str) -> None:
    """An administrator signed in: every slot gets its role's keys, an unsealed signing key is sealed."""
    from desktop.services.security import audit

    sealed = key_sessions.establish_role_keys(db)
    if sealed:
        with db.transaction() as session:
            audit.record(session, username, "update", "signing_key", None, ["private_key"], {"sealed": sealed})


@dataclass(frozen=True)
class SignInStart:
    """A sign-in whose first step passed: for an encrypted file, the password opened its key slot."""

    location: str
    username: str
    password: str = field(repr=False)
    path: Path | None = None  # an encrypted database file; None: plain file or server, checked at open
    unlocked: keys.Unlocked | None = field(default=None, repr=False)


def begin_sign_in(location: str | os.PathLike[str], username: str, password: str) -> SignInStart:
    """The first step of :func:`open_signed_in`, before the database opens (no SQLAlchemy needed).

    On an encrypted file this is the password check: the argon2id unwrap of the user's key slot.
    A refusal is counted toward the lockout in the key file and raises AuthError (translated).
    A plain file or a server needs nothing here: its password is checked when it opens.
    """
    path = _path(location)
    if path is not None:
        prepare_location(path)
        if _is_new(path):
            kf = keys.KeyFile(keys.key_file_for(path))
            if kf.exists():
                raise StoreError(_orphan_key_file_message(path, kf))
            raise StoreError(_("There is no database file at {path}.").format(path=path))  # and none is created
    if path is None or not is_encrypted(path):
        return SignInStart(str(location), username, password)
    kf = keys.KeyFile(keys.key_file_for(path))
    try:
        if kf.exists() and not kf.usernames():
            raise StoreError(_no_account_message(path, kf))
        unlocked = _unlock_with_password(kf, username, password)
    except keys.KeyFileError as exc:
        raise StoreError(str(exc)) from exc
    return SignInStart(str(location), username, password, path, unlocked)


def complete_sign_in(start: SignInStart) -> AppContext:
    """The second step of :func:`open_signed_in`: open (and migrate) the database, record the sign-in."""
    from desktop.services.security import auth

    if start.path is None or start.unlocked is None:
        from desktop.store.files import ServerLoginRefusedError

        try:
            db = open_store(with_login(start.location, start.username, start.password), encrypt=False, create=False)
        except ServerLoginRefusedError:
            raise _wrong() from None
        try:
            return AppContext(db, auth.sign_in(db, start.username, start.password))
        except Exception:
            db.dispose()
            raise
    kf = keys.KeyFile(keys.key_file_for(start.path))
    unlocked = start.unlocked
    db = _open_keyed(start.path, kf, unlocked.key, master=unlocked.master, roles=unlocked.roles)
    try:
        _flush_refused_attempts(db)
        # Opening the key slot checked the password; a slot marked with the stored hash's
        # fingerprint spares the second argon2id (locks, deactivation and the audit still apply).
        actor = auth.sign_in(db, start.username, start.password, proven_hash_id=unlocked.hash_id)
        # The wrap that opened agrees with the database: drop the other generation, mark the one kept.
        kf.keep_only(start.username, unlocked.generation, unlocked.key, start.password,
                     hash_id=auth.stored_password_hash_id(db, actor.user_id), salt=unlocked.salt,
                     master=unlocked.master, roles=db.keyring.grants_for(actor.role))  # type: ignore[union-attr]
        if unlocked.master is not None:  # an administrator: anchor the audit log as it is now
            from desktop.services.security import checkpoints

            _establish_role_keys(db, actor.username)
            checkpoints.sign_now(db)
        return AppContext(db, actor)
    except Exception:
        db.dispose()
        raise


def open_signed_in(location: str | os.PathLike[str], username: str, password: str) -> AppContext:
    """Open the database and sign in. Raises AuthError (translated) on a refused sign-in."""
    return complete_sign_in(begin_sign_in(location, username, password))


def sign_out(ctx: AppContext, on_backup_failure: Callable[[str], None] | None = None) -> None:
    """Record the sign-out, start the closing backup (in the background) and close the database.

    ``on_backup_failure(message)`` is called (from the backup's thread) if that backup fails.
    """
    from desktop.services.security import audit
    from desktop.services.workspace import backup

    try:
        with ctx.db.transaction() as session:
            audit.record(session, ctx.username, "logout", "user", ctx.actor.user_id)
    except Exception:
        ctx.db.dispose()
        raise
    backup.backup_at_close(ctx, on_failure=on_backup_failure)  # disposes the database when it is done


# -- recovery and conversion (desktop.services.workspace.encryption) ----------------------------


def recover_access(location: str | os.PathLike[str], recovery_key: str, username: str,
                   new_password: str) -> list[str]:
    """Forgotten administrator password, or a lost key file: see :func:`encryption.recover_access`."""
    from desktop.services.workspace import encryption

    return encryption.recover_access(location, recovery_key, username, new_password)


def new_recovery_key(ctx: AppContext) -> str:
    """Replace the recovery key (the old sheet stops working). Administrators only."""
    from desktop.services.workspace import encryption

    return encryption.new_recovery_key(ctx)


def encrypt_in_place(location: str | os.PathLike[str], username: str, password: str,
                     show_recovery_key: Callable[[str], None] | None = None):
    """Convert an unencrypted database to SQLCipher: see :func:`encryption.encrypt_in_place`."""
    from desktop.services.workspace import encryption

    return encryption.encrypt_in_place(location, username, password, show_recovery_key)


def _office_now(timezone: str | None) -> datetime:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return utc_now().astimezone(ZoneInfo(timezone)) if timezone else utc_now()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return utc_now()


def recovery_sheet(ctx: AppContext, recovery_key: str) -> bytes:
    """The printable recovery sheet (PDF bytes) for this office's recovery key."""
    from desktop.documents.recovery_sheet import RecoverySheet, build_recovery_sheet
    from desktop.services import office

    info = office.office_info(ctx.db)
    path = ctx.db.path
    return build_recovery_sheet(RecoverySheet(
        office_name=info.name if info else "", office_code=info.code if info else "",
        database=str(path) if path else str(ctx.db.url), recovery_key=recovery_key,
        created_at=_office_now(info.timezone if info else None), created_by=ctx.actor.full_name,
        page_size=office.get_setting(ctx.db, "page_size")))


