"""Trainings: courses, sessions, participants, enrollments and attendance.

Completion rule: an enrollment is complete when the hours of the sessions it attended (present
or late) reach ``course.completion_share`` of the scheduled session hours, and, when the course
requires a final evaluation, the evaluation was passed.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.security import audit
from desktop.services.training.roster_import import normalize_header, normalize_name, parse_document
from desktop.store.models import (
    Attendance,
    CatalogItem,
    Certificate,
    Course,
    Enrollment,
    Participant,
    TrainingSession,
)
from desktop.store.models.training import ATTENDANCE_STATUSES, CREDITED_STATUSES, MODALITIES

INSTITUTION_CATALOG = "institution"

# (code, Spanish label, English label, country or None)
INSTITUTIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("alcaldia", "Alcaldía", "Mayor's office", None),
    ("gobernacion", "Gobernación", "Governor's office", None),
    ("personeria", "Personería", "Municipal ombudsman (Personería)", "CO"),
    ("defensoria", "Defensoría del Pueblo", "Ombudsman's office", None),
    ("icbf", "ICBF", "Colombian Family Welfare Institute (ICBF)", "CO"),
    ("secretaria_salud", "Secretaría de Salud", "Health department", None),
    ("secretaria_educacion", "Secretaría de Educación", "Education department", None),
    ("secretaria_gobierno", "Secretaría de Gobierno", "Government department", None),
    ("secretaria_desarrollo_social", "Secretaría de Desarrollo Social", "Social development department", None),
    ("comisaria_familia", "Comisaría de Familia", "Family commissioner's office", "CO"),
    ("migracion_colombia", "Migración Colombia", "Migración Colombia", "CO"),
    ("registraduria", "Registraduría Nacional del Estado Civil", "National civil registry", "CO"),
    ("policia", "Policía Nacional", "National police", None),
    ("sena", "SENA", "National training service (SENA)", "CO"),
    ("hospital", "Hospital / ESE", "Public hospital", None),
    ("concejo", "Concejo Municipal", "Municipal council", None),
    ("ong", "Organización de la sociedad civil", "Civil society organization", None),
    ("cooperacion", "Cooperación internacional", "International cooperation agency", None),
    ("otra", "Otra entidad", "Other institution", None),
)

DOCUMENT_TYPES: dict[str, str] = {
    "CC": N_("Citizenship card (CC)"),
    "CE": N_("Foreigner ID card (CE)"),
    "TI": N_("Identity card (TI)"),
    "PA": N_("Passport"),
    "PPT": N_("Temporary protection permit (PPT)"),
    "PEP": N_("Special stay permit (PEP)"),
    "DPI": N_("Personal ID document (DPI)"),
    "CURP": N_("CURP"),
    "INE": N_("Voter ID (INE)"),
    "DNI": N_("National ID (DNI)"),
    "OTRO": N_("Other document"),
}
MODALITY_LABELS = {"in_person": N_("In person"), "virtual": N_("Virtual"), "hybrid": N_("Hybrid")}
SEX_LABELS = {"F": N_("Female"), "M": N_("Male"), "I": N_("Intersex"), "": N_("Not stated")}
STATUS_LABELS = {"present": N_("Present"), "late": N_("Late"), "excused": N_("Excused"), "absent": N_("Absent")}
STATUS_KEYS = {"present": "P", "absent": "A", "late": "T", "excused": "E"}  # keys of the attendance grid


def _sort_order() -> dict[str, int]:
    return {code: i for i, (code, *_rest) in enumerate(INSTITUTIONS)}


def seed_catalogs(session: Session, country: str | None = None) -> int:
    """Add the institution catalog entries that are missing. Returns how many were added."""
    have = set(session.scalars(select(CatalogItem.code).where(CatalogItem.catalog == INSTITUTION_CATALOG)))
    added = 0
    for order, (code, es, en, item_country) in enumerate(INSTITUTIONS):
        if code in have:
            continue
        session.add(CatalogItem(catalog=INSTITUTION_CATALOG, code=code, label_es=es, label_en=en,
                                country=item_country, sort_order=order * 10, created_by="system",
                                updated_by="system"))
        added += 1
    if added:
        session.flush()
    return added


def institution_choices(session: Session) -> list[tuple[str, str]]:
    """(code, label) of active institutions in the interface language; the built-in list until seeded."""
    from desktop.i18n import current_language

    rows = session.execute(select(CatalogItem.code, CatalogItem.label_es, CatalogItem.label_en)
                           .where(CatalogItem.catalog == INSTITUTION_CATALOG, CatalogItem.active.is_(True))
                           .order_by(CatalogItem.sort_order, CatalogItem.label_es)).all()
    if not rows:
        rows = [(code, es, en) for code, es, en, _c in INSTITUTIONS]
    english = current_language() == "en"
    return [(code, en if english else es) for code, es, en in rows]


def institution_labels(db_or_session) -> dict[str, str]:
    if isinstance(db_or_session, Session):
        return dict(institution_choices(db_or_session))
    with db_or_session.session() as session:
        return dict(institution_choices(session))


class InstitutionMatcher:
    """Map what a spreadsheet says ("ALCALDIA DE GIRON", "Sec. Salud") to a catalog code."""

    _HINTS = (("icbf", "icbf"), ("bienestar familiar", "icbf"), ("personer", "personeria"),
              ("defensor", "defensoria"), ("migracion", "migracion_colombia"), ("registradur", "registraduria"),
              ("policia", "policia"), ("comisari", "comisaria_familia"), ("sena", "sena"),
              ("salud", "secretaria_salud"), ("educaci", "secretaria_educacion"), ("gobierno", "secretaria_gobierno"),
              ("desarrollo social", "secretaria_desarrollo_social"), ("hospital", "hospital"), ("ese ", "hospital"),
              ("concejo", "concejo"), ("gobernacion", "gobernacion"), ("alcald", "alcaldia"),
              ("fundacion", "ong"), ("corporacion", "ong"), ("asociacion", "ong"), ("acnur", "cooperacion"),
              ("oim", "cooperacion"), ("unicef", "cooperacion"), ("usaid", "cooperacion"), ("giz", "cooperacion"))

    def __init__(self, choices: Iterable[tuple[str, str]]) -> None:
        self.by_label = {normalize_header(label): code for code, label in choices}
        self.codes = set(self.by_label.values())

    def match(self, text: str) -> str:
        norm = normalize_header(text)
        if not norm:
            return ""
        if norm in self.by_label:
            return self.by_label[norm]
        padded = f" {norm} "
        for hint, code in self._HINTS:
            if (f" {hint}" in padded) and code in self.codes:
                return code
        from rapidfuzz import fuzz, process

        best = process.extractOne(norm, list(self.by_label), scorer=fuzz.token_set_ratio, score_cutoff=85)
        if best:
            return self.by_label[best[0]]
        return "otra" if "otra" in self.codes else ""


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


# -- participants -----------------------------------------------------------------------------------


@dataclass
class ParticipantForm:
    given_names: str
    family_names: str
    document_number: str
    document_type: str = "CC"
    sex: str = ""
    institution: str = ""
    institution_detail: str = ""
    position: str = ""
    municipality: str = ""
    email: str = ""
    phone: str = ""


def validate_participant(form: ParticipantForm) -> ParticipantForm:
    from desktop.services.training.roster_import import parse_email, parse_phone

    errors: dict[str, str] = {}
    given = normalize_name(form.given_names)
    family = normalize_name(form.family_names)
    if not given:
        errors["given_names"] = _("Required")
    if not family:
        errors["family_names"] = _("Required")
    number, problem = parse_document(form.document_number)
    if problem:
        errors["document_number"] = problem[:1].upper() + problem[1:]
    if form.document_type not in DOCUMENT_TYPES:
        errors["document_type"] = _("Choose a document type.")
    if form.sex not in ("F", "M", "I", ""):
        errors["sex"] = _("Choose a value from the list.")
    email, problem = parse_email(form.email)
    if problem:
        errors["email"] = _("Not a valid email address")
    phone, problem = parse_phone(form.phone)
    if problem:
        errors["phone"] = _("Not a valid phone number")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return ParticipantForm(given, family, number, form.document_type, form.sex, form.institution.strip(),
                           form.institution_detail.strip(), form.position.strip(), form.municipality.strip(),
                           email, phone)


def save_participant(ctx: AppContext, form: ParticipantForm, participant_id: uuid.UUID | None = None,
                     expected_version: int | None = None, course_id: uuid.UUID | None = None) -> Participant:
    """Create or update a participant (and enroll them in ``course_id`` if given).

    The same document never makes two participants: a second one is refused naming the first.
    """
    ctx.require(Permission.EDIT_TRAININGS)
    form = validate_participant(form)
    with ctx.db.transaction() as session:
        seed_catalogs(session)
        other = session.scalar(select(Participant).where(Participant.document_type == form.document_type,
                                                         Participant.document_number == form.document_number))
        if other is not None and other.id != participant_id:
            raise ValidationError(
                _("{name} is already registered with this document.").format(
                    name=f"{other.given_names} {other.family_names}"),
                {"document_number": _("Already registered")})
        if participant_id is None:
            participant = Participant(**vars(form), created_by=ctx.username, updated_by=ctx.username)
            session.add(participant)
            session.flush()
            audit.record(session, ctx.username, "create", "participant", participant.id, list(vars(form)))
        else:
            participant = session.get(Participant, participant_id)
            if participant is None:
                raise NotFound(_("The participant no longer exists."))
            check_version(participant, expected_version)
            changed = apply_changes(participant, vars(form), ctx.username)
            if changed:
                session.flush()
                audit.record(session, ctx.username, "update", "participant", participant.id, changed)
        if course_id is not None:
            _enroll(session, ctx, course_id, participant.id)
        return participant


def find_participants(ctx: AppContext, text: str, limit: int = 30) -> list[Participant]:
    """Participants whose name or document contains ``text``."""
    ctx.require(Permission.VIEW_TRAININGS)
    words = text.split()
    with ctx.db.session() as session:
        stmt = select(Participant).where(Participant.deleted_at.is_(None))
        for word in words:
            like = f"%{word}%"
            stmt = stmt.where(Participant.given_names.ilike(like) | Participant.family_names.ilike(like)
                              | Participant.document_number.ilike(like))
        return list(session.scalars(stmt.order_by(Participant.family_names, Participant.given_names).limit(limit)))


def _enroll(session: Session, ctx: AppContext, course_id: uuid.UUID, participant_id: uuid.UUID) -> Enrollment:
    _course(session, course_id)
    existing = session.scalar(select(Enrollment).where(Enrollment.course_id == course_id,
                                                       Enrollment.participant_id == participant_id))
    if existing is not None:
        return existing
    enrollment = Enrollment(course_id=course_id, participant_id=participant_id, created_by=ctx.username,
                            updated_by=ctx.username)
    session.add(enrollment)
    session.flush()
    audit.record(session, ctx.username, "create", "enrollment", enrollment.id, ["course_id", "participant_id"])
    return enrollment


def enroll(ctx: AppContext, course_id: uuid.UUID, participant_id: uuid.UUID) -> Enrollment:
    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.transaction() as session:
        return _enroll(session, ctx, course_id, participant_id)


def unenroll(ctx: AppContext, enrollment_id: uuid.UUID) -> None:
    """Take a participant out of a course (with their attendance); refused once certified."""
    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.transaction() as session:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None:
            raise NotFound(_("The enrollment no longer exists."))
        if session.scalar(select(Certificate.id).where(Certificate.enrollment_id == enrollment_id)):
            raise ValidationError(_("This participant already has a certificate for the course; revoke it instead."))
        for att in session.scalars(select(Attendance).where(Attendance.enrollment_id == enrollment_id)):
            session.delete(att)
        session.delete(enrollment)
        audit.record(session, ctx.username, "delete", "enrollment", enrollment_id)


def set_evaluation(ctx: AppContext, enrollment_id: uuid.UUID, passed: bool | None) -> None:
    ctx.require(Permission.EDIT_TRAININGS)
    with ctx.db.transaction() as session:
        enrollment = session.get(Enrollment, enrollment_id)
        if enrollment is None:
            raise NotFound(_("The enrollment no longer exists."))
        if enrollment.evaluation_passed != passed:
            enrollment.evaluation_passed = passed
            enrollment.updated_by = ctx.username
            audit.record(session, ctx.username, "update", "enrollment", enrollment_id, ["evaluation_passed"])


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
