"""The README's first command run twice in a row on the same checkout: the demo is kept, then reset on request;
the window remembers where the database is from anywhere."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from desktop.cli import main
from desktop.services import demo
from desktop.services.workspace import backup, is_demo


@pytest.mark.slow
def test_enlace_demo_twice_keeps_the_database_and_reset_replaces_it_after_a_backup(tmp_path, capsys,
                                                                                    monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # as in the README: a relative "demo.db" in the checkout
    assert main(["demo", "--db", "demo.db"]) == 0
    first = capsys.readouterr().out
    assert "Base de datos de demostración lista" in first or "demo.db" in first
    created = Path("demo.db").stat().st_mtime_ns

    assert main(["demo", "--db", "demo.db"]) == 0  # the second time: kept, and said so in Spanish
    again = capsys.readouterr().out
    assert "ya existe y se conservó" in again and "--reset" in again
    assert Path("demo.db").stat().st_mtime_ns == created and is_demo("demo.db")

    assert main(["demo", "--db", "demo.db", "--reset"]) == 0
    reset = capsys.readouterr().out
    assert "se respaldó en" in reset
    copies = backup.list_backup_files(tmp_path / "backups")
    assert [c.reason for c in copies] == ["pre-reset"] and copies[0].counts.get("person", 0) > 0
    assert is_demo("demo.db")
    assert main(["demo", "--db", "demo.db"]) == 0  # and again after the reset
    assert "ya existe" in capsys.readouterr().out


def test_an_office_database_is_never_replaced_by_the_demo(tmp_path, office_db, capsys) -> None:
    path = office_db.location
    assert demo.demo_state(path) == "office"
    assert main(["demo", "--db", path, "--reset"]) == 1
    assert "no se cambió nada" in capsys.readouterr().err
    assert demo.demo_state(path) == "office"


def test_the_window_remembers_the_absolute_database_path(tmp_path, monkeypatch, qapp, qt_settings) -> None:
    from desktop.ui import app as app_module
    from desktop.ui import settings, warmup

    class Session:
        def __init__(self, path, fixed_language=None):
            self.path = path

        def start(self) -> bool:
            return True

        def close_screens(self) -> None:
            pass

    class App:
        def exec(self) -> int:
            return 0

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("desktop.ui.session.AppSession", Session)
    monkeypatch.setattr(app_module, "make_application", lambda: App())
    monkeypatch.setattr(warmup, "wait", lambda: None)
    for _run in range(2):  # twice in a row, as the README is followed twice
        assert app_module.run_gui("demo.db", "es") == 0
        assert settings.LAST_DATABASE.get() == os.path.join(str(tmp_path), "demo.db")
    app_module.apply_language("en")
