"""The person word index (issue 17): typos, swapped words, accents and several documents, kept up to date in the
same transaction on both databases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from desktop.services import people
from desktop.store.models import PersonNameIndex
from tests.people.helpers import person_form


def _register_neighbours(clerk) -> None:
    """A few people sharing words with the one searched, so a match has to be earned."""
    for given, fam1, fam2, doc in (("José Luis", "Pérez", "González", "V-9.111.222"),
                                   ("Josefina", "Rodríguez", "Pérez", "V-9.333.444"),
                                   ("María José", "Gómez", "Rodríguez", "V-9.555.666")):
        people.register_person(clerk, person_form(given_names=given, family_name_1=fam1, family_name_2=fam2,
                                                  document_number=doc, birth_date=date(1980, 1, 1)))


def _ids(clerk, text: str, top: int = 10) -> list:
    return [h.id for h in people.search_people(clerk, text)[:top]]


def test_one_typo_swapped_words_and_accents_find_the_person_first(ctx_for) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form(given_names="José Ángel", family_name_1="Zambrano",
                                                     family_name_2="Rodríguez"))
    _register_neighbours(clerk)
    for query in ("jose angel zambrano rodriguez",  # no accents
                  "ZAMBRANO RODRÍGUEZ José Ángel",  # surnames first, capitals
                  "Rodriguez Zambrano Jose",  # surnames swapped, one given name
                  "jose angel zambrnao rodriguez",  # letters swapped
                  "jose angel zambrano rodrigez",  # a letter dropped
                  "jose angle zanbrano rodriguez",  # two words mistyped
                  "zamb jos"):  # word starts
        assert _ids(clerk, query)[:1] == [jose.id], query


def test_a_badly_mistyped_word_still_finds_the_others(ctx_for) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form())
    _register_neighbours(clerk)
    assert jose.id in _ids(clerk, "jose xqzwv rodriguez")


def test_every_document_finds_the_person_whole_or_by_its_start(ctx_for) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form(more_documents=[("co_ppt", "7654321"),
                                                                     ("passport", "112233445")]))
    _register_neighbours(clerk)
    for query in ("V-12.345.678", "12345678", "1234567", "v12345", "7654321", "76543", "112233445", "1122334"):
        assert _ids(clerk, query)[:1] == [jose.id], query


def test_the_index_follows_edits_merges_and_anonymization(ctx_for) -> None:
    clerk, supervisor = ctx_for("clerk"), ctx_for("supervisor")
    jose = people.register_person(clerk, person_form())
    people.update_person(clerk, jose.id, person_form(family_name_1="Quintero", more_documents=[("co_ppt", "5550001")]),
                         jose.version)
    assert _ids(clerk, "jose quintero rodriguez")[:1] == [jose.id]
    assert _ids(clerk, "perez") == []  # the old surname is gone from the index
    assert _ids(clerk, "5550001") == [jose.id]
    twin = people.register_person(clerk, person_form(given_names="Jose", family_name_1="Quinteros", family_name_2="",
                                                     document_type="passport", document_number="998877665",
                                                     more_documents=[]))
    people.merge_people(supervisor, jose.id, twin.id)
    assert _ids(clerk, "998877665") == [jose.id]  # the merged record's document now finds the one kept
    with clerk.db.session() as session:
        lines = session.scalars(select(PersonNameIndex.person_id)).all()
    assert lines == [jose.id]


def test_index_lines_hold_normalized_names_and_every_document(ctx_for) -> None:
    clerk = ctx_for("clerk")
    jose = people.register_person(clerk, person_form(given_names="Jean-Baptiste", family_name_1="Désir",
                                                     family_name_2="", more_documents=[("co_ppt", "7654321")]))
    with clerk.db.session() as session:
        line = session.scalars(select(PersonNameIndex).where(PersonNameIndex.person_id == jose.id)).one()
        assert (line.names, line.documents) == ("jean baptiste desir", "v12345678 7654321")
    assert _ids(clerk, "desir jean baptiste")[:1] == [jose.id]
    assert _ids(clerk, "Jean Baptiste Dezir")[:1] == [jose.id]
