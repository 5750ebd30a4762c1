"""Two seats at once on one server: numbers never repeat, nothing is lost, no save overwrites another."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.cli import main as enlace
from desktop.services import people
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ConflictError
from desktop.services.people import consent
from desktop.services.security import auth
from desktop.store.database import Database
from desktop.store.models import Case, Referral
from tests import pg
from tests.conftest import PASSWORD
from tests.people.helpers import make_service, person_form

pytestmark = pytest.mark.pg_only
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_two_seats_creating_200_cases_and_referrals_each_get_400_distinct_numbers(office_db, ctx_for) -> None:
    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    seats = [subprocess.Popen([sys.executable, "-m", "tests.server._creator",
                               pg.login_url(office_db.location, user, PASSWORD), user, PASSWORD, "200",
                               str(person.id), str(service)], cwd=ROOT, env=env)
             for user in ("clerk", "admin")]
    assert [seat.wait(timeout=600) for seat in seats] == [0, 0]
    with office_db.session() as session:
        for model in (Case, Referral):
            numbers = session.scalars(select(model.number)).all()
            assert len(numbers) == 400 and len(set(numbers)) == 400, model.__name__
            assert sorted(session.scalars(select(model.seq)).all()) == list(range(1, 401)), model.__name__
        assert session.scalar(select(func.count()).select_from(Referral).where(Referral.case_id.is_(None))) == 0
    assert enlace(["audit", "verify", "--db", office_db.location]) == 0


def test_the_second_of_two_seats_saving_the_same_record_is_refused_with_who_and_when(office_db, ctx_for) -> None:
    clerk = ctx_for("clerk")
    person = people.register_person(clerk, person_form())
    seats = []
    for username in ("clerk", "admin"):
        db = Database(pg.login_url(office_db.location, username, PASSWORD))
        seats.append(AppContext(db, auth.sign_in(db, username, PASSWORD)))
    try:
        first, second = seats
        read_by_first = people.get_person(first, person.id)
        read_by_second = people.get_person(second, person.id)
        people.update_person(first, person.id, person_form(phone="+57 300 111 2222"),
                             expected_version=read_by_first.version)
        with pytest.raises(ConflictError, match="changed by"):
            people.update_person(second, person.id, person_form(phone="+57 300 999 9999"),
                                 expected_version=read_by_second.version)
        assert people.get_person(second, person.id).phone == "+57 300 111 2222"
    finally:
        for seat in seats:
            seat.db.dispose()
