"""Signing in and out: what the sign-in screen shows before anyone signs in, the password check, and the
signed-in :class:`AppContext`.

What the sign-in screen needs before anyone signs in (:func:`needs_setup`, :func:`is_demo`,
:func:`office_label` and :func:`begin_sign_in`, the password check) reads only the key file of an
encrypted database. Like the rest of the package's front door, this module imports SQLAlchemy (through
the store, ``auth`` and ``office``) only inside the functions that open a database: the window's first
screen shows without it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _, set_timezone
from desktop.services.core.context import AppContext
from desktop.services.workspace.opening import (
    _is_new,
    _no_account_message,
    _open_keyed,
    _orphan_key_file_message,
    _path,
    _unlock_with_password,
    _wrong,
    is_encrypted,
    key_file,
    open_store,
    prepare_location,
    with_login,
)
from desktop.store import key_sessions, keys
from desktop.store.files import StoreError, is_plain_sqlite

if TYPE_CHECKING:
    from desktop.store.database import Database


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


def moves_files_first(start: SignInStart) -> bool:
    """Whether completing this sign-in first moves people or trainings into their own files (once per
    database, a minute or two on a very large one: the window says so before it waits)."""
    from desktop.store import role_files

    if start.path is None or start.unlocked is None:
        return False
    held = role_files.keys_for(start.path, start.unlocked.key, start.unlocked.master, start.unlocked.roles)
    return any(not role_files.file_is_split(start.path, start.unlocked.key, name) for name in held)


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
            return _on_office_clock(AppContext(db, auth.sign_in(db, start.username, start.password)))
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
        return _on_office_clock(AppContext(db, actor))
    except Exception:
        db.dispose()
        raise


def _on_office_clock(ctx: AppContext) -> AppContext:
    """From the sign-in on, "today", lockouts and printed times are the office's (window and CLI alike)."""
    from desktop.services import office

    info = office.office_info(ctx.db)
    set_timezone(info.timezone if info else None)
    return ctx


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
