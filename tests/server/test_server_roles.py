"""Permissions held by the server: each account is its own login in its role's group."""

from __future__ import annotations

from datetime import date

import psycopg
import pytest
from sqlalchemy import select

from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.people import consent
from desktop.services.security import audit, auth
from desktop.store.database import Database
from desktop.store.models import User
from tests import pg
from tests.conftest import PASSWORD
from tests.people.helpers import make_service, person_form

pytestmark = pytest.mark.pg_only


def _connect(office_db: Database, username: str, password: str = PASSWORD) -> psycopg.Connection:
    """A plain psql-like connection with the account's own server login and password."""
    url = pg.login_url(office_db.location, username, password)
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _signed_in(office_db: Database, username: str, password: str = PASSWORD) -> AppContext:
    db = Database(pg.login_url(office_db.location, username, password))
    return AppContext(db, auth.sign_in(db, username, password))


def test_a_trainer_with_their_own_password_cannot_read_people_or_referrals(office_db) -> None:
    with _connect(office_db, "trainer") as conn:
        for table in ("person", "referral", "case_file", "consent"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT count(*) FROM {table}")
        assert conn.execute("SELECT count(*) FROM course").fetchone()[0] == 0


def test_no_role_can_change_or_delete_the_audit_log(office_db) -> None:
    for username in ("clerk", "supervisor", "admin", "trainer"):
        with _connect(office_db, username) as conn:
            assert conn.execute("SELECT count(*) FROM audit_event").fetchone()[0] > 0
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("UPDATE audit_event SET username = 'mallory' WHERE seq = 1")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("DELETE FROM audit_event WHERE seq = 1")
    assert audit.verify_chain(office_db).ok


def test_a_clerk_cannot_change_another_account_but_an_administrator_can(office_db) -> None:
    with _connect(office_db, "clerk") as conn:
        assert conn.execute("UPDATE user_account SET full_name = 'X' WHERE username = 'admin'").rowcount == 0
        assert conn.execute("UPDATE user_account SET preferred_language = 'en' WHERE username = 'clerk'").rowcount == 1
    with _connect(office_db, "admin") as conn:
        assert conn.execute("UPDATE user_account SET preferred_language = 'en' WHERE username = 'clerk'").rowcount == 1


def test_each_role_does_its_work_through_its_own_login(office_db) -> None:
    clerk = _signed_in(office_db, "clerk")
    admin = _signed_in(office_db, "admin")
    try:
        service = make_service(admin)
        person = people.register_person(clerk, person_form())
        consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
        referral = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
        referrals.transition(clerk, referral.id, "send")
        assert [r.id for r in people.search_people(clerk, "perez jose")] == [person.id]
    finally:
        clerk.db.dispose()
        admin.db.dispose()
    assert audit.verify_chain(office_db).ok


def test_deactivation_and_password_reset_reach_the_server_login(office_db, admin_ctx) -> None:
    with office_db.session() as session:
        clerk_id = session.scalar(select(User.id).where(User.username == "clerk"))
    auth.update_user(admin_ctx, clerk_id, active=False)
    with pytest.raises(psycopg.OperationalError):
        _connect(office_db, "clerk").close()
    auth.update_user(admin_ctx, clerk_id, active=True)
    auth.reset_password(admin_ctx, clerk_id, "a-new-pass-42")
    with pytest.raises(psycopg.OperationalError):
        _connect(office_db, "clerk").close()
    _connect(office_db, "clerk", "a-new-pass-42").close()


def test_an_account_created_by_the_administrator_signs_in_to_the_server(office_db) -> None:
    admin = _signed_in(office_db, "admin")
    try:
        auth.create_user(admin, "maria", "María Gómez", "clerk", "secreto-del-77")
    finally:
        admin.db.dispose()
    maria = _signed_in(office_db, "maria", "secreto-del-77")
    try:
        assert maria.actor.role == "clerk"
    finally:
        maria.db.dispose()


def test_every_table_is_granted_to_some_role_and_the_audit_log_to_none_for_changes() -> None:
    """A new table needs its line in desktop/store/server.py, or no seat could use it on a server."""
    from desktop.store import server
    from desktop.store.base import Base

    granted = {table for access in server.TABLE_ACCESS.values() for table in access}
    assert set(Base.metadata.tables) - granted == set()
    assert all(access["audit_event"] == "SELECT, INSERT" for access in server.TABLE_ACCESS.values())
    assert not {"person", "referral", "case_file", "consent"} & set(server.TABLE_ACCESS["trainer"])
