"""Making a referral: the form, its checks, and the new referral in ``draft`` with its office number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from desktop.i18n import _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.people.cases import next_number
from desktop.services.referrals.follow_up import suggested_follow_up
from desktop.services.referrals.queries import ReferralInfo, _info
from desktop.services.referrals.states import URGENCIES
from desktop.services.referrals.tracking import _event
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import Case, Person, Referral, Service


def referral_number(office_code: str, year: int, seq: int) -> str:
    return f"{office_code}-REM-{year}-{seq:05d}"


@dataclass
class ReferralForm:
    person_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None
    reason_code: str = ""
    reason: str = ""
    urgency: str = "normal"
    follow_up_on: date | None = None
    case_id: uuid.UUID | None = None


def _validate(session: Session, form: ReferralForm, today: date) -> None:
    errors: dict[str, str] = {}
    if form.person_id is None:
        errors["person"] = _("Choose the person to refer.")
    else:
        person = session.get(Person, form.person_id)
        if person is None or person.deleted_at is not None:
            errors["person"] = _("That person is no longer in the register.")
    if form.service_id is None:
        errors["service"] = _("Choose a service from the directory.")
    else:
        service = session.get(Service, form.service_id)
        if service is None or service.deleted_at is not None:
            errors["service"] = _("This service was removed from the directory. Choose another service; "
                                  "nothing else you typed is lost.")
    if not form.reason_code:
        errors["reason_code"] = _("Choose the reason for the referral.")
    if form.urgency not in URGENCIES:
        errors["urgency"] = _("Choose the urgency.")
    if form.follow_up_on is not None and form.follow_up_on < today:
        errors["follow_up_on"] = _("The follow-up date is in the past.")
    if form.case_id is not None:
        case_row = session.get(Case, form.case_id)
        if case_row is None or case_row.person_id != form.person_id:
            errors["case"] = _("That case does not belong to this person.")
    if errors:
        raise ValidationError(next(iter(errors.values())) if len(errors) == 1
                              else _("Please correct the highlighted fields."), errors)


def create_referral(ctx: AppContext, form: ReferralForm) -> ReferralInfo:
    """A new referral in ``draft``, numbered per office and year (``BGA-REM-2026-00042``)."""
    from desktop.services.office import current_office

    ctx.require(Permission.EDIT_REFERRALS)
    today = office_today()
    with ctx.db.transaction() as session:
        _validate(session, form, today)
        office = current_office(session)
        now = utcnow()
        seq = next_number(session, "referral", office.code, now.year)
        referral = Referral(number=referral_number(office.code, now.year, seq), office_code=office.code,
                            year=now.year, seq=seq, person_id=form.person_id, case_id=form.case_id,
                            service_id=form.service_id, reason_code=form.reason_code, reason=form.reason.strip(),
                            urgency=form.urgency, status="draft",
                            follow_up_on=form.follow_up_on or suggested_follow_up(None, today),
                            created_at=now, created_by=ctx.username, updated_by=ctx.username)
        session.add(referral)
        session.flush()
        _event(session, referral, ctx.username, None, "draft", "", now)
        audit.record(session, ctx.username, "create", "referral", referral.id,
                     ["number", "person_id", "service_id", "reason_code", "urgency", "follow_up_on"])
        session.flush()
        return _info(session, referral)
