"""Keys per role: the office's certificate signing key is sealed under the `sign` role key.

Attack: a clerk holds the database key (their password opens the whole SQLCipher file), so
they try every way in — the store's open function, the key file, raw SQLCipher with the key
they unwrapped, their own role column edited to "trainer" — and must never get the signing
seed nor sign a certificate that checks out. A trainer still issues; a rotation re-seals; the
recovery key alone still opens everything.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import psycopg
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from desktop.services import workspace
from desktop.services.core.context import AppContext
from desktop.services.core.errors import PermissionDenied
from desktop.services.security import auth, role_keys
from desktop.services.training import certificates
from desktop.services.training.certificates import codes
from desktop.store import key_hierarchy, keys, wraps
from desktop.store.database import Database, connect_raw
from desktop.store.files import file_salt
from desktop.store.models import Person, SigningKey
from desktop.store.role_files import RoleFileNotHeldError
from tests import pg
from tests.conftest import PASSWORD
from tests.training.helpers import PEOPLE, make_course


def _row(path: Path, key: bytes) -> tuple[bytes, bytes]:
    """(public key, stored private key) of the office's signing key, read with raw SQLCipher."""
    conn = connect_raw(path, key)
    try:
        public, stored = conn.execute("SELECT public_key, private_key FROM signing_key").fetchone()
        return bytes(public), bytes(stored)
    finally:
        conn.close()


def _issue(ctx: AppContext, tmp_path: Path, code: str) -> list[str]:
    setup = make_course(ctx, code=code, people=PEOPLE[:1], sessions=1, signatories=False)
    result = certificates.issue_certificates(ctx, setup.course_id, tmp_path / f"{code}.pdf")
    assert result.issued == 1
    with ctx.db.session() as session:
        from desktop.store.models import Certificate

        return list(session.scalars(select(Certificate.payload).where(Certificate.number.in_(result.numbers))))


def _forged(public_from: bytes, seed: bytes) -> str:
    """A certificate text signed with ``seed`` under the office key's id."""
    payload = codes.Payload("CUC-2026-09999", date(2026, 5, 1), "Falsa Persona", "CC ***999",
                            "FALSO-1", "Curso que nunca existió", 40.0, codes.key_id_for(public_from), "Oficina")
    text, _signature = codes.qr_text(payload, Ed25519PrivateKey.from_private_bytes(seed).sign)
    return text


@pytest.fixture
def issued(encrypted_office, tmp_path) -> list[str]:
    """The trainer issued one certificate (the office key is created then, sealed)."""
    trainer = encrypted_office.sign_in("trainer")
    try:
        return _issue(trainer, tmp_path, "MESA-1")
    finally:
        trainer.db.dispose()


def test_role_keys_follow_the_permission_matrix() -> None:
    assert role_keys.mismatches() == []
    assert not role_keys.role_holds("clerk", "sign") and role_keys.role_holds("trainer", "sign")


def test_a_clerk_gets_nothing_of_the_signing_key_through_any_entry_point(encrypted_office, issued,
                                                                          tmp_path) -> None:
    path = encrypted_office.path
    kf = keys.KeyFile(keys.key_file_for(path))
    # The key file: the clerk's slot unwraps the database key and `people`, nothing else.
    clerk = kf.unlock_with_password("clerk", PASSWORD)
    assert clerk.master is None and set(clerk.roles) == {"people"}
    trainer = kf.unlock_with_password("trainer", PASSWORD)
    assert set(trainer.roles) == {"training", "sign"}
    # Raw SQLCipher with the unwrapped key: the row is there, the seed is not.
    public, stored = _row(path, clerk.key)
    assert wraps.is_sealed(stored) and len(stored) > 32
    for material in (clerk.key, *clerk.roles.values()):
        with pytest.raises(wraps.SealError):
            wraps.unseal(material, stored, wraps.signing_aad(public))
    for start in range(len(stored) - 31):  # no 32-byte window of what is stored is the seed
        seed = stored[start:start + 32]
        assert Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw() != public
    assert wraps.open_signing_key(trainer.roles["sign"], public, stored)  # the trainer's key opens it
    # The store's open function with the clerk's password: the session holds no `sign`.
    db = workspace.open_store(path, workspace.Unlock("clerk", PASSWORD))
    try:
        assert db.keyring.role_key("sign") is None and db.keyring.role_key("people") is not None
        with db.transaction() as session:
            key = session.scalar(select(SigningKey))
            with pytest.raises(PermissionDenied):
                certificates.signing_seed(session, key)
    finally:
        db.dispose()
    # Signing in as a clerk: the permission matrix refuses, in the user's language.
    ctx = encrypted_office.sign_in("clerk")
    try:
        with pytest.raises(PermissionDenied, match=r"no permite|does not allow"):
            role_keys.require(ctx, "sign")
        assert certificates.verify_certificate(ctx.db, issued[0]).ok  # clerks still check certificates
        for seed in (clerk.key, stored[-32:]):  # forging with what the clerk has does not check out
            assert not certificates.verify_certificate(ctx.db, _forged(public, seed)).ok
    finally:
        ctx.db.dispose()


def test_a_clerk_who_edits_their_role_to_trainer_still_cannot_sign(encrypted_office, issued, tmp_path) -> None:
    clerk = keys.KeyFile(keys.key_file_for(encrypted_office.path)).unlock_with_password("clerk", PASSWORD)
    conn = connect_raw(encrypted_office.path, clerk.key)
    try:  # the database key lets the clerk write any row: they make themselves a trainer
        conn.execute("UPDATE user_account SET role = 'trainer' WHERE username = 'clerk'")
        conn.commit()
    finally:
        conn.close()
    ctx = encrypted_office.sign_in("clerk")
    try:
        assert ctx.actor.role == "trainer"
        # The trainings are in the training file, which the clerk's slot does not open: no course to issue from.
        assert "training" not in ctx.db.files
        with pytest.raises(RoleFileNotHeldError, match="courses and participants"):
            make_course(ctx, code="FALSO-1", people=PEOPLE[1:2], sessions=1, signatories=False)
        with ctx.db.transaction() as session:  # and the signing key does not unseal for them
            key = session.scalar(select(SigningKey))
            with pytest.raises(PermissionDenied, match=r"signing key|clave de firma"):
                certificates.signing_seed(session, key)
    finally:
        ctx.db.dispose()


def test_rotation_after_deactivation_and_a_role_change_keeps_it_sealed(encrypted_office, issued, tmp_path) -> None:
    path = encrypted_office.path
    kf = keys.KeyFile(keys.key_file_for(path))
    old_sign = kf.unlock_with_password("trainer", PASSWORD).roles["sign"]
    admin = encrypted_office.sign_in()
    try:
        users = {u.username: u for u in auth.list_users(admin)}
        auth.update_user(admin, users["clerk"].id, active=False)  # a rotation: new salt, new role keys
        auth.update_user(admin, users["supervisor"].id, role="clerk")  # loses `sign`: a rotation too
        key = admin.db.key
    finally:
        admin.db.dispose()
    public, stored = _row(path, key)
    assert wraps.is_sealed(stored)
    with pytest.raises(wraps.SealError):  # the key the trainer (or anyone) held before opens nothing now
        wraps.unseal(old_sign, stored, wraps.signing_aad(public))
    assert not kf.has_slot("clerk")
    demoted = kf.unlock_with_password("supervisor", PASSWORD)
    assert set(demoted.roles) == {"people"}
    trainer = encrypted_office.sign_in("trainer")
    try:
        payload = _issue(trainer, tmp_path, "MESA-2")[0]
        assert certificates.verify_certificate(trainer.db, payload).ok
    finally:
        trainer.db.dispose()


def test_the_recovery_key_alone_still_opens_the_signing_key(encrypted_office, issued, tmp_path) -> None:
    path = encrypted_office.path
    keys.key_file_for(path).unlink()  # the key file is lost: the database file and the sheet remain
    master = key_hierarchy.master_key(encrypted_office.recovery_key)
    salt = file_salt(path)
    public, stored = _row(path, key_hierarchy.database_key(master, salt))
    seed = wraps.open_signing_key(wraps.role_key(master, salt, "sign"), public, stored)
    assert Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw() == public
    db = workspace.open_store(path, workspace.Unlock(recovery_key=encrypted_office.recovery_key))
    try:
        assert db.keyring.role_key("sign") is not None
        with db.transaction() as session:
            assert certificates.signing_seed(session, session.scalar(select(SigningKey))) == seed
    finally:
        db.dispose()


def test_an_older_database_is_sealed_at_the_next_administrator_sign_in(encrypted_office, issued, tmp_path) -> None:
    path = encrypted_office.path
    kf = keys.KeyFile(keys.key_file_for(path))
    admin = kf.unlock_with_password("admin", PASSWORD)
    sign = wraps.role_key(admin.master, file_salt(path), "sign")
    conn = connect_raw(path, admin.key)
    try:  # as before role keys: the seed stored as it is, slots granting no role key
        assert wraps.reseal_rows(conn, sign, None) == 1
        conn.commit()
    finally:
        conn.close()
    data = kf.read()
    for name, slot in data["slots"].items():
        for wrap in slot:
            wrap["grant"] = keys.grant_for(key_hierarchy._unb64(wrap["public"]), admin.key, name,
                                           admin.master if "master" in wrap["grant"] else None)
    kf.write(data)
    assert not wraps.is_sealed(_row(path, admin.key)[1])
    assert kf.unlock_with_password("trainer", PASSWORD).roles == {}
    workspace.open_signed_in(path, "admin", PASSWORD).db.dispose()
    assert wraps.sealed_by(_row(path, admin.key)[1], sign)
    assert set(kf.unlock_with_password("trainer", PASSWORD).roles) == {"training", "sign"}
    assert json.dumps(kf.read()).count("role:sign") == 3  # trainer, supervisor, administrator


@pytest.mark.pg_only
def test_on_a_server_a_clerk_reads_only_the_public_columns_of_the_signing_key(office_db: Database) -> None:
    db = Database(pg.login_url(office_db.location, "trainer", PASSWORD))
    try:
        certificates.export_public_key(AppContext(db, auth.sign_in(db, "trainer", PASSWORD)))  # makes the key
    finally:
        db.dispose()
    url = pg.login_url(office_db.location, "clerk", PASSWORD).replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT private_key FROM signing_key")
        assert conn.execute("SELECT key_id, public_key FROM signing_key").fetchone()
    db = Database(pg.login_url(office_db.location, "clerk", PASSWORD))
    try:
        clerk = AppContext(db, auth.sign_in(db, "clerk", PASSWORD))
        assert [k.own for k in certificates.list_keys(clerk)] == [True]
    finally:
        db.dispose()


@pytest.mark.pg_only
def test_moving_to_a_server_unseals_the_key_for_the_server_to_guard(encrypted_office, issued, backend) -> None:
    from desktop.services.workspace.server import migrate_to_server

    target = pg.new_database(migrated=False)
    try:
        migrate_to_server(str(encrypted_office.path), target, "admin", PASSWORD)
        server = workspace.open_store(target)
        try:
            with server.session() as session:
                key = session.scalar(select(SigningKey))
                seed = bytes(key.private_key)
            assert Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw() == bytes(key.public_key)
            assert certificates.verify_certificate(server, issued[0]).ok
        finally:
            server.dispose()
    finally:
        pg.drop_database(target)


# -- the people file: what the trainer's password cannot decrypt ------------------------------------------


def _with_a_person(encrypted_office) -> str:
    """A clerk registers one person with a name found nowhere else; returns the name."""
    from desktop.services import people
    from tests.people.helpers import person_form

    ctx = encrypted_office.sign_in("clerk")
    try:
        people.register_person(ctx, person_form(given_names="Xiomara", family_name_1="Zambrano"))
    finally:
        ctx.db.dispose()
    return "Zambrano"


def _main_file_text(path: Path, key: bytes) -> str:
    """Everything the main file holds, decrypted with ``key`` (live rows; the file has no free pages)."""
    conn = connect_raw(path, key)
    try:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return "\n".join(repr(conn.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables)
    finally:
        conn.close()


def test_a_trainer_reads_no_person_through_any_entry_point(encrypted_office, tmp_path, capsys) -> None:
    from desktop.cli import main
    from desktop.services import people
    from desktop.store import role_files as people_file

    path = encrypted_office.path
    name = _with_a_person(encrypted_office)
    people_path = people_file.path_for(path)
    kf = keys.KeyFile(keys.key_file_for(path))
    # The key file: the trainer's slot unwraps the main file's key, `training` and `sign`; no `people`.
    trainer = kf.unlock_with_password("trainer", PASSWORD)
    assert "people" not in trainer.roles and trainer.master is None
    # Raw SQLCipher with the trainer's key: the main file has no people table and no trace of the name;
    # the people file does not open with it, nor with any role key the trainer holds.
    assert "person" not in people_file.main_tables(connect_raw(path, trainer.key))
    assert name not in _main_file_text(path, trainer.key)
    for material in (trainer.key, *trainer.roles.values()):
        conn = connect_raw(people_path, material)
        with pytest.raises(Exception, match=r"not a database|file is encrypted"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()
    assert name.encode() not in people_path.read_bytes() and name.encode() not in path.read_bytes()
    # The store's open function and a signed-in session: no people tables at all.
    db = workspace.open_store(path, workspace.Unlock("trainer", PASSWORD))
    try:
        assert db.people is None
        with pytest.raises(RoleFileNotHeldError, match="people, cases and referrals"), db.session() as session:
            session.execute(select(Person.family_name_1)).all()
    finally:
        db.dispose()
    ctx = encrypted_office.sign_in("trainer")
    try:
        with pytest.raises(PermissionDenied):
            people.search_people(ctx, name)
    finally:
        ctx.db.dispose()
    # The command line, as the trainer: refused, without a traceback and without a name.
    monkey_env = {"ENLACE_PASSWORD": PASSWORD}
    import os

    old = {k: os.environ.get(k) for k in monkey_env}
    os.environ.update(monkey_env)
    try:
        for args in (["people", "list", "--user", "trainer"], ["people", "search", name, "--user", "trainer"],
                     ["referrals", "list", "--user", "trainer"],
                     ["report", "--user", "trainer", "--month", "2026-05", "--format", "csv",
                      "--out", str(tmp_path / "r.csv")]):
            assert main(["--lang", "en", "--db", str(path), *args]) != 0
            out = capsys.readouterr()
            assert "Traceback" not in out.err and name not in out.out + out.err
            assert not (tmp_path / "r.csv").exists()
        assert main(["--lang", "en", "--db", str(path), "audit", "verify", "--user", "trainer"]) in (0, 1)
        out = capsys.readouterr()
        assert "Traceback" not in out.err and name not in out.out + out.err
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    # A backup, opened with the trainer's password: its main file has no person, its people file stays shut.
    from desktop.services.workspace import backup

    admin = encrypted_office.sign_in()
    try:
        made = backup.create_backup(admin, tmp_path / "usb")
    finally:
        admin.db.dispose()
    as_trainer = workspace.Unlock("trainer", PASSWORD)
    backup_key = backup.backup_key(made.path, unlock=as_trainer)
    assert "person" not in people_file.main_tables(connect_raw(made.path, backup_key))
    assert name not in _main_file_text(made.path, backup_key)
    assert set(backup.backup_file_keys(made.path, backup_key, unlock=as_trainer)) == {"training"}
    assert "person" not in backup.inspect_backup(made.path, unlock=as_trainer).counts
    with pytest.raises(PermissionDenied):
        backup.restore_backup(tmp_path / "trainer-pc" / "enlace.db", made.path, unlock=as_trainer)
    # The clerk, the supervisor and the administrator do read them.
    for username in ("clerk", "supervisor", "admin"):
        ctx = encrypted_office.sign_in(username)
        try:
            assert ctx.db.people is not None
            assert [p.family_name_1 for p in people.search_people(ctx, name)] == [name]
        finally:
            ctx.db.dispose()


def test_a_trainer_who_makes_themself_a_clerk_still_reads_no_person(encrypted_office) -> None:
    from desktop.services import people

    name = _with_a_person(encrypted_office)
    trainer = keys.KeyFile(keys.key_file_for(encrypted_office.path)).unlock_with_password("trainer", PASSWORD)
    conn = connect_raw(encrypted_office.path, trainer.key)
    try:  # the main file's key lets the trainer write any row of it: they make themselves a clerk
        conn.execute("UPDATE user_account SET role = 'clerk' WHERE username = 'trainer'")
        conn.commit()
    finally:
        conn.close()
    ctx = encrypted_office.sign_in("trainer")
    try:
        assert ctx.actor.role == "clerk" and ctx.db.people is None
        with pytest.raises(RoleFileNotHeldError, match=r"people, cases and referrals|personas, casos"):
            people.search_people(ctx, name)
    finally:
        ctx.db.dispose()


def test_after_a_clerk_leaves_their_old_people_key_opens_nothing(encrypted_office) -> None:
    from desktop.store import role_files as people_file

    path = encrypted_office.path
    name = _with_a_person(encrypted_office)
    clerk = keys.KeyFile(keys.key_file_for(path)).unlock_with_password("clerk", PASSWORD)
    old_people_key = clerk.roles["people"]
    conn = connect_raw(people_file.path_for(path), old_people_key)
    assert conn.execute("SELECT count(*) FROM person").fetchone()[0] == 1  # today it opens the people file
    conn.close()
    admin = encrypted_office.sign_in()
    try:
        users = {u.username: u for u in auth.list_users(admin)}
        auth.update_user(admin, users["clerk"].id, active=False)  # a rotation: the people file is rekeyed
    finally:
        admin.db.dispose()
    conn = connect_raw(people_file.path_for(path), old_people_key)
    with pytest.raises(Exception, match=r"not a database|file is encrypted"):
        conn.execute("SELECT count(*) FROM person").fetchone()
    conn.close()
    ctx = encrypted_office.sign_in("supervisor")  # the others still read the people, under the new key
    try:
        from desktop.services import people

        assert [p.family_name_1 for p in people.search_people(ctx, name)] == [name]
    finally:
        ctx.db.dispose()


def test_a_clerk_reads_no_course_nor_participant_through_any_entry_point(encrypted_office, tmp_path, capsys,
                                                                         monkeypatch) -> None:
    from desktop.cli import main
    from desktop.store import role_files

    path = encrypted_office.path
    trainer_ctx = encrypted_office.sign_in("trainer")
    try:  # a course whose participant has a name found nowhere else
        make_course(trainer_ctx, code="MESA-9", people=[("Wilfrido", "Quiñónez Arboleda", "77665544", "M",
                                                          "alcaldia", "Inspector")], sessions=1, signatories=False)
    finally:
        trainer_ctx.db.dispose()
    training_path = role_files.path_for(path, "training")
    clerk = keys.KeyFile(keys.key_file_for(path)).unlock_with_password("clerk", PASSWORD)
    assert "training" not in clerk.roles
    main_text = _main_file_text(path, clerk.key)
    assert "Quiñónez" not in main_text and "MESA-9" not in main_text
    assert "course" not in role_files.main_tables(connect_raw(path, clerk.key))
    for material in (clerk.key, *clerk.roles.values()):
        conn = connect_raw(training_path, material)
        with pytest.raises(Exception, match=r"not a database|file is encrypted"):
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.close()
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    for args in (["training", "courses", "--user", "clerk"],):
        assert main(["--lang", "en", "--db", str(path), *args]) != 0
        out = capsys.readouterr()
        assert "Traceback" not in out.err and "MESA-9" not in out.out + out.err
    for username in ("trainer", "supervisor", "admin"):  # who may read trainings does
        ctx = encrypted_office.sign_in(username)
        try:
            assert "training" in ctx.db.files
            from desktop.services import training

            assert "MESA-9" in [c.code for c in training.list_courses(ctx)]
        finally:
            ctx.db.dispose()
