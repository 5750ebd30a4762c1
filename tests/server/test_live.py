"""The change stamp other seats poll: it moves with every write, not with reads."""

from __future__ import annotations

import pytest

from desktop.services import people
from desktop.services.workspace import live
from tests.people.helpers import person_form


def test_the_change_stamp_moves_with_a_write_on_another_connection_and_not_with_a_read(ctx_for, office_db) -> None:
    from desktop.services.core.context import AppContext
    from desktop.store.database import open_database

    clerk = ctx_for("clerk")
    other_db = open_database(office_db.location)
    try:
        watch = live.ChangeWatch(AppContext(other_db, clerk.actor), ("person",))
        assert not watch.changed()
        person = people.register_person(clerk, person_form())
        assert watch.changed()
        assert not watch.changed()
        people.get_person(clerk, person.id)  # a "view" event: nothing changed
        assert not watch.changed()
    finally:
        other_db.dispose()


def test_a_server_on_another_machine_is_reached_over_tls_only() -> None:
    from desktop.store.database import needs_tls

    assert needs_tls("postgresql+psycopg://oficina-servidor:5432/enlace")
    assert needs_tls("postgresql+psycopg://192.168.1.20/enlace")
    assert not needs_tls("postgresql+psycopg://localhost:5432/enlace")
    assert not needs_tls("postgresql+psycopg://127.0.0.1:5432/enlace")
    assert not needs_tls("postgresql+psycopg:///enlace?host=/var/run/postgresql")
    assert not needs_tls("postgresql+psycopg://oficina-servidor/enlace?sslmode=verify-full")


@pytest.mark.pg_only
def test_a_server_that_offers_no_tls_gets_a_clear_message(office_db) -> None:
    from desktop.store.database import ServerUnreachableError, open_database

    with pytest.raises(ServerUnreachableError, match="does not offer an encrypted"):
        open_database(office_db.location + "?sslmode=require")
