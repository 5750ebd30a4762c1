"""Setting up an office server from the README's commands, and seats signing in to it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from desktop.cli import main as enlace
from desktop.services import workspace
from desktop.services.core.errors import AuthError
from desktop.store.database import make_url
from tests import pg

pytestmark = pytest.mark.pg_only
PASSWORD = "Bucaramanga-segura-26"


@pytest.fixture
def empty_server(backend: str) -> Iterator[str]:
    """An empty database on the test server (no table), as an office's IT provider creates it."""
    url = pg.new_database(migrated=False)
    yield url
    pg.drop_database(url)


def _seat(url: str) -> str:
    """What a seat keeps: host, port and database, no user and no password."""
    parsed = make_url(url)
    return f"{parsed.drivername}://{parsed.host}:{parsed.port}/{parsed.database}"


def test_server_init_then_a_seat_signs_in_with_the_administrators_own_login(empty_server, monkeypatch, capsys):
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert enlace(["server", "init", "--db", empty_server, "--office-code", "BGA", "--office-name",
                   "Oficina de Bucaramanga", "--admin", "ana", "--lang", "en"]) == 0
    assert "Office BGA created" in capsys.readouterr().out
    ctx = workspace.open_signed_in(_seat(empty_server), "ana", PASSWORD)
    try:
        assert ctx.actor.role == "admin"
        assert make_url(str(ctx.db.url)).username.endswith(".ana")
    finally:
        ctx.db.dispose()
    with pytest.raises(AuthError, match="Wrong user name or password"):
        workspace.open_signed_in(_seat(empty_server), "ana", "not-the-password").db.dispose()
    assert enlace(["server", "init", "--db", empty_server, "--lang", "en"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_demo_on_a_server_gives_each_demo_account_its_own_login(empty_server, monkeypatch, capsys):
    from desktop.services.demo import DEMO_PASSWORD

    assert enlace(["demo", "--db", empty_server, "--lang", "en"]) == 0
    capsys.readouterr()
    clerk = workspace.open_signed_in(_seat(empty_server), "clerk", DEMO_PASSWORD)
    clerk.db.dispose()
    trainer_url = make_url(_seat(empty_server)).set(username=f"{make_url(empty_server).database}.trainer",
                                                    password=DEMO_PASSWORD)
    with psycopg.connect(trainer_url.set(drivername="postgresql").render_as_string(hide_password=False),
                         autocommit=True) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SELECT count(*) FROM person")
    monkeypatch.setenv("ENLACE_PASSWORD", DEMO_PASSWORD)
    assert enlace(["audit", "verify", "--db", _seat(empty_server), "--user", "supervisor", "--lang", "en"]) == 0


def test_the_sign_in_screen_asks_nothing_of_a_server_before_someone_signs_in(empty_server, monkeypatch):
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert enlace(["server", "init", "--db", empty_server, "--office-code", "BGA", "--admin", "ana"]) == 0
    seat = _seat(empty_server)
    assert not workspace.needs_setup(seat)
    assert not workspace.is_demo(seat)
    assert workspace.office_label(seat) == ""
