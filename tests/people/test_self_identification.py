"""Ethnic and LGBTIQ+ self-identification: self-declared, "not asked" unless answered, sensitive, without Qt."""

from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
from sqlalchemy import delete, select, update

from desktop.services import people
from desktop.services.core.errors import PermissionDenied, ValidationError
from desktop.store.database import Database, sqlite_url
from desktop.store.models import AuditEvent, CatalogItem, Office, Person
from tests.conftest import PASSWORD
from tests.people.helpers import person_form


def test_nobody_is_assumed_anything_the_default_is_not_asked(ctx_for) -> None:
    record = people.register_person(ctx_for("clerk"), person_form())
    assert (record.ethnicity, record.lgbtiq) == ("not_asked", "not_asked")
    assert record.ethnicity_label == "Not asked"


def test_the_answers_the_person_gives_are_kept(ctx_for) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form(ethnicity="afro_descendant", lgbtiq="yes"))
    again = people.get_person(clerk, record.id)
    assert (again.ethnicity, again.lgbtiq) == ("afro_descendant", "yes")
    assert again.ethnicity_label == "Afro-descendant, Black or Afro-Colombian"
    changed = people.update_person(clerk, record.id, person_form(ethnicity="declined", lgbtiq="no"), again.version)
    assert (changed.ethnicity, changed.lgbtiq) == ("declined", "no") and changed.version == again.version + 1
    with clerk.db.session() as session:
        assert session.execute(select(Person.ethnicity, Person.lgbtiq).where(Person.id == record.id)).one() == (
            "declined", "no")


@pytest.mark.parametrize(("overrides", "field"), [
    ({"ethnicity": "mestizo"}, "ethnicity"),
    ({"ethnicity": "sí"}, "ethnicity"),
    ({"lgbtiq": "maybe"}, "lgbtiq"),
    ({"lgbtiq": "indigenous"}, "lgbtiq"),
])
def test_an_answer_not_on_the_list_is_refused_naming_the_field(ctx_for, overrides, field) -> None:
    with pytest.raises(ValidationError) as caught:
        people.register_person(ctx_for("clerk"), person_form(**overrides))
    assert field in caught.value.fields and "from the list" in caught.value.fields[field]
    assert overrides[field] not in caught.value.message  # the typed value is not echoed back


def test_an_empty_answer_means_not_asked(ctx_for) -> None:
    record = people.register_person(ctx_for("clerk"), person_form(ethnicity="  ", lgbtiq=""))
    assert (record.ethnicity, record.lgbtiq) == ("not_asked", "not_asked")


def test_only_clerks_and_supervisors_see_the_answers(ctx_for) -> None:
    record = people.register_person(ctx_for("clerk"), person_form(ethnicity="indigenous", lgbtiq="yes"))
    assert people.get_person(ctx_for("supervisor"), record.id).ethnicity == "indigenous"
    admin_view = people.get_person(ctx_for("admin"), record.id)
    assert (admin_view.ethnicity, admin_view.lgbtiq, admin_view.ethnicity_label) == (None, None, "")
    assert admin_view.to_form().ethnicity is None and admin_view.to_form().lgbtiq is None
    with pytest.raises(PermissionDenied):
        people.get_person(ctx_for("trainer"), record.id)
    row = next(people.iter_people(ctx_for("admin"), self_identification=True))
    assert (row.ethnicity, row.lgbtiq) == (None, None)
    row = next(people.iter_people(ctx_for("supervisor"), self_identification=True))
    assert (row.ethnicity, row.lgbtiq) == ("indigenous", "yes")
    assert people.people_page(ctx_for("clerk"), 0, 10)[0].ethnicity is None  # the register's table never loads them


def test_an_administrator_editing_the_record_cannot_change_or_erase_the_answers(ctx_for) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    record = people.register_person(clerk, person_form(ethnicity="rrom", lgbtiq="no"))
    seen = people.get_person(admin, record.id)
    form = seen.to_form()
    form.phone = "+57 300 111 2222"
    people.update_person(admin, record.id, form, seen.version)
    people.update_person(admin, record.id, person_form(phone="+57 300 111 3333", ethnicity="none", lgbtiq="yes"),
                         people.get_person(admin, record.id).version)
    after = people.get_person(clerk, record.id)
    assert (after.phone, after.ethnicity, after.lgbtiq) == ("+57 300 111 3333", "rrom", "no")


def test_the_audit_log_names_the_fields_and_never_holds_the_answers(ctx_for) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    record = people.register_person(clerk, person_form(ethnicity="palenquero", lgbtiq="yes"))
    people.update_person(clerk, record.id, person_form(ethnicity="raizal", lgbtiq="declined"), record.version)
    people.get_person(clerk, record.id)
    people.get_person(admin, record.id)
    with clerk.db.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.entity_id == str(record.id))
                                      .order_by(AuditEvent.seq)))
    assert [(e.action, e.username) for e in events] == [("create", "clerk"), ("update", "clerk"),
                                                       ("view", "clerk"), ("view", "admin")]
    assert {"ethnicity", "lgbtiq"} <= set(json.loads(events[0].fields)) and {"ethnicity", "lgbtiq"} <= set(
        json.loads(events[1].fields))
    assert {"needs", "ethnicity", "lgbtiq"} <= set(json.loads(events[2].fields))  # what the clerk saw
    assert json.loads(events[3].fields) == []  # the administrator saw none of it
    for event in events:
        text = f"{event.fields} {event.detail}"
        assert not any(code in text for code in ("palenquero", "raizal", "declined", '"yes"'))


def test_anonymizing_clears_the_answers(ctx_for) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    record = people.register_person(clerk, person_form(ethnicity="indigenous", lgbtiq="yes"))
    people.anonymize_person(admin, record.id, PASSWORD)
    after = people.get_person(clerk, record.id)
    assert (after.ethnicity, after.lgbtiq) == ("not_asked", "not_asked")
    with clerk.db.session() as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "anonymize"))
    assert {"ethnicity", "lgbtiq"} <= set(json.loads(event.fields))


def test_merging_keeps_an_answer_given_in_either_record(ctx_for) -> None:
    clerk, supervisor = ctx_for("clerk"), ctx_for("supervisor")
    keep = people.register_person(clerk, person_form(lgbtiq="no"))
    other = people.register_person(clerk, person_form(given_names="Josè", document_type="none",
                                                      ethnicity="afro_descendant", lgbtiq="yes"))
    merged = people.merge_people(supervisor, keep.id, other.id)
    assert (merged.ethnicity, merged.lgbtiq) == ("afro_descendant", "no")  # the kept record's own answer wins


def test_raizal_and_palenquero_are_offered_where_colombian(ctx_for) -> None:
    clerk = ctx_for("clerk")  # the test office is in Colombia
    codes = [c.code for c in people.ethnicity_choices(clerk, "VE")]
    assert codes == ["indigenous", "afro_descendant", "raizal", "palenquero", "rrom", "none", "declined"]
    with clerk.db.transaction() as session:
        session.execute(update(Office).values(country="PE"))
    assert "raizal" not in {c.code for c in people.ethnicity_choices(clerk, "VE")}
    assert {"raizal", "palenquero"} <= {c.code for c in people.ethnicity_choices(clerk, "CO")}


def test_an_office_set_up_before_the_catalog_gets_it_on_first_use(ctx_for) -> None:
    clerk = ctx_for("clerk")
    with clerk.db.transaction() as session:
        session.execute(delete(CatalogItem).where(CatalogItem.catalog == "ethnicity"))
    record = people.register_person(clerk, person_form(ethnicity="indigenous"))
    assert record.ethnicity_label == "Indigenous"
    with clerk.db.transaction() as session:
        session.execute(delete(CatalogItem).where(CatalogItem.catalog == "ethnicity"))
    assert len(people.ethnicity_choices(clerk)) == 7


def test_people_registered_before_the_upgrade_are_not_asked(tmp_path) -> None:
    path = tmp_path / "old.db"
    old = Database(sqlite_url(path))
    old.upgrade("0003b")
    old.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO person (id, given_names, family_name_1, family_name_2, sex, gender_identity, "
                     "birth_date_estimated, document_type, document_number, document_number_norm, phone, address, "
                     "municipality, population_type, languages, search_name, created_by, updated_by, version, "
                     "created_at, updated_at) VALUES (?, 'Ana', 'Gómez', '', 'female', '', 0, 'none', '', '', '', "
                     "'', '', 'destination', 'es', 'ana gomez', 'clerk', 'clerk', 1, '2025-01-01 10:00:00', "
                     "'2025-01-01 10:00:00')", (uuid.uuid4().hex,))
    db = Database(sqlite_url(path))
    db.upgrade()
    with db.session() as session:
        assert session.execute(select(Person.ethnicity, Person.lgbtiq)).all() == [("not_asked", "not_asked")]
    db.dispose()
