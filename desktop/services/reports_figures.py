"""The report's SQL: grouped counts over a period, never one ORM object per person.

Each function takes an open session and the period's bounds (UTC instants for stored timestamps,
office-local dates for stored dates) and returns plain dictionaries of counts.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, distinct, exists, func, literal, or_, select
from sqlalchemy.orm import Session

from desktop.services.reports_disaggregation import AgeBand, adult_expression, age_band_expression
from desktop.services.reports_tables import normal_key
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

PEOPLE_AXES = ("sex", "age_band", "adult", "nationality", "population_type", "municipality", "newness",
               "disability", "lgbti")
REFERRAL_AXES = ("status", "category", "organization", "sex", "age_band")


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


def people_cube(session: Session, b: Bounds, bands: list[AgeBand]) -> dict[tuple[str, ...], int]:
    """People served, counted once each, by every axis of :data:`PEOPLE_AXES`."""
    band = age_band_expression(Person.birth_date, b.last_day, bands)
    adult = adult_expression(Person.birth_date, b.last_day)
    newness = case((and_(Person.created_at >= b.start, Person.created_at < b.end), literal("new")),
                   else_=literal("returning"))
    disability = exists().where(PersonNeed.person_id == Person.id, PersonNeed.need_code.in_(DISABILITY_NEEDS))
    lgbti = exists().where(PersonNeed.person_id == Person.id, PersonNeed.need_code.in_(LGBTI_NEEDS))
    columns = (Person.sex, band, adult, Person.nationality, Person.population_type, Person.municipality, newness,
               case((disability, literal("yes")), else_=literal("no")),
               case((lgbti, literal("yes")), else_=literal("no")))
    stmt = select(*columns, func.count()).where(served_people(b)).group_by(*columns)
    return {tuple(normal_key(v) for v in row[:-1]): int(row[-1]) for row in session.execute(stmt)}


def _status_at_end(b: Bounds):
    """A referral's status when the period ended (statuses only move forward; closed ones are final)."""
    accepted_before = exists().where(ReferralEvent.referral_id == Referral.id, ReferralEvent.to_status == "accepted",
                                     ReferralEvent.at < b.end)
    return case((and_(Referral.closed_at.is_not(None), Referral.closed_at < b.end), Referral.status),
                (accepted_before, literal("accepted")), else_=literal("sent"))


def _service_category():
    """A service's category: the first of its category terms (by code), so each referral counts once."""
    return (select(func.min(func.coalesce(TaxonomyTerm.code, TaxonomyTerm.name)))
            .select_from(Attribute).join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
            .where(Attribute.link_id == Referral.service_id, TaxonomyTerm.taxonomy_id == CATEGORY_TAXONOMY_ID)
            .scalar_subquery())


def referral_cube(session: Session, b: Bounds, bands: list[AgeBand]) -> dict[tuple[str, ...], int]:
    """Referrals made in the period by :data:`REFERRAL_AXES` (organization by id)."""
    status = _status_at_end(b)
    category = _service_category()
    band = age_band_expression(Person.birth_date, b.last_day, bands)
    columns = (status, category, Service.organization_id, Person.sex, band)
    stmt = (select(*columns, func.count()).select_from(Referral)
            .join(Service, Service.id == Referral.service_id).join(Person, Person.id == Referral.person_id)
            .where(referred_in(b)).group_by(*columns))
    return {tuple(normal_key(v) for v in row[:-1]): int(row[-1]) for row in session.execute(stmt)}


def category_labels(session: Session) -> dict[str, str]:
    rows = session.execute(select(func.coalesce(TaxonomyTerm.code, TaxonomyTerm.name), TaxonomyTerm.name)
                           .where(TaxonomyTerm.taxonomy_id == CATEGORY_TAXONOMY_ID))
    return {str(code): name for code, name in rows}


def organization_labels(session: Session, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = session.execute(select(Organization.id, Organization.name))
    return {str(i): name for i, name in rows if str(i) in ids}


@dataclass(frozen=True)
class ReferralFigures:
    made: int
    people_referred: int
    completed: int
    cancelled: int
    closed_in_period: int
    median_days_to_close: float | None
    overdue_follow_ups: int


def referral_figures(session: Session, b: Bounds, cube: Mapping[tuple[str, ...], int]) -> ReferralFigures:
    made = sum(cube.values())
    completed = sum(n for k, n in cube.items() if k[0] == "completed")
    cancelled = sum(n for k, n in cube.items() if k[0] == "cancelled")
    people = session.scalar(select(func.count(distinct(Referral.person_id))).where(referred_in(b))) or 0
    closed = session.execute(select(Referral.sent_at, Referral.closed_at).where(
        Referral.closed_at >= b.start, Referral.closed_at < b.end, Referral.sent_at.is_not(None))).all()
    days = [(c - s).total_seconds() / 86400 for s, c in closed]
    # Open when the period ended (or now), with a follow-up date already past.
    overdue = session.scalar(select(func.count()).select_from(Referral).where(
        Referral.sent_at < b.as_of_instant, Referral.follow_up_on < b.as_of,
        or_(Referral.closed_at.is_(None), Referral.closed_at >= b.as_of_instant))) or 0
    return ReferralFigures(made, int(people), completed, cancelled, len(closed),
                           round(statistics.median(days), 1) if days else None, int(overdue))


# -- trainings ---------------------------------------------------------------------------------


def _sessions_in(b: Bounds):
    return and_(TrainingSession.date >= b.first_day, TrainingSession.date <= b.last_day, Course.deleted_at.is_(None))


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
    """(enrollments, completed) in courses whose last session fell in the period.

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
        .where(Course.deleted_at.is_(None), last.c.last_day >= b.first_day, last.c.last_day <= b.last_day)).one()
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
