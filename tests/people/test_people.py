"""Registration, search, duplicates, households, merge, anonymize and privacy, without Qt."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desktop.services import people, referrals
from desktop.services.core.errors import ConflictError, PermissionDenied, ValidationError
from desktop.services.people import cases, consent
from desktop.store.models import AuditEvent, Person
from tests.people.helpers import make_service, person_form


def test_registering_a_person_keeps_every_field_and_derives_the_age(ctx_for) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form())
    assert record.name == "José Pérez Rodríguez"
    assert record.document_number == "V-12.345.678"
    assert record.needs == ["chronic_illness"]
    assert record.age == people.age_on(date(1990, 5, 17))
    assert record.consent == people.ConsentState()
    with clerk.db.session() as session:
        stored = session.get(Person, record.id)
        assert stored.document_number_norm == "V12345678"
        assert not hasattr(stored, "age")


def test_an_estimated_age_is_stored_as_an_estimated_birth_date() -> None:
    today = date(2026, 11, 23)
    for age in (0, 1, 34, 80):
        assert people.age_on(people.birth_date_from_age(age, today), today) == age


@pytest.mark.parametrize(("overrides", "field", "words"), [
    ({"birth_date": date.today() + timedelta(days=1)}, "birth_date", "future"),
    ({"birth_date": date(1850, 1, 1)}, "birth_date", "over 120"),
    ({"document_number": "12-AB"}, "document_number", "does not look like"),
    ({"document_type": "gt_dpi", "document_number": "12345"}, "document_number", "does not look like"),
    ({"given_names": "  "}, "given_names", "given names"),
    ({"arrival_date": date(1980, 1, 1)}, "arrival_date", "before the birth date"),
    ({"nationality": "QQ"}, "nationality", "Unknown country"),
])
def test_bad_input_names_the_field_with_a_clear_message(ctx_for, overrides, field, words) -> None:
    with pytest.raises(ValidationError) as caught:
        people.register_person(ctx_for("clerk"), person_form(**overrides))
    assert field in caught.value.fields
    assert words in caught.value.fields[field]


def test_a_duplicate_document_is_refused_naming_who_has_it(ctx_for) -> None:
    clerk = ctx_for("clerk")
    people.register_person(clerk, person_form())
    with pytest.raises(ValidationError, match="José Pérez Rodríguez is already registered"):
        people.register_person(clerk, person_form(given_names="Josefa", document_number="v12345678"))


def test_no_document_needs_no_number(ctx_for) -> None:
    record = people.register_person(ctx_for("clerk"), person_form(document_type="none", document_number="x"))
    assert record.document_number == ""


@pytest.mark.parametrize("query", ["jose perez", "Pérez Josué", "JOSE", "perez rodriguez jose", "Josè Peréz",
                                   "jose peres", "12345678", "V-12.345", "pérez"])
def test_search_tolerates_accents_case_order_and_a_typo(ctx_for, query) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form())
    people.register_person(clerk, person_form(given_names="María", family_name_1="Gómez", family_name_2="",
                                              document_number="V-8.765.432", birth_date=date(1985, 1, 1)))
    hits = people.search_people(clerk, query)
    assert hits and hits[0].id == jose.id


def test_search_finds_nothing_for_a_stranger(ctx_for) -> None:
    clerk = ctx_for("clerk")
    people.register_person(clerk, person_form())
    assert people.search_people(clerk, "Wilfrido Zambrano") == []


def test_likely_duplicates_show_while_typing(ctx_for) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form())
    typed = person_form(given_names="Jose", family_name_1="Perez", family_name_2="", document_type="none",
                        document_number="")
    found = people.likely_duplicates(clerk, typed)
    assert [c.row.id for c in found] == [jose.id]
    assert "same birth date" in found[0].reasons
    by_doc = people.likely_duplicates(clerk, person_form(given_names="Otro", family_name_1="Nombre"))
    assert by_doc and "same document number" in by_doc[0].reasons
    assert people.likely_duplicates(clerk, typed, exclude_id=jose.id) == []


def test_a_person_belongs_to_one_household_at_a_time(ctx_for) -> None:
    clerk = ctx_for("clerk")
    mother = people.register_person(clerk, person_form(given_names="Ana", sex="female", document_type="none"))
    child = people.register_person(clerk, person_form(given_names="Luis", document_type="none",
                                                      birth_date=date(2015, 3, 3), arrival_date=None))
    first = people.create_household(clerk, mother.id)
    people.add_to_household(clerk, first.id, child.id, "child")
    aunt = people.register_person(clerk, person_form(given_names="Rosa", sex="female", document_type="none"))
    second = people.create_household(clerk, aunt.id)
    people.add_to_household(clerk, second.id, child.id, "other_relative")
    assert [m.name for m in people.get_household(clerk, first.id).members] == ["Ana Pérez Rodríguez"]
    assert people.get_person(clerk, child.id).household_id == second.id


def test_a_stale_edit_from_a_second_window_is_refused_and_nothing_is_lost(ctx_for) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form())
    people.update_person(clerk, record.id, person_form(phone="+57 300 000 0000"), record.version)
    with pytest.raises(ConflictError, match="changed by clerk"):
        people.update_person(clerk, record.id, person_form(address="Otra dirección 1"), record.version)
    assert people.get_person(clerk, record.id).phone == "+57 300 000 0000"


def test_opening_a_person_writes_a_view_event(ctx_for) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form())
    people.get_person(clerk, record.id)
    with clerk.db.session() as session:
        actions = list(session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(record.id))))
    assert actions == ["create", "view"]


def test_trainers_see_no_people_and_admins_no_specific_needs(ctx_for) -> None:
    record = people.register_person(ctx_for("clerk"), person_form())
    trainer = ctx_for("trainer")
    for call in (lambda: people.search_people(trainer, "jose"), lambda: people.get_person(trainer, record.id),
                 lambda: people.count_people(trainer), lambda: referrals.follow_up_due(trainer)):
        with pytest.raises(PermissionDenied):
            call()
    assert people.get_person(ctx_for("supervisor"), record.id).needs == ["chronic_illness"]
    assert people.get_person(ctx_for("admin"), record.id).needs is None


def test_supervisor_merge_keeps_every_referral_case_and_consent(ctx_for) -> None:
    clerk, supervisor = ctx_for("clerk"), ctx_for("supervisor")
    service = make_service(ctx_for("admin"))
    keep = people.register_person(clerk, person_form())
    other = people.register_person(clerk, person_form(given_names="Josè", document_type="none", phone="",
                                                      needs=["disability"]))
    consent.record_consent(clerk, other.id, ["share_with_services"], date.today(), "signed_form")
    case = cases.open_case(clerk, other.id)
    referral = referrals.create_referral(clerk, referrals.ReferralForm(other.id, service, "health",
                                                                       case_id=case.id))
    referrals.transition(clerk, referral.id, "send")
    with pytest.raises(PermissionDenied):
        people.merge_people(clerk, keep.id, other.id)
    merged = people.merge_people(supervisor, keep.id, other.id)
    assert merged.needs == ["chronic_illness", "disability"]
    assert merged.consent.share_with_services
    moved = referrals.get_referral(clerk, referral.id)
    assert moved.person_id == keep.id and [e.to_status for e in moved.events] == ["draft", "sent"]
    assert cases.get_case(clerk, case.id).person_id == keep.id
    assert [h.id for h in people.search_people(clerk, "jose perez")] == [keep.id]


def test_admin_anonymizes_with_password_and_statistics_stay(ctx_for) -> None:
    from tests.conftest import PASSWORD

    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    record = people.register_person(clerk, person_form())
    with pytest.raises(PermissionDenied):
        people.anonymize_person(clerk, record.id, PASSWORD)
    with pytest.raises(Exception, match="Wrong password"):
        people.anonymize_person(admin, record.id, "nope")
    people.anonymize_person(admin, record.id, PASSWORD)
    after = people.get_person(clerk, record.id)
    assert "Pérez" not in after.name and after.document_number == "" and after.phone == ""
    assert after.birth_date.year == 1990 and (after.sex, after.nationality) == ("male", "VE")
    assert people.search_people(clerk, "jose perez") == []
    with clerk.db.session() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "anonymize")) == "anonymize"


def test_document_types_are_those_of_the_office_country_and_the_nationality(ctx_for) -> None:
    clerk = ctx_for("clerk")
    codes = {c.code for c in people.document_type_choices(clerk, "VE")}
    assert {"none", "passport", "ve_cedula", "co_ppt", "co_pep"} <= codes
    assert "gt_dpi" not in codes and "mx_curp" not in codes
    assert "gt_dpi" in {c.code for c in people.document_type_choices(clerk, "GT")}
    assert people.catalog_choices(clerk, "document_type", None)[0].code == "none"


def test_changing_only_the_needs_moves_the_version(ctx_for) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form())
    after = people.update_person(clerk, record.id, person_form(needs=["pregnancy"]), record.version)
    assert after.needs == ["pregnancy"] and after.version == record.version + 1
    with pytest.raises(ConflictError):
        people.update_person(clerk, record.id, person_form(needs=[]), record.version)
