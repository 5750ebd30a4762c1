"""Backup files: consistent online copies, their metadata, checks, rotation and restore.

A backup is two files in the backup folder: ``enlace-<OFFICE>-<YYYYmmdd-HHMMSS>[-<reason>].db``,
a copy made with SQLite's online backup API (consistent while Enlace runs, encrypted with the
database key when the database is encrypted), and ``<same>.db.keys``: the key file at that
moment (user slots and recovery, so the backup opens with the passwords of that day or the
recovery key) plus a ``backup`` section with the date, record counts and check result.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.store import keys
from desktop.store.database import StoreError, backup_copy, connect_raw, integrity_check
from desktop.store.files import crash_point, fsync_dir
from desktop.store.role_files import NAMES, path_for
from desktop.store.swap import remove_backup_leftovers

# ``.db``: a copy of one PC's file; ``.pgdump``: an office server's encrypted dump (desktop.store.server_backup).
NAME_RE = re.compile(r"^enlace-(?P<office>[A-Z0-9]{1,16})-(?P<stamp>\d{8}-\d{6})(?:-(?P<reason>[a-z0-9-]+))?"
                     r"\.(?:db|pgdump)$")
SAFETY_PREFIX = "pre-"  # copies made before a restore or a conversion: rotated apart, newest kept
KEEP_SAFETY = 5
KEEP_RECENT = 24


@dataclass
class BackupFile:
    path: Path
    office: str
    taken_at: datetime  # local wall-clock time from the name (what the office sees on the drive)
    reason: str
    size: int
    meta: dict[str, Any] = field(default_factory=dict)  # the key file's "backup" section

    @property
    def encrypted(self) -> bool:
        return bool(self.meta.get("encrypted"))

    @property
    def counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in (self.meta.get("counts") or {}).items()}

    @property
    def created_at(self) -> datetime:
        text = self.meta.get("created_at")
        try:
            return datetime.fromisoformat(text) if text else self.taken_at.astimezone(UTC)
        except ValueError:
            return self.taken_at.astimezone(UTC)


def sidecar_for(path: Path) -> Path:
    return keys.key_file_for(path)


def read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(sidecar_for(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def describe(path: Path) -> BackupFile | None:
    match = NAME_RE.match(path.name)
    if match is None or not path.is_file():
        return None
    taken = datetime.strptime(match["stamp"], "%Y%m%d-%H%M%S")
    meta = read_sidecar(path).get("backup") or {}
    reason = re.sub(r"-?\d+$", "", match["reason"] or "")  # "-2": a second backup in the same second
    return BackupFile(path, match["office"], taken, reason, path.stat().st_size, meta if isinstance(meta, dict) else {})


def list_backups(folder: Path) -> list[BackupFile]:
    """Backups in ``folder``, newest first (an unplugged drive simply gives none)."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return []
    found = [b for b in (describe(p) for p in entries) if b is not None]
    return sorted(found, key=lambda b: (b.taken_at, b.path.name), reverse=True)


def table_counts(path: Path, key: bytes | None) -> dict[str, int]:
    """Rows per table (Alembic's bookkeeping left out)."""
    conn = connect_raw(path, key)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name")]
        return {name: int(conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]) for name in names}
    finally:
        conn.close()


def schema_revisions(path: Path, key: bytes | None) -> list[str]:
    conn = connect_raw(path, key)
    try:
        return sorted(r[0] for r in conn.execute("SELECT version_num FROM alembic_version"))
    except Exception:
        return []
    finally:
        conn.close()


def _private_dir(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise StoreError(_("The backup folder {folder} cannot be created: {reason}. If it is on a USB drive, "
                           "check that the drive is connected.").format(folder=folder, reason=exc.strerror)) from exc


def write_backup(db_path: Path, key: bytes | None, folder: Path, office_code: str, *, reason: str = "",
                 key_snapshot: dict[str, Any] | None = None, now: datetime | None = None,
                 progress: Callable[[int, int], None] | None = None, audit: dict[str, Any] | None = None,
                 file_keys: dict[str, bytes] | None = None) -> BackupFile:
    """Copy the live database into ``folder``, check the copy, write its metadata; return it.

    A copy that fails ``integrity_check`` is deleted and an error raised: only good backups remain.
    A database split in several files (:mod:`desktop.store.role_files`) is backed up as several: each
    role file beside the copy (``<backup>.people``, ``<backup>.training``), copied and checked with its
    key from ``file_keys`` when the person holds it, else copied as its encrypted bytes (a trainer's
    backup at sign-out copies the people file so).
    """
    _private_dir(folder)
    now = now or datetime.now(UTC)
    final = _claim_name(folder, f"enlace-{office_code}-{now.astimezone():%Y%m%d-%H%M%S}", reason)
    # The partial copy is this backup's own file: another backup started in the same second (two
    # sign-outs, two windows) never writes into it nor deletes it.
    partial = folder / f".{final.name}.{os.getpid()}.partial"
    parts = {name: folder / f".{final.name}.{name}.{os.getpid()}.partial" for name in NAMES
             if path_for(db_path, name).exists()}
    remove_backup_leftovers(folder)
    try:
        # One step: the copy reads one snapshot (WAL lets writers go on); in several steps every
        # write by another connection would restart it.
        backup_copy(db_path, partial, key, pages_per_step=-1, progress=progress)
        problems = integrity_check(partial, key) if partial.stat().st_size else [_("the copy is empty")]
        if problems:
            raise StoreError(_("The new backup failed its integrity check ({problem}); it was deleted. "
                               "The database itself was not changed.").format(problem=problems[0]))
        counts = table_counts(partial, key)
        files_meta = {}
        for name, part in parts.items():
            files_meta[name] = _copy_role_file(path_for(db_path, name), part, (file_keys or {}).get(name))
            counts.update(files_meta[name].pop("counts", {}))
        revisions = schema_revisions(partial, key)
        data = dict(key_snapshot or {"format": keys.FORMAT, "slots": {}})
        data["backup"] = {"created_at": now.isoformat(), "office": office_code, "reason": reason,
                          "encrypted": key is not None, "key_id": keys.key_id(key) if key else None,
                          "counts": counts, "schema": revisions, "integrity": "ok",
                          "source": db_path.name, "audit": audit, "files": files_meta}
        keys.write_private(sidecar_for(final), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        crash_point("backup:sidecar")
        for name, part in parts.items():  # the role files first: a backup whose .db exists is whole
            if Path(f"{part}-wal").exists():
                os.replace(f"{part}-wal", f"{path_for(final, name)}-wal")
            os.replace(part, path_for(final, name))
        os.replace(partial, final)
        fsync_dir(folder)
    except OSError as exc:
        _abandon(partial, final, parts)
        raise StoreError(_("The backup could not be written to {folder}: {reason}. If it is on a USB drive, "
                           "check that the drive is connected and has free space.").format(
            folder=folder, reason=exc.strerror or exc)) from exc
    except StoreError:
        _abandon(partial, final, parts)
        raise
    except Exception as exc:  # the database driver's own errors (a full disk, a locked or unreadable file)
        _abandon(partial, final, parts)
        if "full" in str(exc).lower():
            raise StoreError(_("There is not enough free space in {folder} for the backup. Free some space there "
                               "or choose another backup folder.").format(folder=folder)) from exc
        raise StoreError(_("The backup could not be made: {reason}. The database itself was not changed.").format(
            reason=exc)) from exc
    except BaseException:
        _abandon(partial, final, parts)
        raise
    described = describe(final)
    assert described is not None
    return described


def _claim_name(folder: Path, base: str, reason: str, suffix: str = ".db") -> Path:
    """A backup name nobody else uses, reserved at once by creating its key file exclusively.

    Two backups in the same second (two sign-outs, two Enlace windows) get ``…-2``, ``…-3``; the
    exclusive create works across processes and on a FAT-formatted USB drive.
    """
    counter = 1
    while True:
        tail = "-".join(part for part in (reason, str(counter) if counter > 1 else "") if part)
        final = folder / (f"{base}-{tail}{suffix}" if tail else f"{base}{suffix}")
        counter += 1
        if final.exists():
            continue
        try:
            os.close(os.open(sidecar_for(final), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            continue
        except OSError as exc:
            raise StoreError(_("The backup could not be written to {folder}: {reason}. If it is on a USB drive, "
                               "check that the drive is connected and has free space.").format(
                folder=folder, reason=exc.strerror or exc)) from exc
        return final


def _copy_role_file(source: Path, dest: Path, key: bytes | None) -> dict[str, Any]:
    """Copy a role file into a backup: with its key through the online backup API (then checked and
    counted), else its encrypted bytes and write-ahead log as they are, retried while it changes."""
    import shutil

    if key is not None:
        backup_copy(source, dest, key)
        problems = integrity_check(dest, key)
        if problems:
            raise StoreError(_("The new backup failed its integrity check ({problem}); it was deleted. "
                               "The database itself was not changed.").format(problem=problems[0]))
        return {"copied": "checked", "key_id": keys.key_id(key), "counts": table_counts(dest, key)}
    wal, dest_wal = Path(f"{source}-wal"), Path(f"{dest}-wal")

    def state() -> tuple:
        return tuple((p.stat().st_size, p.stat().st_mtime_ns) if p.exists() else None for p in (source, wal))

    for _attempt in range(5):
        before = state()
        shutil.copyfile(source, dest)
        dest_wal.unlink(missing_ok=True)
        if wal.exists() and wal.stat().st_size:
            shutil.copyfile(wal, dest_wal)
        if state() == before:
            from desktop.store.files import fsync_file

            fsync_file(dest)
            return {"copied": "bytes", "wal": dest_wal.exists()}
    dest_wal.unlink(missing_ok=True)
    raise StoreError(_("A file of the database kept changing while it was copied (someone else is working): the backup "
                       "was not made. It will be made at the next sign-out."))


def _abandon(partial: Path, final: Path, parts: dict[str, Path] | None = None) -> None:
    """A failed backup leaves nothing behind: its partial copies and its reserved name go."""
    for part in (parts or {}).values():
        for leftover in (part, Path(f"{part}-wal")):
            leftover.unlink(missing_ok=True)
    for leftover in (partial, sidecar_for(final) if not final.exists() else None):
        if leftover is not None:
            try:
                leftover.unlink(missing_ok=True)
            except OSError:
                pass


claim_name = _claim_name
private_dir = _private_dir


def rotation_victims(backups: list[BackupFile], daily: int = 7, weekly: int = 4, monthly: int = 12) -> list[BackupFile]:
    """Which backups to delete: keep the newest of each of the last 7 days, 4 weeks and 12 months.

    Everything from the 24 hours before the newest backup stays too (at most 24), so this
    morning's state survives this afternoon's backup. Safety copies (made before a restore or a
    conversion) are counted apart: the newest 5 stay.
    """
    regular = sorted((b for b in backups if not b.reason.startswith(SAFETY_PREFIX)),
                     key=lambda b: b.taken_at, reverse=True)
    safety = sorted((b for b in backups if b.reason.startswith(SAFETY_PREFIX)),
                    key=lambda b: b.taken_at, reverse=True)
    keep: set[Path] = {b.path for b in safety[:KEEP_SAFETY]}
    if regular:
        recent = [b for b in regular if regular[0].taken_at - b.taken_at < timedelta(hours=24)]
        keep.update(b.path for b in recent[:KEEP_RECENT])
    for limit, bucket in ((daily, lambda d: d.date()), (weekly, lambda d: d.isocalendar()[:2]),
                          (monthly, lambda d: (d.year, d.month))):
        seen: list[object] = []
        for b in regular:
            slot = bucket(b.taken_at)
            if slot in seen:
                continue
            if len(seen) >= limit:
                break
            seen.append(slot)
            keep.add(b.path)
    return [b for b in backups if b.path not in keep]


def delete_backup(backup: BackupFile) -> None:
    backup.path.unlink(missing_ok=True)
    role_parts = [Path(f"{path_for(backup.path, name)}{suffix}") for name in NAMES for suffix in ("", "-wal")]
    for companion in (*role_parts, sidecar_for(backup.path)):
        companion.unlink(missing_ok=True)


def check_backup(path: Path, key: bytes | None, file_keys: dict[str, bytes] | None = None) -> list[str]:
    """Problems of a backup file ([] when it is sound): integrity and, if encrypted, page MACs; its role
    files too (those whose keys ``file_keys`` gives), and any of them missing."""
    if not path.is_file():
        return [_("the file does not exist")]
    problems = integrity_check(path, key)
    for name in role_parts(path):
        part = path_for(path, name)
        if problems:
            break
        if not part.exists():
            problems = [_("its file {name} is missing").format(name=part.name)]
        elif (file_keys or {}).get(name) is not None:
            problems = integrity_check(part, file_keys[name])  # type: ignore[index]
    return problems


def role_parts(path: Path) -> list[str]:
    """The role files a backup was made with (each must come with it): :mod:`desktop.store.role_files`."""
    meta = read_sidecar(path).get("backup") or {}
    recorded = meta.get("files") if isinstance(meta, dict) else None
    recorded = recorded if isinstance(recorded, dict) else {}
    return [name for name in NAMES if name in recorded or path_for(path, name).exists()]


def stage_restore(backup_path: Path, key: bytes | None, target: Path) -> Path:
    """Copy a backup beside ``target`` (same key, same salt), synced and checked; the caller swaps it in.

    See :mod:`desktop.store.swap`: the copy is put in place together with its key file, so a crash
    leaves either the database as it was or the restored one, each with the key file that opens it.
    """
    from desktop.store.swap import aside

    return _checked_copy(backup_path, aside(target, "restoring"), key, "restore:copied")


def _checked_copy(source: Path, staging: Path, key: bytes | None, crash_name: str | None = None) -> Path:
    """``source`` copied at ``staging`` (same key and salt), synced and checked; nothing left on failure."""
    staging.unlink(missing_ok=True)
    try:
        backup_copy(source, staging, key)
        if crash_name:
            crash_point(crash_name)
        problems = integrity_check(staging, key)
        if problems:
            raise StoreError(_("The restored copy failed its integrity check; nothing was changed."))
    except BaseException:
        for leftover in (staging, Path(f"{staging}-journal")):
            leftover.unlink(missing_ok=True)
        raise
    return staging


def stage_restore_file(backup_path: Path, name: str, key: bytes, target: Path) -> Path:
    """The backup's role file ``name`` copied beside ``target`` (same key and salt), synced and checked."""
    from desktop.store.swap import aside

    source = path_for(backup_path, name)
    if not source.exists():
        raise StoreError(_("The backup {name} was made with a file ({file}) that is not beside it: copy all its "
                           "files, then try again. Nothing was changed.").format(name=backup_path.name,
                                                                                  file=source.name))
    return _checked_copy(source, aside(target, f"{name}-new"), key)
