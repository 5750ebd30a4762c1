"""Person search.

Every name word is kept once, accent-free and lower case, in ``person_search_term``;
``person_search_link`` says who carries it. A query word matches vocabulary words that start with it
or are one or two edits away (rapidfuzz over the vocabulary, a few thousand words), SQL intersects
the people carrying a match for every word, and rapidfuzz ranks the few candidates left.
Document numbers are matched by prefix on ``document_number_norm`` and on every document of ``person_document``."""

from __future__ import annotations

import bisect
import threading
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.services.people.documents import people_with_document
from desktop.services.people.names import age_on, full_name, name_score, normalize, normalize_document
from desktop.store.models import (
    Person,
    PersonSearchLink,
    PersonSearchTerm,
)


@dataclass(frozen=True)
class PersonRow:
    """One line of a people list or search result."""

    id: uuid.UUID
    given_names: str
    family_name_1: str
    family_name_2: str
    sex: str
    birth_date: date | None
    nationality: str | None
    document_type: str
    document_number: str
    population_type: str
    municipality: str
    score: float = 0.0
    # Filled only when asked for and the role may see them (CLI export); None otherwise.
    ethnicity: str | None = None
    lgbtiq: str | None = None

    @property
    def name(self) -> str:
        return full_name(self.given_names, self.family_name_1, self.family_name_2)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date)


_ROW_COLUMNS = (Person.id, Person.given_names, Person.family_name_1, Person.family_name_2, Person.sex,
                Person.birth_date, Person.nationality, Person.document_type, Person.document_number,
                Person.population_type, Person.municipality)


def _row(values: Sequence, score: float = 0.0) -> PersonRow:
    return PersonRow(*values[:11], score=score)


def _index_person(session: Session, person_id: uuid.UUID, terms: set[str]) -> None:
    session.execute(delete(PersonSearchLink).where(PersonSearchLink.person_id == person_id))
    if not terms:
        return
    known = dict(session.execute(select(PersonSearchTerm.term, PersonSearchTerm.id).where(
        PersonSearchTerm.term.in_(terms))).all())
    for term in sorted(terms - known.keys()):
        try:
            with session.begin_nested():  # on a shared server another seat may add the same word meanwhile
                known[term] = session.execute(insert(PersonSearchTerm).values(term=term)).inserted_primary_key[0]
        except IntegrityError:
            known[term] = session.scalar(select(PersonSearchTerm.id).where(PersonSearchTerm.term == term))
    session.execute(insert(PersonSearchLink), [{"term_id": known[t], "person_id": person_id} for t in terms])


class _Vocabulary:
    """The name words of one database, loaded once and topped up with words added since.

    Ids only grow, but on a server a word may be committed after one with a higher id was read
    (another seat's transaction): the count of words tells, and the list is then read again.
    """

    def __init__(self) -> None:
        self.max_id = 0
        self.terms: list[str] = []  # sorted, for prefix lookups
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def refresh(self, session: Session) -> None:
        top, count = session.execute(select(func.max(PersonSearchTerm.id), func.count(PersonSearchTerm.id))).one()
        top = top or 0
        if top == self.max_id and count == len(self.ids):
            return
        with self.lock:
            if top < self.max_id or count < len(self.ids):  # a different (restored) database: start again
                self.__init__()
            rows = session.execute(select(PersonSearchTerm.term, PersonSearchTerm.id).where(
                PersonSearchTerm.id > self.max_id)).all()
            if len(self.ids) + len(rows) < count:  # a word committed late, below the highest id read
                self.__init__()
                rows = session.execute(select(PersonSearchTerm.term, PersonSearchTerm.id)).all()
            pairs = sorted([*zip(self.terms, self.ids, strict=True), *rows])
            self.terms = [p[0] for p in pairs]
            self.ids = [p[1] for p in pairs]
            self.max_id = max(self.ids, default=0)

    def matches(self, word: str, fuzzy: bool = True, limit: int = 400) -> list[int]:
        """Ids of words starting with ``word``; with ``fuzzy``, also those 1–2 edits away (by its length)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        found: dict[int, int] = {}
        if len(word) >= 2 or len(self.terms) < 5000:
            start = bisect.bisect_left(self.terms, word)
            stop = bisect.bisect_left(self.terms, word + "\uffff")
            for i in range(start, min(stop, start + limit)):
                found[self.ids[i]] = 0 if self.terms[i] == word else 1
        max_edits = 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2
        if fuzzy and max_edits:
            for _term, distance, index in process.extract(word, self.terms, scorer=Levenshtein.distance,
                                                          score_cutoff=max_edits, limit=limit):
                found.setdefault(self.ids[index], distance + 1)
        best = sorted(found.items(), key=lambda kv: kv[1])[:limit]
        return [term_id for term_id, _d in best]


_vocabularies: dict[str, _Vocabulary] = {}


def _vocabulary(ctx_db_url: str, session: Session) -> _Vocabulary:
    vocab = _vocabularies.setdefault(ctx_db_url, _Vocabulary())
    vocab.refresh(session)
    return vocab


def _candidate_ids(session: Session, vocab: _Vocabulary, words: list[str], cap: int,
                   fuzzy: bool = True) -> list[uuid.UUID]:
    """People carrying a match for every word (SQL intersection); [] when a word matches nothing.

    Without ``fuzzy`` a word matches the words it starts; with it, a word that matches nothing so
    is widened to words one or two edits away (a typo), while the others stay exact.
    """
    groups = []
    for word in words:
        group = vocab.matches(word, fuzzy=False)
        if not group and fuzzy:
            group = vocab.matches(word, fuzzy=True)
        groups.append(group)
    return _intersect(session, groups, cap)


def _intersect(session: Session, groups: list[list[int]], cap: int) -> list[uuid.UUID]:
    if not groups or any(not g for g in groups):
        return []
    groups = sorted(groups, key=len)
    first = aliased(PersonSearchLink)
    stmt = select(first.person_id).where(first.term_id.in_(groups[0]))
    for group in groups[1:]:
        other = aliased(PersonSearchLink)
        stmt = stmt.join(other, and_(other.person_id == first.person_id, other.term_id.in_(group)))
    return list(dict.fromkeys(session.scalars(stmt.limit(cap * 2))))[:cap]


def _rank(query: str, rows: Iterable[tuple], limit: int) -> list[PersonRow]:
    words = query.split()
    scored = [(name_score(words, values[-1].split()), values) for values in rows]
    scored.sort(key=lambda sv: (-sv[0], sv[1][-1]))
    return [_row(v, s) for s, v in scored[:limit]]


def search_in_session(session: Session, db_key: str, text: str, limit: int = 50) -> list[PersonRow]:
    query = normalize(text)
    if not query:
        return []
    words = query.split()
    name_words = [w for w in words if not any(ch.isdigit() for ch in w)]
    results: dict[uuid.UUID, PersonRow] = {}
    doc = normalize_document(text)
    if any(ch.isdigit() for ch in doc) and len(doc) >= 3:
        # A Venezuelan cédula is often said without its letter: "12345678" finds "V-12.345.678".
        for prefix in [doc] + ([f"V{doc}", f"E{doc}"] if doc.isdigit() else []):
            stmt = select(*_ROW_COLUMNS).where(Person.document_number_norm >= prefix,
                                               Person.document_number_norm < prefix + "~",
                                               Person.deleted_at.is_(None)).limit(limit - len(results))
            for values in session.execute(stmt):
                results.setdefault(values[0], _row(values, 100.0 if prefix == doc else 99.0))
            # Any of the person's other documents (a PPT, a salvoconducto, …) finds them too.
            others = [i for i in people_with_document(session, prefix, limit) if i not in results]
            if others:
                for values in session.execute(select(*_ROW_COLUMNS).where(Person.id.in_(others),
                                                                          Person.deleted_at.is_(None))):
                    results.setdefault(values[0], _row(values, 98.0 if prefix == doc else 97.0))
            if len(results) >= limit:
                break
    if name_words:
        vocab = _vocabulary(db_key, session)
        cap = max(limit * 3, 150)
        # Exact and prefix matches first; typo-tolerant matches only when those do not fill the page.
        ids = _candidate_ids(session, vocab, name_words, cap)
        if len(ids) < limit:  # few exact matches: widen every word to its near spellings too
            every = _intersect(session, [vocab.matches(w, fuzzy=True) for w in name_words], cap)
            ids = list(dict.fromkeys(ids + every))
        relaxed = False
        if not ids and len(name_words) > 1:  # one word has a bad typo: take who matches the others
            relaxed = True
            for skip in range(len(name_words)):
                ids += _candidate_ids(session, vocab, name_words[:skip] + name_words[skip + 1:], cap)
        if ids:
            rows = session.execute(select(*_ROW_COLUMNS, Person.search_name).where(
                Person.id.in_(ids[:cap * 2]), Person.deleted_at.is_(None))).all()
            for row in _rank(" ".join(name_words), rows, limit):
                if not relaxed or row.score >= 60:
                    results.setdefault(row.id, row)
    ordered = sorted(results.values(), key=lambda r: -r.score)
    return ordered[:limit]


def search_people(ctx: AppContext, text: str, limit: int = 50) -> list[PersonRow]:
    """Names and document numbers, tolerant of accents, case, word order and a typo; best match first."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return search_in_session(session, str(ctx.db.url), text, limit)


