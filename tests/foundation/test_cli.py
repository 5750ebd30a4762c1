"""The headless commands of the foundation: init, --version, global options, acting as a user."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import __version__
from desktop.cli import main
from desktop.services import office as office_service
from desktop.services import workspace

ADMIN_PASSWORD = "clave-de-inicio-1"


@pytest.fixture
def stdin(monkeypatch: pytest.MonkeyPatch):
    def feed(text: str) -> None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(text))

    return feed


def _init(db: Path, *extra: str) -> int:
    return main(["--lang", "en", "init", "--db", str(db), "--office-code", "BGA", "--office-name",
                 "Oficina de Atención al Migrante", "--country", "CO", "--municipality", "Bucaramanga",
                 "--admin", "ana", "--admin-name", "Ana Ruiz", *extra])


def test_version_prints_the_name_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "desktop", "--version"], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0
    assert done.stdout.strip() == f"Enlace {__version__}"


def test_init_reads_the_password_from_stdin_and_creates_the_office(tmp_path: Path, stdin, capsys) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    assert "Office BGA created with administrator ana" in capsys.readouterr().out
    ctx = workspace.open_signed_in(db, "ana", ADMIN_PASSWORD)
    try:
        info = office_service.office_info(ctx.db)
        assert (info.code, info.name, info.municipality, info.locale) == (
            "BGA", "Oficina de Atención al Migrante", "Bucaramanga", "es_CO")
        assert ctx.actor.role == "admin" and ctx.actor.full_name == "Ana Ruiz"
    finally:
        ctx.db.dispose()


def test_init_refuses_a_weak_password_and_leaves_no_office(tmp_path: Path, stdin, capsys) -> None:
    db = tmp_path / "office.db"
    stdin("ana-123\n")
    assert _init(db) != 0
    assert "at least 10 characters" in capsys.readouterr().err
    assert workspace.needs_setup(db)


def test_init_refuses_a_database_that_already_has_an_office(tmp_path: Path, stdin, capsys) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    stdin(ADMIN_PASSWORD + "\n")
    monkey_env = {"ENLACE_USER": "ana", "ENLACE_PASSWORD": ADMIN_PASSWORD}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in monkey_env.items():
            mp.setenv(key, value)
        assert _init(db) != 0
    assert "already holds an office" in capsys.readouterr().err


@pytest.mark.parametrize("order", ["before", "after"])
def test_global_options_work_before_and_after_the_subcommand(tmp_path: Path, stdin, capsys, order) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    capsys.readouterr()
    stdin(ADMIN_PASSWORD + "\n")
    options = ["--db", str(db), "--lang", "en", "--user", "ana"]
    argv = [*options, "users", "--format", "csv"] if order == "before" else ["users", "--format", "csv", *options]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["username,full_name,role,active,locked", "ana,Ana Ruiz,admin,True,False"]


def test_enlace_user_and_password_from_the_environment(tmp_path: Path, stdin, capsys, monkeypatch) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    capsys.readouterr()
    monkeypatch.setenv("ENLACE_DB", str(db))
    monkeypatch.setenv("ENLACE_USER", "ana")
    monkeypatch.setenv("ENLACE_PASSWORD", ADMIN_PASSWORD)
    stdin("")  # nothing on stdin: the environment is enough
    assert main(["--lang", "en", "audit", "list", "--format", "csv", "--limit", "1"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "seq,at,user,action,entity,entity_id" and ",ana,login," in out[1]


def test_wrong_password_is_a_clear_message_and_exit_status_3(tmp_path: Path, stdin, capsys, monkeypatch) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    capsys.readouterr()
    monkeypatch.setenv("ENLACE_PASSWORD", "not-the-password")
    assert main(["--lang", "en", "--db", str(db), "users", "--user", "ana"]) == 3
    err = capsys.readouterr().err
    assert "Wrong user name or password." in err and "Traceback" not in err


def test_commands_that_act_as_a_user_ask_for_one(tmp_path: Path, stdin, capsys) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    capsys.readouterr()
    assert main(["--lang", "en", "--db", str(db), "users"]) == 3
    assert "--user" in capsys.readouterr().err


def test_demo_then_audit_verify(tmp_path: Path, capsys, monkeypatch) -> None:
    db = tmp_path / "demo.db"
    assert main(["demo", "--db", str(db), "--lang", "en"]) == 0
    out = capsys.readouterr().out
    assert "enlace-demo" in out and all(name in out for name in ("admin", "supervisor", "clerk", "trainer"))
    # The demo database is encrypted like any new one, but its passwords are public: verifying needs no account.
    assert main(["audit", "verify", "--db", str(db), "--lang", "en"]) == 0
    assert "Audit log intact" in capsys.readouterr().out

    # One audit row altered behind Enlace's back (through SQLCipher, since plain sqlite3 cannot open the file).
    from desktop.services.workspace import Unlock, open_store

    store = open_store(str(db), lambda: Unlock("admin", "enlace-demo"))
    try:
        current, heads = store.schema_state()
        assert current == heads  # at every area's Alembic head
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        with store.engine.begin() as conn:
            conn.exec_driver_sql("UPDATE audit_event SET username = 'intruso' WHERE seq = 3")
    finally:
        store.dispose()
    assert main(["audit", "verify", "--db", str(db), "--lang", "en"]) == 1
    assert "event #3" in capsys.readouterr().out


def test_a_real_office_still_needs_an_account_to_verify(tmp_path: Path, stdin, capsys, monkeypatch) -> None:
    db = tmp_path / "office.db"
    stdin(ADMIN_PASSWORD + "\n")
    assert _init(db) == 0
    capsys.readouterr()
    stdin("")
    assert main(["audit", "verify", "--db", str(db), "--lang", "en"]) == 3
    assert "--user" in capsys.readouterr().err
    monkeypatch.setenv("ENLACE_PASSWORD", ADMIN_PASSWORD)
    assert main(["audit", "verify", "--db", str(db), "--lang", "en", "--user", "ana"]) == 0


def test_messages_follow_lang(tmp_path: Path, stdin, capsys) -> None:
    db = tmp_path / "office.db"
    stdin("corta\n")
    main(["--lang", "es", "init", "--db", str(db), "--office-code", "BGA", "--office-name", "X", "--country",
          "CO", "--admin", "ana"])
    assert "al menos 10 caracteres" in capsys.readouterr().err


def test_usage_errors_follow_lang_too(capsys) -> None:
    with pytest.raises(SystemExit) as spanish:
        main(["--lang", "es", "demo", "--size", "enorme"])
    err = capsys.readouterr().err
    assert spanish.value.code == 2
    assert err.startswith("uso: enlace demo") and "opción no válida: 'enorme'" in err
    with pytest.raises(SystemExit):
        main(["--lang", "en", "demo", "--size", "huge"])
    assert "invalid choice: 'huge'" in capsys.readouterr().err
