"""Reading referrals: one referral with its history, and the filtered, paged lists of the screens, the CLI
and reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound
from desktop.services.core.permissions import Permission
from desktop.services.referrals.directory_entry import ServiceInfo, service_info
from desktop.services.referrals.states import allowed_actions
from desktop.services.security import auth
from desktop.store.models import Case, Organization, Person, Referral, ReferralEvent, Service


@dataclass(frozen=True)
class EventInfo:
    from_status: str | None
    to_status: str
    at: datetime
    by: str
    note: str
    by_name: str = ""  # the account's full name, for histories


@dataclass(frozen=True)
class ReferralInfo:
    id: uuid.UUID
    number: str
    person_id: uuid.UUID
    person_name: str
    case_id: uuid.UUID | None
    case_number: str
    service: ServiceInfo
    reason_code: str
    reason: str
    urgency: str
    status: str
    follow_up_on: date | None
    outcome: str
    created_at: datetime
    created_by: str | None
    sent_at: datetime | None
    closed_at: datetime | None
    events: list[EventInfo]
    version: int

    @property
    def actions(self) -> list[str]:
        return allowed_actions(self.status)


def _person_name(person: Person | None) -> str:
    from desktop.services.people import full_name

    return full_name(person.given_names, person.family_name_1, person.family_name_2) if person else ""


def _info(session: Session, r: Referral) -> ReferralInfo:
    events = [EventInfo(e.from_status, e.to_status, e.at, e.by, e.note, auth.staff_name(session, e.by))
              for e in session.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == r.id)
                                       .order_by(ReferralEvent.at))]
    case_no = session.scalar(select(Case.number).where(Case.id == r.case_id)) if r.case_id else ""
    return ReferralInfo(r.id, r.number, r.person_id, _person_name(session.get(Person, r.person_id)), r.case_id,
                        case_no or "", service_info(session, r.service_id), r.reason_code, r.reason, r.urgency,
                        r.status, r.follow_up_on, r.outcome, r.created_at, r.created_by, r.sent_at, r.closed_at,
                        events, r.version)


def _load(session: Session, referral_id: uuid.UUID) -> Referral:
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(_("That referral no longer exists."))
    return referral


def get_referral(ctx: AppContext, referral_id: uuid.UUID) -> ReferralInfo:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return _info(session, _load(session, referral_id))


def find_by_number(ctx: AppContext, number: str) -> ReferralInfo:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        referral = session.scalar(select(Referral).where(Referral.number == number.strip().upper()))
        if referral is None:
            raise NotFound(_("There is no referral number {number}.").format(number=number))
        return _info(session, referral)


@dataclass(frozen=True)
class ReferralRow:
    id: uuid.UUID
    number: str
    status: str
    person_id: uuid.UUID
    person_name: str
    service: str
    organization: str
    urgency: str
    follow_up_on: date | None
    created_at: datetime
    sent_at: datetime | None
    closed_at: datetime | None


def _rows_stmt():
    return (select(Referral.id, Referral.number, Referral.status, Referral.person_id, Person.given_names,
                   Person.family_name_1, Person.family_name_2, Service.name, Organization.name, Referral.urgency,
                   Referral.follow_up_on, Referral.created_at, Referral.sent_at, Referral.closed_at)
            .join(Person, Person.id == Referral.person_id).join(Service, Service.id == Referral.service_id)
            .join(Organization, Organization.id == Service.organization_id))


def _to_row(v) -> ReferralRow:
    from desktop.services.people import full_name

    return ReferralRow(v[0], v[1], v[2], v[3], full_name(v[4], v[5], v[6]), v[7], v[8], v[9], v[10], v[11],
                       v[12], v[13])


@dataclass(frozen=True)
class ReferralFilter:
    status: str | None = None
    person_id: uuid.UUID | None = None
    created_from: datetime | None = None  # inclusive, UTC (of the date named by ``by``)
    created_to: datetime | None = None  # exclusive, UTC
    text: str = ""  # referral number prefix
    by: str = "created"  # which date created_from/created_to bound: created, sent (as reports count) or closed


DATE_FIELDS = ("created", "sent", "closed")


def _filtered(stmt, flt: ReferralFilter):
    if flt.status:
        stmt = stmt.where(Referral.status == flt.status)
    if flt.person_id:
        stmt = stmt.where(Referral.person_id == flt.person_id)
    when = {"created": Referral.created_at, "sent": Referral.sent_at, "closed": Referral.closed_at}[flt.by]
    if flt.created_from:
        stmt = stmt.where(when >= flt.created_from)
    if flt.created_to:
        stmt = stmt.where(when < flt.created_to)
    if flt.text.strip():
        stmt = stmt.where(Referral.number.like(f"%{flt.text.strip().upper()}%"))
    return stmt


def count_referrals(ctx: AppContext, flt: ReferralFilter | None = None) -> int:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return session.scalar(_filtered(select(func.count()).select_from(Referral), flt or ReferralFilter())) or 0


def referrals_page(ctx: AppContext, flt: ReferralFilter | None, offset: int, limit: int) -> list[ReferralRow]:
    """Newest first, ``limit`` rows from ``offset``: for lazy tables."""
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        # The page's ids come from the list-order indexes alone (fast at any offset); then their rows.
        ids = list(session.scalars(_filtered(select(Referral.id), flt or ReferralFilter())
                                   .order_by(Referral.created_at.desc(), Referral.id.desc())
                                   .offset(offset).limit(limit)))
        if not ids:
            return []
        rows = {v[0]: _to_row(v) for v in session.execute(_rows_stmt().where(Referral.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]


def iter_referrals(ctx: AppContext, flt: ReferralFilter | None = None, batch: int = 5000) -> Iterator[ReferralRow]:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        stmt = _filtered(_rows_stmt(), flt or ReferralFilter()).order_by(Referral.created_at, Referral.id)
        for v in session.execute(stmt.execution_options(yield_per=batch)):
            yield _to_row(v)


def referrals_of_person(ctx: AppContext, person_id: uuid.UUID) -> list[ReferralRow]:
    return referrals_page(ctx, ReferralFilter(person_id=person_id), 0, 500)


def events_between(ctx: AppContext, start: datetime, end: datetime) -> Iterable[EventInfo]:
    """All transitions in a period (reports)."""
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return [EventInfo(e.from_status, e.to_status, e.at, e.by, e.note) for e in session.scalars(
            select(ReferralEvent).where(ReferralEvent.at >= start, ReferralEvent.at < end).order_by(ReferralEvent.at))]
