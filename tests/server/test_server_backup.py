"""Backups of an office server: an encrypted pg_dump, restored into an empty database, checked table by table."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from desktop.cli import main as enlace
from desktop.services import people, workspace
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from desktop.services.workspace.server import init_server, seat_location
from desktop.store import server_backup as dumps
from desktop.store.database import make_url
from tests import pg
from tests.people.helpers import person_form

pytestmark = pytest.mark.pg_only
PASSWORD = "Bucaramanga-segura-26"


def _seat(url: str) -> str:
    parsed = make_url(url)
    return seat_location(parsed.host, parsed.port, parsed.database)


@pytest.fixture
def databases(backend: str) -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for url in made:
        pg.drop_database(url)


@pytest.fixture
def office(databases) -> str:
    """A server office made as ``enlace server init`` does, with a clerk and two people."""
    url = pg.new_database(migrated=False)
    databases.append(url)
    init_server(url, OfficeForm(code="BGA", name="Oficina de Bucaramanga", country="CO"), "ana", "Ana Admin",
                PASSWORD)
    admin = workspace.open_signed_in(_seat(url), "ana", PASSWORD)
    try:
        auth.create_user(admin, "carla", "Carla Clerk", "clerk", PASSWORD)
        for given, number in (("María", "V-11.111.111"), ("José", "V-12.345.678")):
            people.register_person(admin, person_form(given_names=given, document_number=number))
    finally:
        admin.db.dispose()
    return url


def _backup(office: str, folder: Path, monkeypatch, capsys) -> Path:
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert enlace(["backup", "create", "--db", _seat(office), "--user", "ana", "--to", str(folder),
                   "--lang", "en"]) == 0
    path = Path(capsys.readouterr().out.strip().splitlines()[-1])
    assert path.name.endswith(".pgdump") and path.parent == folder
    return path


def test_backup_then_restore_into_an_empty_database_gives_the_same_rows_and_a_sound_audit_log(
        office, databases, tmp_path, monkeypatch, capsys):
    before = dumps.counts_of(office)
    path = _backup(office, tmp_path, monkeypatch, capsys)
    dumped = dumps.read_sidecar(path)["backup"]["counts"]  # the snapshot pg_dump copied
    raw = path.read_bytes()
    assert b"PGDMP" not in raw and "María".encode() not in raw  # nothing of the dump in clear
    assert (path.stat().st_mode & 0o777) == 0o600
    assert workspace.backup.list_backup_files(tmp_path)[0].path == path
    assert enlace(["backup", "verify", str(path), "--user", "ana", "--lang", "en"]) == 0
    assert "Backup sound" in capsys.readouterr().out

    target = pg.new_database(migrated=False)
    databases.append(target)
    assert enlace(["backup", "restore", str(path), "--db", target, "--user", "ana", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "audit log verified" in out and "carla" in out  # carla's new login waits for a password
    after = dumps.counts_of(target)
    assert set(after) == set(before)
    for table, count in before.items():
        if table == "audit_event":  # the backup's sign-in came before its snapshot; + the restore's own event
            assert after[table] == dumped[table] + 1 and dumped[table] > count
        else:
            assert after[table] == dumped[table] == count, table
    assert before["person"] == 2 and before["user_account"] == 2
    assert enlace(["audit", "verify", "--db", _seat(target), "--user", "ana", "--lang", "en"]) == 0
    assert "Audit log intact" in capsys.readouterr().out


def test_a_flipped_byte_a_wrong_password_and_a_database_that_is_not_empty_are_refused(
        office, databases, tmp_path, monkeypatch, capsys):
    path = _backup(office, tmp_path, monkeypatch, capsys)
    target = pg.new_database(migrated=False)
    databases.append(target)

    monkeypatch.setenv("ENLACE_PASSWORD", "not-the-password")
    assert enlace(["backup", "restore", str(path), "--db", target, "--user", "ana", "--lang", "en"]) != 0
    assert "does not open the backup" in capsys.readouterr().err

    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    good = path.read_bytes()
    flipped = bytearray(good)
    flipped[len(flipped) // 2] ^= 0x01
    path.write_bytes(bytes(flipped))
    assert enlace(["backup", "verify", str(path), "--user", "ana", "--lang", "en"]) != 0
    assert "is damaged (a block of the file was changed)" in capsys.readouterr().out
    assert enlace(["backup", "restore", str(path), "--db", target, "--user", "ana", "--lang", "en"]) != 0
    assert "is damaged" in capsys.readouterr().err
    path.write_bytes(good[:-10])  # cut short
    assert enlace(["backup", "restore", str(path), "--db", target, "--user", "ana", "--lang", "en"]) != 0
    assert "is damaged" in capsys.readouterr().err
    assert dumps.user_tables(target) == []  # nothing was written

    path.write_bytes(good)
    full = pg.new_database()  # migrated: it holds Enlace's (empty) tables
    databases.append(full)
    assert enlace(["backup", "restore", str(path), "--db", full, "--user", "ana", "--lang", "en"]) != 0
    assert "is not empty" in capsys.readouterr().err


def test_without_pg_dump_the_backup_says_what_to_install_and_the_failure_is_audited(
        office, tmp_path, monkeypatch, capsys):
    from desktop.services.workspace import backup

    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(dumps, "TOOL_DIRS", str(tmp_path / "no-postgresql" / "*" / "bin"))
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert enlace(["backup", "create", "--db", _seat(office), "--user", "ana", "--to", str(tmp_path / "b"),
                   "--lang", "en"]) != 0
    assert "pg_dump was not found on this computer" in capsys.readouterr().err
    ctx = workspace.open_signed_in(_seat(office), "ana", PASSWORD)
    try:
        assert backup.backup_status(ctx.db).overdue
        assert "pg_dump was not found" in backup.last_backup_failure(ctx.db)[1]
    finally:
        ctx.db.dispose()
    assert not any(p.name.endswith((".pgdump", ".partial")) for p in (tmp_path / "b").iterdir())


def test_only_administrators_back_up_a_server(office, tmp_path):
    from desktop.services.core.errors import PermissionDenied
    from desktop.services.workspace import backup

    ctx = workspace.open_signed_in(_seat(office), "carla", PASSWORD)
    try:
        with pytest.raises(PermissionDenied):
            backup.create_backup(ctx, tmp_path)
    finally:
        ctx.db.dispose()
