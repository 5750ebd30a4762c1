"""Likely duplicates while a person is typed, merging two records, and anonymizing one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, or_, select, update

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.people.catalogs import NO_DOCUMENT, NOT_ASKED
from desktop.services.people.documents import forget_documents, move_documents
from desktop.services.people.names import full_name, normalize, normalize_document
from desktop.services.people.persons import _set_needs
from desktop.services.people.records import PersonForm, PersonRecord, _load, _record
from desktop.services.people.search import _ROW_COLUMNS, PersonRow, _row, candidate_ids, index_person
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import (
    Case,
    Consent,
    HouseholdMember,
    Person,
    PersonDocument,
    PersonNeed,
    Referral,
)


@dataclass(frozen=True)
class DuplicateCandidate:
    row: PersonRow
    score: float
    reasons: list[str]


def likely_duplicates(ctx: AppContext, form: PersonForm, exclude_id: uuid.UUID | None = None,
                      limit: int = 5) -> list[DuplicateCandidate]:
    """People who may be the one being typed: same document, or similar names (and the same birth date)."""
    from rapidfuzz import fuzz

    ctx.require(Permission.VIEW_PEOPLE)
    found: dict[uuid.UUID, DuplicateCandidate] = {}
    name = normalize(full_name(form.given_names, form.family_name_1, form.family_name_2))
    with ctx.db.session() as session:
        typed = [form.document_number] if form.document_type != NO_DOCUMENT else []
        typed += [number for _kind, number in form.more_documents or []]
        for doc in {normalize_document(number) for number in typed}:
            if len(doc) < 4:
                continue
            holders = select(PersonDocument.person_id).where(PersonDocument.number_norm == doc)
            for values in session.execute(select(*_ROW_COLUMNS).where(
                    or_(Person.document_number_norm == doc, Person.id.in_(holders)),
                    Person.deleted_at.is_(None)).limit(limit)):
                found[values[0]] = DuplicateCandidate(_row(values, 100), 100, [_("same document number")])
        given = normalize(form.given_names).split()
        family = normalize(form.family_name_1).split()
        if given and family:
            ids = candidate_ids(session, str(ctx.db.url), [given[0], family[0]], 200)
            rows = session.execute(select(*_ROW_COLUMNS, Person.search_name).where(
                Person.id.in_(ids), Person.deleted_at.is_(None))).all() if ids else []
            for values in rows:
                name_score = (0.6 * fuzz.token_set_ratio(name, values[-1])
                              + 0.4 * fuzz.token_sort_ratio(name, values[-1]))
                reasons = [_("similar name")]
                score = name_score
                if form.birth_date and values[5] == form.birth_date:
                    score += 15
                    reasons.append(_("same birth date"))
                elif form.birth_date and values[5] and values[5] != form.birth_date:
                    score -= 10
                if score >= 85 and values[0] not in found:
                    found[values[0]] = DuplicateCandidate(_row(values, score), min(score, 100.0), reasons)
    found.pop(exclude_id, None)  # type: ignore[arg-type]
    return sorted(found.values(), key=lambda c: -c.score)[:limit]


def merge_people(ctx: AppContext, keep_id: uuid.UUID, other_id: uuid.UUID) -> PersonRecord:
    """Supervisor: fold ``other`` into ``keep``. Every referral, case and consent moves (their events with them);
    blanks of ``keep`` are filled from ``other``; ``other`` is kept as a deleted row pointing to ``keep``."""
    ctx.require(Permission.MERGE_PEOPLE)
    if keep_id == other_id:
        raise ValidationError(_("Choose two different records to merge."))
    with ctx.db.transaction() as session:
        keep, other = _load(session, keep_id), _load(session, other_id)
        if keep.document_number_norm and other.document_number_norm and (
                keep.document_type, keep.document_number_norm) != (other.document_type, other.document_number_norm) \
                and keep.document_type == other.document_type:
            raise ValidationError(_("These two records have different numbers for the same document type; they "
                                    "look like two different people. Correct the document first."))
        filled = []
        for name in ("gender_identity", "birth_date", "nationality", "phone", "address", "municipality",
                     "arrival_date", "languages", "family_name_2"):
            if getattr(keep, name) in ("", None) and getattr(other, name) not in ("", None):
                setattr(keep, name, getattr(other, name))
                filled.append(name)
        if keep.document_type == NO_DOCUMENT and other.document_type != NO_DOCUMENT:
            keep.document_type, keep.document_number = other.document_type, other.document_number
            keep.document_number_norm = other.document_number_norm
            filled.append("document_number")
        session.flush()
        if move_documents(session, other.id, keep, ctx.username):
            filled.append("documents")
        if "birth_date" in filled:
            keep.birth_date_estimated = other.birth_date_estimated
        for name in ("ethnicity", "lgbtiq"):  # an answer given in either record is kept (the kept one's first)
            if getattr(keep, name) == NOT_ASKED and getattr(other, name) != NOT_ASKED:
                setattr(keep, name, getattr(other, name))
                filled.append(name)
        moved = {}
        for model in (Referral, Case, Consent):
            result = session.execute(update(model).where(model.person_id == other.id).values(person_id=keep.id)
                                     .execution_options(synchronize_session=False))
            moved[model.__tablename__] = result.rowcount
        needs = set(session.scalars(select(PersonNeed.need_code).where(PersonNeed.person_id.in_((keep.id,
                                                                                                 other.id)))))
        _set_needs(session, keep.id, sorted(needs))
        session.execute(delete(PersonNeed).where(PersonNeed.person_id == other.id))
        keep_home = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == keep.id))
        other_home = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == other.id))
        if other_home is not None:
            if keep_home is None:
                other_home.person_id = keep.id
            else:
                session.delete(other_home)
        other.deleted_at, other.deleted_by, other.merged_into_id = utcnow(), ctx.username, keep.id
        other.updated_by = keep.updated_by = ctx.username
        if not filled:
            keep.updated_at = utcnow()
        session.flush()
        index_person(session, other)  # merged away: out of the index
        index_person(session, keep)  # the documents it took over find it now
        audit.record(session, ctx.username, "merge", "person", keep.id, filled,
                     {"merged": str(other.id), **moved})
        audit.record(session, ctx.username, "merge", "person", other.id, [], {"merged_into": str(keep.id)})
        session.flush()
        return _record(session, keep, ctx.can(Permission.VIEW_SENSITIVE))


ANONYMIZED = "—"


def anonymize_person(ctx: AppContext, person_id: uuid.UUID, password: str) -> None:
    """Administrator: replace names, document, phone, address and birth date (keeping the birth year for
    age statistics) and free texts about the person, and clear the self-declared ethnic and LGBTIQ+
    identification (back to "not asked": in a small community they can point to one person); sex,
    nationality, population type, municipality, needs, cases and referrals stay for the figures.
    Asks again for the administrator's password."""
    from desktop.services.security.auth import confirm_password

    ctx.require(Permission.ANONYMIZE_PEOPLE)
    confirm_password(ctx, password)
    from desktop.store.models import CaseNote

    with ctx.db.transaction() as session:
        person = _load(session, person_id)
        if person.anonymized_at is not None:
            raise ValidationError(_("This record is already anonymized."))
        person.given_names = _("Anonymized person")
        person.family_name_1 = ANONYMIZED
        person.family_name_2 = ""
        person.gender_identity = ""
        person.document_number = person.document_number_norm = ""
        person.document_type = NO_DOCUMENT
        person.phone = person.address = ""
        person.ethnicity = person.lgbtiq = NOT_ASKED
        if person.birth_date is not None:
            person.birth_date = date(person.birth_date.year, 7, 1)
            person.birth_date_estimated = True
        person.search_name = ""
        person.anonymized_at = utcnow()
        person.updated_by = ctx.username
        forget_documents(session, person.id)
        index_person(session, person)  # anonymized: out of the index
        session.execute(update(Consent).where(Consent.person_id == person.id).values(witness_name="",
                                                                                      withdrawal_note=""))
        case_ids = select(Case.id).where(Case.person_id == person.id).scalar_subquery()
        session.execute(update(CaseNote).where(CaseNote.case_id.in_(case_ids)).values(text=ANONYMIZED)
                        .execution_options(synchronize_session=False))
        session.execute(update(Referral).where(Referral.person_id == person.id).values(reason="", outcome="")
                        .execution_options(synchronize_session=False))
        audit.record(session, ctx.username, "anonymize", "person", person.id,
                     ["given_names", "family_name_1", "family_name_2", "document_number", "phone", "address",
                      "birth_date", "ethnicity", "lgbtiq", "case_notes", "referral_texts"])
