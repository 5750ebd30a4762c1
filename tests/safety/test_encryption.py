"""Encryption at rest: the key file, sign-in with it, lockout while the database is shut, recovery."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from desktop.cli import main
from desktop.services import workspace
from desktop.services.core.errors import AuthError, ValidationError
from desktop.services.security import auth
from desktop.services.security.audit import AuditFilter, list_events, verify_chain
from desktop.services.workspace import backup
from desktop.store import key_sessions, keys
from desktop.store.database import UnreadableDatabaseError, open_database
from desktop.store.models import User
from tests.conftest import PASSWORD
from tests.safety.conftest import OFFICE_NAME
from tests.safety.helpers import printable_strings, readable_by_sqlite3, stored_texts

WRONG = "Wrong user name or password."


def test_a_new_office_database_is_encrypted_and_unreadable_without_its_key(encrypted_office) -> None:
    path = encrypted_office.path
    assert workspace.is_encrypted(path)
    assert not readable_by_sqlite3(path)
    assert path.read_bytes()[:16] != b"SQLite format 3\x00"
    with pytest.raises(UnreadableDatabaseError):
        open_database(path)  # no key
    ctx = encrypted_office.sign_in()
    try:
        texts = stored_texts(ctx.db)
    finally:
        ctx.db.dispose()
    assert OFFICE_NAME in texts and "Clerk Peñaranda" in texts
    dump = printable_strings(path)
    assert not [t for t in texts if t in dump]


def test_the_key_file_holds_no_key_and_is_private_like_the_folder(encrypted_office) -> None:
    kf = keys.key_file_for(encrypted_office.path)
    data = json.loads(kf.read_text())
    assert set(data["slots"]) == {"admin", "clerk", "supervisor", "trainer"}
    assert data["office"] == {"code": "CUC", "name": OFFICE_NAME, "is_demo": False}
    ctx = encrypted_office.sign_in()
    key_hex = ctx.db.key.hex()
    ctx.db.dispose()
    assert key_hex not in kf.read_text() and encrypted_office.recovery_key not in kf.read_text()
    if os.name == "posix":
        assert stat.S_IMODE(kf.stat().st_mode) == 0o600
        assert stat.S_IMODE(encrypted_office.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(encrypted_office.path.parent.stat().st_mode) == 0o700


def test_sign_in_screen_reads_office_name_and_setup_state_without_the_key(encrypted_office, tmp_path) -> None:
    assert workspace.office_label(encrypted_office.path) == OFFICE_NAME
    assert not workspace.needs_setup(encrypted_office.path)
    assert not workspace.is_demo(encrypted_office.path)
    assert workspace.needs_setup(tmp_path / "elsewhere" / "enlace.db")


def test_wrong_password_and_unknown_user_get_the_same_clear_message(encrypted_office) -> None:
    for username, password in (("clerk", "not-the-password"), ("nobody", PASSWORD), ("", "")):
        with pytest.raises(AuthError) as info:
            workspace.open_signed_in(encrypted_office.path, username, password)
        assert str(info.value) == WRONG


def test_five_failures_lock_the_account_while_the_database_is_shut_and_the_log_keeps_them(encrypted_office) -> None:
    path = encrypted_office.path
    for _attempt in range(4):
        with pytest.raises(AuthError, match=WRONG):
            workspace.open_signed_in(path, "clerk", "guess-guess-guess")
    with pytest.raises(AuthError, match="locked for 15 minutes"):
        workspace.open_signed_in(path, "clerk", "guess-guess-guess")
    with pytest.raises(AuthError, match="locked until"):
        workspace.open_signed_in(path, "clerk", PASSWORD)  # even the right password waits

    admin = encrypted_office.sign_in()
    try:
        events = list_events(admin, AuditFilter(username="clerk"))
        assert [e.action for e in events].count("login_failed") == 5
        assert any(e.action == "lockout" for e in events)
        clerk = next(u for u in auth.list_users(admin) if u.username == "clerk")
        assert clerk.locked  # the administrator sees the lock
        auth.unlock_user(admin, clerk.id)
        assert verify_chain(admin.db).ok
    finally:
        admin.db.dispose()
    workspace.open_signed_in(path, "clerk", PASSWORD).db.dispose()


def test_changing_a_password_rewraps_the_key(encrypted_office) -> None:
    ctx = encrypted_office.sign_in("clerk")
    auth.change_own_password(ctx, PASSWORD, "a-new-secret-42")
    ctx.db.dispose()
    with pytest.raises(AuthError, match=WRONG):
        workspace.open_signed_in(encrypted_office.path, "clerk", PASSWORD)
    workspace.open_signed_in(encrypted_office.path, "clerk", "a-new-secret-42").db.dispose()
    slots = json.loads(keys.key_file_for(encrypted_office.path).read_text())["slots"]
    assert len(slots["clerk"]) == 1  # the old wrap is gone once the new password is proven


def test_an_administrator_reset_rewraps_the_key_for_the_new_password(admin_enc, encrypted_office) -> None:
    trainer = next(u for u in auth.list_users(admin_enc) if u.username == "trainer")
    auth.reset_password(admin_enc, trainer.id, "temporary-pass-7")
    ctx = workspace.open_signed_in(encrypted_office.path, "trainer", "temporary-pass-7")
    assert auth.must_change_password(ctx)
    ctx.db.dispose()


def test_a_crash_between_key_file_and_commit_locks_nobody_out(admin_enc, encrypted_office) -> None:
    """The key file is rewrapped inside the transaction; if the commit never happens, the old password works."""
    with pytest.raises(RuntimeError), admin_enc.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == "clerk"))
        user.password_hash = auth.hash_password("never-committed-1")
        key_sessions.stage_password(session, "clerk", "never-committed-1")
        raise RuntimeError("power cut")
    workspace.open_signed_in(encrypted_office.path, "clerk", PASSWORD).db.dispose()
    with pytest.raises(AuthError, match=WRONG):
        workspace.open_signed_in(encrypted_office.path, "clerk", "never-committed-1")


def test_a_user_created_later_can_sign_in(admin_enc, encrypted_office) -> None:
    auth.create_user(admin_enc, "rocio", "Rocío Ibáñez", "clerk", "desk-secret-99")
    workspace.open_signed_in(encrypted_office.path, "Rocio", "desk-secret-99").db.dispose()


def test_recovery_key_gives_an_administrator_a_new_password(encrypted_office) -> None:
    typed = encrypted_office.recovery_key.lower().replace("-", " ")
    with pytest.raises(ValidationError, match="administrator"):
        workspace.recover_access(encrypted_office.path, typed, "clerk", "whatever-pass-1")
    with pytest.raises(AuthError, match="does not open"):
        workspace.recover_access(encrypted_office.path, keys.new_recovery_key(), "admin", "whatever-pass-1")
    workspace.recover_access(encrypted_office.path, typed, "admin", "brand-new-pass-1")
    ctx = workspace.open_signed_in(encrypted_office.path, "admin", "brand-new-pass-1")
    try:
        assert any(e.username == "recovery" for e in list_events(ctx, AuditFilter(action="update")))
    finally:
        ctx.db.dispose()


def test_a_new_recovery_key_replaces_the_old_one(admin_enc, encrypted_office) -> None:
    new = workspace.new_recovery_key(admin_enc)
    with pytest.raises(AuthError):
        workspace.open_store(encrypted_office.path, workspace.Unlock(recovery_key=encrypted_office.recovery_key))
    workspace.open_store(encrypted_office.path, workspace.Unlock(recovery_key=new)).dispose()


def test_recovery_sheet_shows_the_key_as_text_and_as_a_full_qr(admin_enc, encrypted_office, tmp_path) -> None:
    import shutil
    import subprocess

    pdf = workspace.recovery_sheet(admin_enc, encrypted_office.recovery_key)
    assert pdf.startswith(b"%PDF")
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg") and shutil.which("pdftotext")):
        pytest.skip("poppler and zbar are not installed")
    sheet = tmp_path / "sheet.pdf"
    sheet.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(sheet), "-"], capture_output=True, text=True, check=True).stdout
    groups = encrypted_office.recovery_key.split("-")
    assert " - ".join(groups[:4]) in text and " - ".join(groups[4:]) in text
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(sheet), str(tmp_path / "page")], check=True)
    scan = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("page*.png")))],
                          capture_output=True, text=True)
    assert scan.stdout.strip() == encrypted_office.recovery_key


def test_a_damaged_or_missing_key_file_is_a_clear_message(encrypted_office) -> None:
    from desktop.store.database import StoreError

    kf = keys.key_file_for(encrypted_office.path)
    kf.write_text("{ not json")
    with pytest.raises(StoreError, match="damaged"):
        workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD)
    kf.unlink()
    with pytest.raises(StoreError, match="missing"):
        workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD)


def test_a_setup_that_fails_leaves_no_half_made_encrypted_file(tmp_path) -> None:
    from desktop.services.office import OfficeForm

    path = tmp_path / "new.db"
    with pytest.raises(ValidationError):
        workspace.create_office(path, OfficeForm(code="B", name="", country="Colombia"), "admin", "Ana", PASSWORD)
    assert not path.exists() and not keys.key_file_for(path).exists()
    assert workspace.needs_setup(path)


def test_headless_commands_authenticate_on_an_encrypted_demo(tmp_path, monkeypatch, capsys) -> None:
    db = str(tmp_path / "x.db")
    assert main(["--lang", "en", "demo", "--db", db]) == 0
    out = capsys.readouterr().out
    assert "recovery key" in out
    recovery = out.strip().splitlines()[-1].split(": ")[-1]
    assert keys.normalize_recovery_key(recovery) == recovery
    assert workspace.is_demo(db)

    # A demo's passwords are public: verifying it needs no account (its administrator opens it).
    assert main(["--lang", "en", "--db", db, "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["--lang", "en", "--db", db, "users"]) == 3  # acting as someone still needs --user
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("ENLACE_PASSWORD", "enlace-demo")
    assert main(["--lang", "en", "--db", db, "audit", "verify", "--user", "admin"]) == 0
    assert "intact" in capsys.readouterr().out
    assert main(["--lang", "en", "--db", db, "users", "--user", "clerk"]) == 1  # clerks may not list users
    assert "does not allow" in capsys.readouterr().err
    assert main(["--lang", "en", "--db", db, "users", "--user", "admin", "--format", "csv"]) == 0
    assert "Adriana Rueda" in capsys.readouterr().out
    monkeypatch.setenv("ENLACE_PASSWORD", "wrong-password")
    assert main(["--lang", "en", "--db", db, "audit", "verify", "--user", "admin"]) == 3
    assert WRONG in capsys.readouterr().err
    monkeypatch.delenv("ENLACE_PASSWORD")
    monkeypatch.setenv("ENLACE_RECOVERY_KEY", recovery)
    assert main(["--lang", "en", "--db", db, "audit", "verify"]) == 0


def test_cli_init_creates_an_encrypted_office_and_writes_the_recovery_sheet(tmp_path, monkeypatch, capsys) -> None:
    db = tmp_path / "office.db"
    sheet = tmp_path / "sheet.pdf"
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "init", "--db", str(db), "--office-code", "PAM", "--office-name", "Pamplona",
                 "--country", "CO", "--admin", "ana", "--recovery-sheet", str(sheet)]) == 0
    out = capsys.readouterr().out
    assert "Recovery key" in out and sheet.read_bytes().startswith(b"%PDF")
    assert workspace.is_encrypted(db) and not readable_by_sqlite3(db)
    assert main(["--lang", "en", "init", "--db", str(db), "--office-code", "PAM", "--office-name", "Pamplona",
                 "--country", "CO", "--admin", "ana"]) == 1
    assert "already holds an office" in capsys.readouterr().err


def test_a_plain_database_is_encrypted_in_place_after_a_backup(office_db, db_path: Path, monkeypatch, capsys) -> None:
    from desktop.services.workspace.backup import record_counts

    before = record_counts(office_db)
    office_db.dispose()
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "--db", str(db_path), "encrypt", "--user", "admin"]) == 0
    out = capsys.readouterr().out
    assert "now encrypted" in out and "clerk, supervisor, trainer" in out
    assert not readable_by_sqlite3(db_path)
    saved = sorted((db_path.parent / "backups").glob("*-pre-encrypt.db"))
    assert len(saved) == 1 and readable_by_sqlite3(saved[0])  # the plain copy made before
    ctx = workspace.open_signed_in(db_path, "admin", PASSWORD)
    try:
        after = record_counts(ctx.db)
        # The sign-in added events and the administrator's signed audit checkpoint (one office_setting row).
        assert after["office_setting"] == before.get("office_setting", 0) + 1
        assert {k: v for k, v in after.items() if k not in ("audit_event", "office_setting")} == \
            {k: v for k, v in before.items() if k not in ("audit_event", "office_setting")}
        assert verify_chain(ctx.db).ok
        assert backup.backup_status(ctx.db).last_at is not None
    finally:
        ctx.db.dispose()
    with pytest.raises(AuthError, match=WRONG):  # no slot until an administrator resets the password
        workspace.open_signed_in(db_path, "clerk", PASSWORD)
    assert main(["--lang", "en", "--db", str(db_path), "encrypt", "--user", "admin"]) == 1
    assert "already encrypted" in capsys.readouterr().err


@pytest.mark.slow
def test_no_demo_name_is_readable_in_the_database_or_its_backup(tmp_path, monkeypatch, capsys) -> None:
    """The issue's check: ``strings`` finds no name from the demo data; ``sqlite3`` cannot open the files."""
    from desktop.services.demo import DEMO_PASSWORD, DEMO_USERS

    db = tmp_path / "demo.db"
    assert main(["--lang", "en", "demo", "--db", str(db)]) == 0
    monkeypatch.setenv("ENLACE_PASSWORD", DEMO_PASSWORD)
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(db), "backup", "create", "--user", "admin"]) == 0
    made = Path(capsys.readouterr().out.strip().splitlines()[-1])
    ctx = workspace.open_signed_in(db, "admin", DEMO_PASSWORD)
    try:
        names = stored_texts(ctx.db)
    finally:
        ctx.db.dispose()
    assert {full_name for _u, full_name, _r in DEMO_USERS} <= names
    assert len(names) > 500  # people, organizations, courses… from every demo part
    for path in (db, made):
        assert not readable_by_sqlite3(path)
    for path in (db, Path(f"{db}-wal"), made):  # the write-ahead log is encrypted too
        if path.exists():
            dump = printable_strings(path)
            assert not [name for name in names if name in dump], path.name


def test_signing_in_where_there_is_no_database_creates_nothing(tmp_path, monkeypatch, capsys) -> None:
    from desktop.store.database import StoreError

    path = tmp_path / "nothing-here.db"
    with pytest.raises(StoreError, match="no database file"):
        workspace.open_signed_in(path, "admin", PASSWORD)
    assert not path.exists()


def test_an_empty_unencrypted_file_still_becomes_an_encrypted_office(tmp_path) -> None:
    from desktop.services.office import OfficeForm

    path = tmp_path / "blank.db"
    open_database(path).dispose()  # e.g. left by an older command run on a new path
    assert workspace.needs_setup(path) and not workspace.is_encrypted(path)
    ctx = workspace.create_office(path, OfficeForm(code="BLK", name="Oficina", country="CO"), "admin", "Ana",
                                  PASSWORD)
    ctx.db.dispose()
    assert workspace.is_encrypted(path) and not readable_by_sqlite3(path)


def test_a_deactivated_account_loses_its_key_until_an_administrator_gives_a_new_password(admin_enc,
                                                                                         encrypted_office) -> None:
    clerk = next(u for u in auth.list_users(admin_enc) if u.username == "clerk")
    auth.update_user(admin_enc, clerk.id, active=False)
    assert "clerk" not in json.loads(keys.key_file_for(encrypted_office.path).read_text())["slots"]
    with pytest.raises(AuthError, match=WRONG):  # the old password opens nothing any more
        workspace.open_signed_in(encrypted_office.path, "clerk", PASSWORD)
    with pytest.raises(ValidationError, match="new password first"):
        auth.update_user(admin_enc, clerk.id, active=True)
    auth.reset_password(admin_enc, clerk.id, "welcome-back-22")
    auth.update_user(admin_enc, clerk.id, active=True)
    workspace.open_signed_in(encrypted_office.path, "clerk", "welcome-back-22").db.dispose()
