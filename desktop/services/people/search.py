"""Person search.

Each person's normalized names and document numbers are one line of the word index
(``desktop.store.name_index``: FTS5 on SQLite, full text on PostgreSQL). A query word matches the index
words it starts; when that finds too little, also the words of the vocabulary (``person_search_term``,
every name word ever indexed) one or two edits away (rapidfuzz), so a typo still finds the person. The
index intersects the words; rapidfuzz ranks the few hundred candidates left, whatever the word order.
Document numbers are matched by their start, on every document of the person."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.services.people.names import age_on, full_name, name_score, name_terms, normalize, normalize_document
from desktop.store import name_index
from desktop.store.models import Person, PersonDocument, PersonSearchTerm


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


def _add_words(session: Session, terms: set[str]) -> None:
    """Add the words the vocabulary does not have yet."""
    if not terms:
        return
    known = set(session.scalars(select(PersonSearchTerm.term).where(PersonSearchTerm.term.in_(terms))))
    for term in sorted(terms - known):
        try:
            with session.begin_nested():  # on a shared server another seat may add the same word meanwhile
                session.execute(insert(PersonSearchTerm).values(term=term))
        except IntegrityError:
            pass


def index_person(session: Session, person: Person) -> None:
    """Bring the person's line of the word index up to date (names and every document), in the caller's
    transaction; an anonymized or merged-away person leaves the index."""
    if person.anonymized_at is not None or person.deleted_at is not None:
        name_index.remove(session, person.id)
        return
    terms = name_terms(person.given_names, person.family_name_1, person.family_name_2)
    _add_words(session, terms)
    numbers = [person.document_number_norm, *session.scalars(
        select(PersonDocument.number_norm).where(PersonDocument.person_id == person.id)
        .order_by(PersonDocument.position))]
    names = normalize(full_name(person.given_names, person.family_name_1, person.family_name_2))
    name_index.put(session, person.id, names, " ".join(dict.fromkeys(n for n in numbers if n)).lower())


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

    def near(self, word: str, limit: int = 24) -> list[str]:
        """Words one edit away from ``word`` (two for a word of eight letters or more), nearest first;
        none for a word of three letters or fewer (too many)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        max_edits = 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2
        if not max_edits:
            return []
        found = process.extract(word, self.terms, scorer=Levenshtein.distance, score_cutoff=max_edits,
                                limit=limit)
        return [term for term, _distance, _index in sorted(found, key=lambda f: (f[1], f[0])) if term != word]


_vocabularies: dict[str, _Vocabulary] = {}


def _vocabulary(ctx_db_url: str, session: Session) -> _Vocabulary:
    vocab = _vocabularies.setdefault(ctx_db_url, _Vocabulary())
    vocab.refresh(session)
    return vocab


def _rank(words: list[str], lines: list[tuple[uuid.UUID, str]], limit: int) -> list[tuple[float, uuid.UUID]]:
    scored = {pid: name_score(words, names.split()) for pid, names in lines}
    return sorted(((score, pid) for pid, score in scored.items()), key=lambda sp: (-sp[0], sp[1]))[:limit]


def _by_name(session: Session, db_key: str, words: list[str], limit: int) -> list[tuple[float, uuid.UUID]]:
    """(score, person id) of the best name matches. Word starts first; when they give less than a page,
    also each word's near spellings; when nothing at all, every word but one (a badly mistyped word)."""
    cap = max(limit * 4, 200)
    lines = name_index.find_names(session, [[f"{w}*"] for w in words], cap)
    if len(lines) < limit:
        vocab = _vocabulary(db_key, session)
        widened = [[f"{w}*", *vocab.near(w)] for w in words]
        if any(len(group) > 1 for group in widened):
            lines = list(dict(lines + name_index.find_names(session, widened, cap)).items())
        if not lines and len(words) > 1:
            for skip in range(len(words)):
                lines += name_index.find_names(session, widened[:skip] + widened[skip + 1:], cap)
            return [(s, p) for s, p in _rank(words, lines, limit) if s >= 60]
    return _rank(words, lines, limit)


def candidate_ids(session: Session, db_key: str, words: list[str], cap: int) -> list[uuid.UUID]:
    """Up to ``cap`` people with a name word starting with each of ``words``; when none, with a word near
    each (one typo)."""
    lines = name_index.find_names(session, [[f"{w}*"] for w in words], cap)
    if not lines:
        vocab = _vocabulary(db_key, session)
        lines = name_index.find_names(session, [[f"{w}*", *vocab.near(w)] for w in words], cap)
    return [pid for pid, _names in lines]


def _by_document(session: Session, doc: str, limit: int) -> dict[uuid.UUID, float]:
    """Score of each person holding a document starting with ``doc``: the first document 100, another 98;
    one less when found only with the Venezuelan cédula letter added ("12345678" finds "V-12.345.678")."""
    wanted = [doc] + ([f"v{doc}", f"e{doc}"] if doc.isdigit() else [])
    found: dict[uuid.UUID, float] = {}
    for pid, numbers in name_index.find_documents(session, [f"{w}*" for w in wanted], limit):
        numbers_list = numbers.split()
        score = 0.0
        for position, number in enumerate(numbers_list):
            for k, w in enumerate(wanted):
                if number.startswith(w):
                    score = max(score, (100.0 if position == 0 else 98.0) - (1 if k else 0))
        found[pid] = score
    return found


def search_in_session(session: Session, db_key: str, text: str, limit: int = 50) -> list[PersonRow]:
    query = normalize(text)
    if not query:
        return []
    name_words = [w for w in query.split() if not any(ch.isdigit() for ch in w)]
    scores: dict[uuid.UUID, float] = {}
    doc = normalize_document(text).lower()
    if any(ch.isdigit() for ch in doc) and len(doc) >= 3:
        scores.update(_by_document(session, doc, limit))
    if name_words:
        for score, pid in _by_name(session, db_key, name_words, limit):
            scores.setdefault(pid, score)
    if not scores:
        return []
    best = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    rows = {v[0]: v for v in session.execute(select(*_ROW_COLUMNS).where(
        Person.id.in_([pid for pid, _s in best]), Person.deleted_at.is_(None)))}
    found = [_row(rows[pid], score) for pid, score in best if pid in rows]
    found.sort(key=lambda r: (-r.score, r.name))
    return found


def search_people(ctx: AppContext, text: str, limit: int = 50) -> list[PersonRow]:
    """Names and document numbers, tolerant of accents, case, word order and a typo; best match first."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return search_in_session(session, str(ctx.db.url), text, limit)


