"""Following a referral up: its status changes (each one a ReferralEvent), the next follow-up date, and the
Home screen's list of referrals whose follow-up call is due."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from desktop.i18n import _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import check_version, guard_stale
from desktop.services.people.consent import sharing_allowed
from desktop.services.referrals.queries import ReferralInfo, _info, _load
from desktop.services.referrals.states import (
    ACTIONS,
    CLOSED_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    allowed_actions,
    status_label,
)
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import Person, Referral, ReferralEvent, Service


@dataclass(frozen=True)
class FollowUpRow:
    id: uuid.UUID
    number: str
    person_name: str
    service: str
    status: str
    urgency: str
    follow_up_on: date
    days_overdue: int  # 0: due today


URGENCY_RANK = {"urgent": 0, "high": 1, "normal": 2}


def follow_up_due(ctx: AppContext, today: date | None = None, limit: int = 100) -> tuple[list[FollowUpRow], int]:
    """Open referrals whose follow-up date has come: (the most overdue first, how many in all).

    The person waiting longest for a call comes first; "due today" comes last; urgent before normal on the
    same day.

    Fast on 200,000 referrals: each open state's oldest ``limit`` rows come straight off the
    (status, follow_up_on) index, rows tied on the cut-off day are added, and only those are sorted.
    """
    from desktop.services.people import full_name

    ctx.require(Permission.VIEW_REFERRALS)
    today = today or office_today()
    due = (Referral.status.in_(OPEN_STATUSES), Referral.follow_up_on <= today)
    with ctx.db.session() as session:
        total = session.scalar(select(func.count()).select_from(Referral).where(*due)) or 0
        if not total:
            return [], 0
        # Each candidate row carries the names the panel shows: three statements in all, whatever the limit.
        columns = (Referral.id, Referral.follow_up_on, Referral.urgency, Referral.number, Referral.status,
                   Person.given_names, Person.family_name_1, Person.family_name_2, Service.name.label("service"))

        def named(*where):
            return (select(*columns).join(Person, Person.id == Referral.person_id)
                    .join(Service, Service.id == Referral.service_id).where(*where))

        oldest = [named(Referral.status == status, Referral.follow_up_on <= today)
                  .order_by(Referral.follow_up_on).limit(limit).subquery() for status in OPEN_STATUSES]
        candidates = {row[0]: row for row in session.execute(union_all(*(select(part) for part in oldest)))}
        cutoff = sorted(r[1] for r in candidates.values())[:limit][-1]
        for row in session.execute(named(Referral.status.in_(OPEN_STATUSES), Referral.follow_up_on == cutoff)):
            candidates[row[0]] = row  # every tie on the last day, so urgency decides among them
        chosen = sorted(candidates.values(),
                        key=lambda r: (r[1].toordinal(), URGENCY_RANK.get(r[2], 3), r[3]))[:limit]
        rows = [FollowUpRow(v[0], v[3], full_name(v[5], v[6], v[7]), v[8], v[4], v[2], v[1], (today - v[1]).days)
                for v in chosen]
    return rows, total


def _event(session: Session, referral: Referral, by: str, from_status: str | None, to_status: str, note: str,
           at: datetime) -> None:
    session.add(ReferralEvent(referral_id=referral.id, from_status=from_status, to_status=to_status, at=at, by=by,
                              note=note.strip()))


def transition(ctx: AppContext, referral_id: uuid.UUID, action: str, *, note: str = "", outcome: str = "",
               follow_up_on: date | None = None, expected_version: int | None = None) -> ReferralInfo:
    """Move a referral along the state machine; every move is a ReferralEvent.

    Closing (complete, no-show, reject, cancel) needs the outcome. Sending needs active consent to share data
    with the service. ``follow_up_on`` sets the next follow-up date for a referral that stays open.
    """
    ctx.require(Permission.EDIT_REFERRALS)
    if action not in TRANSITIONS:
        raise ValidationError(_("Unknown referral action: {action}").format(action=action))
    sources, target = TRANSITIONS[action]

    def fresh():
        with ctx.db.session() as s:
            return s.get(Referral, referral_id)

    with guard_stale(fresh), ctx.db.transaction() as session:
        referral = _load(session, referral_id)
        check_version(referral, expected_version)
        if referral.status not in sources:
            raise ValidationError(_("A referral that is \"{status}\" cannot go to \"{target}\". Allowed now: "
                                    "{allowed}.").format(
                status=status_label(referral.status), target=status_label(target),
                allowed=", ".join(_(ACTIONS[a]) for a in allowed_actions(referral.status)) or _("nothing (closed)")))
        if target in CLOSED_STATUSES and not outcome.strip():
            raise ValidationError(_("Write the outcome before closing the referral."),
                                  {"outcome": _("Required")})
        if action == "send":
            service = session.get(Service, referral.service_id)
            if service is None or service.deleted_at is not None:
                raise ValidationError(_("This service was removed from the directory; the referral cannot be "
                                        "sent. Cancel it and refer the person to another service."))
            if not sharing_allowed(session, referral.person_id, referral.service_id):
                raise ValidationError(_("The referral cannot be sent: the person has not given (or has withdrawn) "
                                        "consent to share their data with the service. Record that consent "
                                        "first."), {"consent": _("No active consent to share")})
        if follow_up_on is not None:
            if follow_up_on < office_today():
                raise ValidationError(_("The follow-up date is in the past."), {"follow_up_on": _("In the past")})
            referral.follow_up_on = follow_up_on
        now = utcnow()
        previous = referral.status
        referral.status = target
        referral.updated_by = ctx.username
        if target == "sent":
            referral.sent_at = now
        if target in CLOSED_STATUSES:
            referral.closed_at = now
            referral.outcome = outcome.strip()
        _event(session, referral, ctx.username, previous, target, note or outcome, now)
        audit.record(session, ctx.username, "update", "referral", referral.id,
                     ["status"] + (["outcome"] if target in CLOSED_STATUSES else []), {"to": target})
        session.flush()
        return _info(session, referral)


def set_follow_up(ctx: AppContext, referral_id: uuid.UUID, follow_up_on: date,
                  expected_version: int | None = None) -> ReferralInfo:
    """Move the next follow-up date of an open referral (after a call that changed nothing, for instance).

    Not a status change, so no ReferralEvent; the audit log records that the date moved.
    """
    ctx.require(Permission.EDIT_REFERRALS)
    if follow_up_on < office_today():
        raise ValidationError(_("The follow-up date is in the past."), {"follow_up_on": _("In the past")})
    with ctx.db.transaction() as session:
        referral = _load(session, referral_id)
        check_version(referral, expected_version)
        if referral.status in CLOSED_STATUSES:
            raise ValidationError(_("This referral is closed; it needs no follow-up."))
        referral.follow_up_on = follow_up_on
        referral.updated_by = ctx.username
        audit.record(session, ctx.username, "update", "referral", referral.id, ["follow_up_on"])
        session.flush()
        return _info(session, referral)
