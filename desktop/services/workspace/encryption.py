"""Encrypting a plain database, the recovery key, and replacing the database key.

Each of these writes the new database file and key file aside and swaps them in through the
journal of :mod:`desktop.store.swap`: a crash at any point leaves the database as it was (with
the key file that opens it) or the new one (with its own), never a mix.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import PermissionDenied, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.workspace import (
    Unlock,
    _is_new,
    _new_encrypted_key,
    _open_keyed,
    _path,
    is_encrypted,
    open_signed_in,
    open_store,
)
from desktop.store import key_sessions, keys, swap, wraps
from desktop.store.files import crash_point
from desktop.store.rotation import export_copy, reseal_copy


@dataclass(frozen=True)
class ConversionResult:
    backup_path: Path
    recovery_key: str
    users_without_key: list[str]  # they need a password reset by an administrator to sign in


def encrypt_in_place(location: str | os.PathLike[str], username: str, password: str,
                     show_recovery_key: Callable[[str], None] | None = None) -> ConversionResult:
    """Convert an unencrypted database to SQLCipher, after a backup of it. Administrators only.

    The administrator's password gets a key slot; every other user needs a password reset
    (their passwords are unknown here), listed in the result. ``show_recovery_key`` is called
    with the new recovery key before the encrypted file takes the plain one's place, so the key
    is shown even if the process dies right after.
    """
    from sqlalchemy import select

    from desktop.services import office
    from desktop.services.security import audit
    from desktop.services.workspace import backup
    from desktop.store.models import User

    path = _path(location)
    if path is None or _is_new(path):
        raise ValidationError(_("There is no database file at {path}.").format(path=location))
    if is_encrypted(path):
        raise ValidationError(_("The database {path} is already encrypted.").format(path=path))
    ctx = open_signed_in(path, username, password)
    try:
        if not ctx.can(Permission.MANAGE_OFFICE):
            raise PermissionDenied(_("Only an administrator can encrypt the database."))
        saved = backup.create_backup(ctx, reason="pre-encrypt")
        with ctx.db.session() as session:
            others = sorted(u for u in session.scalars(select(User.username)) if u.casefold() != username.casefold())
        info = office.office_info(ctx.db)
        with ctx.db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        ctx.db.dispose()
    crash_point("encrypt:backed-up")

    key, salt, recovery, master = _new_encrypted_key()
    staged = swap.aside(path, "encrypting")
    staged_kf = keys.KeyFile(swap.aside(path, "keys-new"))
    try:
        export_copy(path, None, staged, key, salt)
        reseal_copy(staged, key, None, wraps.role_key(master, salt, "sign"))  # the signing key, sealed
        staged_kf.create(key, recovery, salt)
        staged_kf.set_password(key, username, password, keep_previous=False, master=master,
                               roles=wraps.role_keys(master, salt, wraps.keys_for_role("admin")))
        if info is not None:
            staged_kf.set_office(code=info.code, name=info.name, is_demo=info.is_demo)
        crash_point("encrypt:staged")
        if show_recovery_key is not None:
            show_recovery_key(recovery)
    except BaseException:
        staged.unlink(missing_ok=True)
        staged_kf.path.unlink(missing_ok=True)
        raise
    swap.commit_swap(path, db_from=staged, keys_from=staged_kf.path)
    kf = keys.KeyFile(keys.key_file_for(path))
    db = _open_keyed(path, kf, key)
    try:
        with db.transaction() as session:
            audit.record(session, username, "update", "database", None, ["encryption"],
                         detail={"backup": saved.path.name})
    finally:
        db.dispose()
    return ConversionResult(saved.path, recovery, others)


def recover_access(location: str | os.PathLike[str], recovery_key: str, username: str,
                   new_password: str) -> list[str]:
    """Forgotten administrator password: open with the recovery key, set a new password, unlock.

    Works with the database file alone: a missing or damaged key file is written again (the
    recovery key derives the database key from the file). The account must be an active
    administrator; the change is in the audit log. Returns the other active users who have no
    key slot now (an administrator gives them a new password).
    """
    from sqlalchemy import func, select

    from desktop.services.security import audit, auth
    from desktop.store.models import User

    db = open_store(location, Unlock(recovery_key=recovery_key), create=False)
    try:
        with db.transaction() as session:
            user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
            if user is None or user.role != "admin" or not user.active:
                raise ValidationError(_("The recovery key can only give a new password to an active "
                                        "administrator account."), {"username": _("Not an administrator")})
            problem = auth.password_problem(user.username, new_password)
            if problem:
                raise ValidationError(problem, {"password": problem})
            user.password_hash = auth.hash_password(new_password)
            user.must_change_password = False
            user.failed_logins = 0
            user.locked_until = None
            user.updated_by = "recovery"
            key_sessions.stage_password(session, user.username, new_password, user.password_hash)
            key_sessions.clear_failures(session, user.username)
            audit.record(session, "recovery", "update", "user", user.id, ["password"],
                         detail={"via": "recovery key"})
            active = list(session.scalars(select(User.username).where(User.active.is_(True))))
        key_sessions.establish_role_keys(db)  # a database from before role keys: its signing key gets sealed
        keyring = db.keyring
        with_slot = set(keyring.key_file.usernames()) if isinstance(keyring, keys.Keyring) else set()
        return sorted(u for u in active if keys.slot_name(u) not in with_slot)
    finally:
        db.dispose()


def new_recovery_key(ctx: AppContext) -> str:
    """Replace the recovery key (the old sheet stops working). Administrators only.

    The database key derives from the recovery key, so the database is written again under a
    new key (old backups keep theirs, and open with the recovery key of their day).
    """
    from desktop.services.security import audit
    from desktop.store import rotation

    ctx.require(Permission.MANAGE_OFFICE)
    keyring = ctx.db.keyring
    if not isinstance(keyring, keys.Keyring):
        raise ValidationError(_("This database is not encrypted: it has no recovery key."))
    recovery = keys.new_recovery_key()
    rotation.rotate(ctx.db, recovery_key=recovery)
    with ctx.db.transaction() as session:
        audit.record(session, ctx.username, "update", "key_file", None, ["database_key", "recovery_key"])
    from desktop.services.security import checkpoints

    checkpoints.sign_now(ctx.db)  # the audit key derives from the new master key
    return recovery
