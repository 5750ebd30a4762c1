"""Setting up and reaching an office server (PostgreSQL): one database for every seat of an office.

``init_server`` is run once by whoever administers the server, with a connection that owns the
database (for example the ``postgres`` superuser on the server itself): it creates the schema
through Alembic, the group roles and their privileges, the office and its first administrator
(who gets their own server login). Run again after installing a newer Enlace, it upgrades the
schema and grants the privileges of any new table; the office is left as it is.

Seats never hold that owner connection: each person signs in with their Enlace user name and
password, which are their own server login (``<database>.<username>``).
"""

from __future__ import annotations

from dataclasses import dataclass

from desktop.i18n import _
from desktop.services.core.errors import ValidationError
from desktop.services.office import OfficeForm


@dataclass(frozen=True)
class ServerSetup:
    database: str
    office_code: str
    created: bool  # False: the office was already there (schema upgraded, privileges granted again)
    admin_login: str | None


def is_server_location(location: str) -> bool:
    return str(location).startswith(("postgresql://", "postgresql+psycopg://", "postgres://"))


def server_url(location: str) -> str:
    """A server location as SQLAlchemy reads it (``postgresql+psycopg://…``)."""
    text = str(location)
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix):]
    return text


def init_server(location: str, form: OfficeForm | None, admin_username: str, admin_full_name: str,
                admin_password: str | None, *, language: str = "es") -> ServerSetup:
    """Create (or bring up to date) an office on an empty PostgreSQL database; see the module doc."""
    from desktop.services import office
    from desktop.services.workspace.setup import setup_office
    from desktop.store import server
    from desktop.store.database import open_database

    if not is_server_location(location):
        raise ValidationError(_("Give the server's address as postgresql://USER@HOST:PORT/DATABASE."))
    db = open_database(server_url(location))
    try:
        with db.engine.begin() as conn:
            server.install_roles(conn)
            database = str(conn.exec_driver_sql("SELECT current_database()").scalar_one())
        info = office.office_info(db)
        if info is not None:
            return ServerSetup(database, info.code, False, None)
        if form is None or admin_password is None:
            raise ValidationError(_("This database has no office yet: give the office code and the first "
                                    "administrator."))
        created = setup_office(db, form, admin_username, admin_full_name or admin_username, admin_password,
                               language=language)
        return ServerSetup(database, created.code, True, server.login_name(database, admin_username))
    finally:
        db.dispose()
