"""The recovery key works alone (the database file or a backup, and the printed sheet), and an
account that loses access (deactivated, or its password reset after a leak) loses it in every
copy of the key file: the live database gets a new key, old backups keep theirs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.cli import main
from desktop.services import workspace
from desktop.services.core.errors import AuthError
from desktop.services.security import auth
from desktop.services.workspace import backup
from desktop.store import keys
from desktop.store.database import StoreError, connect_raw
from desktop.store.models import User
from tests.conftest import PASSWORD


def _users(path: Path, key: bytes) -> int:
    conn = connect_raw(path, key)
    try:
        return conn.execute("SELECT count(*) FROM user_account").fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("damage", ["deleted", "garbage", "another office's"])
def test_the_recovery_key_alone_gets_the_office_back_whatever_happened_to_the_key_file(
        encrypted_office, tmp_path, damage, monkeypatch, capsys) -> None:
    kf = keys.key_file_for(encrypted_office.path)
    if damage == "deleted":
        kf.unlink()
    elif damage == "garbage":
        kf.write_bytes(b"\x00" * 100)
    else:
        other = tmp_path / "other" / "enlace.db"
        ctx = workspace.create_office(other, workspace_form(), "admin", "Otra", PASSWORD)
        ctx.db.dispose()
        shutil.copy2(keys.key_file_for(other), kf)
    with pytest.raises((StoreError, AuthError)):
        workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD)
    monkeypatch.setenv("ENLACE_RECOVERY_KEY", encrypted_office.recovery_key)
    monkeypatch.setenv("ENLACE_PASSWORD", "back-in-business-1")
    assert main(["--lang", "en", "recover", "--db", str(encrypted_office.path), "--user", "admin"]) == 0
    out = capsys.readouterr().out
    assert "new password" in out and "clerk" in out  # the others need a reset: their slots were in the lost file
    ctx = workspace.open_signed_in(encrypted_office.path, "admin", "back-in-business-1")
    try:
        with ctx.db.session() as session:
            assert session.scalar(select(func.count()).select_from(User)) == 4
        clerk = next(u for u in auth.list_users(ctx) if u.username == "clerk")
        auth.reset_password(ctx, clerk.id, "desk-again-123")
    finally:
        ctx.db.dispose()
    workspace.open_signed_in(encrypted_office.path, "clerk", "desk-again-123").db.dispose()


def workspace_form():
    from desktop.services.office import OfficeForm

    return OfficeForm(code="OTR", name="Otra oficina", country="CO")


def test_a_backup_without_its_key_file_restores_with_the_recovery_key_alone(admin_enc, encrypted_office,
                                                                           tmp_path) -> None:
    made = backup.create_backup(admin_enc, tmp_path / "usb")
    admin_enc.db.dispose()
    keys.key_file_for(made.path).unlink()  # only the .db file reached the new PC
    target = tmp_path / "new-pc" / "enlace.db"
    recovery = workspace.Unlock(recovery_key=encrypted_office.recovery_key)
    assert backup.inspect_backup(made.path, unlock=recovery).ok
    backup.restore_backup(target, made.path, unlock=recovery)
    workspace.recover_access(target, encrypted_office.recovery_key, "admin", "new-pc-password-1")
    ctx = workspace.open_signed_in(target, "admin", "new-pc-password-1")
    try:
        assert len(auth.list_users(ctx)) == 4
    finally:
        ctx.db.dispose()


def test_a_deactivated_accounts_old_key_file_no_longer_opens_the_live_database(admin_enc, encrypted_office,
                                                                                tmp_path) -> None:
    path = encrypted_office.path
    old_key_file = tmp_path / "copy-of-the-key-file"
    shutil.copy2(keys.key_file_for(path), old_key_file)
    old_backup = backup.create_backup(admin_enc, tmp_path / "usb")
    clerk = next(u for u in auth.list_users(admin_enc) if u.username == "clerk")
    auth.update_user(admin_enc, clerk.id, active=False)

    # The clerk kept a copy of the key file: its slot still opens, but gives the old key.
    old = keys.KeyFile(old_key_file).unlock_with_password("clerk", PASSWORD)
    with pytest.raises(Exception, match=r"not a database|file is not"):
        _users(path, old.key)
    # The old backup keeps its key, and opens with the passwords of its day (the clerk's too).
    assert _users(old_backup.path, old.key) == 4
    # The live database works for everybody else, with the same passwords.
    assert _users(path, admin_enc.db.key) == 4
    for name in ("admin", "supervisor", "trainer"):
        workspace.open_signed_in(path, name, PASSWORD).db.dispose()
    with pytest.raises(AuthError):
        workspace.open_signed_in(path, "clerk", PASSWORD)
    # The administrator's session goes on with the new key.
    assert auth.list_users(admin_enc)


def test_a_reset_after_a_leak_shuts_out_the_old_password_in_every_copy(admin_enc, encrypted_office,
                                                                       tmp_path) -> None:
    path = encrypted_office.path
    leaked = tmp_path / "leaked.keys"
    shutil.copy2(keys.key_file_for(path), leaked)
    trainer = next(u for u in auth.list_users(admin_enc) if u.username == "trainer")
    auth.reset_password(admin_enc, trainer.id, "fresh-secret-42")
    old = keys.KeyFile(leaked).unlock_with_password("trainer", PASSWORD)
    with pytest.raises(Exception, match=r"not a database|file is not"):
        _users(path, old.key)
    with pytest.raises(AuthError):
        workspace.open_signed_in(path, "trainer", PASSWORD)
    workspace.open_signed_in(path, "trainer", "fresh-secret-42").db.dispose()


def test_deactivating_an_administrator_replaces_the_recovery_key(admin_enc, encrypted_office) -> None:
    second = auth.create_user(admin_enc, "segunda", "Segunda Admin", "admin", "second-admin-77")
    old_recovery = encrypted_office.recovery_key
    auth.update_user(admin_enc, second.id, active=False)
    new_recovery = workspace.take_recovery_key(admin_enc)
    assert new_recovery and new_recovery != old_recovery
    with pytest.raises(AuthError):
        workspace.open_store(encrypted_office.path, workspace.Unlock(recovery_key=old_recovery))
    admin_enc.db.dispose()
    workspace.open_store(encrypted_office.path, workspace.Unlock(recovery_key=new_recovery)).dispose()
    data = json.loads(keys.key_file_for(encrypted_office.path).read_text())
    assert "segunda" not in data["slots"] and "recovery" not in data
