"""What only a PostgreSQL office server has: server logins, group roles, privileges, notifications.

Everything here is PostgreSQL SQL; :mod:`desktop.store.database` decides when it applies. Server
role names are prefixed with the database's name so that one cluster can hold several Enlace
databases (an office and its demo, or the tests' throwaway databases) without their roles mixing.
"""

from __future__ import annotations

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def role_prefix(database: str) -> str:
    return database


def drop_office_roles(admin_url: str, database: str) -> None:
    """Drop the login and group roles of one Enlace database (after the database itself is dropped)."""
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            prefix = role_prefix(database)
            names = conn.execute(text("SELECT rolname FROM pg_roles WHERE starts_with(rolname, :p)"),
                                 {"p": prefix + "_"}).scalars().all()
            for name in names:
                conn.execute(text(f'DROP ROLE IF EXISTS "{name}"'))
    finally:
        engine.dispose()
