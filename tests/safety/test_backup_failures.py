"""A backup that cannot be made is said, logged and leaves nothing behind; two at once never spoil each other.

The sign-out backup once failed with SQLCipher's "hmac check failed for page 1": two backups started in
the same second (two sign-outs, two windows) chose the same file name and wrote into the same partial copy;
one deleted or overwrote the other's file while it was being written and checked, so a check read a
half-written first page (or an empty copy passed as good). Each backup now reserves its own name first.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.services import workspace
from desktop.services.security import audit
from desktop.services.workspace import backup
from desktop.store import backup as files
from desktop.store.database import StoreError, integrity_check
from tests.conftest import PASSWORD


def _backup_events(ctx) -> list[str]:
    return [e.detail for e in audit.list_events(ctx, audit.AuditFilter(action="backup"))]


def _nothing_lost(ctx, before: dict[str, int]) -> None:
    assert integrity_check(ctx.db.path, ctx.db.key) == []
    assert backup.record_counts(ctx.db)["person"] == before["person"]


def test_backups_started_in_the_same_second_all_succeed(encrypted_office) -> None:
    contexts = [encrypted_office.sign_in() for _ in range(4)]
    now = datetime(2026, 12, 5, 13, 0, 0, tzinfo=UTC)
    folder = encrypted_office.path.parent / "backups"
    made, errors = [], []

    def run(ctx) -> None:
        try:
            made.append(files.write_backup(ctx.db.path, ctx.db.key, folder, "CUC", reason="close", now=now))
        except Exception as exc:  # collected: the test says which failed
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(ctx,)) for ctx in contexts]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({m.path for m in made}) == 4
    for m in made:
        assert m.size > 0 and integrity_check(m.path, contexts[0].db.key) == []
    assert not list(folder.glob(".*.partial"))
    for ctx in contexts:
        ctx.db.dispose()


def test_sign_outs_at_the_same_moment_each_leave_a_good_backup(encrypted_office) -> None:
    contexts = [encrypted_office.sign_in() for _ in range(3)]
    for ctx in contexts:
        workspace.sign_out(ctx)
    backup.wait_for_background_backups()
    ctx = encrypted_office.sign_in()
    assert [b.reason for b in backup.list_backups(ctx)] == ["close"] * 3
    assert all('"ok": true' in d for d in _backup_events(ctx))
    assert not backup.backup_status(ctx.db).detail
    ctx.db.dispose()


def test_a_read_only_backup_folder_is_said_logged_and_loses_nothing(admin_enc, tmp_path, monkeypatch) -> None:
    target = tmp_path / "usb"
    target.mkdir()
    before = backup.record_counts(admin_enc.db)
    real_open = os.open

    def read_only(path, flags, *args):  # root ignores file modes: the drive refuses as a read-only one does
        if str(path).startswith(str(target)) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(files.os, "open", read_only)
    with pytest.raises(StoreError, match="Read-only file system"):
        backup.create_backup(admin_enc, target)
    assert list(target.iterdir()) == []
    event = _backup_events(admin_enc)[0]
    assert '"ok": false' in event and "Read-only" in event
    status = backup.backup_status(admin_enc.db)
    assert status.overdue and status.text.startswith("The last backup failed") and "Read-only" in status.detail
    _nothing_lost(admin_enc, before)
    monkeypatch.undo()
    backup.create_backup(admin_enc, target)  # the drive works again: the warning goes
    assert not backup.backup_status(admin_enc.db).detail


def test_a_full_disk_is_said_logged_and_loses_nothing(admin_enc, tmp_path, monkeypatch) -> None:
    target = tmp_path / "usb"
    before = backup.record_counts(admin_enc.db)
    old = backup.create_backup(admin_enc, target)

    def fills_the_disk(src, dest, key=None, **_kwargs):
        Path(dest).write_bytes(b"\0" * 4096)
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(files, "backup_copy", fills_the_disk)
    with pytest.raises(StoreError, match="not enough free space"):
        backup.create_backup(admin_enc, target)
    made = [old.path.name + suffix for suffix in ("", ".keys", ".people", ".training")]
    assert sorted(p.name for p in target.iterdir()) == sorted(made)
    assert integrity_check(old.path, admin_enc.db.key) == []  # the earlier backup is untouched
    assert "not enough free space" in _backup_events(admin_enc)[0]
    _nothing_lost(admin_enc, before)


def test_a_real_tiny_full_drive(admin_enc, tmp_path) -> None:
    """With a 64 KB tmpfs (needs root and mount rights; skipped elsewhere): the real ENOSPC path."""
    target = tmp_path / "tiny"
    target.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs is not permitted here")
    try:
        with pytest.raises(StoreError, match="not enough free space"):
            backup.create_backup(admin_enc, target)
        assert list(target.iterdir()) == []
    finally:
        subprocess.run(["umount", str(target)], check=True)
    assert "not enough free space" in _backup_events(admin_enc)[0]


def test_a_failed_sign_out_backup_is_reported(encrypted_office, tmp_path, monkeypatch) -> None:
    ctx = encrypted_office.sign_in()
    said: list[str] = []
    monkeypatch.setattr(files, "backup_copy", lambda *a, **k: (_ for _ in ()).throw(
        sqlite3.DatabaseError("file is not a database")))
    workspace.sign_out(ctx, on_backup_failure=said.append)
    backup.wait_for_background_backups()
    assert said and "signed out failed" in said[0] and "file is not a database" in said[0]
    again = workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD)
    assert backup.backup_status(again.db).text.startswith("The last backup failed")
    again.db.dispose()
