"""What only a PostgreSQL office server has: server logins, group roles, privileges, notifications.

Everything here is PostgreSQL SQL; :mod:`desktop.store.database` decides when it applies (the
functions taking a session do nothing on SQLite). Role names start with the database's name so
one cluster can hold several Enlace databases (an office and its demo, the tests' throwaway
databases) without their roles mixing:

- a group role per Enlace role: ``<db>_clerk``, ``<db>_trainer``, ``<db>_supervisor``, ``<db>_admin``
  (``enlace_clerk``… for a database called ``enlace``), holding the table privileges of
  :data:`TABLE_ACCESS`, which mirror ``desktop/services/core/permissions.py`` (column privileges
  where a role may read only part of a table: the signing key's public columns for clerks);
- a login per Enlace account, ``<db>.<username>`` (``enlace.maria``), member of its role's group,
  with the account's own password as a SCRAM-SHA-256 verifier computed here (the password itself
  never reaches the server's logs). No password is stored on the PCs.

The audit log is granted ``SELECT, INSERT`` only: no Enlace role can change or delete an event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROLES = ("clerk", "trainer", "supervisor", "admin")
SCRAM_ITERATIONS = 4096

CORE_SHARED = ("office", "office_setting", "catalog_item", "alembic_version")
DIRECTORY = ("accessibility", "address", "attribute", "contact", "cost_option", "funding", "language", "location",
             "meta_table_description", "metadata", "organization", "organization_identifier", "phone", "program",
             "required_document", "schedule", "service", "service_area", "service_at_location",
             "service_extension", "taxonomy", "taxonomy_term")
PEOPLE = ("case_file", "case_note", "consent", "household", "household_member", "person", "person_document",
          "person_name_index", "person_need", "person_search_term", "referral", "referral_event")
TRAINING = ("attendance", "certificate", "certificate_signatory", "certificate_template", "course", "enrollment",
            "participant", "signing_key", "training_session", "trusted_key")
VERIFY = ("certificate", "signing_key", "trusted_key", "office")  # what checking a certificate reads
EXCHANGE = ("exchange_bundle", "exchange_conflict", "exchange_inbound_referral", "exchange_peer",
            "exchange_referral_event", "exchange_revocation", "exchange_row_history", "exchange_trust_list",
            "exchange_trust_list_member")
EXCHANGE_VERIFY = ("exchange_peer", "exchange_revocation")  # another office's keys and revocations

READ = "SELECT"
WRITE = "SELECT, INSERT, UPDATE, DELETE"
# Roles that check certificates but do not sign (clerks) read the office key's public columns only:
# private_key is readable by the roles holding the `sign` role key (desktop.store.wraps.ROLE_KEYS).
SIGNING_KEY_PUBLIC = ("SELECT (id, created_at, created_by, updated_at, updated_by, version, office_code, key_id, "
                      "public_key, active)")


def _access() -> dict[str, dict[str, str]]:
    """Per Enlace role, table → privileges. Tables not named are refused (no privilege at all)."""
    every = {t: READ for t in CORE_SHARED} | {"case_referral_counter": "SELECT, INSERT, UPDATE",
                                              "audit_event": "SELECT, INSERT", "user_account": "SELECT, UPDATE"}
    verify = {t: READ for t in VERIFY + EXCHANGE_VERIFY if t != "office"}
    # Clerks also work the exchange: referrals from other offices, the directory review queue.
    clerk = every | verify | {t: WRITE for t in DIRECTORY + PEOPLE + EXCHANGE} | {"signing_key": SIGNING_KEY_PUBLIC}
    # Trainers never see people or referrals (nor cases, consent, households).
    trainer = every | verify | {t: READ for t in DIRECTORY} | {t: WRITE for t in TRAINING}
    # Supervisors read everything; they merge people, revoke certificates and make exchange bundles.
    supervisor = every | {t: READ for t in DIRECTORY + TRAINING} | {t: WRITE for t in PEOPLE + EXCHANGE} | {
        "certificate": "SELECT, UPDATE"}
    admin = every | {t: WRITE for t in DIRECTORY + PEOPLE + TRAINING + EXCHANGE
                     + ("office", "office_setting", "catalog_item")} | {"user_account": "SELECT, INSERT, UPDATE"}
    return {"clerk": clerk, "trainer": trainer, "supervisor": supervisor, "admin": admin}


TABLE_ACCESS = _access()


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def role_prefix(database: str) -> str:
    return database


def group_role(database: str, role: str) -> str:
    return f"{role_prefix(database)}_{role}"


def login_name(database: str, username: str) -> str:
    """The server login of an Enlace account (Enlace user names ignore case; the login is lower case)."""
    return f"{role_prefix(database)}.{username.strip().lower()}"


def username_of_login(database: str, login: str) -> str | None:
    prefix = role_prefix(database) + "."
    return login[len(prefix):] if login.startswith(prefix) else None


def scram_verifier(password: str, *, salt: bytes | None = None, iterations: int = SCRAM_ITERATIONS) -> str:
    """The SCRAM-SHA-256 verifier PostgreSQL stores for ``password`` (RFC 5802/7677; no SASLprep of ASCII)."""
    salt = salt or os.urandom(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored_key = hashlib.sha256(client_key).digest()
    server_key = hmac.new(salted, b"Server Key", "sha256").digest()
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def _is_server(bind) -> bool:
    return bind.dialect.name == "postgresql"


def _database(conn) -> str:
    return str(conn.execute(text("SELECT current_database()")).scalar_one())


# -- set-up (run by the server's owner: `enlace server init`) -------------------------------------


def install_roles(conn: Connection) -> None:
    """Create the group roles (if missing) and grant them exactly :data:`TABLE_ACCESS`; idempotent.

    Runs after every schema upgrade on the server, as the owner of the tables.
    """
    database = _database(conn)
    existing = set(conn.execute(text("SELECT rolname FROM pg_roles")).scalars())
    tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    groups = {role: group_role(database, role) for role in ROLES}
    for group in groups.values():
        if group not in existing:
            conn.exec_driver_sql(f"CREATE ROLE {quote(group)} NOLOGIN")
    conn.exec_driver_sql(f"REVOKE ALL ON DATABASE {quote(database)} FROM PUBLIC")
    conn.exec_driver_sql("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    for role, group in groups.items():
        conn.exec_driver_sql(f"GRANT CONNECT, TEMPORARY ON DATABASE {quote(database)} TO {quote(group)}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA public TO {quote(group)}")
        conn.exec_driver_sql(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {quote(group)}")
        for table, privileges in TABLE_ACCESS[role].items():
            if table in tables:
                conn.exec_driver_sql(f"GRANT {privileges} ON TABLE {quote(table)} TO {quote(group)}")
        conn.exec_driver_sql(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {quote(group)}")
    _install_row_security(conn, database, groups)


def _install_row_security(conn: Connection, database: str, groups: dict[str, str]) -> None:
    """Users' rows: everyone reads them (names in histories); only administrators change others'."""
    prefix = literal(role_prefix(database) + ".")
    conn.exec_driver_sql(
        "CREATE OR REPLACE FUNCTION enlace_username() RETURNS text LANGUAGE sql STABLE AS "
        f"$$ SELECT CASE WHEN starts_with(current_user, {prefix}) "
        f"THEN substr(current_user, {len(role_prefix(database)) + 2}) END $$")
    conn.exec_driver_sql("ALTER TABLE user_account ENABLE ROW LEVEL SECURITY")
    for name in ("user_account_read", "user_account_own", "user_account_admin"):
        conn.exec_driver_sql(f"DROP POLICY IF EXISTS {name} ON user_account")
    everyone = ", ".join(quote(g) for g in groups.values())
    others = ", ".join(quote(groups[r]) for r in ROLES if r != "admin")
    conn.exec_driver_sql(f"CREATE POLICY user_account_read ON user_account FOR SELECT TO {everyone} USING (true)")
    conn.exec_driver_sql(f"CREATE POLICY user_account_own ON user_account FOR UPDATE TO {others} "
                         "USING (lower(username) = enlace_username()) WITH CHECK (lower(username) = enlace_username())")
    conn.exec_driver_sql(f"CREATE POLICY user_account_admin ON user_account FOR ALL TO {quote(groups['admin'])} "
                         "USING (true) WITH CHECK (true)")


def reset_sequences(conn: Connection) -> None:
    """After rows were copied in with their ids: each serial column's sequence continues above them."""
    rows = conn.exec_driver_sql(
        "SELECT c.table_name, c.column_name FROM information_schema.columns c WHERE c.table_schema = 'public' "
        "AND c.column_default LIKE 'nextval(%%'").all()
    for table, column in rows:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence({literal(quote(table))}, {literal(column)}), "
            f"coalesce((SELECT max({quote(column)}) FROM {quote(table)}), 0) + 1, false)")


# -- accounts (called by desktop.services.security.auth in the same transaction) -------------------


def sync_login(session: Session, username: str, role: str, *, password: str | None = None,
               active: bool = True) -> None:
    """Create or change an account's server login: its group, its password, whether it may connect.

    Nothing on SQLite. On a server the caller's login needs CREATEROLE (administrators have it).
    """
    conn = session.connection()
    if not _is_server(conn):
        return
    database = _database(conn)
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"),
                    {"n": group_role(database, role)}).first() is None:
        install_roles(conn)  # a database set up without `enlace server init` (the tests, the demo)
    login = login_name(database, username)
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": login}).first() is not None
    options = ("LOGIN" if active else "NOLOGIN") + (" CREATEROLE" if role == "admin" else " NOCREATEROLE")
    if password is not None:
        options += f" PASSWORD {literal(scram_verifier(password))}"
    if exists:
        conn.exec_driver_sql(f"ALTER ROLE {quote(login)} WITH {options}")
    else:
        conn.exec_driver_sql(f"CREATE ROLE {quote(login)} WITH {options}")
    for other in ROLES:
        group = group_role(database, other)
        if other == role:
            conn.exec_driver_sql(f"GRANT {quote(group)} TO {quote(login)}")
        else:
            member = conn.execute(text(
                "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = :g AND u.rolname = :u"),
                {"g": group, "u": login}).first()
            if member:
                conn.exec_driver_sql(f"REVOKE {quote(group)} FROM {quote(login)}")


def set_password(session: Session, username: str, password: str) -> None:
    """Give an account's server login a new password (its own, or anyone's for an administrator)."""
    conn = session.connection()
    if not _is_server(conn):
        return
    login = login_name(_database(conn), username)
    conn.exec_driver_sql(f"ALTER ROLE {quote(login)} PASSWORD {literal(scram_verifier(password))}")


def current_username(session: Session) -> str | None:
    """The Enlace account the server connection signed in as (None: the owner, or SQLite)."""
    conn = session.connection()
    if not _is_server(conn):
        return None
    login = str(conn.execute(text("SELECT current_user")).scalar_one())
    return username_of_login(_database(conn), login)


# -- a seat finding its server ---------------------------------------------------------------------


def probe(url, timeout: int | None = None) -> None:
    """Connect once as ``url`` says (TLS to another machine, a connect timeout) and check that the
    database holds an Enlace office schema. Raises a translated StoreError subclass otherwise:
    ServerUnreachableError, ServerTlsMissingError, ServerLoginRefusedError, NotEnlaceDatabaseError."""
    from sqlalchemy.pool import NullPool

    from desktop.i18n import _
    from desktop.store.database import server_connect_args, server_error
    from desktop.store.files import NotEnlaceDatabaseError

    url = make_url(url) if isinstance(url, str) else url
    args = server_connect_args(url)
    if timeout is not None:
        args["connect_timeout"] = timeout
    engine = create_engine(url, connect_args=args, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT to_regclass('public.alembic_version') IS NOT NULL "
                                      "AND to_regclass('public.office') IS NOT NULL")).scalar_one()
    except Exception as exc:
        raise server_error(url, exc) from exc
    finally:
        engine.dispose()
    if not found:
        raise NotEnlaceDatabaseError(_("The database {name} on {where} is not an Enlace office: it has no Enlace "
                                       "tables. Check the database name; whoever runs the server sets it up with "
                                       "“enlace server init”.").format(
            name=url.database, where=f"{url.host or 'localhost'}:{url.port or 5432}"))


# -- tests and tools ------------------------------------------------------------------------------


def drop_office_roles(admin_url: str, database: str) -> None:
    """Drop the login and group roles of one Enlace database (after the database itself is dropped)."""
    engine = create_engine(make_url(admin_url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            prefix = role_prefix(database)
            names = conn.execute(text(
                "SELECT rolname FROM pg_roles WHERE starts_with(rolname, :a) OR starts_with(rolname, :b) "
                "ORDER BY rolcanlogin DESC"), {"a": prefix + "_", "b": prefix + "."}).scalars().all()
            for name in names:
                conn.exec_driver_sql(f"DROP ROLE IF EXISTS {quote(name)}")
    finally:
        engine.dispose()
