"""Cases (``BGA-2026-00042``): numbering per office and year, caseworker, priority, status, dated notes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.security import audit, auth
from desktop.store.database import next_counter_value
from desktop.store.models import Case, CaseNote, CaseReferralCounter, HouseholdMember, Person, User

PRIORITIES: dict[str, str] = {"low": N_("Low"), "normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
STATUSES: dict[str, str] = {"open": N_("In progress"), "on_hold": N_("On hold"), "closed": N_("Closed")}


def next_number(session: Session, kind: str, office_code: str, year: int) -> int:
    """The next number of a per-office, per-year series, inside the caller's write transaction.

    The counter row is created or incremented in one statement and stays locked until the
    transaction ends, so two seats never get the same number (no MAX+1). Numbers have no gaps:
    a rolled-back transaction rolls its increment back too.
    """
    return next_counter_value(session, CaseReferralCounter.__table__,
                              {"kind": kind, "office_code": office_code, "year": year})


def case_number(office_code: str, year: int, seq: int) -> str:
    return f"{office_code}-{year}-{seq:05d}"


@dataclass(frozen=True)
class NoteInfo:
    id: uuid.UUID
    noted_on: date
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class CaseInfo:
    id: uuid.UUID
    number: str
    person_id: uuid.UUID
    person_name: str
    household_id: uuid.UUID | None
    caseworker: str
    caseworker_name: str
    priority: str
    status: str
    opened_on: date
    closed_on: date | None
    notes: list[NoteInfo] | None  # None: the role may not read case notes
    version: int
    reason: str = ""  # why the case was opened, in the clerk's words


def _info(session: Session, case: Case, with_notes: bool) -> CaseInfo:
    from desktop.services.people import full_name

    person = session.get(Person, case.person_id)
    worker = auth.staff_name(session, case.caseworker)
    notes = None
    if with_notes:
        notes = [NoteInfo(n.id, n.noted_on, n.author, n.text, n.created_at) for n in session.scalars(
            select(CaseNote).where(CaseNote.case_id == case.id).order_by(CaseNote.noted_on.desc(),
                                                                         CaseNote.created_at.desc()))]
    name = full_name(person.given_names, person.family_name_1, person.family_name_2) if person else ""
    return CaseInfo(case.id, case.number, case.person_id, name, case.household_id, case.caseworker, worker,
                    case.priority, case.status, case.opened_on, case.closed_on, notes, case.version, case.reason)


def _check_caseworker(session: Session, username: str) -> None:
    role = session.scalar(select(User.role).where(User.username == username, User.active.is_(True)))
    if role not in ("clerk", "supervisor", "admin"):
        raise ValidationError(_("Choose an active clerk or supervisor as caseworker."),
                              {"caseworker": _("Not a caseworker")})


REASON_MAX = 300


def _clean_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        raise ValidationError(_("Say the reason in at most {n} characters.").format(n=REASON_MAX),
                              {"reason": _("Too long")})
    return reason


def open_case(ctx: AppContext, person_id: uuid.UUID, caseworker: str | None = None, priority: str = "normal",
              with_household: bool = False, opened_on: date | None = None, reason: str = "") -> CaseInfo:
    """Open a case for a person, with the reason in the clerk's words; it gets the next number of the office
    for this year."""
    from desktop.services.office import current_office

    ctx.require(Permission.EDIT_PEOPLE)
    if priority not in PRIORITIES:
        raise ValidationError(_("Choose a priority."), {"priority": _("Required")})
    reason = _clean_reason(reason)
    opened_on = opened_on or office_today()
    if opened_on > office_today():
        raise ValidationError(_("The opening date cannot be in the future."), {"opened_on": _("In the future")})
    with ctx.db.transaction() as session:
        person = session.get(Person, person_id)
        if person is None or person.deleted_at is not None:
            raise NotFound(_("That person is no longer in the register."))
        caseworker = caseworker or ctx.username
        _check_caseworker(session, caseworker)
        household_id = None
        if with_household:
            household_id = session.scalar(select(HouseholdMember.household_id).where(
                HouseholdMember.person_id == person_id))
        office = current_office(session)
        seq = next_number(session, "case", office.code, opened_on.year)
        case = Case(number=case_number(office.code, opened_on.year, seq), office_code=office.code,
                    year=opened_on.year, seq=seq, person_id=person_id, household_id=household_id,
                    caseworker=caseworker, priority=priority, status="open", opened_on=opened_on, reason=reason,
                    created_by=ctx.username, updated_by=ctx.username)
        session.add(case)
        session.flush()
        audit.record(session, ctx.username, "create", "case", case.id,
                     ["number", "caseworker", "priority", *(["reason"] if reason else [])])
        return _info(session, case, ctx.can(Permission.VIEW_SENSITIVE))


def update_case(ctx: AppContext, case_id: uuid.UUID, *, caseworker: str, priority: str, status: str,
                expected_version: int | None, reason: str | None = None) -> CaseInfo:
    """Change the caseworker, priority, status or reason (None: the reason stays)."""
    ctx.require(Permission.EDIT_PEOPLE)
    reason = None if reason is None else _clean_reason(reason)
    if priority not in PRIORITIES:
        raise ValidationError(_("Choose a priority."), {"priority": _("Required")})
    if status not in STATUSES:
        raise ValidationError(_("Choose a status."), {"status": _("Required")})

    def fresh():
        with ctx.db.session() as s:
            return s.get(Case, case_id)

    with guard_stale(fresh), ctx.db.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(_("That case no longer exists."))
        check_version(case, expected_version)
        if caseworker != case.caseworker:
            _check_caseworker(session, caseworker)
        values = {"caseworker": caseworker, "priority": priority, "status": status,
                  "closed_on": (case.closed_on or office_today()) if status == "closed" else None}
        if reason is not None:
            values["reason"] = reason
        changed = apply_changes(case, values, ctx.username)
        if changed:
            audit.record(session, ctx.username, "update", "case", case.id, changed)
        session.flush()
        return _info(session, case, ctx.can(Permission.VIEW_SENSITIVE))


def add_note(ctx: AppContext, case_id: uuid.UUID, text: str, noted_on: date | None = None) -> NoteInfo:
    """A dated note on a case (sensitive: clerks and supervisors only)."""
    ctx.require(Permission.EDIT_PEOPLE)
    ctx.require(Permission.VIEW_SENSITIVE)
    noted_on = noted_on or office_today()
    if not text.strip():
        raise ValidationError(_("Write the note first."), {"text": _("Required")})
    if noted_on > office_today():
        raise ValidationError(_("The note date cannot be in the future."), {"noted_on": _("In the future")})
    with ctx.db.transaction() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(_("That case no longer exists."))
        note = CaseNote(case_id=case_id, noted_on=noted_on, author=ctx.username, text=text.strip(),
                        created_by=ctx.username, updated_by=ctx.username)
        session.add(note)
        session.flush()
        audit.record(session, ctx.username, "create", "case_note", note.id, ["text"], {"case": case.number})
        return NoteInfo(note.id, note.noted_on, note.author, note.text, note.created_at)


def get_case(ctx: AppContext, case_id: uuid.UUID) -> CaseInfo:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise NotFound(_("That case no longer exists."))
        return _info(session, case, ctx.can(Permission.VIEW_SENSITIVE))


def cases_of_person(ctx: AppContext, person_id: uuid.UUID) -> list[CaseInfo]:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        cases = session.scalars(select(Case).where(Case.person_id == person_id).order_by(Case.opened_on.desc()))
        return [_info(session, c, False) for c in cases]


def caseworkers(ctx: AppContext) -> list[tuple[str, str]]:
    """(username, full name) of active clerks, supervisors and administrators."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return [tuple(r) for r in session.execute(select(User.username, User.full_name).where(
            User.active.is_(True), User.role.in_(("clerk", "supervisor", "admin"))).order_by(User.full_name))]
