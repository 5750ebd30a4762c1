"""Security basics end to end: password policy, lockout through the command line, passwords asked again
before personal data is exported, private files."""

from __future__ import annotations

import os
import stat

import pytest

from desktop.cli import main
from desktop.services import workspace
from desktop.services.core.errors import AuthError, PermissionDenied, ValidationError
from desktop.services.security import audit, auth
from desktop.services.security import personal_data as security
from tests.conftest import PASSWORD


def test_weak_passwords_are_refused_everywhere(admin_enc, encrypted_office, tmp_path, monkeypatch, capsys) -> None:
    with pytest.raises(ValidationError, match="at least 10 characters"):
        auth.create_user(admin_enc, "luz", "Luz Peña", "clerk", "short")
    with pytest.raises(ValidationError, match="must not contain the user name"):
        auth.create_user(admin_enc, "luzmila", "Luz Peña", "clerk", "LUZMILA-2026!")
    clerk = encrypted_office.sign_in("clerk")
    with pytest.raises(ValidationError, match="at least 10"):
        auth.change_own_password(clerk, PASSWORD, "tiny")
    clerk.db.dispose()
    with pytest.raises(ValidationError, match="at least 10"):
        workspace.recover_access(encrypted_office.path, encrypted_office.recovery_key, "admin", "tiny")
    monkeypatch.setenv("ENLACE_PASSWORD", "short")
    assert main(["--lang", "en", "init", "--db", str(tmp_path / "o.db"), "--office-code", "PAM",
                 "--office-name", "Pamplona", "--country", "CO", "--admin", "ana"]) == 1
    assert "at least 10 characters" in capsys.readouterr().err
    assert not (tmp_path / "o.db").exists()  # nothing half-made is left behind


def test_lockout_through_the_command_line(encrypted_office, monkeypatch, capsys) -> None:
    db = str(encrypted_office.path)
    monkeypatch.setenv("ENLACE_PASSWORD", "guessing-again")
    statuses = [main(["--lang", "en", "--db", db, "users", "--user", "supervisor"]) for _ in range(5)]
    assert statuses == [3] * 5
    err = capsys.readouterr().err
    assert err.count("Wrong user name or password.") == 4 and "locked for 15 minutes" in err
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "--db", db, "audit", "verify", "--user", "supervisor"]) == 3
    assert "locked until" in capsys.readouterr().err
    admin = encrypted_office.sign_in()
    try:
        supervisor = next(u for u in auth.list_users(admin) if u.username == "supervisor")
        assert supervisor.locked
        auth.unlock_user(admin, supervisor.id)
    finally:
        admin.db.dispose()
    assert main(["--lang", "en", "--db", db, "audit", "verify", "--user", "supervisor"]) == 0


def test_exporting_personal_data_asks_for_the_password_again(encrypted_office) -> None:
    clerk = encrypted_office.sign_in("clerk")
    trainer = encrypted_office.sign_in("trainer")
    admin = encrypted_office.sign_in("admin")
    try:
        security.confirm_personal_data_export(clerk, PASSWORD, "people")
        with pytest.raises(AuthError, match="Wrong password"):
            security.confirm_personal_data_export(clerk, "not-my-password", "people")
        with pytest.raises(PermissionDenied):
            security.confirm_personal_data_export(trainer, PASSWORD, "people")
        [event] = [e for e in audit.list_events(admin, audit.AuditFilter(action="login_failed"))
                   if e.username == "clerk"]
        assert '"export": "people"' in event.detail
    finally:
        for ctx in (clerk, trainer, admin):
            ctx.db.dispose()


def test_database_journal_and_lock_files_are_private(admin_enc, encrypted_office) -> None:
    if os.name != "posix":
        pytest.skip("POSIX permissions")
    with admin_enc.db.transaction() as session:
        audit.record(session, "admin", "view")
    folder = encrypted_office.path.parent
    for path in folder.iterdir():
        if path.is_file():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, path.name
