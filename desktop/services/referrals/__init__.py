"""Referrals (remisiones): the state machine of DESIGN.md, events, follow-up, the slip and its check code.

States and transitions, exactly::

    draft ──send──▶ sent ──accept──▶ accepted ──complete──▶ completed
      │               │                 └──no-show──▶ not_attended
      └─cancel─┐      ├──reject──▶ rejected
               ▼      └──cancel──▶ cancelled
           cancelled

Every transition writes a :class:`ReferralEvent` (from, to, who, when, note). Sending is refused unless
the person's consent to share data with that service is active.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import check_version, guard_stale
from desktop.services.people.cases import next_number
from desktop.services.people.consent import sharing_allowed
from desktop.services.referrals.follow_up import FOLLOW_UP_DAYS, suggested_follow_up  # noqa: F401
from desktop.services.security import audit, auth
from desktop.store.base import utcnow
from desktop.store.models import (
    Case,
    OfficeSetting,
    Organization,
    Person,
    Referral,
    ReferralEvent,
    Service,
)

STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "completed": N_("Completed"),
    "not_attended": N_("Did not attend"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}
OPEN_STATUSES = ("draft", "sent", "accepted")
CLOSED_STATUSES = ("completed", "not_attended", "rejected", "cancelled")
# action → (states it leaves from, state it goes to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "send": (("draft",), "sent"),
    "accept": (("sent",), "accepted"),
    "reject": (("sent",), "rejected"),
    "complete": (("accepted",), "completed"),
    "no_show": (("accepted",), "not_attended"),
    "cancel": (("draft", "sent"), "cancelled"),
}
ACTIONS: dict[str, str] = {
    "send": N_("Send"),
    "accept": N_("Accepted by the service"),
    "reject": N_("Rejected by the service"),
    "complete": N_("Completed"),
    "no_show": N_("Did not attend"),
    "cancel": N_("Cancel referral"),
}
URGENCIES: dict[str, str] = {"normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}
SLIP_SECRET_KEY = "referral_slip_secret"
QR_PREFIX = "ENLACE-REM"


def status_label(code: str) -> str:
    return _(STATUSES[code]) if code in STATUSES else code


def allowed_actions(status: str) -> list[str]:
    """The actions the state machine allows from ``status``, in a stable order."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]


def referral_number(office_code: str, year: int, seq: int) -> str:
    return f"{office_code}-REM-{year}-{seq:05d}"


# -- the directory side -----------------------------------------------------------------------


@dataclass(frozen=True)
class ServiceInfo:
    """What a referral form and a slip show about a directory service."""

    id: uuid.UUID
    name: str
    organization: str
    address: str
    hours: list[str]
    phone: str
    accepts_referrals: bool
    last_verified_on: date | None
    deleted: bool
    stale: bool

    def warnings(self) -> list[str]:
        out = []
        if self.deleted:
            out.append(_("This service was removed from the directory."))
        if not self.accepts_referrals:
            out.append(_("This service does not accept referrals: call before sending the person."))
        if self.stale:
            out.append(_("The directory entry was last verified on {date}: confirm address and hours by phone "
                         "first.").format(date=self.last_verified_on or _("never")) if self.last_verified_on
                       else _("The directory entry was never verified: confirm address and hours by phone first."))
        return out


def service_info(session: Session, service_id: uuid.UUID) -> ServiceInfo:
    """The directory's summary of a service (``directory.service_summary``), as referrals need it."""
    from desktop.services.directory import service_summary

    summary = service_summary(session, service_id)
    deleted = session.scalar(select(Service.deleted_at).where(Service.id == service_id)) is not None
    return ServiceInfo(summary.id, summary.name, summary.organization_name, summary.address, summary.hours_lines,
                       summary.phone, summary.accepts_referrals, summary.last_verified_on,
                       deleted or summary.status not in ("active", "temporarily closed"), summary.stale)


def get_service(ctx: AppContext, service_id: uuid.UUID) -> ServiceInfo:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return service_info(session, service_id)


def find_services(ctx: AppContext, text: str, limit: int = 30) -> list[ServiceInfo]:
    """Directory services matching ``text`` (the directory's own search), the most relevant first, for the
    referral form (see :mod:`desktop.services.referrals.service_search`)."""
    from desktop.services.directory import SearchFilters, search_in
    from desktop.services.referrals.service_search import CANDIDATES, rank

    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        rows = search_in(session, SearchFilters(text=text), limit=CANDIDATES if text.strip() else limit)
        if text.strip():
            rows = rank(text, rows, limit)
        return [service_info(session, row.id) for row in rows]


# -- reading referrals ------------------------------------------------------------------------


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


# -- follow-up: the Home screen ---------------------------------------------------------------


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


# -- writing ----------------------------------------------------------------------------------


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


def _event(session: Session, referral: Referral, by: str, from_status: str | None, to_status: str, note: str,
           at: datetime) -> None:
    session.add(ReferralEvent(referral_id=referral.id, from_status=from_status, to_status=to_status, at=at, by=by,
                              note=note.strip()))


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


# -- the slip ---------------------------------------------------------------------------------


def _slip_secret(session: Session) -> bytes:
    """This office's key for slip check codes (created on first use, kept in the database)."""
    row = session.get(OfficeSetting, SLIP_SECRET_KEY)
    if row is None:
        import json

        row = OfficeSetting(key=SLIP_SECRET_KEY, value=json.dumps(secrets.token_hex(32)), updated_by="system")
        session.add(row)
        session.flush()
    import json

    return bytes.fromhex(json.loads(row.value))


def check_code(secret: bytes, number: str, issued: date) -> str:
    """16 characters (base32 of an HMAC-SHA256) binding a referral number to its date with the office key."""
    digest = hmac.new(secret, f"{number}|{issued.isoformat()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii")


def qr_payload(number: str, issued: date, code: str) -> str:
    return f"{QR_PREFIX}|{number}|{issued.isoformat()}|{code}"


@dataclass(frozen=True)
class SlipCheck:
    genuine: bool
    number: str
    status: str
    message: str


CODE_LENGTH = 16


def _split_spoken(payload: str) -> tuple[str, str, str] | None:
    """"BGA-REM-2026-00042 23 de noviembre de 2026 ABCD EFGH IJKL MNOP" → number, date text, code.

    The code is read from the end (16 letters and digits, in groups or not); the date is what is between.
    """
    words = payload.replace(",", " ").split()
    if len(words) < 3:
        return None
    code_words: list[str] = []
    while len(words) > 2 and sum(len(w) for w in code_words) < CODE_LENGTH:
        code_words.insert(0, words.pop())
    return words[0].upper(), " ".join(words[1:]), "".join(code_words)


def verify_slip(ctx: AppContext, payload: str) -> SlipCheck:
    """Check a scanned slip QR (or its number, date and code typed in): is it a genuine slip of this office?

    The date is understood as printed on the slip ("23 de noviembre de 2026") or as typed (23/11/2026,
    2026-11-23).
    """
    from desktop.i18n import date_input_format, parse_date

    ctx.require(Permission.VIEW_REFERRALS)
    parts = payload.strip().split("|")
    if len(parts) == 4 and parts[0] == QR_PREFIX:
        _prefix, number, issued_text, code = parts
    else:  # read out over the phone: "BGA-REM-2026-00042 23/11/2026 ABCD EFGH IJKL MNOP"
        spoken = _split_spoken(payload)
        if spoken is None:
            return SlipCheck(False, "", "", _("Type the slip number, its date and the check code, or scan the QR "
                                              "code."))
        number, issued_text, code = spoken
    try:
        issued = parse_date(issued_text)
    except ValueError:
        issued = None
    if issued is None:
        return SlipCheck(False, number, "", _("\"{text}\" is not a date. Type the date printed on the slip, e.g. "
                                              "{format}.").format(text=issued_text, format=date_input_format()))
    return verify_slip_parts(ctx, number, issued, code)


def verify_slip_parts(ctx: AppContext, number: str, issued: date, code: str) -> SlipCheck:
    """Check a slip from its number, the date printed on it and its check code (spaces and case ignored)."""
    ctx.require(Permission.VIEW_REFERRALS)
    number = number.strip().upper()
    with ctx.db.transaction() as session:
        typed = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
        good = hmac.compare_digest(check_code(_slip_secret(session), number, issued), typed)
        status = session.scalar(select(Referral.status).where(Referral.number == number)) or ""
    if not good or not status:
        return SlipCheck(False, number, status, _("Not genuine: this slip was not issued by this office, or it "
                                                  "was altered."))
    return SlipCheck(True, number, status, _("Genuine slip {number}; the referral is now: {status}.").format(
        number=number, status=status_label(status)))


def slip_pdf(ctx: AppContext, number: str, page: str | None = None) -> bytes:
    """The referral slip (hoja de remisión) as PDF bytes. The person's name and document appear only while
    their consent to share data with the service is active. Writes a "print" audit event."""
    from desktop.documents.referral_slip import SlipData, build_referral_slip
    from desktop.services.office import current_office, get_setting, office_contact
    from desktop.services.people import catalog_labels

    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.transaction() as session:
        referral = session.scalar(select(Referral).where(Referral.number == number.strip().upper()))
        if referral is None:
            raise NotFound(_("There is no referral number {number}.").format(number=number))
        office = current_office(session)
        person = session.get(Person, referral.person_id)
        service = service_info(session, referral.service_id)
        allowed = sharing_allowed(session, referral.person_id, referral.service_id)
        reasons = catalog_labels(session, "referral_reason")
        clerk = auth.staff_name(session, referral.created_by)
        issued = (referral.sent_at or referral.created_at).astimezone(UTC).date()
        code = check_code(_slip_secret(session), referral.number, issued)
        doc_label = catalog_labels(session, "document_type").get(person.document_type, "") if person else ""
        office_phone, office_address = office_contact(session)
        data = SlipData(
            office_name=office.name, office_municipality=office.municipality, logo=office.logo,
            number=referral.number, issued_on=issued,
            person_name=_person_name(person) if allowed and person else None,
            person_document=(f"{doc_label} {person.document_number}".strip()
                             if allowed and person and person.document_number else None),
            service_name=service.name, organization=service.organization, address=service.address,
            hours=service.hours, phone=service.phone,
            reason=reasons.get(referral.reason_code, referral.reason_code),
            reason_detail=referral.reason if allowed else "", urgency=referral.urgency, clerk_name=clerk,
            follow_up_on=referral.follow_up_on, qr_text=qr_payload(referral.number, issued, code), check_code=code,
            page=page or get_setting(session, "page_size"), office_phone=office_phone, office_address=office_address)
        audit.record(session, ctx.username, "print", "referral", referral.id, [], {"document": "slip"})
    return build_referral_slip(data)


def events_between(ctx: AppContext, start: datetime, end: datetime) -> Iterable[EventInfo]:
    """All transitions in a period (reports)."""
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return [EventInfo(e.from_status, e.to_status, e.at, e.by, e.note) for e in session.scalars(
            select(ReferralEvent).where(ReferralEvent.at >= start, ReferralEvent.at < end).order_by(ReferralEvent.at))]
