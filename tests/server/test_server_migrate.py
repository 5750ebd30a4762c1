"""Moving a one-PC office onto a server: every row, account, key and audit event."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.cli import main as enlace
from desktop.services import people, referrals, workspace
from desktop.services.office import OfficeForm
from desktop.services.people import consent
from desktop.store.base import Base
from desktop.store.database import make_url
from tests import pg
from tests.conftest import PASSWORD
from tests.people.helpers import make_service, person_form

pytestmark = pytest.mark.pg_only


@pytest.fixture
def one_pc_office(tmp_path: Path) -> Path:
    """An encrypted office file with people, a referral, a clerk and a trainer."""
    from desktop.services.security import auth

    path = tmp_path / "office.db"
    ctx = workspace.create_office(path, OfficeForm(code="BGA", name="Mesa Migratoria", country="CO"),
                                  "ana", "Ana Admin", PASSWORD)
    try:
        with ctx.db.transaction() as session:
            auth.add_user(session, "ana", "carla", "Carla Clerk", "clerk", PASSWORD)
            auth.add_user(session, "ana", "tomas", "Tomás Trainer", "trainer", PASSWORD)
        service = make_service(ctx)
        person = people.register_person(ctx, person_form())
        consent.record_consent(ctx, person.id, ["share_with_services"], date.today(), "signed_form")
        referrals.create_referral(ctx, referrals.ReferralForm(person.id, service, "health"))
    finally:
        ctx.db.dispose()
    return path


def test_server_migrate_copies_every_table_and_the_audit_log_verifies(one_pc_office, backend, monkeypatch,
                                                                      capsys) -> None:
    target = pg.new_database(migrated=False)
    try:
        monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
        assert enlace(["server", "migrate", "--from", str(one_pc_office), "--to", target, "--user", "ana",
                       "--lang", "en"]) == 0
        out = capsys.readouterr().out
        assert "audit log verified" in out and "carla, tomas" in out
        source = workspace.open_store(one_pc_office, workspace.Unlock("ana", PASSWORD))
        server = workspace.open_store(target)
        try:
            for table in Base.metadata.sorted_tables:
                with source.session() as a, server.session() as b:
                    here = a.scalar(select(func.count()).select_from(table))
                    there = b.scalar(select(func.count()).select_from(table))
                    assert there == here + (table.name == "audit_event"), table.name
        finally:
            source.dispose()
            server.dispose()
        parsed = make_url(target)
        seat = f"{parsed.drivername}://{parsed.host}:{parsed.port}/{parsed.database}"
        ctx = workspace.open_signed_in(seat, "ana", PASSWORD)
        try:
            assert [p.family_name_1 for p in people.search_people(ctx, "jose perez")] == ["Pérez"]
        finally:
            ctx.db.dispose()
        assert enlace(["audit", "verify", "--db", seat, "--user", "ana", "--lang", "en"]) == 0
    finally:
        pg.drop_database(target)
