"""Lists and summaries cost a fixed number of SQL statements, however long they are."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event

from desktop.services import directory, people, referrals
from desktop.services.core.context import AppContext
from desktop.store.database import Database
from tests.directory.helpers import add_service, organization
from tests.people.helpers import make_service, person_form


@contextmanager
def statements(db: Database) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                      "RELEASE")):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_directory_summaries_cost_the_same_for_one_service_or_twelve(ctx_for: Callable[[str], AppContext]) -> None:
    clerk = ctx_for("clerk")
    org = organization(clerk)
    ids = [add_service(clerk, org, f"Servicio {n}") for n in range(12)]
    with statements(clerk.db) as one:
        directory.summaries(clerk, ids[:1])
    with statements(clerk.db) as twelve:
        assert len(directory.summaries(clerk, ids)) == 12
    assert len(twelve) == len(one) <= 3


def test_a_people_page_costs_the_same_for_five_people_or_sixty(ctx_for: Callable[[str], AppContext]) -> None:
    clerk = ctx_for("clerk")
    for n in range(5):
        people.register_person(clerk, person_form(given_names=f"Ana {n}", document_number=f"V-1{n:06d}"))
    with statements(clerk.db) as few:
        assert len(people.people_page(clerk, 0, 50)) == 5
    for n in range(55):
        people.register_person(clerk, person_form(given_names=f"Luz {n}", document_number=f"V-2{n:06d}"))
    with statements(clerk.db) as many:
        assert len(people.people_page(clerk, 0, 50)) == 50
    assert len(many) == len(few) <= 3


def test_home_follow_ups_cost_the_same_for_one_referral_or_twenty(ctx_for: Callable[[str], AppContext]) -> None:
    clerk = ctx_for("clerk")
    service = make_service(clerk)
    person = people.register_person(clerk, person_form())

    def refer(days_ago: int) -> None:
        referrals.create_referral(clerk, referrals.ReferralForm(
            person.id, service, "health", follow_up_on=date.today()))

    later = date.today() + timedelta(days=30)
    refer(1)
    with statements(clerk.db) as one:
        referrals.follow_up_due(clerk, today=later, limit=50)
    for n in range(2, 21):
        refer(n)
    with statements(clerk.db) as twenty:
        rows, total = referrals.follow_up_due(clerk, today=later, limit=50)
    assert total == len(rows) == 20
    assert len(twenty) == len(one) <= 3  # Home as a whole: tests/ui/test_home_statements.py (≤ 5)
