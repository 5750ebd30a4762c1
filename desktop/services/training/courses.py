"""Courses, the completion rule and each participant's progress in a course.

Completion rule: an enrollment is complete when the hours of the sessions it attended (present
or late) reach ``course.completion_share`` of the scheduled session hours, and, when the course
requires a final evaluation, the evaluation was passed.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.security import audit
from desktop.store.models import (
    Attendance,
    Certificate,
    Course,
    Enrollment,
    Participant,
    TrainingSession,
)
from desktop.store.models.training import CREDITED_STATUSES, MODALITIES

# -- completion -----------------------------------------------------------------------------------


def is_complete(attended_hours: float, scheduled_hours: float, share: float, requires_evaluation: bool,
                evaluation_passed: bool | None) -> bool:
    """The completion rule (pure)."""
    if scheduled_hours <= 0:
        return False
    if attended_hours + 1e-9 < share * scheduled_hours:
        return False
    return not requires_evaluation or evaluation_passed is True


def _course(session: Session, course_id: uuid.UUID) -> Course:
    course = session.get(Course, course_id)
    if course is None or course.deleted_at is not None:
        raise NotFound(_("The course does not exist or was deleted."))
    return course


def course_by_code(ctx: AppContext, code: str) -> Course:
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        course = session.scalar(select(Course).where(func.upper(Course.code) == code.strip().upper(),
                                                     Course.deleted_at.is_(None)))
        if course is None:
            raise NotFound(_("There is no course with code {code}.").format(code=code))
        return course


def get_course(ctx: AppContext, course_id: uuid.UUID) -> Course:
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        return _course(session, course_id)


# -- courses --------------------------------------------------------------------------------------


@dataclass
class CourseForm:
    code: str
    title: str
    description: str = ""
    modules: str = ""
    organizer: str = ""
    partners: str = ""
    modality: str = "in_person"
    total_hours: float = 0.0
    completion_share: float = 0.8
    requires_evaluation: bool = False
    municipality: str = ""


def validate_course(form: CourseForm) -> CourseForm:
    errors: dict[str, str] = {}
    code = form.code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9][A-Z0-9\-_.]{1,31}", code):
        errors["code"] = _("Use 2 to 32 letters, digits or dashes, e.g. MESA-2026.")
    if not form.title.strip():
        errors["title"] = _("Required")
    if form.modality not in MODALITIES:
        errors["modality"] = _("Choose in person, virtual or hybrid.")
    if not 0 < form.total_hours <= 2000:
        errors["total_hours"] = _("Enter the course's total hours (more than 0).")
    if not 0 < form.completion_share <= 1:
        errors["completion_share"] = _("The minimum attendance must be between 1 % and 100 %.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return CourseForm(code, form.title.strip(), form.description.strip(), form.modules.strip(), form.organizer.strip(),
                      form.partners.strip(), form.modality, round(float(form.total_hours), 2),
                      round(float(form.completion_share), 4), bool(form.requires_evaluation),
                      form.municipality.strip())


def _code_taken(session: Session, code: str, exclude: uuid.UUID | None = None) -> bool:
    stmt = select(Course.id).where(func.upper(Course.code) == code)
    if exclude is not None:
        stmt = stmt.where(Course.id != exclude)
    return session.scalar(stmt) is not None


def create_course(ctx: AppContext, form: CourseForm) -> Course:
    """Create a course; its code must be unique (also among deleted ones, whose certificates stay valid)."""
    ctx.require(Permission.EDIT_TRAININGS)
    form = validate_course(form)
    with ctx.db.transaction() as session:
        if _code_taken(session, form.code):
            raise ValidationError(_("Another course already uses the code {code}.").format(code=form.code),
                                  {"code": _("Already in use")})
        course = Course(**vars(form), created_by=ctx.username, updated_by=ctx.username)
        session.add(course)
        session.flush()
        audit.record(session, ctx.username, "create", "course", course.id, list(vars(form)))
        return course


def update_course(ctx: AppContext, course_id: uuid.UUID, form: CourseForm,
                  expected_version: int | None = None) -> Course:
    ctx.require(Permission.EDIT_TRAININGS)
    form = validate_course(form)
    with guard_stale(lambda: get_course(ctx, course_id)), ctx.db.transaction() as session:
        course = _course(session, course_id)
        check_version(course, expected_version)
        if _code_taken(session, form.code, course.id):
            raise ValidationError(_("Another course already uses the code {code}.").format(code=form.code),
                                  {"code": _("Already in use")})
        changed = apply_changes(course, vars(form), ctx.username)
        if changed:
            session.flush()
            audit.record(session, ctx.username, "update", "course", course.id, changed)
        return course


def delete_course(ctx: AppContext, course_id: uuid.UUID) -> None:
    """Mark a course deleted; its issued certificates stay valid and verifiable."""
    from desktop.store.base import utcnow

    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.transaction() as session:
        course = _course(session, course_id)
        course.deleted_at = utcnow()
        course.deleted_by = ctx.username
        audit.record(session, ctx.username, "delete", "course", course.id, ["deleted_at"])


@dataclass(frozen=True)
class CourseSummary:
    id: uuid.UUID
    code: str
    title: str
    start_date: date | None
    end_date: date | None
    hours: float
    participants: int
    sessions: int
    completed: int
    certificates: int
    modality: str
    version: int


def list_courses(ctx: AppContext, text: str = "") -> list[CourseSummary]:
    """Courses (not deleted), newest first, with dates, participants and completions."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        stmt = select(Course).where(Course.deleted_at.is_(None))
        if text.strip():
            like = f"%{text.strip()}%"
            stmt = stmt.where(Course.code.ilike(like) | Course.title.ilike(like))
        courses = list(session.scalars(stmt))
        dates = {cid: (lo, hi, n) for cid, lo, hi, n in session.execute(
            select(TrainingSession.course_id, func.min(TrainingSession.date), func.max(TrainingSession.date),
                   func.count()).group_by(TrainingSession.course_id))}
        counts = dict(session.execute(select(Enrollment.course_id, func.count()).group_by(Enrollment.course_id)).all())
        certs = dict(session.execute(select(Certificate.course_id, func.count())
                                     .where(Certificate.revoked_at.is_(None))
                                     .group_by(Certificate.course_id)).all())
        summaries = []
        for c in courses:
            lo, hi, n = dates.get(c.id, (None, None, 0))
            completed = sum(1 for p in _progress_rows(session, c) if p.completed) if counts.get(c.id) else 0
            summaries.append(CourseSummary(c.id, c.code, c.title, lo, hi, c.total_hours, counts.get(c.id, 0), n,
                                           completed, certs.get(c.id, 0), c.modality, c.version))
    summaries.sort(key=lambda s: (s.start_date or date.max, s.code), reverse=True)
    return summaries


# -- progress and attendance ----------------------------------------------------------------------


@dataclass(frozen=True)
class ParticipantProgress:
    """One enrolled participant with hours attended and whether the rule is met."""

    enrollment_id: uuid.UUID
    participant_id: uuid.UUID
    given_names: str
    family_names: str
    document_type: str
    document_number: str
    sex: str
    institution: str
    institution_detail: str
    position: str
    municipality: str
    email: str
    phone: str
    hours_attended: float
    scheduled_hours: float
    evaluation_passed: bool | None
    completed: bool
    certificate_number: str | None
    certificate_revoked: bool

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_names}"


def _progress_rows(session: Session, course: Course) -> list[ParticipantProgress]:
    sessions = dict(session.execute(select(TrainingSession.id, TrainingSession.hours)
                                    .where(TrainingSession.course_id == course.id)).all())
    scheduled = round(sum(sessions.values()), 2)
    attended: dict[uuid.UUID, float] = {}
    for enrollment_id, session_id in session.execute(
            select(Attendance.enrollment_id, Attendance.session_id).join(Enrollment)
            .where(Enrollment.course_id == course.id, Attendance.status.in_(CREDITED_STATUSES))):
        attended[enrollment_id] = attended.get(enrollment_id, 0.0) + sessions.get(session_id, 0.0)
    certs = {eid: (num, rev is not None) for eid, num, rev in session.execute(
        select(Certificate.enrollment_id, Certificate.number, Certificate.revoked_at)
        .where(Certificate.course_id == course.id))}
    rows = []
    for e, p in session.execute(select(Enrollment, Participant).join(Participant)
                                .where(Enrollment.course_id == course.id)
                                .order_by(Participant.family_names, Participant.given_names)):
        hours = round(attended.get(e.id, 0.0), 2)
        cert = certs.get(e.id)
        rows.append(ParticipantProgress(
            e.id, p.id, p.given_names, p.family_names, p.document_type, p.document_number, p.sex, p.institution,
            p.institution_detail, p.position, p.municipality, p.email, p.phone, hours, scheduled,
            e.evaluation_passed,
            is_complete(hours, scheduled, course.completion_share, course.requires_evaluation, e.evaluation_passed),
            cert[0] if cert else None, bool(cert and cert[1])))
    return rows


def course_progress(ctx: AppContext, course_id: uuid.UUID) -> list[ParticipantProgress]:
    """Every enrolled participant of a course, by family name, with hours and completion."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        return _progress_rows(session, _course(session, course_id))
