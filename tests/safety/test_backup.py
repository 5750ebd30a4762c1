"""Backups: encrypted online copies, checks, rotation, status, and restore (CLI and service)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.cli import main
from desktop.services import workspace
from desktop.services.core.errors import AuthError, PermissionDenied, ValidationError
from desktop.services.security import audit, auth
from desktop.services.workspace import backup
from desktop.store import backup as files
from desktop.store import keys
from desktop.store.database import StoreError
from desktop.store.models import CatalogItem
from tests.conftest import PASSWORD
from tests.safety.helpers import printable_strings, readable_by_sqlite3, stored_texts


def _add_items(ctx, n: int, prefix: str = "item") -> None:
    with ctx.db.transaction() as session:
        for i in range(n):
            session.add(CatalogItem(catalog="test", code=f"{prefix}-{i}", label_es=f"Elemento número {prefix} {i}",
                                    label_en=f"Item {prefix} {i}", created_by="admin", updated_by="admin"))


def _catalog_items(ctx) -> int:
    """Catalog rows already there (setup seeds the people and training catalogs)."""
    with ctx.db.session() as session:
        return len(session.scalars(select(CatalogItem.id)).all())


def test_a_backup_is_encrypted_checked_and_hides_every_stored_name(admin_enc) -> None:
    made = backup.create_backup(admin_enc)
    assert made.encrypted and made.path.parent == admin_enc.db.path.parent / "backups"
    assert made.counts["user_account"] == 4
    assert not readable_by_sqlite3(made.path)
    dump = printable_strings(made.path)
    texts = stored_texts(admin_enc.db)
    assert texts and not [t for t in texts if t in dump]
    assert files.check_backup(made.path, admin_enc.db.key) == []
    assert backup.list_backups(admin_enc)[0].path == made.path


def test_a_backup_made_while_someone_writes_is_consistent(admin_enc) -> None:
    seeded = _catalog_items(admin_enc)
    _add_items(admin_enc, 200, "base")
    stop = threading.Event()

    def writer() -> None:
        n = 0
        while not stop.is_set():
            _add_items(admin_enc, 5, f"w{n}")
            n += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        made = [backup.create_backup(admin_enc) for _ in range(3)]
    finally:
        stop.set()
        thread.join()
    for b in made:
        summary = backup.inspect_backup(b.path, [admin_enc.db.key])
        assert summary.ok
        assert (summary.counts["catalog_item"] - seeded) % 5 == 0  # whole transactions only


def test_status_warns_when_the_last_good_backup_is_older_than_two_days(admin_enc) -> None:
    assert backup.backup_status(admin_enc.db).overdue
    backup.create_backup(admin_enc)
    now = datetime.now(UTC)
    assert not backup.backup_status(admin_enc.db, now).overdue
    later = backup.backup_status(admin_enc.db, now + timedelta(days=2, hours=1))
    assert later.overdue and "more than two days" in later.text
    assert backup.daily_backup_due(admin_enc.db, now + timedelta(hours=25))
    assert backup.run_daily_backup_if_due(admin_enc) is None  # one was just made


def test_a_missing_usb_drive_is_a_clear_message_and_is_logged(admin_enc, tmp_path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="USB drive"):
        backup.create_backup(admin_enc, blocker / "backups")
    events = audit.list_events(admin_enc, audit.AuditFilter(action="backup"))
    assert events and '"ok": false' in events[0].detail
    assert backup.backup_status(admin_enc.db).last_at is None


def test_clerks_get_automatic_backups_but_cannot_make_manual_ones(encrypted_office) -> None:
    clerk = encrypted_office.sign_in("clerk")
    with pytest.raises(PermissionDenied):
        backup.create_backup(clerk)
    workspace.sign_out(clerk)  # the closing backup, in the background
    backup.wait_for_background_backups(30)
    [made] = files.list_backups(encrypted_office.path.parent / "backups")
    assert made.reason == "close"


def test_the_configured_backup_folder_is_used(admin_enc, tmp_path) -> None:
    from desktop.services.office import set_setting

    usb = tmp_path / "usb" / "respaldos"
    set_setting(admin_enc, "backup_dir", str(usb))
    made = backup.create_backup(admin_enc)
    assert made.path.parent == usb


def _fake(folder: Path, when: datetime, reason: str = "") -> files.BackupFile:
    return files.BackupFile(folder / f"enlace-X-{when:%Y%m%d-%H%M%S}.db", "X", when, reason, 1)


def test_rotation_keeps_seven_daily_four_weekly_and_twelve_monthly(tmp_path) -> None:
    start = datetime(2026, 11, 23, 18, 0)
    backups = [_fake(tmp_path, start - timedelta(hours=6 * i)) for i in range(4 * 400)]  # 4 a day, 400 days
    backups += [_fake(tmp_path, start - timedelta(days=i, hours=1), "pre-restore") for i in range(8)]
    victims = {b.path for b in files.rotation_victims(backups)}
    kept = [b for b in backups if b.path not in victims]
    regular = [b for b in kept if not b.reason]
    recent = [b for b in regular if start - b.taken_at < timedelta(hours=24)]
    older = [b for b in regular if b not in recent]
    assert len(recent) == 4  # the last day's backups all stay
    assert len({b.taken_at.date() for b in regular if b.taken_at > start - timedelta(days=7)}) == 7
    assert len({(b.taken_at.year, b.taken_at.month) for b in regular}) == 12
    assert len(older) <= 6 + 4 + 12 and len({b.taken_at.date() for b in older}) == len(older)
    assert max(b.taken_at for b in regular) == start  # the newest always stays
    assert min(b.taken_at for b in regular) > start - timedelta(days=366)
    assert len([b for b in kept if b.reason]) == files.KEEP_SAFETY


def test_rotation_runs_after_each_backup(admin_enc) -> None:
    folder = admin_enc.db.path.parent / "backups"
    folder.mkdir(mode=0o700, exist_ok=True)
    for day in range(1, 11):  # ten old daily backups from November 2025
        (folder / f"enlace-CUC-202511{day:02d}-120000.db").write_bytes(b"old")
    backup.create_backup(admin_enc)
    left = files.list_backups(folder)
    # Kept: today's; the newest of the last 7 days that have backups (Nov 10 back to Nov 5); the
    # newest of the last 4 weeks that have backups (adds Sunday Nov 2). Nov 1, 3 and 4 go.
    assert left[0].taken_at.date() == datetime.now().date()
    assert sorted(b.taken_at.day for b in left[1:]) == [2, 5, 6, 7, 8, 9, 10]


def test_restore_into_a_fresh_folder_gives_the_same_counts_and_a_sound_audit_log(admin_enc, tmp_path,
                                                                                  monkeypatch, capsys) -> None:
    _add_items(admin_enc, 25)
    expected = backup.record_counts(admin_enc.db)
    location = str(admin_enc.db.path)
    admin_enc.db.dispose()
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "--db", location, "backup", "create", "--user", "admin",
                 "--to", str(tmp_path / "usb")]) == 0
    path = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert path.is_file() and path.parent == tmp_path / "usb"

    assert main(["--lang", "en", "backup", "verify", str(path), "--user", "admin"]) == 0
    out = capsys.readouterr().out
    assert "Backup sound" in out and "Users" in out
    assert main(["--lang", "en", "backup", "list", "--to", str(tmp_path / "usb"), "--format", "csv"]) == 0
    assert str(path) in capsys.readouterr().out

    fresh = tmp_path / "new-pc" / "enlace.db"
    assert main(["--lang", "en", "--db", str(fresh), "backup", "restore", str(path), "--user", "admin"]) == 0
    assert "Restored the backup" in capsys.readouterr().out
    assert main(["--lang", "en", "--db", str(fresh), "audit", "verify", "--user", "admin"]) == 0
    workspace.open_signed_in(fresh, "clerk", PASSWORD).db.dispose()  # the passwords of the backup's day
    ctx = workspace.open_signed_in(fresh, "admin", PASSWORD)  # who reads every file
    try:
        counts = backup.record_counts(ctx.db)
    finally:
        ctx.db.dispose()
    assert {k: v for k, v in counts.items() if k != "audit_event"} == \
        {k: v for k, v in expected.items() if k != "audit_event"}
    assert counts["audit_event"] > expected["audit_event"]  # plus the backup, restore and sign-in events
    assert not readable_by_sqlite3(fresh)


def test_a_clerk_cannot_restore_into_a_fresh_folder(admin_enc, tmp_path) -> None:
    made = backup.create_backup(admin_enc)
    with pytest.raises(PermissionDenied):
        backup.restore_backup(tmp_path / "x" / "enlace.db", made.path,
                              unlock=workspace.Unlock("clerk", PASSWORD))
    with pytest.raises(AuthError):
        backup.restore_backup(tmp_path / "x" / "enlace.db", made.path,
                              unlock=workspace.Unlock("admin", "wrong-password"))


def test_the_recovery_key_opens_a_backup(admin_enc, encrypted_office, tmp_path) -> None:
    made = backup.create_backup(admin_enc)
    summary = backup.inspect_backup(made.path, unlock=workspace.Unlock(recovery_key=encrypted_office.recovery_key))
    assert summary.ok and summary.counts["user_account"] == 4


def test_restore_over_the_current_database_backs_it_up_first(admin_enc, encrypted_office) -> None:
    seeded = _catalog_items(admin_enc)
    made = backup.create_backup(admin_enc)
    _add_items(admin_enc, 10, "after")
    clerk = next(u for u in auth.list_users(admin_enc) if u.username == "clerk")
    auth.reset_password(admin_enc, clerk.id, "changed-after-9")
    # The reset gave the database a new key; the backup keeps its own (the administrator's master key opens it).
    assert backup.inspect_backup(made.path, [admin_enc.db.key], masters=[admin_enc.db.keyring.master]).ok
    summary = backup.inspect_backup(made.path, unlock=workspace.Unlock("admin", PASSWORD))
    assert summary.counts.get("catalog_item", 0) == seeded and summary.created_at is not None

    result = backup.restore_backup(encrypted_office.path, made.path, ctx=admin_enc)
    assert result.safety_backup is not None and result.safety_backup.name.endswith("-pre-restore.db")
    ctx = workspace.open_signed_in(encrypted_office.path, "clerk", PASSWORD)  # the backup's password again
    try:
        with ctx.db.session() as session:
            assert session.scalars(select(CatalogItem).where(CatalogItem.catalog == "test")).all() == []
        assert audit.verify_chain(ctx.db).ok
    finally:
        ctx.db.dispose()
    admin = encrypted_office.sign_in()
    try:
        [event] = audit.list_events(admin, audit.AuditFilter(action="restore"))
        assert event.username == "admin" and event.entity_id == made.path.name
    finally:
        admin.db.dispose()
    # The safety copy still has the rows added after the backup.
    safety = backup.inspect_backup(result.safety_backup, unlock=workspace.Unlock("admin", PASSWORD))
    assert safety.counts["catalog_item"] == seeded + 10
    # The recovery key printed at setup still opens the restored database.
    workspace.open_store(encrypted_office.path, workspace.Unlock(recovery_key=encrypted_office.recovery_key)).dispose()


def test_a_damaged_backup_is_reported_and_never_restored(admin_enc, encrypted_office, monkeypatch, capsys) -> None:
    made = backup.create_backup(admin_enc)
    data = bytearray(made.path.read_bytes())
    data[5000:5100] = b"\0" * 100
    made.path.write_bytes(bytes(data))
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "backup", "verify", str(made.path), "--user", "admin"]) == 1
    assert "damaged" in capsys.readouterr().out
    with pytest.raises(ValidationError, match="damaged"):
        backup.restore_backup(encrypted_office.path, made.path, ctx=admin_enc)
    ctx = encrypted_office.sign_in()  # the current database is untouched
    ctx.db.dispose()


def test_a_plain_backup_of_a_plain_database_restores_too(admin_ctx, tmp_path) -> None:
    made = backup.create_backup(admin_ctx)
    assert not made.encrypted and readable_by_sqlite3(made.path)
    fresh = tmp_path / "fresh" / "enlace.db"
    backup.restore_backup(fresh, made.path, unlock=workspace.Unlock("admin", PASSWORD))
    ctx = workspace.open_signed_in(fresh, "admin", PASSWORD)
    assert audit.verify_chain(ctx.db).ok
    ctx.db.dispose()
    assert not keys.key_file_for(fresh).exists()


def test_backup_files_are_private(admin_enc) -> None:
    import os
    import stat

    made = backup.create_backup(admin_enc)
    if os.name == "posix":
        assert stat.S_IMODE(made.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(files.sidecar_for(made.path).stat().st_mode) == 0o600
        assert stat.S_IMODE(made.path.parent.stat().st_mode) == 0o700


def test_a_clerks_backup_at_sign_out_carries_the_training_file_it_cannot_open(encrypted_office, tmp_path) -> None:
    """The clerk's automatic backup copies the training file as its encrypted bytes (the clerk holds no key
    to it); restored by the administrator, the course is there and every file checks out."""
    from desktop.services import training
    from desktop.store import role_files
    from tests.training.helpers import PEOPLE, make_course

    trainer = encrypted_office.sign_in("trainer")
    try:
        make_course(trainer, code="COPIA-1", people=PEOPLE[:2], sessions=1, signatories=False)
    finally:
        trainer.db.dispose()
    clerk = encrypted_office.sign_in("clerk")
    assert "training" not in clerk.db.files
    made = backup.backup_at_close(clerk, wait=True)
    assert made is not None
    assert role_files.path_for(made.path, "training").is_file() and role_files.path_for(made.path, "people").is_file()
    assert files.read_sidecar(made.path)["backup"]["files"]["training"]["copied"] == "bytes"
    fresh = tmp_path / "new-pc" / "enlace.db"
    summary = backup.inspect_backup(made.path, unlock=workspace.Unlock("admin", PASSWORD))
    assert summary.problems == [] and summary.counts["course"] == 1
    backup.restore_backup(fresh, made.path, unlock=workspace.Unlock("admin", PASSWORD))
    admin = workspace.open_signed_in(fresh, "admin", PASSWORD)
    try:
        assert [c.code for c in training.list_courses(admin)] == ["COPIA-1"]
    finally:
        admin.db.dispose()


def test_a_backup_without_its_role_files_is_refused_whole(admin_enc, tmp_path) -> None:
    from desktop.store import role_files

    made = backup.create_backup(admin_enc, tmp_path / "usb")
    role_files.path_for(made.path, "people").unlink()
    summary = backup.inspect_backup(made.path, known_keys=[admin_enc.db.key])
    assert summary.problems and "people" in summary.problems[0]
    with pytest.raises((ValidationError, StoreError)):
        backup.restore_backup(tmp_path / "new-pc" / "enlace.db", made.path,
                              unlock=workspace.Unlock("admin", PASSWORD))
    assert not (tmp_path / "new-pc" / "enlace.db").exists()
