"""Throwaway PostgreSQL databases for the tests, on the cluster of ``scripts/pg_test_cluster.sh``.

``ENLACE_TEST_PG_URL`` names a superuser connection (``postgresql+psycopg://postgres@127.0.0.1:54329/postgres``).
The schema is migrated once per test session into a template database; each test gets a fresh
copy (``CREATE DATABASE … TEMPLATE``), which costs a few tens of milliseconds instead of a migration.
"""

from __future__ import annotations

import itertools
import os

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

PG_URL = os.environ.get("ENLACE_TEST_PG_URL", "")
_counter = itertools.count(1)
_template: str | None = None


def available() -> bool:
    return bool(PG_URL)


def required() -> bool:
    """CI runs every PostgreSQL variant: a missing server there is a failure, not a skip."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def url_for(database: str) -> URL:
    return make_url(PG_URL).set(database=database)


def location(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _admin(sql: str) -> None:
    engine = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def _template_name() -> str:
    global _template
    if _template is None:
        from desktop.store.database import open_database

        name = f"enlace_tpl_{os.getpid()}"
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _admin(f'CREATE DATABASE "{name}"')
        open_database(location(url_for(name))).dispose()
        _template = name
    return _template


def new_database(*, migrated: bool = True) -> str:
    """A new, empty database (at the Alembic head, or without any table); returns its URL string."""
    name = f"enlace_t_{os.getpid()}_{next(_counter)}"
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{_template_name()}"' if migrated else ""))
    return location(url_for(name))


def drop_database(url: str) -> None:
    from desktop.store import server

    name = make_url(url).database
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    server.drop_office_roles(location(make_url(PG_URL)), name)


def drop_template() -> None:
    global _template
    if _template is not None:
        _admin(f'DROP DATABASE IF EXISTS "{_template}" WITH (FORCE)')
        _template = None


def login_url(url: str, username: str, password: str) -> str:
    """The same database, connected as an Enlace account's own server login (``<db>.<username>``)."""
    from desktop.store import server

    parsed = make_url(url)
    return location(parsed.set(username=server.login_name(parsed.database, username), password=password))
