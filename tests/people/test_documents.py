"""Several identity documents per person: recorded, shown, searched, checked against other people."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import pytest

from desktop.services import people
from desktop.services.core.errors import ValidationError
from desktop.store.database import Database, sqlite_url
from tests.people.helpers import person_form


def _colombian_documents():
    return [("co_ppt", "1234567"), ("co_salvoconducto", "SC2-00981")]


def test_a_person_keeps_several_documents_in_order(ctx_for) -> None:
    clerk = ctx_for("clerk")
    saved = people.register_person(clerk, person_form(more_documents=_colombian_documents()))
    record = people.get_person(clerk, saved.id)
    assert [(d.document_type, d.number) for d in record.documents] == [
        ("ve_cedula", "V-12.345.678"), ("co_ppt", "1234567"), ("co_salvoconducto", "SC2-00981")]
    assert record.documents[1].label == "Temporary Protection Permit (PPT)"
    assert record.to_form().more_documents == _colombian_documents()


def test_search_finds_a_person_by_any_of_their_documents(ctx_for) -> None:
    clerk = ctx_for("clerk")
    saved = people.register_person(clerk, person_form(more_documents=_colombian_documents()))
    for typed in ("1234567", "SC2-00981", "sc200981", "V12345678"):
        assert [r.id for r in people.search_people(clerk, typed)] == [saved.id], typed


def test_a_document_another_person_holds_is_refused_with_their_name(ctx_for) -> None:
    clerk = ctx_for("clerk")
    people.register_person(clerk, person_form(more_documents=[("co_ppt", "7654321")]))
    other = person_form(given_names="Ana", family_name_1="Gómez", document_type="passport",
                        document_number="AB123456", more_documents=[("co_ppt", "7654321")])
    with pytest.raises(ValidationError) as refused:
        people.register_person(clerk, other)
    assert "José Pérez Rodríguez is already registered" in refused.value.fields["documents"]
    first = person_form(given_names="Ana", family_name_1="Gómez", document_type="co_ppt",
                        document_number="7654321")
    with pytest.raises(ValidationError) as refused:
        people.register_person(clerk, first)
    assert "José Pérez Rodríguez" in refused.value.fields["document_number"]


def test_a_document_with_a_wrong_format_or_listed_twice_is_refused(ctx_for) -> None:
    clerk = ctx_for("clerk")
    with pytest.raises(ValidationError) as refused:
        people.register_person(clerk, person_form(more_documents=[("co_ppt", "12")]))
    assert "does not look like" in refused.value.fields["documents"]
    with pytest.raises(ValidationError) as refused:
        people.register_person(clerk, person_form(more_documents=[("ve_cedula", "V12345678")]))
    assert refused.value.fields["documents"] == "The same document is listed twice."


def test_editing_without_the_documents_keeps_them_and_an_empty_list_removes_them(ctx_for) -> None:
    clerk = ctx_for("clerk")
    saved = people.register_person(clerk, person_form(more_documents=_colombian_documents()))
    form = saved.to_form()
    form.more_documents = None
    form.phone = "+57 300 000 0000"
    again = people.update_person(clerk, saved.id, form, saved.version)
    assert len(again.documents) == 3
    form = again.to_form()
    form.more_documents = []
    last = people.update_person(clerk, saved.id, form, again.version)
    assert [d.number for d in last.documents] == ["V-12.345.678"]
    assert last.version > again.version


def test_colombian_mexican_and_guatemalan_document_types_are_offered(ctx_for) -> None:
    clerk = ctx_for("clerk")  # the office is in Colombia
    codes = {c.label for c in people.document_type_choices(clerk)}
    assert {"Foreigner ID card (Colombia)", "Temporary Protection Permit (PPT)", "Passport",
            "Identity card for minors (Colombia)", "Safe-conduct (SC-2, Colombia)", "Other"} <= codes
    assert "Humanitarian visitor card (Mexico)" in {c.label for c in people.document_type_choices(clerk, "MX")}
    assert "Asylum seeker's certificate (IGM, Guatemala)" in {
        c.label for c in people.document_type_choices(clerk, "GT")}


def test_merging_keeps_the_documents_of_both_records(ctx_for) -> None:
    clerk, supervisor = ctx_for("clerk"), ctx_for("supervisor")
    keep = people.register_person(clerk, person_form())
    other = people.register_person(clerk, person_form(document_type="co_ppt", document_number="1234567",
                                                      birth_date=None))
    merged = people.merge_people(supervisor, keep.id, other.id)
    assert [d.number for d in merged.documents] == ["V-12.345.678", "1234567"]
    assert [r.id for r in people.search_people(clerk, "1234567")] == [keep.id]


def test_upgrading_an_older_database_copies_each_person_s_document(db_path: Path) -> None:
    old = Database(sqlite_url(db_path))
    old.upgrade("0015")
    person_id = uuid.uuid4()
    with old.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO person (id, given_names, family_name_1, family_name_2, sex, gender_identity, "
            "birth_date_estimated, document_type, document_number, document_number_norm, phone, address, "
            "municipality, population_type, languages, search_name, created_at, updated_at, version) VALUES "
            "(?, 'Luz', 'Mora', '', 'female', '', 0, 'passport', 'AB-123', 'AB123', '', '', '', 'transit', '', "
            "'luz mora', '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000', 1)", (person_id.hex,))
    old.upgrade("0016")
    old.dispose()
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT person_id, position, document_type, number, number_norm FROM person_document")
        assert rows.fetchall() == [(person_id.hex, 0, "passport", "AB-123", "AB123")]
    back = Database(sqlite_url(db_path))
    back.upgrade("0016")
    from alembic import command

    with back.engine.begin() as conn:
        command.downgrade(back._alembic_config(conn), "0015")
    back.dispose()
    with sqlite3.connect(db_path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "person_document" not in tables
        assert conn.execute("SELECT document_number FROM person").fetchall() == [("AB-123",)]


def test_a_case_keeps_its_reason_and_an_edit_can_change_it(ctx_for) -> None:
    from desktop.services.people import cases

    clerk = ctx_for("clerk")
    person = people.register_person(clerk, person_form())
    case = cases.open_case(clerk, person.id, reason="  Regularización   y acceso a salud ")
    assert cases.get_case(clerk, case.id).reason == "Regularización y acceso a salud"
    changed = cases.update_case(clerk, case.id, caseworker="clerk", priority="high", status="open",
                                expected_version=case.version, reason="Protección de la niñez")
    assert changed.reason == "Protección de la niñez"
    kept = cases.update_case(clerk, case.id, caseworker="clerk", priority="normal", status="open",
                             expected_version=changed.version)
    assert kept.reason == "Protección de la niñez"
    with pytest.raises(ValidationError):
        cases.open_case(clerk, person.id, reason="x" * 301)
