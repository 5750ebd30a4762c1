"""What must behave the same on a SQLite file and on a PostgreSQL server."""

from __future__ import annotations

import pytest

from desktop.services import people
from desktop.services.core.errors import ValidationError
from tests.people.helpers import person_form


def test_a_name_longer_than_its_column_is_refused_with_a_message_and_nothing_saved(ctx_for) -> None:
    clerk = ctx_for("clerk")
    with pytest.raises(ValidationError) as caught:
        people.register_person(clerk, person_form(family_name_1="Pérez" * 40))
    assert "at most 80 characters" in str(caught.value).lower()
    assert "family_name_1" in caught.value.fields
    with clerk.db.session() as session:
        from sqlalchemy import func, select

        from desktop.store.models import Person

        assert session.scalar(select(func.count()).select_from(Person)) == 0


def test_a_too_long_entry_is_told_in_spanish_too(ctx_for) -> None:
    from desktop.i18n import set_language

    clerk = ctx_for("clerk")
    set_language("es")
    with pytest.raises(ValidationError) as caught:
        people.register_person(clerk, person_form(given_names="María José " * 20))
    assert "caracteres" in str(caught.value)
