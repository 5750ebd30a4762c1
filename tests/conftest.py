"""Shared fixtures: a migrated database per test, an office with one user per role.

The store and service tests (``PG_AREAS``) run twice: on a SQLite file and on PostgreSQL (a fresh
database per test on the cluster named by ``ENLACE_TEST_PG_URL``, see ``tests/pg.py``). Without that
variable the PostgreSQL variants are skipped, except in CI where they fail. A test that is about the
SQLite file itself is marked ``@pytest.mark.sqlite_only``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

# Headless Qt on the screen Enlace is designed for: an old office PC's 1024×768.
if os.environ.get("QT_QPA_PLATFORM", "offscreen") == "offscreen":
    os.environ["QT_QPA_PLATFORM"] = "offscreen:configfile=" + str(Path(__file__).parent / "ui" / "screen-1024x768.json")

from desktop.i18n import set_language, set_timezone
from desktop.services.core.context import AppContext
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from desktop.services.workspace.setup import setup_office
from desktop.store import keys
from desktop.store.database import Database, open_database
from desktop.store.models import User
from tests import pg

auth.use_fast_hashing_for_tests()
keys.use_fast_kdf_for_tests()

PASSWORD = "correct-horse-9"
ROLES = ("admin", "supervisor", "clerk", "trainer")
BACKENDS = ("sqlite", "postgresql")
# Test folders whose database tests also run on PostgreSQL (not the UI: it calls the same services).
PG_AREAS = ("foundation", "people", "directory", "training", "reports", "server")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames or metafunc.definition.get_closest_marker("sqlite_only"):
        return
    if metafunc.definition.get_closest_marker("pg_only"):
        metafunc.parametrize("backend", ["postgresql"], indirect=True)
        return
    parts = metafunc.definition.path.relative_to(Path(__file__).parent).parts
    if len(parts) > 1 and parts[0] in PG_AREAS:
        metafunc.parametrize("backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session", autouse=True)
def _pg_template() -> Iterator[None]:
    yield
    if pg.available():
        pg.drop_template()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """The database under test: "sqlite" (the default) or "postgresql"."""
    name = getattr(request, "param", "sqlite")
    if name == "postgresql" and not pg.available():
        if pg.required():
            pytest.fail("ENLACE_TEST_PG_URL is not set: CI must start scripts/pg_test_cluster.sh")
        pytest.skip("no PostgreSQL server (set ENLACE_TEST_PG_URL, see scripts/pg_test_cluster.sh)")
    return name


@pytest.fixture(autouse=True)
def _english_by_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Tests read messages in English unless they switch; no test touches the user's files."""
    set_language("en")
    monkeypatch.setenv("ENLACE_DB", str(tmp_path / "env-default.db"))
    for var in ("ENLACE_USER", "ENLACE_PASSWORD", "ENLACE_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    yield
    set_language("en")
    set_timezone(None)  # the window sets the office's zone; the next test starts on this PC's clock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "enlace.db"


@pytest.fixture
def db_location(backend: str, db_path: Path) -> Iterator[str]:
    """Where the test's database is: a file path, or a PostgreSQL URL (a fresh migrated database)."""
    if backend == "sqlite":
        yield str(db_path)
        return
    url = pg.new_database()
    yield url
    pg.drop_database(url)


@pytest.fixture
def db(db_location: str) -> Iterator[Database]:
    database = open_database(db_location)
    yield database
    database.dispose()


@pytest.fixture
def office_db(db: Database) -> Database:
    """A database with office BGA and one active user per role, all with password PASSWORD."""
    setup_office(db, OfficeForm(code="BGA", name="Oficina de Bucaramanga", country="CO",
                                municipality="Bucaramanga"), "admin", "Ana Admin", PASSWORD)
    with db.transaction() as session:
        for role in ROLES[1:]:
            auth.add_user(session, "admin", role, f"{role.title()} Pérez", role, PASSWORD)
    return db


@pytest.fixture
def ctx_for(office_db: Database) -> Callable[[str], AppContext]:
    """``ctx_for("clerk")``: a signed-in context for the user of that role."""

    def make(role: str) -> AppContext:
        with office_db.session() as session:
            user = session.query(User).filter_by(username=role).one()
            return AppContext(office_db, auth.actor_for(user))

    return make


@pytest.fixture
def admin_ctx(ctx_for: Callable[[str], AppContext]) -> AppContext:
    return ctx_for("admin")


@pytest.fixture
def qt_settings(tmp_path: Path) -> Iterator[None]:
    """Preferences in a throwaway INI file."""
    from desktop.ui import settings

    settings.use_settings_file(str(tmp_path / "settings.ini"))
    yield
    settings.clear()
