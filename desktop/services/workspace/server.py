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

from collections.abc import Callable
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


def seat_location(host: str, port: int, database: str) -> str:
    """What a seat keeps of its office server: host, port and database, never a user or a password."""
    from sqlalchemy.engine import URL

    host, database = host.strip(), database.strip()
    if not host or not database:
        raise ValidationError(_("Give the server's address and the name of the office's database."))
    if not 0 < int(port) < 65536:
        raise ValidationError(_("The port is a number from 1 to 65535 (PostgreSQL's usual port is 5432)."))
    return URL.create("postgresql+psycopg", host=host, port=int(port), database=database).render_as_string()


def seat_parts(location: str) -> tuple[str, int, str] | None:
    """(host, port, database) of a server location, or None for a file."""
    if not is_server_location(location):
        return None
    from sqlalchemy.engine import make_url

    url = make_url(server_url(location))
    return url.host or "localhost", url.port or 5432, url.database or ""


def login_url_text(location: str, username: str) -> str:
    """The connection a person's seat makes, as shown to them: ``postgresql+psycopg://<login>@host:port/db``."""
    from sqlalchemy.engine import make_url

    from desktop.store import server

    url = make_url(server_url(location))
    return url.set(username=server.login_name(url.database or "", username), password=None).render_as_string()


def check_server(location: str, username: str, password: str, *, timeout: int = 10) -> None:
    """Try the office server as a seat would, with ``username``'s own login, within ``timeout`` seconds.

    Nothing is written and nothing is kept. Raises StoreError (translated): the server does not
    answer, it is on another machine and offers no TLS, it refuses the user name or password, or its
    database is not an Enlace office.
    """
    from desktop.services.workspace.opening import with_login
    from desktop.store import server

    if not username.strip():
        raise ValidationError(_("Enter your user name."))
    if not password:
        raise ValidationError(_("Enter your password."))
    server.probe(with_login(server_url(location), username.strip(), password), timeout=timeout)


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


@dataclass(frozen=True)
class MigrationResult:
    database: str
    counts: dict[str, int]  # rows per table, equal on both sides
    users_without_password: list[str]  # their logins wait for a password reset by an administrator
    audit_events: int


def _unsealed(src, row: dict) -> dict:
    from desktop.services.security import role_keys

    seed = role_keys.open_signing_key(role_keys.held_key(src, "sign"), row["public_key"], row["private_key"])
    if seed is None:
        raise ValidationError(role_keys.refusal("sign"))
    return {**row, "private_key": seed}


def migrate_to_server(source: str, target: str, admin_username: str, admin_password: str,
                      progress: Callable[[str], None] | None = None) -> MigrationResult:
    """Move a one-PC office (its database file, encrypted or not) onto an empty server database.

    Every row of every table is copied as it is (records, accounts, signing keys, the audit log
    with its hash chain), table by table in one transaction; then the group roles, and a login for
    each account. Only the administrator's password is known here: the others' logins are made
    without one, and an administrator gives them a password (Reset password) as after encrypting
    a file. The copy is checked table by table and the audit chain verified before it is kept.
    """
    from sqlalchemy import func, select

    from desktop.services.security import audit, auth
    from desktop.services.workspace.opening import Unlock, open_store
    from desktop.store import bulk, server
    from desktop.store.base import Base
    from desktop.store.database import open_database
    from desktop.store.models import User

    say = progress or (lambda _step: None)
    if not is_server_location(target):
        raise ValidationError(_("Give the server's address as postgresql://USER@HOST:PORT/DATABASE."))
    src = open_store(source, Unlock(admin_username, admin_password), encrypt=False)
    try:
        actor = auth.sign_in(src, admin_username, admin_password)
        if actor.role != "admin":
            raise ValidationError(_("Only an administrator can move the office to a server."))
        dst = open_database(server_url(target))
        try:
            with dst.session() as session:
                if any(session.scalar(select(func.count()).select_from(t)) for t in (User.__table__,)):
                    raise ValidationError(_("The server database already holds an office: moving needs an empty "
                                            "database."))
            counts: dict[str, int] = {}
            with src.engine.connect() as reader, dst.engine.execution_options(enlace_write=True).begin() as writer:
                for table in Base.metadata.sorted_tables:
                    say(table.name)
                    copied = 0
                    result = reader.execute(select(table)).mappings()
                    while batch := [dict(row) for row in result.fetchmany(bulk.BATCH)]:
                        if table.name == "signing_key":  # a server keeps it by column privileges, not sealed
                            batch = [_unsealed(src, row) for row in batch]
                        bulk.insert_rows(writer, table, batch)
                        copied += len(batch)
                    counts[table.name] = copied
                server.reset_sequences(writer)
                server.install_roles(writer)
            say("accounts")
            pending = []
            with dst.transaction() as session:
                for user in session.scalars(select(User).order_by(User.username)):
                    own = user.username.lower() == admin_username.strip().lower()
                    server.sync_login(session, user.username, user.role, password=admin_password if own else None,
                                      active=user.active)
                    if not own and user.active:
                        pending.append(user.username)
                audit.record(session, actor.username, "import", "database", None,
                             detail={"moved from": "file", "tables": len(counts)})
            say("checking")
            with dst.session() as session:
                for table in Base.metadata.sorted_tables:
                    there = session.scalar(select(func.count()).select_from(table))
                    expected = counts[table.name] + (1 if table.name == "audit_event" else 0)
                    if there != expected:
                        raise ValidationError(_("The copy of {table} on the server has {there} rows instead of "
                                                "{expected}.").format(table=table.name, there=there,
                                                                      expected=expected))
            verified = audit.verify_chain(dst)
            if not verified.ok:
                raise ValidationError(_("The audit log on the server does not verify (event #{seq}).").format(
                    seq=verified.broken_seq))
            return MigrationResult(dst.url.database or "", counts, pending, verified.checked)
        finally:
            dst.dispose()
    finally:
        src.dispose()
