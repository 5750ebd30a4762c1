"""Trainings: courses, sessions, participants, enrollments, attendance and certificates.

Field notes for readers of these tables (reports, exports):

- ``Participant.sex``: ``"F"`` female, ``"M"`` male, ``"I"`` intersex, ``""`` not stated.
- ``Participant.institution``: the ``code`` of a ``CatalogItem`` of catalog ``"institution"``
  (e.g. ``"alcaldia"``, ``"icbf"``); ``institution_detail`` keeps the text as typed
  ("Alcaldía de Girón — Secretaría de Gobierno").
- ``Attendance.status``: ``"present"``, ``"late"`` (both earn the session's hours),
  ``"excused"``, ``"absent"`` (earn none). No row means not recorded yet (counts as absent).
- ``Certificate.issued_at`` / ``revoked_at``: UTC; ``year`` is the office-local year the number
  belongs to; ``number`` reads ``<office>-<year>-<seq:05d>``.
- ``Course.completion_share``: minimum share (0–1) of scheduled session hours to attend.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    Time,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from desktop.store.base import Entity, SoftDelete

MODALITIES = ("in_person", "virtual", "hybrid")
SEX_CODES = ("F", "M", "I", "")
ATTENDANCE_STATUSES = ("present", "late", "excused", "absent")
CREDITED_STATUSES = ("present", "late")


class Course(Entity, SoftDelete):
    """A training program (capacitación)."""

    __tablename__ = "course"

    code: Mapped[str] = mapped_column(String(32), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    modules: Mapped[str] = mapped_column(Text, default="")  # one module per line
    organizer: Mapped[str] = mapped_column(String(300), default="")  # organizing institution(s)
    partners: Mapped[str] = mapped_column(Text, default="")  # partner institutions, one per line
    modality: Mapped[str] = mapped_column(String(16), default="in_person")  # MODALITIES
    total_hours: Mapped[float] = mapped_column(Float, default=0.0)  # the intensity printed on certificates
    completion_share: Mapped[float] = mapped_column(Float, default=0.8)
    requires_evaluation: Mapped[bool] = mapped_column(Boolean, default=False)
    municipality: Mapped[str] = mapped_column(String(120), default="")


class TrainingSession(Entity):
    """One class meeting of a course; ``number`` is 1, 2, … within the course."""

    __tablename__ = "training_session"
    __table_args__ = (UniqueConstraint("course_id", "number", name="uq_training_session_number"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    date: Mapped[date] = mapped_column(Date)
    start_time: Mapped[time | None] = mapped_column(Time, default=None)
    end_time: Mapped[time | None] = mapped_column(Time, default=None)
    hours: Mapped[float] = mapped_column(Float, default=0.0)
    topic: Mapped[str] = mapped_column(String(300), default="")
    venue: Mapped[str] = mapped_column(String(300), default="")
    trainer: Mapped[str] = mapped_column(String(200), default="")


class Participant(Entity, SoftDelete):
    """A public servant who takes courses. One document (type + number) is one participant."""

    __tablename__ = "participant"
    __table_args__ = (UniqueConstraint("document_type", "document_number", name="uq_participant_document"),)

    given_names: Mapped[str] = mapped_column(String(120))
    family_names: Mapped[str] = mapped_column(String(120))
    document_type: Mapped[str] = mapped_column(String(16), default="CC")
    document_number: Mapped[str] = mapped_column(String(32), index=True)  # normalized: no dots or spaces
    sex: Mapped[str] = mapped_column(String(1), default="")  # SEX_CODES
    institution: Mapped[str] = mapped_column(String(64), default="", index=True)  # catalog "institution"
    institution_detail: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[str] = mapped_column(String(200), default="")
    municipality: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")


class Enrollment(Entity):
    """A participant in a course; ``evaluation_passed`` is None until a final evaluation is graded."""

    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("course_id", "participant_id", name="uq_enrollment_course_participant"),)

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    enrolled_on: Mapped[date | None] = mapped_column(Date, default=None)
    evaluation_passed: Mapped[bool | None] = mapped_column(Boolean, default=None)


class Attendance(Entity):
    """Attendance of one enrollment at one session (ATTENDANCE_STATUSES)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("session_id", "enrollment_id", name="uq_attendance_session_enrollment"),)

    session_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"),
                                                  index=True)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(8))


class CertificateTemplate(Entity):
    """How a course's certificates read. ``body`` holds placeholders such as ``{nombre}``."""

    __tablename__ = "certificate_template"

    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    heading: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    place_line: Mapped[str] = mapped_column(String(300), default="")  # "Expedida en {ciudad}, el {fecha}."


class CertificateSignatory(Entity):
    """A person who signs a course's certificates; ``signature`` is a PNG or JPEG image."""

    __tablename__ = "certificate_signatory"

    template_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("certificate_template.id", ondelete="CASCADE"),
                                                   index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    signature: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(Entity):
    """An issued certificate (constancia). Holder and course are copied as printed, so a reprint
    reads the same even if the participant's record is later corrected."""

    __tablename__ = "certificate"
    __table_args__ = (UniqueConstraint("office_code", "year", "seq", name="uq_certificate_office_year_seq"),)

    number: Mapped[str] = mapped_column(String(40), unique=True)
    office_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    enrollment_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    course_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("course.id"), index=True)
    participant_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("participant.id"), index=True)
    holder_name: Mapped[str] = mapped_column(String(250))
    holder_document: Mapped[str] = mapped_column(String(60))  # "CC 1098765432"
    course_code: Mapped[str] = mapped_column(String(32))
    course_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float] = mapped_column(Float)
    issued_at: Mapped[datetime] = mapped_column()
    issued_by: Mapped[str] = mapped_column(String(64))
    issued_on: Mapped[date] = mapped_column(Date)  # office-local date printed and signed
    key_id: Mapped[str] = mapped_column(String(16))
    payload: Mapped[str] = mapped_column(Text)  # the QR text, signature included
    verification_code: Mapped[str] = mapped_column(String(16), index=True)  # printed short code
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_by: Mapped[str | None] = mapped_column(String(64), default=None)
    revoke_reason: Mapped[str | None] = mapped_column(Text, default=None)
    print_count: Mapped[int] = mapped_column(Integer, default=0)
    last_printed_at: Mapped[datetime | None] = mapped_column(default=None)


class SigningKey(Entity):
    """This office's Ed25519 key for certificates. ``private_key`` is the raw 32-byte seed."""

    __tablename__ = "signing_key"

    office_code: Mapped[str] = mapped_column(String(16))
    key_id: Mapped[str] = mapped_column(String(16), unique=True)  # first 16 hex digits of SHA-256(public)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    private_key: Mapped[bytes] = mapped_column(LargeBinary)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class TrustedKey(Entity):
    """Another office's public key, imported so its certificates verify here."""

    __tablename__ = "trusted_key"

    office_code: Mapped[str] = mapped_column(String(16))
    office_name: Mapped[str] = mapped_column(String(200), default="")
    key_id: Mapped[str] = mapped_column(String(16), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # Who vouches for the key: a person here (``by_hand``, confirmed the fingerprint) and/or a coordinator's
    # trust list (its key id in ``trust_list``, "" if none). A newer list drops only what it alone vouched for.
    by_hand: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    trust_list: Mapped[str] = mapped_column(String(16), default="", server_default="")
