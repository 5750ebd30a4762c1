"""Plain inserts of people, referrals and trainings for report tests (no services in the way)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete
from sqlalchemy.orm import Session

from desktop.store.models import (
    Attendance,
    Attribute,
    Certificate,
    Course,
    Enrollment,
    Organization,
    Participant,
    Person,
    PersonNeed,
    Referral,
    ReferralEvent,
    Service,
    TaxonomyTerm,
    TrainingSession,
)
from desktop.store.models.directory import CATEGORY_TAXONOMY_ID

BOGOTA = ZoneInfo("America/Bogota")
_counter = iter(range(1, 10**9))


def local(day: date, hour: int = 12) -> datetime:
    """A stored (UTC) instant for office-local ``day`` at ``hour``."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=BOGOTA).astimezone(UTC)


def clear(session: Session) -> None:
    for model in (ReferralEvent, Referral, PersonNeed, Person, Certificate, Attendance, Enrollment,
                  TrainingSession, Participant, Course, Attribute, Service, TaxonomyTerm, Organization):
        session.execute(delete(model))


def service(session: Session, org_name: str = "Cruz Roja", name: str = "Atención en salud",
            category: tuple[str, str] | None = ("health", "Salud")) -> Service:
    org = Organization(name=org_name, description="")
    session.add(org)
    session.flush()
    svc = Service(organization_id=org.id, name=name, status="active")
    session.add(svc)
    session.flush()
    if category:
        term = TaxonomyTerm(code=category[0], name=category[1], description="", taxonomy_id=CATEGORY_TAXONOMY_ID)
        session.add(term)
        session.flush()
        session.add(Attribute(link_id=svc.id, taxonomy_term_id=term.id, link_entity="service"))
        session.flush()
    return svc


def person(session: Session, *, registered: datetime, sex: str = "female", birth_date: date | None = None,
           nationality: str | None = "VE", population_type: str = "destination", municipality: str = "Bucaramanga",
           needs: tuple[str, ...] = (), deleted: bool = False, ethnicity: str = "not_asked",
           lgbtiq: str = "not_asked") -> Person:
    n = next(_counter)
    p = Person(given_names=f"Persona {n}", family_name_1="Prueba", family_name_2="", sex=sex, birth_date=birth_date,
               nationality=nationality, document_number=f"V{n:08d}", document_number_norm=f"V{n:08d}",
               phone="3001234567", address="Calle 1 # 2-3", municipality=municipality,
               population_type=population_type, created_at=registered, updated_at=registered,
               deleted_at=registered if deleted else None, ethnicity=ethnicity, lgbtiq=lgbtiq)
    session.add(p)
    session.flush()
    for code in needs:
        session.add(PersonNeed(person_id=p.id, need_code=code))
    session.flush()
    return p


def referral(session: Session, who: Person, svc: Service, *, created: datetime, sent: datetime | None = None,
             accepted: datetime | None = None, closed: datetime | None = None, final: str = "completed",
             follow_up_on: date | None = None) -> Referral:
    n = next(_counter)
    status = "draft"
    events = [(None, "draft", created)]
    if sent:
        events.append(("draft", "sent", sent))
        status = "sent"
    if accepted:
        events.append(("sent", "accepted", accepted))
        status = "accepted"
    if closed:
        events.append((status, final, closed))
        status = final
    r = Referral(number=f"BGA-2026-{n:05d}", office_code="BGA", year=2026, seq=n, person_id=who.id,
                 service_id=svc.id, status=status, sent_at=sent, closed_at=closed, follow_up_on=follow_up_on,
                 created_at=created, updated_at=created)
    session.add(r)
    session.flush()
    for before, after, at in events:
        session.add(ReferralEvent(referral_id=r.id, from_status=before, to_status=after, at=at, by="clerk"))
    session.flush()
    return r


def course(session: Session, code: str = "C1", sessions: list[tuple[date, float]] = (),
           completion_share: float = 0.8) -> tuple[Course, list[TrainingSession]]:
    c = Course(code=code, title=f"Curso {code}: gobernanza migratoria", completion_share=completion_share,
               total_hours=sum(h for _d, h in sessions))
    session.add(c)
    session.flush()
    made = []
    for number, (day, hours) in enumerate(sessions, 1):
        s = TrainingSession(course_id=c.id, number=number, date=day, hours=hours)
        session.add(s)
        made.append(s)
    session.flush()
    return c, made


def participant(session: Session, sex: str = "F", institution: str = "alcaldia") -> Participant:
    n = next(_counter)
    p = Participant(given_names=f"Servidora {n}", family_names="Pública", document_number=str(10**7 + n), sex=sex,
                    institution=institution)
    session.add(p)
    session.flush()
    return p


def enroll(session: Session, c: Course, p: Participant, attendance: dict[TrainingSession, str]) -> Enrollment:
    e = Enrollment(course_id=c.id, participant_id=p.id)
    session.add(e)
    session.flush()
    for s, status in attendance.items():
        session.add(Attendance(session_id=s.id, enrollment_id=e.id, status=status))
    session.flush()
    return e


def certificate(session: Session, e: Enrollment, issued: datetime, revoked: datetime | None = None) -> Certificate:
    n = next(_counter)
    cert = Certificate(number=f"BGA-2026-{n:05d}", office_code="BGA", year=2026, seq=n, enrollment_id=e.id,
                       course_id=e.course_id, participant_id=e.participant_id, holder_name="X", holder_document="CC 1",
                       course_code="C", course_title="C", hours=1.0, issued_at=issued, issued_by="trainer",
                       issued_on=issued.date(), key_id="k", payload="p", verification_code=uuid.uuid4().hex[:8],
                       revoked_at=revoked)
    session.add(cert)
    session.flush()
    return cert


def days(n: int) -> timedelta:
    return timedelta(days=n)
