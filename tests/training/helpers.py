"""Building blocks for training tests: a course with sessions, participants and attendance."""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass
from datetime import date, time

from desktop.services import training
from desktop.services.core.context import AppContext
from desktop.services.training import certificates


def signature_png(seed: int = 1, width: int = 360, height: int = 120) -> bytes:
    """A pen-like scribble on a transparent background, as a real scanned signature would be."""
    import math

    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    points = []
    for i in range(120):
        t = i / 119
        x = 20 + t * (width - 40)
        y = height / 2 + math.sin(t * (9 + seed) + seed) * height * 0.28 * (1 - t / 2) + math.cos(t * 23) * 6
        points.append((x, y))
    draw.line(points, fill=(20, 30, 90, 255), width=4, joint="curve")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def logo_png() -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (300, 300), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    draw.ellipse((20, 20, 280, 280), fill=(33, 56, 92))
    draw.rectangle((110, 70, 190, 230), fill=(180, 143, 64))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def give_office_logo(db, data: bytes | None = None) -> None:
    """Store a logo on the office (as an administrator would), so certificates have everything they expect."""
    from desktop.services.office import current_office

    with db.transaction() as session:
        current_office(session).logo = logo_png() if data is None else data


PEOPLE = [
    ("María de los Ángeles", "Pérez Gómez", "1098765432", "F", "alcaldia", "Profesional universitaria"),
    ("José Luis", "Ñañez Ortiz", "91234567", "M", "personeria", "Personero delegado"),
    ("Ana Sofía Valentina", "Rodríguez de la Hoz", "1005678123", "F", "icbf", "Defensora de familia"),
    ("Camilo", "Suárez Peña", "13456789", "M", "secretaria_salud", "Enfermero jefe"),
]


@dataclass
class CourseSetup:
    course_id: uuid.UUID
    code: str
    session_ids: list[uuid.UUID]
    enrollment_ids: dict[str, uuid.UUID]  # document number -> enrollment


def make_course(ctx: AppContext, code: str = "MESA-2026", people=PEOPLE, attend: dict[str, int] | None = None,
                sessions: int = 5, hours: float = 4.0, signatories: bool = True) -> CourseSetup:
    """A 20-hour course with ``sessions`` sessions; ``attend`` maps a document to how many sessions
    (from the first) the person attended; everyone else attends all."""
    course = training.create_course(ctx, training.CourseForm(
        code=code, title="Caja de herramientas para mesas migratorias municipales",
        organizer="Alcaldía de Bucaramanga", modality="in_person", total_hours=sessions * hours))
    session_ids = []
    for i in range(sessions):
        s = training.add_session(ctx, course.id, training.SessionForm(
            date=date(2026, 3, 2 + 7 * i), hours=hours, start_time=time(8, 0), end_time=time(12, 0),
            venue="Salón Concejo Municipal", trainer="Tomás Gómez Peña", topic=f"Módulo {i + 1}"))
        session_ids.append(s.id)
    enrollments = {}
    for given, family, doc, sex, inst, pos in people:
        found = [p for p in training.find_participants(ctx, doc) if p.document_number == doc]
        if found:
            p = found[0]
            training.enroll(ctx, course.id, p.id)
        else:
            p = training.save_participant(ctx, training.ParticipantForm(
                given_names=given, family_names=family, document_number=doc, sex=sex, institution=inst,
                position=pos, municipality="Bucaramanga"), course_id=course.id)
        progress = {r.participant_id: r.enrollment_id for r in training.course_progress(ctx, course.id)}
        enrollments[doc] = progress[p.id]
    attend = attend or {}
    for n, sid in enumerate(session_ids):
        statuses = {eid: ("present" if n < attend.get(doc, sessions) else "absent") for doc, eid in enrollments.items()}
        training.set_attendance(ctx, sid, statuses)
    if signatories:
        certificates.save_template(ctx, course.id, certificates.TemplateForm(signatories=[
            certificates.SignatoryForm("Adriana Rueda Martínez", "Secretaria de Desarrollo Social", signature_png(1)),
            certificates.SignatoryForm("Tomás Gómez Peña", "Capacitador", signature_png(2)),
        ]))
    return CourseSetup(course.id, code, session_ids, enrollments)
