"""What clerks work: the directory review queue and the referrals other offices sent here."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.exchange import _directory, _referrals
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import ExchangeConflict, InboundReferral, ReferralOutcomeEvent, Service

# -- the review queue --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConflictInfo:
    id: uuid.UUID
    table: str
    row_id: uuid.UUID
    sender_office: str
    created_at: datetime
    local: dict[str, str]
    remote: dict[str, str]
    status: str

    @property
    def changed_fields(self) -> list[str]:
        return [k for k in self.remote if self.local.get(k) != self.remote.get(k)]

    @property
    def title(self) -> str:
        return self.local.get("name") or self.remote.get("name") or str(self.row_id)


def _conflict_info(c: ExchangeConflict) -> ConflictInfo:
    return ConflictInfo(c.id, c.table_name, c.row_id, c.sender_office, c.created_at, json.loads(c.local_values),
                        json.loads(c.remote_values), c.status)


def list_conflicts(ctx: AppContext, open_only: bool = True) -> list[ConflictInfo]:
    """Directory rows changed here and at another office since they last agreed, oldest first."""
    ctx.require(Permission.WORK_EXCHANGE)
    stmt = select(ExchangeConflict).order_by(ExchangeConflict.created_at)
    if open_only:
        stmt = stmt.where(ExchangeConflict.status == "open")
    with ctx.db.session() as session:
        return [_conflict_info(c) for c in session.scalars(stmt)]


def resolve_conflict(ctx: AppContext, conflict_id: uuid.UUID, keep: str) -> ConflictInfo:
    """``keep`` "local" (this office's version stays) or "remote" (the other office's version is written)."""
    ctx.require(Permission.WORK_EXCHANGE)
    ctx.require(Permission.EDIT_DIRECTORY)
    if keep not in ("local", "remote"):
        raise ValidationError(_("Choose which version to keep."))
    with ctx.db.transaction() as session:
        conflict = session.get(ExchangeConflict, conflict_id)
        if conflict is None or conflict.status != "open":
            raise NotFound(_("This difference was already resolved."))
        if keep == "remote":
            try:
                _directory.take_remote(session, conflict, ctx.username)
            except ValueError as exc:
                raise ValidationError(str(exc)) from exc
        else:
            _directory.keep_local(session, conflict)
        conflict.status = "took_remote" if keep == "remote" else "kept_local"
        conflict.resolved_at, conflict.resolved_by, conflict.updated_by = utcnow(), ctx.username, ctx.username
        audit.record(session, ctx.username, "update", "exchange_conflict", conflict.id, ["status"],
                     {"table": conflict.table_name, "row_id": str(conflict.row_id), "kept": keep})
        return _conflict_info(conflict)


# -- referrals from other offices --------------------------------------------------------------


@dataclass(frozen=True)
class InboundInfo:
    id: uuid.UUID
    number: str
    sender_office: str
    service_id: uuid.UUID
    service_name: str
    reason: str
    urgency: str
    sent_at: datetime | None
    received_at: datetime
    status: str
    person: dict[str, str | None]
    person_id: uuid.UUID | None
    next_statuses: tuple[str, ...] = ()
    events: list[tuple[str, datetime, str]] = field(default_factory=list)

    @property
    def person_name(self) -> str:
        p = self.person
        return " ".join(x for x in (p.get("given_names"), p.get("family_name_1"), p.get("family_name_2")) if x)

    @property
    def status_label(self) -> str:
        return _referrals.event_label(self.status)


def _inbound_info(session, r: InboundReferral) -> InboundInfo:
    service = session.get(Service, r.service_id)
    events = sorted(((e.status, e.at, e.note) for e in session.scalars(
        select(ReferralOutcomeEvent).where(ReferralOutcomeEvent.referral_id == r.id))),
        key=lambda e: _referrals.event_order(e[0], e[1]))
    return InboundInfo(r.id, r.number, r.sender_office, r.service_id, service.name if service else "", r.reason,
                       r.urgency, r.sent_at, r.received_at, r.status, json.loads(r.person_data), r.person_id,
                       _referrals.NEXT_STATUSES.get(r.status, ()), events)


def inbox(ctx: AppContext, open_only: bool = False) -> list[InboundInfo]:
    """Referrals other offices sent to this office's services, newest first."""
    ctx.require(Permission.WORK_EXCHANGE)
    stmt = select(InboundReferral).order_by(InboundReferral.received_at.desc(), InboundReferral.number)
    if open_only:
        stmt = stmt.where(InboundReferral.status.in_(tuple(_referrals.NEXT_STATUSES)))
    with ctx.db.session() as session:
        return [_inbound_info(session, r) for r in session.scalars(stmt)]


def get_inbound(ctx: AppContext, inbound_id: uuid.UUID) -> InboundInfo:
    ctx.require(Permission.WORK_EXCHANGE)
    with ctx.db.transaction() as session:
        row = session.get(InboundReferral, inbound_id)
        if row is None:
            raise NotFound(_("There is no such referral from another office."))
        audit.record(session, ctx.username, "view", "inbound_referral", row.id, [])
        return _inbound_info(session, row)


def person_form(info: InboundInfo):
    """The registration form filled with what travelled (the clerk checks it before registering)."""
    from desktop.services.people import PersonForm

    p = info.person
    birth = p.get("birth_date")
    return PersonForm(given_names=p.get("given_names") or "", family_name_1=p.get("family_name_1") or "",
                      family_name_2=p.get("family_name_2") or "", sex=p.get("sex") or "",
                      birth_date=date.fromisoformat(birth) if birth else None, nationality=p.get("nationality"),
                      document_type=p.get("document_type") or "none", document_number=p.get("document_number") or "",
                      phone=p.get("phone") or "", population_type=p.get("population_type") or "",
                      languages=[x for x in (p.get("languages") or "").split(",") if x])


def duplicate_suggestions(ctx: AppContext, inbound_id: uuid.UUID):
    """People already registered here who may be this person (for the clerk to decide; never merged)."""
    from desktop.services.people import likely_duplicates

    return likely_duplicates(ctx, person_form(get_inbound(ctx, inbound_id)))


def register_inbound_person(ctx: AppContext, inbound_id: uuid.UUID, person_id: uuid.UUID | None = None,
                            form=None) -> uuid.UUID:
    """The clerk's decision: link the referral to a person already registered here (``person_id``) or
    register a new one (``form``, or what travelled). Returns the person's id."""
    from desktop.services.people import get_person, register_person

    ctx.require(Permission.WORK_EXCHANGE)
    info = get_inbound(ctx, inbound_id)
    if info.person_id is not None:
        raise ValidationError(_("The person of this referral is already registered here."))
    if person_id is None:
        person_id = register_person(ctx, form or person_form(info)).id
    else:
        get_person(ctx, person_id, log_view=False)
    with ctx.db.transaction() as session:
        row = session.get(InboundReferral, inbound_id)
        row.person_id, row.updated_by = person_id, ctx.username
        audit.record(session, ctx.username, "update", "inbound_referral", row.id, ["person_id"])
    return person_id


def record_outcome(ctx: AppContext, inbound_id: uuid.UUID, status: str, note: str = "",
                   on: datetime | None = None) -> InboundInfo:
    """Record what happened to a referral from another office (accepted, attended, not attended, rejected);
    the event travels back to the sending office in the next bundle."""
    ctx.require(Permission.WORK_EXCHANGE)
    with ctx.db.transaction() as session:
        row = session.get(InboundReferral, inbound_id)
        if row is None:
            raise NotFound(_("There is no such referral from another office."))
        allowed = _referrals.NEXT_STATUSES.get(row.status, ())
        if status not in allowed:
            raise ValidationError(_("A referral that is “{current}” cannot become “{target}”.").format(
                current=_referrals.event_label(row.status), target=_referrals.event_label(status)))
        from desktop.services.office import current_office

        session.add(ReferralOutcomeEvent(referral_id=row.id, office_code=current_office(session).code,
                                         to_office=row.sender_office, status=status,
                                         at=(on or utcnow()).replace(microsecond=0), note=" ".join(note.split())[:500]))
        row.status, row.updated_by = status, ctx.username
        audit.record(session, ctx.username, "update", "inbound_referral", row.id, ["status"], {"status": status})
        session.flush()
        return _inbound_info(session, row)


@dataclass(frozen=True)
class PartnerOutcome:
    office: str
    status: str
    at: datetime
    note: str

    @property
    def label(self) -> str:
        return _referrals.event_label(self.status)


def partner_outcomes(ctx: AppContext, referral_id: uuid.UUID) -> list[PartnerOutcome]:
    """What the office that owns the service reported about one of this office's referrals, in order."""
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        from desktop.services.office import current_office

        own = current_office(session).code
        stmt = select(ReferralOutcomeEvent).where(ReferralOutcomeEvent.referral_id == referral_id,
                                                  ReferralOutcomeEvent.to_office == own)
        found = [PartnerOutcome(e.office_code, e.status, e.at, e.note) for e in session.scalars(stmt)]
        return sorted(found, key=lambda o: _referrals.event_order(o.status, o.at))
