"""The report's SQL: grouped counts over a period, never one ORM object per person.

Each function takes an open session and the period's bounds (UTC instants for stored timestamps,
office-local dates for stored dates) and returns plain dictionaries of counts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import String, and_, case, distinct, exists, func, literal, literal_column, or_, select, type_coerce
from sqlalchemy.orm import Session

from desktop.services.reports.disaggregation import AgeBand, adult_expression, age_band_expression
from desktop.services.reports.tables import NOT_RECORDED, normal_key
from desktop.store.database import days_between
from desktop.store.models.directory import CATEGORY_TAXONOMY_ID, Attribute, Organization, Service, TaxonomyTerm
from desktop.store.models.people import Person, PersonNeed, Referral, ReferralEvent
from desktop.store.models.training import (
    CREDITED_STATUSES,
    Attendance,
    Certificate,
    Course,
    Enrollment,
    Participant,
    TrainingSession,
)

CLOSED_STATUSES = ("completed", "not_attended", "rejected", "cancelled")
OPEN_STATUSES = ("sent", "accepted")
DISABILITY_NEEDS = ("disability",)
LGBTI_NEEDS = ("lgbtiq_at_risk",)
# Self-declared ethnic groups (person.ethnicity) counted in the 5W columns. Afro-descendant follows
# DANE's NARP grouping: Black, Afro-Colombian, Raizal and Palenquero people.
INDIGENOUS_GROUPS = ("indigenous",)
AFRO_GROUPS = ("afro_descendant", "raizal", "palenquero")
PEOPLE_AXES = ("sex", "age_band", "adult", "nationality", "population_type", "municipality", "newness", "flags")
FLAGS = ("disability", "lgbti", "indigenous", "afro")  # the "flags" axis: a person's, space-separated, or "none"
FLAG_AXES = ("population_type", "newness", "flag")  # flag: one of FLAGS
REFERRAL_AXES = ("status", "category", "organization")


def _key(value) -> str:
    """:func:`normal_key` for values SQL hands back (codes and literals are never padded): fast."""
    if value is None or value == "":
        return NOT_RECORDED
    return value if value.__class__ is str else normal_key(value)


def count_by(columns, where, select_from=None):
    """``SELECT columns…, COUNT(*) … GROUP BY columns…`` with each column computed once per row.

    The rows are produced by a subquery the database may not merge into the grouping (OFFSET 0):
    grouped directly, SQLite evaluates a CASE with a subquery once for the key and again for the
    output.
    """
    inner = select(*(c.label(f"g{i}") for i, c in enumerate(columns)))
    if select_from is not None:
        inner = inner.select_from(select_from)
    inner = inner.where(where).offset(0).subquery()
    keys = list(inner.c)
    return select(*keys, func.count()).group_by(*keys)


def _rows(session: Session, stmt):
    """Core rows (no ORM result processing: these are grouped counts, thousands of rows)."""
    return session.connection().execute(stmt)


@dataclass(frozen=True)
class Bounds:
    """A period as stored values see it: ``[start, end)`` in UTC and the local dates it spans."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date
    as_of: date  # the period's last day, or today (local) if the period has not ended
    as_of_instant: datetime  # the end of the period, or now if it has not ended


def _active_people():
    return and_(Person.deleted_at.is_(None), Person.merged_into_id.is_(None))


def referred_in(b: Bounds):
    """Referrals made in the period: sent (to the service) within it."""
    return and_(Referral.sent_at >= b.start, Referral.sent_at < b.end)


def served_people(b: Bounds):
    """People served in the period: registered in it, or referred in it."""
    referred = select(Referral.person_id).where(referred_in(b))
    return and_(_active_people(), or_(and_(Person.created_at >= b.start, Person.created_at < b.end),
                                      Person.id.in_(referred)))


def _newness(b: Bounds):
    return case((and_(Person.created_at >= b.start, Person.created_at < b.end), literal("new")),
                else_=literal("returning"))


def _needs_listed(codes: tuple[str, ...]):
    return select(PersonNeed.person_id).where(PersonNeed.need_code.in_(codes))


def _flags():
    """The person's :data:`FLAGS` as bits (disability 1, LGBTIQ+ 2, Indigenous 4, Afro-descendant 8):
    integer sums are cheaper per row than text, and :data:`_FLAG_WORDS` turns them into the axis.

    LGBTIQ+ is the person's own answer (``lgbtiq = 'yes'``) or the specific need "LGBTIQ+ person at
    risk"; ethnic groups are self-declared (``ethnicity``). The need subqueries are not correlated:
    the database lists those people once and looks each person served up in the list.
    """
    ethnic = [(code, 4) for code in INDIGENOUS_GROUPS] + [(code, 8) for code in AFRO_GROUPS]
    return (case((Person.id.in_(_needs_listed(DISABILITY_NEEDS)), 1), else_=0)
            + case((or_(Person.lgbtiq == "yes", Person.id.in_(_needs_listed(LGBTI_NEEDS))), 2), else_=0)
            + case(dict(ethnic), value=Person.ethnicity, else_=0))


# Flag bits → the "flags" axis: the person's FLAGS, space-separated in that order, or "none".
_FLAG_WORDS = {bits: " ".join(f for i, f in enumerate(FLAGS) if bits & (1 << i)) or "none"
               for bits in range(1 << len(FLAGS))}


def people_cube(session: Session, b: Bounds, bands: list[AgeBand]) -> dict[tuple[str, ...], int]:
    """People served, counted once each, by every axis of :data:`PEOPLE_AXES` (the main table).

    One pass over the people: every people table, the 5W table and its "of which" columns are
    sums over this cube.
    """
    columns = (Person.sex, age_band_expression(Person.birth_date, b.last_day, bands),
               adult_expression(Person.birth_date, b.last_day), Person.nationality, Person.population_type,
               Person.municipality, _newness(b), _flags())
    stmt = count_by(columns, served_people(b))
    return {(*(_key(v) for v in row[:-2]), _FLAG_WORDS[row[-2]]): int(row[-1]) for row in _rows(session, stmt)}


def people_flags(cube: Mapping[tuple[str, ...], int]) -> dict[tuple[str, ...], int]:
    """People served with each of :data:`FLAGS` (disability, LGBTIQ+, Indigenous, Afro-descendant) by
    :data:`FLAG_AXES` (a person counts once per flag), summed from the people cube."""
    ip, inew, iflags = (PEOPLE_AXES.index(a) for a in ("population_type", "newness", "flags"))
    out: dict[tuple[str, ...], int] = {}
    for key, n in cube.items():
        if key[iflags] == "none":
            continue
        for flag in key[iflags].split():
            k = (key[ip], key[inew], flag)
            out[k] = out.get(k, 0) + n
    return out


def people_referred(session: Session, b: Bounds) -> int:
    """People with a referral made in the period (a range of the ``sent_at`` index, no join)."""
    return int(_rows(session, select(func.count(distinct(Referral.person_id))).where(referred_in(b))).scalar_one())


def _status_at_end(b: Bounds):
    """A referral's status when the period ended, for referrals made in it.

    Statuses only move forward and closed ones are final, so the event log is read only for
    referrals accepted (or closed from accepted) after a period that has already ended.
    """
    if b.as_of_instant < b.end:  # the period has not ended: its status now is its status at the end
        return Referral.status
    accepted = exists().where(ReferralEvent.referral_id == Referral.id, ReferralEvent.to_status == "accepted",
                              ReferralEvent.at < b.end)
    return case((and_(Referral.closed_at.is_not(None), Referral.closed_at < b.end), Referral.status),
                # Sent, rejected and cancelled after the end: it was still "sent" then.
                (Referral.status.in_(("sent", "rejected", "cancelled")), literal("sent")),
                (accepted, literal("accepted")), else_=literal("sent"))


def service_groups(session: Session) -> dict[str, tuple[str, str]]:
    """Service id → (category, organization id). A service's category is the first of its category
    terms (by code), so each referral is counted under one category."""
    term = (select(Attribute.link_id, func.min(func.coalesce(TaxonomyTerm.code, TaxonomyTerm.name)).label("code"))
            .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(TaxonomyTerm.taxonomy_id == CATEGORY_TAXONOMY_ID).group_by(Attribute.link_id).subquery())
    rows = _rows(session, select(_raw(Service.id), _raw(Service.organization_id), term.c.code)
                 .outerjoin(term, term.c.link_id == Service.id))
    return {i: (_key(code), _key(org)) for i, org, code in rows}


def _raw(column):
    """The stored text of a UUID column: grouping keys need no UUID objects (thousands of rows)."""
    return type_coerce(column, String)


@dataclass
class ReferralPass:
    """What one pass over the referrals gives: the cube of referrals made, and the figures."""

    cube: dict[tuple[str, ...], int]
    closed: int  # referrals closed in the period (that had been sent)
    median_days: float | None  # from sent to closed, over those
    overdue: int


def referral_pass(session: Session, b: Bounds) -> ReferralPass:
    """Referrals made in the period by :data:`REFERRAL_AXES` (organization by id), the median days
    from sent to closed of those closed in it, and the follow-ups overdue at its end.

    Each query reads a range of one index that holds every column it needs (migration 0007c), so
    none reads the referral rows, let alone the whole table.
    """
    services = service_groups(session)
    missing = (NOT_RECORDED, NOT_RECORDED)
    made = count_by((_status_at_end(b), _raw(Referral.service_id)), referred_in(b))
    cube: dict[tuple[str, ...], int] = {}
    for status, service_id, n in _rows(session, made):
        key = (status, *services.get(service_id, missing))
        cube[key] = cube.get(key, 0) + n
    closed, median = median_days_to_close(session, b)

    # Open when the period ended (or now), with a follow-up date already past: still open now, or
    # closed only after that moment.
    late = _rows(session, select(func.count()).select_from(Referral).where(
        Referral.status.in_(OPEN_STATUSES), Referral.follow_up_on < b.as_of,
        Referral.sent_at < b.as_of_instant)).scalar_one()
    late += _rows(session, select(func.count()).select_from(Referral).where(
        Referral.closed_at >= b.as_of_instant, Referral.follow_up_on < b.as_of,
        Referral.sent_at < b.as_of_instant)).scalar_one()
    return ReferralPass(cube, closed, median, int(late))


def median_days_to_close(session: Session, b: Bounds) -> tuple[int, float | None]:
    """(referrals closed in the period, their median days from sent to closed, to the thousandth).

    The database sorts and hands back only the middle one or two values.
    """
    closed_in = and_(Referral.closed_at >= b.start, Referral.closed_at < b.end, Referral.sent_at.is_not(None))
    closed = int(_rows(session, select(func.count()).select_from(Referral).where(closed_in)).scalar_one())
    if not closed:
        return 0, None
    days = days_between(session, Referral.sent_at, Referral.closed_at, 3).label("days")
    middle = [float(d) for (d,) in _rows(session, select(days).where(closed_in).order_by(literal_column("days"))
                                         .limit(2 - closed % 2).offset((closed - 1) // 2))]
    return closed, sum(middle) / len(middle)


def category_labels(session: Session) -> dict[str, str]:
    rows = session.execute(select(func.coalesce(TaxonomyTerm.code, TaxonomyTerm.name), TaxonomyTerm.name)
                           .where(TaxonomyTerm.taxonomy_id == CATEGORY_TAXONOMY_ID))
    return {str(code): name for code, name in rows}


def organization_labels(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = _rows(session, select(_raw(Organization.id), Organization.name))
    labels = {_key(i): name for i, name in rows}  # the same keys as the cube's (text on every backend)
    return {i: name for i, name in labels.items() if i in ids}


@dataclass(frozen=True)
class ReferralFigures:
    made: int
    people_referred: int  # among people served (a deleted person's referrals count, the person does not)
    completed: int
    cancelled: int
    closed_in_period: int
    median_days_to_close: float | None
    overdue_follow_ups: int


def referral_figures(referred: int, referrals: ReferralPass) -> ReferralFigures:
    cube = referrals.cube
    made = sum(cube.values())
    completed = sum(n for k, n in cube.items() if k[0] == "completed")
    cancelled = sum(n for k, n in cube.items() if k[0] == "cancelled")
    median = referrals.median_days
    return ReferralFigures(made, referred, completed, cancelled, referrals.closed,
                           round(median, 1) if median is not None else None, referrals.overdue)


# -- trainings ---------------------------------------------------------------------------------


def _sessions_in(b: Bounds):
    """Sessions held in the period: dated within it and on or before today (a planned session is not held)."""
    return and_(TrainingSession.date >= b.first_day, TrainingSession.date <= b.as_of, Course.deleted_at.is_(None))


@dataclass(frozen=True)
class TrainingFigures:
    courses: int
    sessions: int
    hours: float
    participants: int
    enrollments_finished: int
    enrollments_completed: int
    certificates_issued: int
    certificates_revoked: int


def course_rows(session: Session, b: Bounds) -> list[tuple[str, str, int, float, int]]:
    """(course id, "code — title", sessions, hours, participants who attended) for courses held."""
    sessions = (select(TrainingSession.course_id, func.count().label("n"), func.sum(TrainingSession.hours).label("h"))
                .join(Course, Course.id == TrainingSession.course_id).where(_sessions_in(b))
                .group_by(TrainingSession.course_id).subquery())
    attended = (select(Enrollment.course_id, func.count(distinct(Enrollment.participant_id)).label("p"))
                .join(Attendance, Attendance.enrollment_id == Enrollment.id)
                .join(TrainingSession, TrainingSession.id == Attendance.session_id)
                .join(Course, Course.id == TrainingSession.course_id)
                .where(_sessions_in(b), Attendance.status.in_(CREDITED_STATUSES))
                .group_by(Enrollment.course_id).subquery())
    rows = session.execute(
        select(Course.id, Course.code, Course.title, sessions.c.n, sessions.c.h, func.coalesce(attended.c.p, 0))
        .join(sessions, sessions.c.course_id == Course.id)
        .outerjoin(attended, attended.c.course_id == Course.id).order_by(Course.code))
    return [(str(i), f"{code} — {title}", int(n), float(h or 0), int(p)) for i, code, title, n, h, p in rows]


def participant_cube(session: Session, b: Bounds) -> dict[tuple[str, str], int]:
    """Participants who attended a session in the period, once each, by (institution, sex)."""
    attended = (select(Enrollment.participant_id)
                .join(Attendance, Attendance.enrollment_id == Enrollment.id)
                .join(TrainingSession, TrainingSession.id == Attendance.session_id)
                .join(Course, Course.id == TrainingSession.course_id)
                .where(_sessions_in(b), Attendance.status.in_(CREDITED_STATUSES)))
    stmt = (select(Participant.institution, Participant.sex, func.count())
            .where(Participant.id.in_(attended), Participant.deleted_at.is_(None))
            .group_by(Participant.institution, Participant.sex))
    return {(normal_key(i), normal_key(s)): int(n) for i, s, n in session.execute(stmt)}


def completion(session: Session, b: Bounds) -> tuple[int, int]:
    """(enrollments, completed) in courses finished in the period: their last session fell in it and
    has been held (on or before today); a course still running is not finished.

    Completed: attended (present or late) at least the course's share of its scheduled hours, and
    passed the final evaluation when the course requires one.
    """
    last = (select(TrainingSession.course_id, func.max(TrainingSession.date).label("last_day"),
                   func.sum(TrainingSession.hours).label("scheduled"))
            .group_by(TrainingSession.course_id).subquery())
    credited = (select(Attendance.enrollment_id, func.sum(TrainingSession.hours).label("hours"))
                .join(TrainingSession, TrainingSession.id == Attendance.session_id)
                .where(Attendance.status.in_(CREDITED_STATUSES)).group_by(Attendance.enrollment_id).subquery())
    hours = func.coalesce(credited.c.hours, 0)
    done = and_(hours >= Course.completion_share * last.c.scheduled - 1e-9,
                or_(Course.requires_evaluation.is_(False), Enrollment.evaluation_passed.is_(True)))
    row = session.execute(
        select(func.count(), func.coalesce(func.sum(case((done, 1), else_=0)), 0))
        .select_from(Enrollment).join(Course, Course.id == Enrollment.course_id)
        .join(last, last.c.course_id == Course.id).outerjoin(credited, credited.c.enrollment_id == Enrollment.id)
        .where(Course.deleted_at.is_(None), last.c.last_day >= b.first_day, last.c.last_day <= b.as_of)).one()
    return int(row[0]), int(row[1])


def training_figures(session: Session, b: Bounds, courses: list[tuple[str, str, int, float, int]],
                     participants: Mapping[tuple[str, str], int]) -> TrainingFigures:
    finished, completed = completion(session, b)
    issued = session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.issued_at >= b.start, Certificate.issued_at < b.end)) or 0
    revoked = session.scalar(select(func.count()).select_from(Certificate).where(
        Certificate.revoked_at >= b.start, Certificate.revoked_at < b.end)) or 0
    return TrainingFigures(len(courses), sum(c[2] for c in courses), round(sum(c[3] for c in courses), 2),
                           sum(participants.values()), finished, completed, int(issued), int(revoked))
