"""Replacing a database file and its key file together, so that no crash leaves a pair that does not open.

A job that replaces a database (encrypting it, restoring a backup, rotating its key) first
writes the new files aside (``.<name>.<pid>.<job>``, fsync), then a small journal
``.<name>.swap`` naming them (the commit point), then renames them into place and deletes the
journal. Before the journal exists, a crash leaves only files aside, never read as a database
and removed on the next start (:func:`clean_leftovers`); after it, the next start finishes the
renames (:func:`finish_swap`). No step renames, replaces or re-creates a database on its own
outside this journal.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

from desktop.i18n import _
from desktop.store.files import StoreError, crash_point, fsync_dir, pid_alive

JOBS = ("encrypting", "restoring", "rotating", "creating", "keys-new", "partial", "splitting", "people-new",
        "training-new")
LEFTOVER_SUFFIXES = (*JOBS, "tmp")  # "tmp": a key file write cut off (see keys.write_private)


def key_path(target: Path) -> Path:
    return Path(f"{target}.keys")


def journal_for(target: Path) -> Path:
    return target.with_name(f".{target.name}.swap")


def aside(target: Path, job: str) -> Path:
    """A file beside ``target`` for a job of this process (never taken for a database)."""
    assert job in JOBS
    return target.with_name(f".{target.name}.{os.getpid()}.{job}")


def _write_journal(journal: Path, data: dict) -> None:
    from desktop.store.keys import write_private

    write_private(journal, json.dumps(data, sort_keys=True).encode("utf-8"))


def role_file(target: Path, name: str) -> Path:
    from desktop.store.role_files import path_for

    return path_for(target, name)


def commit_swap(target: Path, *, db_from: Path | None = None, keys_from: Path | None = None,
                drop_keys: bool = False, files_from: dict[str, Path] | None = None,
                drop_files: tuple[str, ...] = ()) -> None:
    """Put ``db_from`` at ``target``, ``keys_from`` at its key file (or set the key file aside), each of
    ``files_from`` at its role file (:mod:`desktop.store.role_files`), and set the role files of
    ``drop_files`` aside.

    Every file must already be written and synced. Once the journal is written the change
    happens, now or at the next start.
    """
    journal = journal_for(target)
    _write_journal(journal, {"db_from": db_from.name if db_from else None,
                             "keys_from": keys_from.name if keys_from else None, "drop_keys": drop_keys,
                             "files_from": {name: path.name for name, path in (files_from or {}).items()},
                             "drop_files": list(drop_files)})
    fsync_dir(target.parent)
    crash_point("swap:journal")
    finish_swap(target)


def finish_swap(target: Path) -> bool:
    """Finish a replacement whose journal was written (idempotent); True when there was one."""
    journal = journal_for(target)
    if not journal.exists():
        return False
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(_("An interrupted change of {path} cannot be finished: its journal {journal} is "
                           "unreadable. Do not delete anything; restore the newest backup, or ask for help.").format(
            path=target, journal=journal)) from exc
    folder = target.parent
    db_from = folder / data["db_from"] if data.get("db_from") else None
    keys_from = folder / data["keys_from"] if data.get("keys_from") else None
    try:
        for name, from_name in sorted((data.get("files_from") or {}).items()):  # the role files first
            role_from, rf = folder / from_name, role_file(target, name)
            if role_from.exists():
                for suffix in ("-wal", "-shm"):
                    Path(f"{rf}{suffix}").unlink(missing_ok=True)  # they belong to the file being replaced
                os.replace(role_from, rf)
                fsync_dir(folder)
                crash_point(f"swap:{name}")
        for name in data.get("drop_files") or ():
            rf = role_file(target, name)
            if rf.exists():
                kept = f"{rf}.replaced-{datetime.now():%Y%m%d-%H%M%S}"
                for suffix in ("-wal", "-shm", ""):  # with its write-ahead log: the copy set aside stays whole
                    if Path(f"{rf}{suffix}").exists():
                        os.replace(f"{rf}{suffix}", f"{kept}{suffix}")
                fsync_dir(folder)
        if db_from is not None and db_from.exists():
            for suffix in ("-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)  # they belong to the file being replaced
            crash_point("swap:old-wal-removed")
            os.replace(db_from, target)
            fsync_dir(folder)
            crash_point("swap:database")
        kp = key_path(target)
        if keys_from is not None and keys_from.exists():
            os.replace(keys_from, kp)
            fsync_dir(folder)
            crash_point("swap:keys")
        elif data.get("drop_keys") and kp.exists():
            os.replace(kp, kp.with_name(f"{kp.name}.replaced-{datetime.now():%Y%m%d-%H%M%S}"))
            fsync_dir(folder)
        journal.unlink()
        fsync_dir(folder)
    except OSError as exc:
        raise StoreError(_("An interrupted change of {path} could not be finished ({reason}). Free some space or "
                           "fix the folder's permissions and start Enlace again; nothing is lost.").format(
            path=target, reason=exc.strerror or exc)) from exc
    return True


def _owner_pid(leftover: Path, target: Path) -> int | None:
    for part in leftover.name.lstrip(".")[len(f"{target.name}."):].split("."):
        if part.isdigit():
            return int(part)
    return None


def clean_leftovers(target: Path) -> list[Path]:
    """Remove files aside left by jobs cut off before their commit point; finish a committed swap first."""
    finish_swap(target)
    removed: list[Path] = []
    try:
        # ".." : the temporary file of a key file written aside (keys.write_private of ".<name>.<pid>.keys-new")
        candidates = [*target.parent.glob(f".{target.name}.*"), *target.parent.glob(f"..{target.name}.*")]
    except OSError:
        return removed
    for leftover in candidates:
        if leftover.name.split(".")[-1] not in LEFTOVER_SUFFIXES:
            continue
        pid = _owner_pid(leftover, target)
        try:
            stale = (pid is not None and pid != os.getpid() and not pid_alive(pid)) or (
                time.time() - leftover.stat().st_mtime > 86_400)
            if stale:
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            pass
    return removed


def remove_backup_leftovers(folder: Path) -> list[Path]:
    """Copies (and their SQLite journals) left in a backup folder by a backup that was cut off."""
    removed: list[Path] = []
    try:
        candidates = [p for p in folder.glob(".enlace-*.db.*") if ".partial" in p.name]
    except OSError:
        return removed
    for leftover in candidates:
        parts = leftover.name.split(".")
        pid = next((int(part) for part in parts if part.isdigit()), None)
        try:
            if (pid is not None and pid != os.getpid() and not pid_alive(pid)) or (
                    time.time() - leftover.stat().st_mtime > 86_400):
                leftover.unlink()
                removed.append(leftover)
        except OSError:
            pass
    return removed
