"""Backups (respaldos): make, list, check and restore them; say when the last good one is too old.

The files themselves are handled by :mod:`desktop.store.backup`. Backups are made automatically
when a person signs out or closes Enlace and at least once a day, into the office's backup folder
(setting ``backup_dir``; default a ``backups`` folder beside the database; a USB drive is normal),
and rotated: the newest of each of the last 7 days, 4 weeks and 12 months are kept.

Every backup, good or failed, is an audit event (action ``backup``); the newest good one is what
the status bar shows.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from desktop.i18n import N_, _, format_datetime
from desktop.services import office
from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError, PermissionDenied, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit
from desktop.services.workspace.opening import Unlock
from desktop.store import backup as files
from desktop.store import key_hierarchy, keys, role_files, swap
from desktop.store.database import Database, connect_raw, open_database
from desktop.store.files import crash_point
from desktop.store.models import AuditEvent

MAX_AGE = timedelta(days=2)  # older than this, the status bar warns
DAILY = timedelta(hours=24)
AUTOMATIC_REASONS = ("close", "daily", "pre-restore", "pre-encrypt", "pre-upgrade")

# Friendly names for the record counts shown before a restore; other tables show their own name.
TABLE_LABELS: dict[str, str] = {
    "person": N_("People"),
    "household": N_("Households"),
    "consent": N_("Consents"),
    "case_file": N_("Cases"),
    "referral": N_("Referrals"),
    "organization": N_("Organizations"),
    "service": N_("Services"),
    "course": N_("Courses"),
    "training_session": N_("Training sessions"),
    "participant": N_("Participants"),
    "enrollment": N_("Enrollments"),
    "certificate": N_("Certificates"),
    "user_account": N_("Users"),
    "audit_event": N_("Audit log events"),
}


def table_label(table: str) -> str:
    return _(TABLE_LABELS[table]) if table in TABLE_LABELS else table


def summarize_counts(counts: dict[str, int]) -> list[tuple[str, int]]:
    """The record counts a person recognises (people, referrals, courses…), then all other rows together."""
    shown = [(table_label(t), counts[t]) for t in TABLE_LABELS if t in counts]
    rest = sum(n for t, n in counts.items() if t not in TABLE_LABELS)
    if rest:
        shown.append((_("Other records"), rest))
    return shown


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime  # UTC
    office: str
    reason: str
    size: int
    encrypted: bool
    counts: dict[str, int] = field(default_factory=dict)


def is_server(ctx: AppContext) -> bool:
    """The open office is on a server: its backups are encrypted dumps, restored from the command line."""
    return ctx.db.path is None


def _info(b: files.BackupFile) -> BackupInfo:
    return BackupInfo(b.path, b.created_at, b.office, b.reason, b.size, b.encrypted, b.counts)


def backup_folder(db: Database) -> Path:
    """The configured backup folder, or ``backups`` beside the database file."""
    configured = office.get_setting(db, "backup_dir")
    if configured:
        return Path(str(configured)).expanduser()
    if db.path is None:  # an office server: this PC's own data folder, until an administrator chooses one
        from desktop.services.workspace.startup import default_location

        return Path(default_location()).parent / "backups"
    return db.path.parent / "backups"


def _office_code(db: Database) -> str:
    info = office.office_info(db)
    return info.code if info else "ENLACE"


def _snapshot(db: Database) -> dict | None:
    keyring = db.keyring
    if isinstance(keyring, keys.Keyring):
        return keyring.key_file.snapshot()
    return None


def create_backup(ctx: AppContext, folder: str | Path | None = None, *, reason: str = "",
                  progress: Callable[[int, int], None] | None = None,
                  cancelled: Callable[[], bool] | None = None) -> BackupInfo:
    """Back up the open database now (consistent while others keep working); check it; rotate the folder.

    A manual backup (``reason`` empty) needs the backup permission; automatic ones (at close,
    daily, before a restore) are made for anyone.
    """
    if reason not in AUTOMATIC_REASONS:
        ctx.require(Permission.BACKUP)
    db = ctx.db
    target = Path(folder).expanduser() if folder else backup_folder(db)
    try:
        if db.path is None:  # an office server: pg_dump, encrypted (desktop.services.workspace.server_backup)
            from desktop.services.workspace import server_backup

            made = server_backup.create(ctx, target, _office_code(db), reason=reason, progress=progress)
        else:
            from desktop.services.security import checkpoints

            anchor = checkpoints.for_backup(db) if db.key is not None else None
            made = files.write_backup(db.path, db.key, target, _office_code(db), reason=reason,
                                      key_snapshot=_snapshot(db), progress=progress, audit=anchor,
                                      file_keys=_file_keys(db))
    except Exception as exc:  # every failure is in the audit log, whatever raised it
        with db.transaction() as session:
            audit.record(session, ctx.username, "backup", "backup", None,
                         detail={"ok": False, "folder": str(target), "reason": reason or "manual", "error": str(exc)})
        raise
    with db.transaction() as session:
        audit.record(session, ctx.username, "backup", "backup", made.path.name,
                     detail={"ok": True, "folder": str(target), "reason": reason or "manual", "size": made.size})
    for victim in files.rotation_victims(files.list_backups(target)):
        if victim.office == made.office:
            files.delete_backup(victim)
    return _info(made)


def safety_copy(db: Database, reason: str) -> BackupInfo:
    """A checked copy of the whole database in its backup folder before it is replaced (``reason``
    "pre-reset": ``enlace demo --reset``). No sign-in: whoever may replace the file may copy it."""
    if db.path is None:
        raise ValidationError(_("This database is on a server: back it up with the server's own tools."))
    made = files.write_backup(db.path, db.key, backup_folder(db), _office_code(db), reason=reason,
                              key_snapshot=_snapshot(db), file_keys=_file_keys(db))
    return _info(made)


def _file_keys(db: Database) -> dict[str, bytes]:
    """The keys of the role files attached to ``db`` (those this session holds), by file name."""
    return {name: file_key for name, (_path, file_key) in db.files.items()}


_background: list[threading.Thread] = []


def backup_at_close(ctx: AppContext, *, wait: bool = False,
                    on_failure: Callable[[str], None] | None = None) -> BackupInfo | None:
    """The automatic backup when a person signs out or closes Enlace. Never raises: a failure is logged.

    It runs in a background thread unless ``wait`` (copying and checking a large database takes a
    while, and the window must close at once); the thread is not a daemon, so the process stays
    alive until the backup is written and checked. :func:`wait_for_background_backups` joins it.
    """
    if ctx.db.path is None:
        return None
    made: list[BackupInfo] = []

    def run() -> None:
        try:
            made.append(create_backup(ctx, reason="close"))
        except Exception as exc:  # in the audit log and the next status bar; closing goes on
            if on_failure is not None:
                on_failure(_("The backup made when {name} signed out failed: {reason}").format(
                    name=ctx.actor.full_name, reason=exc))
        finally:
            ctx.db.dispose()

    if wait:
        run()
        return made[0] if made else None
    thread = threading.Thread(target=run, name="enlace-backup-at-close")
    _background.append(thread)
    thread.start()
    return None


def wait_for_background_backups(timeout: float | None = None) -> None:
    """Wait for closing backups still running (tests, and before a restore)."""
    for thread in list(_background):
        thread.join(timeout)
        if not thread.is_alive():
            _background.remove(thread)


def last_backup_failure(db: Database) -> tuple[datetime, str] | None:
    """When and why the newest backup attempt failed, if no good backup was made after it."""
    with db.session() as session:
        row = session.execute(select(AuditEvent.at, AuditEvent.detail).where(AuditEvent.action == "backup")
                              .order_by(AuditEvent.seq.desc()).limit(1)).first()
    if row is None:
        return None
    try:
        data = json.loads(row.detail)
    except ValueError:
        return None
    return None if data.get("ok") else (row.at, str(data.get("error") or ""))


def last_good_backup(db: Database) -> tuple[datetime, str] | None:
    """When and where the newest good backup was made, from the audit log."""
    with db.session() as session:
        rows = session.execute(select(AuditEvent.at, AuditEvent.detail, AuditEvent.entity_id)
                               .where(AuditEvent.action == "backup").order_by(AuditEvent.seq.desc()).limit(50))
        for at, detail, name in rows:
            try:
                data = json.loads(detail)
            except ValueError:
                continue
            if data.get("ok"):
                return at, str(Path(str(data.get("folder") or "")) / str(name or ""))
    return None


def daily_backup_due(db: Database, now: datetime | None = None) -> bool:
    last = last_good_backup(db)
    return last is None or (now or datetime.now(UTC)) - last[0] >= DAILY


def run_daily_backup_if_due(ctx: AppContext, progress: Callable[[int, int], None] | None = None,
                            cancelled: Callable[[], bool] | None = None) -> BackupInfo | None:
    """The once-a-day automatic backup (the window calls it at start and every hour)."""
    if ctx.db.path is None or not daily_backup_due(ctx.db):
        return None
    return create_backup(ctx, reason="daily", progress=progress, cancelled=cancelled)


@dataclass(frozen=True)
class BackupStatus:
    last_at: datetime | None
    overdue: bool
    text: str
    detail: str = ""  # why the last backup failed


def office_timezone(db: Database) -> str | None:
    info = office.office_info(db)
    return info.timezone if info else None


def backup_status(db: Database, now: datetime | None = None) -> BackupStatus:
    """What the status bar says: the last good backup, and a warning when it is older than two days."""
    now = now or datetime.now(UTC)
    failure = last_backup_failure(db)
    last = last_good_backup(db)
    if failure is not None:  # stays until a backup succeeds again
        return BackupStatus(last[0] if last else None, True, _("The last backup failed ({when}). Make a backup "
                                                               "now.").format(
            when=format_datetime(failure[0], "short", office_timezone(db))), failure[1])
    if last is None:
        return BackupStatus(None, True, _("No backup yet: make one now (Administration → Backups)."))
    at = last[0]
    when = format_datetime(at, "short", office_timezone(db))
    if now - at > MAX_AGE:
        return BackupStatus(at, True, _("Last backup {when}: more than two days ago. Make a backup now.").format(
            when=when))
    return BackupStatus(at, False, _("Last backup: {when}").format(when=when))


def list_backups(ctx: AppContext, folder: str | Path | None = None) -> list[BackupInfo]:
    """The backups in the backup folder (or ``folder``), newest first."""
    ctx.require(Permission.BACKUP)
    return [_info(b) for b in files.list_backups(Path(folder).expanduser() if folder else backup_folder(ctx.db))]


def list_backup_files(folder: str | Path) -> list[BackupInfo]:
    """The backups in a folder, without signing in (``enlace backup list --to DIR`` of a drive)."""
    return [_info(b) for b in files.list_backups(Path(folder).expanduser())]


# -- checking and restoring ----------------------------------------------------------------


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    created_at: datetime | None
    office: str
    encrypted: bool
    counts: dict[str, int]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def backup_key(path: Path, known_keys: list[bytes] = (), unlock: Unlock | None = None,  # type: ignore[assignment]
               masters: list[bytes] = ()) -> bytes | None:  # type: ignore[assignment]
    """The key that opens a backup file: a key already in hand, else a password or the recovery key.

    Raises AuthError when the backup is encrypted and nothing given opens it.
    """
    if not path.is_file():
        raise ValidationError(_("There is no backup file at {path}.").format(path=path))
    from desktop.store.database import is_plain_sqlite

    if is_plain_sqlite(path):
        return None
    sidecar = keys.KeyFile(files.sidecar_for(path))
    try:
        kid = sidecar.key_id()
    except keys.KeyFileError as exc:
        derived = _derived_backup_key(path, unlock)
        if derived is not None:
            return derived
        raise ValidationError(_("The backup's key file {path} is missing or damaged: open the backup with the "
                                "office's recovery key (ENLACE_RECOVERY_KEY).").format(path=sidecar.path)) from exc
    for key in known_keys:
        if key and keys.key_id(key) == kid:
            return key
    for master in masters:  # an administrator's master key derives the key of every backup made under it
        key = key_hierarchy.key_from_master(path, master) if master else None
        if key is not None and keys.key_id(key) == kid:
            return key
    derived = _derived_backup_key(path, unlock)
    if derived is not None:
        return derived
    try:
        if unlock is not None and unlock.recovery_key:
            return sidecar.unlock_with_recovery(unlock.recovery_key).key
        if unlock is not None and unlock.username:
            return sidecar.unlock_with_password(unlock.username, unlock.password or "").key
    except keys.WrongSecret:
        raise AuthError(_("This password or recovery key does not open the backup. Use the password the "
                          "user had on the day of the backup, or the office's recovery key.")) from None
    raise AuthError(_("This backup is encrypted with another key: give a user name and password valid on the "
                      "day of the backup, or the office's recovery key."))


def _derived_backup_key(path: Path, unlock: Unlock | None) -> bytes | None:
    """The key the recovery key derives for this backup file (it keeps its database's salt), if it opens it."""
    from desktop.store import key_hierarchy

    normal = keys.normalize_recovery_key(unlock.recovery_key) if unlock is not None and unlock.recovery_key else None
    if normal is None:
        return None
    key = key_hierarchy.key_from_file(path, normal)
    if key is None:
        return None
    try:
        conn = connect_raw(path, key)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except Exception:
        return None
    return key


def backup_file_keys(path: Path, key: bytes | None, masters: list[bytes] = (),  # type: ignore[assignment]
                     unlock: Unlock | None = None) -> dict[str, bytes]:
    """The role-file keys of a backup (whose main file opens with ``key``), by file name: derived from a
    master key that derives ``key`` (an administrator's, the recovery key's, or the one an administrator's
    password of that day unwraps from the backup's key file), else those a password of that day's slot
    grants. Only for the role files the backup has."""
    names = files.role_parts(path) if key is not None else []
    if not names:
        return {}
    candidates = [m for m in masters if m]
    granted: dict[str, bytes] = {}
    if unlock is not None and unlock.recovery_key:
        normal = keys.normalize_recovery_key(unlock.recovery_key)
        if normal is not None:
            candidates.append(key_hierarchy.master_key(normal))
    if unlock is not None and unlock.username:
        try:
            opened = keys.KeyFile(files.sidecar_for(path)).unlock_with_password(unlock.username, unlock.password or "")
        except (keys.WrongSecret, keys.KeyFileError):
            opened = None
        if opened is not None and opened.master is not None:
            candidates.append(opened.master)
        elif opened is not None and keys.key_id(opened.key) == keys.key_id(key):  # type: ignore[arg-type]
            granted = dict(opened.roles)
    for master in candidates:
        derived = role_files.keys_for(path, key, master, None)  # type: ignore[arg-type]
        if derived:
            return {name: derived[name] for name in names if name in derived}
    return {name: granted[name] for name in names if name in granted}


def inspect_backup(path: str | Path, known_keys: list[bytes] = (),  # type: ignore[assignment]
                   unlock: Unlock | None = None, masters: list[bytes] = ()) -> BackupSummary:  # type: ignore[assignment]
    """Check a backup file (integrity, page MACs) and read its date and record counts.

    A server backup (``….pgdump``) is decrypted whole with ``unlock``'s password (its maker's).
    """
    path = Path(path).expanduser()
    from desktop.services.workspace import server_backup

    if server_backup.is_server_backup(path):
        if unlock is None or not unlock.username:
            raise AuthError(_("A server backup opens with the password of the administrator who made it: give "
                              "their user name and password."))
        checked = server_backup.check(path, unlock.username, unlock.password or "")
        return BackupSummary(path, checked.created_at, checked.office, True, checked.counts, checked.problems)
    key = backup_key(path, known_keys, unlock, masters)
    file_keys = backup_file_keys(path, key, masters, unlock)
    described = files.describe(path)
    meta = files.read_sidecar(path).get("backup") or {}
    problems = files.check_backup(path, key, file_keys)
    counts: dict[str, int] = {}
    if not problems:
        try:
            counts = files.table_counts(path, key)
            for name, file_key in file_keys.items():
                counts.update(files.table_counts(role_files.path_for(path, name), file_key))
        except Exception as exc:
            problems = [str(exc)]
    created = described.created_at if described else None
    if created is None and meta.get("created_at"):
        created = datetime.fromisoformat(meta["created_at"])
    return BackupSummary(path, created, str(meta.get("office") or (described.office if described else "")),
                         key is not None, counts, problems)


@dataclass(frozen=True)
class RestoreResult:
    counts: dict[str, int]
    safety_backup: Path | None  # the copy of the database as it was just before the restore


def _is_admin_in(path: Path, key: bytes | None, username: str) -> bool:
    conn = connect_raw(path, key)
    try:
        row = conn.execute("SELECT role, active FROM user_account WHERE lower(username) = ?",
                           (username.strip().lower(),)).fetchone()
    finally:
        conn.close()
    return bool(row and row[0] == "admin" and row[1])


def restore_backup(location: str | Path, path: str | Path, *, ctx: AppContext | None = None,
                   unlock: Unlock | None = None) -> RestoreResult:
    """Replace the database at ``location`` with a backup.

    The current database (if any) is first backed up (reason ``pre-restore``). A signed-in
    ``ctx`` on that database needs the restore permission; its connection is closed, so the
    person signs in again afterwards. Into a location with no database (a new PC), the backup
    is opened with an administrator's password of the day of the backup, or the recovery key.
    The key file comes from the backup, so the passwords are those of the backup's day.
    """
    wait_for_background_backups()
    from desktop.services.workspace import server_backup

    if server_backup.is_server_backup(path) or "://" in str(location):
        raise ValidationError(_("A server backup is restored into a new, empty database on a server, from the "
                                "command line: enlace backup restore FILE --db postgresql://OWNER@HOST:PORT/DATABASE "
                                "--user ADMINISTRATOR."))
    target = Path(location).expanduser().resolve()
    source = Path(path).expanduser().resolve()
    if source == target:
        raise ValidationError(_("Choose a backup file, not the database itself."))
    known = [ctx.db.key] if ctx is not None and ctx.db.key else []
    master = getattr(ctx.db.keyring, "master", None) if ctx is not None else None
    key = backup_key(source, known, unlock, [master] if master else [])
    problems = files.check_backup(source, key)
    if problems:
        raise ValidationError(_("The backup {path} is damaged ({problem}); nothing was restored.").format(
            path=source.name, problem=problems[0]))
    target_exists = target.exists() and target.stat().st_size > 0
    if ctx is not None:
        ctx.require(Permission.RESTORE)
        if ctx.db.path is None or ctx.db.path.resolve() != target:
            raise ValidationError(_("Sign in to the database you want to replace."))
        username = ctx.username
    else:
        if target_exists:
            raise PermissionDenied(_("{path} already holds a database: sign in to it as an administrator to "
                                     "replace it.").format(path=target))
        if unlock is not None and unlock.username and not _is_admin_in(source, key, unlock.username):
            raise PermissionDenied(_("Only an administrator of the backed-up office can restore it."))
        username = (unlock.username if unlock and unlock.username else "recovery") or "recovery"
    counts = files.table_counts(source, key)

    safety: BackupInfo | None = None
    current_kf: keys.KeyFile | None = None
    if ctx is not None:
        safety = create_backup(ctx, reason="pre-restore")
        current_kf = ctx.db.keyring.key_file if isinstance(ctx.db.keyring, keys.Keyring) else None
        ctx.db.checkpoint()
        ctx.db.dispose()
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if target.exists() and not target_exists:
        target.unlink()  # an empty file left by an interrupted start
    file_keys = backup_file_keys(source, key, [master] if master else [], unlock)
    if set(files.role_parts(source) if key is not None else ()) - set(file_keys):
        raise AuthError(_("This backup keeps part of its data in files that only an administrator's password "
                          "of the day of the backup, or the recovery key, opens."))
    staged = files.stage_restore(source, key, target)
    staged_keys: Path | None = None
    staged_files: dict[str, Path] = {}
    try:
        for name, file_key in file_keys.items():
            staged_files[name] = files.stage_restore_file(source, name, file_key, target)
        if key is not None:
            data = files.read_sidecar(source)
            if data.get("key_id") != keys.key_id(key):  # no usable key file came with the backup
                recovery = unlock.recovery_key if unlock is not None and unlock.recovery_key else ""
                data = _fresh_key_file_data(target, key, recovery, staged)
            data.pop("backup", None)
            data["attempts"], data["pending_events"] = {}, []
            if current_kf is not None and current_kf.exists() and current_kf.key_id() == keys.key_id(key):
                data["recovery"] = current_kf.read().get("recovery", data.get("recovery"))  # today's sheet stays valid
            staged_keys = swap.aside(target, "keys-new")
            keys.write_private(staged_keys, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        crash_point("restore:staged")
    except BaseException:
        for leftover in (staged, staged_keys, *staged_files.values()):
            if leftover is not None:
                leftover.unlink(missing_ok=True)
        raise
    swap.commit_swap(target, db_from=staged, keys_from=staged_keys, drop_keys=key is None,
                     files_from=staged_files, drop_files=tuple(n for n in role_files.NAMES if n not in staged_files))
    key_path = keys.key_file_for(target)

    db = open_database(target, key=key, files={name: (role_files.path_for(target, name), file_keys[name])
                                               for name in staged_files})
    try:
        if key is not None:
            db.keyring = keys.Keyring(keys.KeyFile(key_path), key)
        with db.transaction() as session:
            audit.record(session, username, "restore", "backup", source.name,
                         detail={"safety_backup": safety.path.name if safety else None,
                                 "backup_created_at": (files.read_sidecar(source).get("backup") or {}).get(
                                     "created_at")})
    finally:
        db.dispose()
    return RestoreResult(counts, safety.path if safety else None)


def _fresh_key_file_data(target: Path, key: bytes, recovery: str, staged: Path) -> dict:
    """A key file for a backup restored without its own: the recovery key only (then ``enlace recover``)."""
    from desktop.store.files import file_salt

    scratch = keys.KeyFile(swap.aside(target, "keys-new"))
    scratch.create(key, keys.normalize_recovery_key(recovery) or recovery, file_salt(staged))
    data = scratch.read()
    scratch.path.unlink(missing_ok=True)
    return data


def record_counts(db: Database) -> dict[str, int]:
    """Rows per table of an open database (to compare with a backup's)."""
    from sqlalchemy import inspect

    with db.session() as session:
        names = [n for n in inspect(db.engine).get_table_names() if n != "alembic_version"]
        for name in db.files:  # the role files' tables (desktop.store.role_files)
            names += inspect(db.engine).get_table_names(schema=name)
        return {n: int(session.scalar(select(func.count()).select_from(_table(n))) or 0) for n in names}


def _table(name: str):
    from sqlalchemy import table

    return table(name)


__all__ = ["BackupInfo", "BackupStatus", "BackupSummary", "RestoreResult", "backup_at_close",
           "backup_status", "create_backup", "inspect_backup", "list_backups", "restore_backup"]
