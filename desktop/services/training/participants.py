"""Participants (public servants who take courses) and their enrollments."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version
from desktop.services.security import audit
from desktop.services.training.catalog import DOCUMENT_TYPES, seed_catalogs
from desktop.services.training.courses import _course
from desktop.services.training.roster_import import normalize_name, parse_document
from desktop.store.models import (
    Attendance,
    Certificate,
    Enrollment,
    Participant,
)

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
