"""Training sessions, attendance at them and the printable attendance sheet."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version
from desktop.services.security import audit
from desktop.services.training.catalog import institution_choices
from desktop.services.training.courses import ParticipantProgress, _course, _progress_rows
from desktop.store.models import (
    Attendance,
    Certificate,
    Course,
    Enrollment,
    TrainingSession,
)
from desktop.store.models.training import ATTENDANCE_STATUSES

# -- sessions -------------------------------------------------------------------------------------


@dataclass
class SessionForm:
    date: date
    hours: float
    start_time: time | None = None
    end_time: time | None = None
    topic: str = ""
    venue: str = ""
    trainer: str = ""


def validate_session(form: SessionForm) -> SessionForm:
    errors: dict[str, str] = {}
    hours = form.hours
    if form.start_time and form.end_time:
        if form.end_time <= form.start_time:
            errors["end_time"] = _("The end must be after the start.")
        elif not hours:
            minutes = (form.end_time.hour * 60 + form.end_time.minute) - (form.start_time.hour * 60
                                                                          + form.start_time.minute)
            hours = round(minutes / 60, 2)
    if not 0 < hours <= 24:
        errors["hours"] = _("Enter the session's hours (more than 0, at most 24).")
    if form.date is None:
        errors["date"] = _("Required")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return SessionForm(form.date, round(float(hours), 2), form.start_time, form.end_time, form.topic.strip(),
                       form.venue.strip(), form.trainer.strip())


def list_sessions(ctx: AppContext, course_id: uuid.UUID) -> list[TrainingSession]:
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        return list(session.scalars(select(TrainingSession).where(TrainingSession.course_id == course_id)
                                    .order_by(TrainingSession.number)))


def _renumber(session: Session, course_id: uuid.UUID) -> None:
    """Keep session numbers 1..n in date order (numbers are what the CLI and sheets use)."""
    rows = list(session.scalars(select(TrainingSession).where(TrainingSession.course_id == course_id)
                                .order_by(TrainingSession.date, TrainingSession.start_time, TrainingSession.number)))
    if [r.number for r in rows] == list(range(1, len(rows) + 1)):
        return
    for r in rows:  # two passes: the unique (course, number) must hold after every UPDATE
        r.number = -r.number - 1000
    session.flush()
    for i, r in enumerate(rows, 1):
        r.number = i
    session.flush()


def add_session(ctx: AppContext, course_id: uuid.UUID, form: SessionForm) -> TrainingSession:
    ctx.require(Permission.EDIT_TRAININGS)
    form = validate_session(form)
    with ctx.db.transaction() as session:
        _course(session, course_id)
        last = session.scalar(select(func.max(TrainingSession.number)).where(TrainingSession.course_id == course_id))
        row = TrainingSession(course_id=course_id, number=(last or 0) + 1, **vars(form), created_by=ctx.username,
                              updated_by=ctx.username)
        session.add(row)
        session.flush()
        _renumber(session, course_id)
        audit.record(session, ctx.username, "create", "training_session", row.id, list(vars(form)))
        return row


def update_session(ctx: AppContext, session_id: uuid.UUID, form: SessionForm,
                   expected_version: int | None = None) -> TrainingSession:
    ctx.require(Permission.EDIT_TRAININGS)
    form = validate_session(form)
    with ctx.db.transaction() as session:
        row = session.get(TrainingSession, session_id)
        if row is None:
            raise NotFound(_("The session no longer exists."))
        check_version(row, expected_version)
        changed = apply_changes(row, vars(form), ctx.username)
        if changed:
            session.flush()
            _renumber(session, row.course_id)
            audit.record(session, ctx.username, "update", "training_session", row.id, changed)
        return row


def delete_session(ctx: AppContext, session_id: uuid.UUID) -> None:
    """Remove a session and its attendance (refused once certificates of the course exist)."""
    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.transaction() as session:
        row = session.get(TrainingSession, session_id)
        if row is None:
            raise NotFound(_("The session no longer exists."))
        if session.scalar(select(func.count()).select_from(Certificate)
                          .where(Certificate.course_id == row.course_id)):
            raise ValidationError(_("Certificates of this course were already issued: its sessions can no longer "
                                    "be removed."))
        for att in session.scalars(select(Attendance).where(Attendance.session_id == row.id)):
            session.delete(att)
        course_id = row.course_id
        session.delete(row)
        session.flush()
        _renumber(session, course_id)
        audit.record(session, ctx.username, "delete", "training_session", session_id)


@dataclass
class AttendanceGrid:
    course: Course
    sessions: list[TrainingSession]
    rows: list[ParticipantProgress]
    status: dict[tuple[uuid.UUID, uuid.UUID], str] = field(default_factory=dict)  # (enrollment, session) -> status


def attendance_grid(ctx: AppContext, course_id: uuid.UUID) -> AttendanceGrid:
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        course = _course(session, course_id)
        sessions = list(session.scalars(select(TrainingSession).where(TrainingSession.course_id == course_id)
                                        .order_by(TrainingSession.number)))
        status = {(e, s): st for e, s, st in session.execute(
            select(Attendance.enrollment_id, Attendance.session_id, Attendance.status).join(Enrollment)
            .where(Enrollment.course_id == course_id))}
        return AttendanceGrid(course, sessions, _progress_rows(session, course), status)


def set_attendance(ctx: AppContext, session_id: uuid.UUID, statuses: dict[uuid.UUID, str | None]) -> int:
    """Record attendance at one session: enrollment id → status (None clears it). Returns rows changed."""
    ctx.require(Permission.EDIT_TRAININGS)
    bad = [s for s in statuses.values() if s is not None and s not in ATTENDANCE_STATUSES]
    if bad:
        raise ValidationError(_("Unknown attendance status: {status}").format(status=bad[0]))
    changed = 0
    with ctx.db.transaction() as session:
        ts = session.get(TrainingSession, session_id)
        if ts is None:
            raise NotFound(_("The session no longer exists."))
        valid = set(session.scalars(select(Enrollment.id).where(Enrollment.course_id == ts.course_id)))
        current = {a.enrollment_id: a for a in session.scalars(
            select(Attendance).where(Attendance.session_id == session_id,
                                     Attendance.enrollment_id.in_(list(statuses))))}
        for enrollment_id, status in statuses.items():
            if enrollment_id not in valid:
                raise ValidationError(_("This participant is not enrolled in the course."))
            row = current.get(enrollment_id)
            if status is None:
                if row is not None:
                    session.delete(row)
                    changed += 1
            elif row is None:
                session.add(Attendance(session_id=session_id, enrollment_id=enrollment_id, status=status,
                                       created_by=ctx.username, updated_by=ctx.username))
                changed += 1
            elif row.status != status:
                row.status = status
                row.updated_by = ctx.username
                changed += 1
        if changed:
            session.flush()
            audit.record(session, ctx.username, "update", "attendance", session_id, ["status"], {"rows": changed})
    return changed


def mark_all_present(ctx: AppContext, session_id: uuid.UUID, only_unrecorded: bool = True) -> int:
    """Mark every enrolled participant present at a session (by default only those not yet recorded)."""
    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.session() as session:
        ts = session.get(TrainingSession, session_id)
        if ts is None:
            raise NotFound(_("The session no longer exists."))
        enrollments = set(session.scalars(select(Enrollment.id).where(Enrollment.course_id == ts.course_id)))
        recorded = set(session.scalars(select(Attendance.enrollment_id).where(Attendance.session_id == session_id)))
    targets = enrollments - recorded if only_unrecorded else enrollments
    return set_attendance(ctx, session_id, dict.fromkeys(targets, "present")) if targets else 0


# -- attendance sheet -------------------------------------------------------------------------------


def sheet_code(course_code: str, session_number: int, session_id: uuid.UUID) -> str:
    """The code printed on an attendance sheet: course, session and a piece of the session's id."""
    return f"{course_code}-S{session_number:02d}-{session_id.hex[:6].upper()}"


def attendance_sheet_pdf(ctx: AppContext, course_id: uuid.UUID, session_number: int) -> bytes:
    """The printable attendance sheet of one session (names, institution, a signature column)."""
    from desktop.documents.attendance_sheet import SheetData, SheetRow, build_attendance_sheet
    from desktop.i18n import format_date, format_time
    from desktop.services.office import current_office, get_setting

    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        course = _course(session, course_id)
        ts = session.scalar(select(TrainingSession).where(TrainingSession.course_id == course_id,
                                                          TrainingSession.number == session_number))
        if ts is None:
            raise NotFound(_("Course {code} has no session {n}.").format(code=course.code, n=session_number))
        office = current_office(session)
        labels = dict(institution_choices(session))
        rows = [SheetRow(p.full_name, f"{p.document_type} {p.document_number}",
                         p.institution_detail or labels.get(p.institution, p.institution), p.position)
                for p in _progress_rows(session, course)]
        page_size = get_setting(session, "page_size")
        times = ""
        if ts.start_time and ts.end_time:
            times = _("{start} to {end}").format(start=format_time(ts.start_time), end=format_time(ts.end_time))
        data = SheetData(
            office_name=office.name, logo=office.logo, course_code=course.code, course_title=course.title,
            session_label=_("Session {n} of {total}").format(n=ts.number, total=_count_sessions(session, course_id)),
            date=format_date(ts.date, "full"), times=times, hours=ts.hours, venue=ts.venue, trainer=ts.trainer,
            topic=ts.topic, code=sheet_code(course.code, ts.number, ts.id), rows=rows, page_size=page_size,
            labels={"name": _("Full name"), "document": _("Document"), "institution": _("Institution"),
                    "position": _("Position"), "signature": _("Signature"), "title": _("ATTENDANCE SHEET"),
                    "date": _("Date"), "time": _("Time"), "hours": _("Duration (hours)"), "venue": _("Venue"),
                    "trainer": _("Trainer"), "topic": _("Topic"), "code": _("Sheet code"),
                    "page": _("Page {page} of {pages}"), "trainer_signature": _("Trainer's signature"),
                    "extra": _("Participants not on the list")})
    pdf = build_attendance_sheet(data)
    audit.log(ctx, "print", "training_session", ts.id, detail={"document": "attendance_sheet"})
    return pdf


def _count_sessions(session: Session, course_id: uuid.UUID) -> int:
    return session.scalar(select(func.count()).select_from(TrainingSession)
                          .where(TrainingSession.course_id == course_id)) or 0
