"""Only Enlace databases are opened; what interrupted jobs leave is cleared at the next start; a
temporary password is changed on the command line too; and a full or read-only disk gives a
translated message and a non-zero exit, never a traceback."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.services import workspace
from desktop.services.security import auth
from desktop.store.database import integrity_check
from tests.conftest import PASSWORD
from tests.safety.helpers import run_cli


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_another_programs_sqlite_file_is_refused_untouched(tmp_path, monkeypatch, capsys) -> None:
    foreign = tmp_path / "photos.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE photo (id INTEGER PRIMARY KEY, path TEXT)")
        conn.execute("INSERT INTO photo (path) VALUES ('holiday.jpg')")
    conn.close()
    before = _digest(foreign)
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    for argv in (["audit", "verify"], ["users", "--user", "admin"], ["demo"],
                 ["init", "--office-code", "X", "--office-name", "X", "--country", "CO", "--admin", "admin"]):
        assert main(["--lang", "en", "--db", str(foreign), *argv]) != 0
        err = capsys.readouterr().err
        assert "another program" in err or "nothing was changed" in err, err
    assert _digest(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photos.db"]


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_what_interrupted_jobs_left_is_removed_at_the_next_start(encrypted_office) -> None:
    folder = encrypted_office.path.parent
    pid = _dead_pid()
    (folder / "backups").mkdir(exist_ok=True)
    leftovers = [folder / f".enlace.db.{pid}.restoring", folder / f".enlace.db.{pid}.encrypting",
                 folder / f"..enlace.db.{pid}.keys-new.{pid}.0a1b2c3d.tmp",
                 folder / "backups" / f".enlace-CUC-20261201-101010.db.{pid}.partial",
                 folder / "backups" / f".enlace-CUC-20261201-101010.db.{pid}.partial-journal"]
    for leftover in leftovers:
        leftover.write_bytes(b"half a job")
    before = _digest(encrypted_office.path)
    workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD).db.dispose()
    assert [p for p in leftovers if p.exists()] == []
    assert encrypted_office.path.exists() and before  # the database itself is never a leftover


def test_a_temporary_password_is_changed_on_the_command_line_too(admin_enc, encrypted_office, monkeypatch,
                                                                   capsys) -> None:
    supervisor = next(u for u in auth.list_users(admin_enc) if u.username == "supervisor")
    auth.reset_password(admin_enc, supervisor.id, "temporary-pass-1")
    admin_enc.db.dispose()
    db = str(encrypted_office.path)
    monkeypatch.setenv("ENLACE_PASSWORD", "temporary-pass-1")
    assert main(["--lang", "en", "--db", db, "audit", "list", "--user", "supervisor"]) == 3
    assert "temporary" in capsys.readouterr().err
    monkeypatch.setenv("ENLACE_NEW_PASSWORD", "my-own-secret-22")
    assert main(["--lang", "en", "--db", db, "password", "--user", "supervisor"]) == 0
    monkeypatch.setenv("ENLACE_PASSWORD", "my-own-secret-22")
    assert main(["--lang", "en", "--db", db, "audit", "list", "--user", "supervisor"]) == 0


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MB tmpfs mounted for the test (root only; skipped where mounting is not allowed)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.mark.slow
@pytest.mark.parametrize("fault", ["full", "read-only"])
def test_main_commands_on_a_full_or_read_only_disk_say_so_without_a_traceback(encrypted_office, small_disk,
                                                                              fault) -> None:
    office = small_disk / "office"
    shutil.copytree(encrypted_office.path.parent, office)
    path = office / encrypted_office.path.name
    filler = small_disk / "filler"
    if fault == "full":
        subprocess.run(["dd", "if=/dev/zero", f"of={filler}", "bs=4k"], capture_output=True)  # until ENOSPC
    else:
        assert subprocess.run(["mount", "-o", "remount,ro", str(small_disk)]).returncode == 0
    env = {"ENLACE_PASSWORD": PASSWORD, "ENLACE_RECOVERY_KEY": ""}
    commands = [["audit", "verify", "--user", "admin"], ["backup", "create", "--user", "admin"],
                ["users", "--user", "admin"], ["recovery-key", "new", "--user", "admin"],
                ["people", "list", "--user", "clerk"]]
    for argv in commands:
        done = run_cli("--db", str(path), *argv, env=env)
        assert "Traceback" not in done.stderr, (argv, done.stderr)
        if done.returncode != 0:
            assert done.stderr.startswith("Error: "), (argv, done.stderr)
    assert any(run_cli("--db", str(path), *argv, env=env).returncode != 0 for argv in commands[1:2])
    if fault == "full":
        filler.unlink()
    else:
        subprocess.run(["mount", "-o", "remount,rw", str(small_disk)])
    ctx = workspace.open_signed_in(path, "admin", PASSWORD)  # the office is whole, with the same password
    try:
        assert integrity_check(path, ctx.db.key) == []
    finally:
        ctx.db.dispose()
