"""Backups of an office server (PostgreSQL): make, check and restore them.

A server backup (:mod:`desktop.store.server_backup`) is pg_dump's custom format, encrypted with
a key made for it and wrapped with the password of the administrator who made it. It lands in
the office's backup folder beside one-PC backups (``…pgdump`` instead of ``…db``), is listed and
rotated with them, and every attempt is an audit event, as on one PC.

Only administrators back up a server: the copy holds every account and recreates the whole
office, and it opens with its maker's password of that day. It is restored from the command
line, into an EMPTY database, by whoever owns that database on its server (``enlace backup
restore FILE --db postgresql://OWNER@HOST:PORT/NEWDB --user ADMIN``); then the group roles
and the privileges are made for that database, and a server login for every account: the
restoring administrator's with their password, the others' without one until an administrator
gives them a new one (as after ``enlace server migrate``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError, PermissionDenied, ValidationError
from desktop.services.core.permissions import Permission
from desktop.store import backup as files
from desktop.store import keys
from desktop.store import server_backup as dumps
from desktop.store.database import Database

is_server_backup = dumps.is_server_backup


def _wrong_password() -> AuthError:
    return AuthError(_("This password does not open the backup: a server backup opens with the password its "
                       "administrator had on the day it was made."))


def create(ctx: AppContext, target: Path, office_code: str, *, reason: str = "",
           progress: Callable[[int, int], None] | None = None) -> files.BackupFile:
    """Dump, encrypt and check the server database into ``target``; the caller audits and rotates."""
    ctx.require(Permission.MANAGE_OFFICE)
    db = ctx.db
    password = db.url.password
    if not password:
        raise ValidationError(_("This connection to the server carries no password of yours: sign in again to "
                                "back up."))
    files.private_dir(target)
    now = datetime.now(UTC)
    final = files.claim_name(target, f"enlace-{office_code}-{now.astimezone():%Y%m%d-%H%M%S}", reason,
                             suffix=dumps.SUFFIX)
    partial = target / f".{final.name}.{os.getpid()}.partial"
    key = keys.new_database_key()
    try:
        made = dumps.dump(db.url, partial, key,
                          progress=(lambda done: progress(done, 0)) if progress is not None else None)
        dumps.verify(partial, key)  # what was written decrypts to the whole dump
        meta = {"created_at": now.isoformat(), "office": office_code, "reason": reason, "encrypted": True,
                "key_id": keys.key_id(key), "integrity": "ok", "made_by": ctx.username, "kind": "server",
                **made}
        dumps.write_sidecar(final, key, ctx.username, str(password), meta)
        os.replace(partial, final)
        from desktop.store.files import fsync_dir

        fsync_dir(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        if not final.exists():
            dumps.sidecar_for(final).unlink(missing_ok=True)
        raise
    described = files.describe(final)
    assert described is not None
    return described


@dataclass(frozen=True)
class ServerBackupCheck:
    path: Path
    created_at: datetime | None
    office: str
    made_by: str
    counts: dict[str, int]
    problems: list[str]


def _meta(path: Path) -> dict:
    return dumps.read_sidecar(path).get("backup") or {}


def backup_key(path: Path, username: str, password: str) -> bytes:
    if not path.is_file():
        raise ValidationError(_("There is no backup file at {path}.").format(path=path))
    if not dumps.read_sidecar(path):
        raise ValidationError(_("The backup's key file {path} is missing or damaged: without it a server backup "
                                "cannot be opened.").format(path=dumps.sidecar_for(path)))
    key = dumps.unlock(path, username, password)
    if key is None:
        raise _wrong_password()
    return key


def check(path: str | Path, username: str, password: str) -> ServerBackupCheck:
    """Decrypt the whole backup (nothing kept) with its maker's password: any changed byte shows."""
    path = Path(path).expanduser()
    key = backup_key(path, username, password)
    meta = _meta(path)
    problems: list[str] = []
    try:
        dumps.verify(path, key)
    except dumps.BackupDamagedError as exc:
        problems.append(str(exc))
    created = datetime.fromisoformat(meta["created_at"]) if meta.get("created_at") else None
    return ServerBackupCheck(path, created, str(meta.get("office") or ""), str(meta.get("made_by") or ""),
                             {str(k): int(v) for k, v in (meta.get("counts") or {}).items()}, problems)


def check_own(ctx: AppContext, path: str | Path) -> ServerBackupCheck:
    """Check a server backup with the signed-in person's own password (the window's *Check*)."""
    ctx.require(Permission.BACKUP)
    return check(path, ctx.username, str(ctx.db.url.password or ""))


@dataclass(frozen=True)
class ServerRestoreResult:
    database: str
    counts: dict[str, int]  # rows per table, equal to the backup's
    users_without_password: list[str]
    audit_events: int
    created_at: datetime | None


def restore(path: str | Path, target: str, username: str, password: str,
            progress: Callable[[str], None] | None = None) -> ServerRestoreResult:
    """Restore a server backup into the EMPTY database ``target`` (a URL naming its owner); see the module doc."""
    from sqlalchemy import select
    from sqlalchemy.engine import make_url

    from desktop.services.security import audit
    from desktop.services.workspace.server import is_server_location, server_url
    from desktop.store import server
    from desktop.store.database import open_database
    from desktop.store.models import User

    say = progress or (lambda _step: None)
    path = Path(path).expanduser()
    if not is_server_location(target):
        raise ValidationError(_("A server backup is restored into a new, empty database on a server: give it with "
                                "--db postgresql://OWNER@HOST:PORT/DATABASE."))
    target = server_url(target)
    key = backup_key(path, username, password)
    meta = _meta(path)
    say("checking the backup")
    try:
        dumps.verify(path, key)
    except dumps.BackupDamagedError as exc:
        raise ValidationError(str(exc)) from exc
    tables = dumps.user_tables(target)
    if tables:
        raise ValidationError(_("The database {name} is not empty ({count} tables, e.g. {example}): a server backup "
                                "is restored only into a new, empty database, so that nothing there is lost. "
                                "Create one (createdb) and give it instead.").format(
            name=make_url(target).database, count=len(tables), example=tables[0]))
    say("restoring")
    dumps.restore(target, path, key)
    say("checking the copy")
    expected = {str(k): int(v) for k, v in (meta.get("counts") or {}).items()}
    there = dumps.counts_of(target)
    for table, count in sorted(expected.items()):
        if there.get(table) != count:
            raise ValidationError(_("The restored {table} has {there} rows instead of {expected}: the restore is "
                                    "not complete. Drop that database and try again.").format(
                table=table, there=there.get(table, 0), expected=count))
    say("accounts")
    db: Database = open_database(target)  # a backup of an older Enlace is brought up to date here
    try:
        with db.engine.begin() as conn:
            server.install_roles(conn)
        pending: list[str] = []
        with db.transaction() as session:
            restorer = session.scalar(select(User).where(User.username.ilike(username.strip())))
            if restorer is None or restorer.role != "admin" or not restorer.active:
                raise PermissionDenied(_("Only an administrator of the backed-up office can restore it."))
            for user in session.scalars(select(User).order_by(User.username)):
                own = user.id == restorer.id
                server.sync_login(session, user.username, user.role, password=password if own else None,
                                  active=user.active)
                if not own and user.active:
                    pending.append(user.username)
            audit.record(session, restorer.username, "restore", "backup", path.name,
                         detail={"backup_created_at": meta.get("created_at"), "kind": "server",
                                 "tables": len(expected)})
        verified = audit.verify_chain(db)
        if not verified.ok:
            raise ValidationError(_("The audit log of the restored database does not verify (event #{seq}).").format(
                seq=verified.broken_seq))
        created = datetime.fromisoformat(meta["created_at"]) if meta.get("created_at") else None
        return ServerRestoreResult(db.url.database or "", expected, pending, verified.checked, created)
    finally:
        db.dispose()
