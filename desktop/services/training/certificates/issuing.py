"""Issuing certificates: gapless numbers, signing, and printing them (also reprints)."""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date, format_number
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.office import current_office, get_setting
from desktop.services.security import audit
from desktop.services.training.catalog import MODALITY_LABELS
from desktop.services.training.certificates.codes import (
    Payload,
    format_code,
    sign_text,
    split_signed,
    unsigned_text,
    verification_code_for,
)
from desktop.services.training.certificates.keys import office_key
from desktop.services.training.certificates.templates import TemplateForm, _template_form, fill
from desktop.services.training.courses import _course, _progress_rows
from desktop.store.base import utcnow
from desktop.store.models import (
    Certificate,
    Course,
    Enrollment,
    Office,
    Participant,
    SigningKey,
    TrainingSession,
)

# -- issuing ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssueResult:
    issued: int
    reprinted: int
    files: list[Path]
    numbers: list[str]


def _local_today(office: Office, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(office.timezone)).date()
    except Exception:  # an unknown zone name must not block printing
        return now.date()


def _next_seq(session: Session, office_code: str, year: int) -> int:
    # Runs inside the write transaction (BEGIN IMMEDIATE on SQLite), so no one else can take the same number.
    last = session.scalar(select(func.max(Certificate.seq)).where(Certificate.office_code == office_code,
                                                                  Certificate.year == year))
    return (last or 0) + 1


def _holder_document(document_type: str, number: str) -> str:
    return f"{document_type} {number}"


def safe_filename(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")[:80] or "certificado"


def _layout(session: Session, office: Office, course: Course, template: TemplateForm):
    from desktop.documents.certificate import Layout, Signatory

    return Layout(
        office_name=office.name, logo=office.logo, heading=template.heading,
        signatories=[Signatory(s.name, s.title, s.signature) for s in template.signatories],
        page_size=get_setting(session, "page_size"),
        labels={"number": _("Certificate No. {number}"), "code": _("Verification code: {code}"),
                "verify": _("Verify it with Enlace: scan the code or type the verification code."),
                "revoked": _("REVOKED"), "revoked_note": _("This certificate was revoked on {date}: {reason}")})


def _page_values(office: Office, course: Course, cert: Certificate, participant: Participant | None,
                 course_dates: tuple[date | None, date | None], institution: str) -> dict[str, str]:
    hours = format_number(cert.hours)
    doc_type, _sp, doc_number = cert.holder_document.partition(" ")
    return {
        "nombre": cert.holder_name,
        "documento": _("{type} No. {number}").format(type=_doc_type_short(doc_type), number=doc_number),
        "curso": cert.course_title, "codigo_curso": cert.course_code, "horas": hours,
        "fecha_inicio": format_date(course_dates[0], "long") if course_dates[0] else "",
        "fecha_fin": format_date(course_dates[1], "long") if course_dates[1] else "",
        "modalidad": _(MODALITY_LABELS.get(course.modality, course.modality)).lower(),
        "entidad": institution, "cargo": participant.position if participant else "",
        "ciudad": office.municipality or office.name, "fecha": format_date(cert.issued_on, "long"),
        "oficina": office.name, "numero": cert.number,
    }


def _doc_type_short(code: str) -> str:
    return {"CC": "C.C.", "CE": "C.E.", "TI": "T.I.", "PA": _("passport"), "OTRO": _("document")}.get(code, code)


def _page(template: TemplateForm, values: dict[str, str], cert: Certificate):
    from desktop.documents.certificate import Page

    body = template.body
    marker = "{nombre}" if "{nombre}" in body else "{name}"
    before, _sep, after = body.partition(marker)
    revoked_text = ""
    if cert.revoked_at is not None:
        revoked_text = _("This certificate was revoked on {date}: {reason}").format(
            date=format_date(cert.revoked_at, "long"), reason=cert.revoke_reason or "")
    return Page(number=cert.number, verification_code=format_code(cert.verification_code), qr_text=cert.payload,
                intro=fill(before, values).strip(), holder_name=cert.holder_name,
                body=fill(after, values).lstrip(" ,;:").strip(), place_line=fill(template.place_line, values),
                revoked=cert.revoked_at is not None, revoked_text=revoked_text)


def eligible(ctx: AppContext, course_id: uuid.UUID) -> list:
    """Enrolled participants who meet the completion rule (with or without a certificate yet)."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        return [p for p in _progress_rows(session, _course(session, course_id)) if p.completed]


def issue_certificates(ctx: AppContext, course_id: uuid.UUID, out: str | os.PathLike[str], split: bool = False,
                       enrollment_ids: Iterable[uuid.UUID] | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None) -> IssueResult:
    """Issue (or reprint, keeping the number) the certificates of every eligible participant.

    ``out`` is one PDF file, or with ``split`` a folder that gets one PDF per person. All of it
    happens in one write transaction: numbers are sequential per office and year without gaps,
    and a cancel (``Cancelled``) leaves neither numbers nor files behind. Revoked certificates
    are left out. The same function serves the CLI and the window's worker.
    """
    from desktop.documents.certificate import render_certificates

    ctx.require(Permission.ISSUE_CERTIFICATES)
    out_path = Path(out)
    wanted = set(enrollment_ids) if enrollment_ids is not None else None
    temps: list[tuple[Path, Path]] = []
    issued = reprinted = 0
    numbers: list[str] = []
    if split:
        out_path.mkdir(parents=True, exist_ok=True)
    else:
        out_path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with ctx.db.transaction() as session:
            course = _course(session, course_id)
            office = current_office(session)
            template = _template_form(session, course_id)
            rows = [p for p in _progress_rows(session, course)
                    if (wanted is None or p.enrollment_id in wanted)]
            existing = {c.enrollment_id: c for c in session.scalars(
                select(Certificate).where(Certificate.course_id == course_id))}
            todo = [p for p in rows if (p.enrollment_id in existing and existing[p.enrollment_id].revoked_at is None)
                    or (p.enrollment_id not in existing and p.completed)]
            if not todo:
                raise ValidationError(_("No participant of {code} meets the completion rule yet, so there is "
                                        "nothing to print.").format(code=course.code))
            key = office_key(session, office, ctx.username)
            assert key is not None
            now = utcnow()
            today = _local_today(office, now)
            year = today.year
            seq = _next_seq(session, office.code, year)
            dates = session.execute(select(func.min(TrainingSession.date), func.max(TrainingSession.date))
                                    .where(TrainingSession.course_id == course_id)).one()
            participants = {p.id: p for p in session.scalars(
                select(Participant).join(Enrollment).where(Enrollment.course_id == course_id))}
            from desktop.services.training import institution_choices

            labels = dict(institution_choices(session))
            layout = _layout(session, office, course, template)
            pages = []
            for done, row in enumerate(todo, 1):
                if cancelled and cancelled():
                    raise Cancelled()
                cert = existing.get(row.enrollment_id)
                if cert is None:
                    cert = _new_certificate(session, ctx, office, key, course, row, seq, year, today, now)
                    seq += 1
                    issued += 1
                else:
                    reprinted += 1
                cert.print_count += 1
                cert.last_printed_at = now
                numbers.append(cert.number)
                participant = participants.get(row.participant_id)
                institution = (participant.institution_detail or labels.get(participant.institution, "")
                               ) if participant else ""
                pages.append(_page(template, _page_values(office, course, cert, participant, tuple(dates),
                                                          institution), cert))
                if progress:
                    progress(done, len(todo) * 2)
            session.flush()
            audit.record(session, ctx.username, "print", "course", course.id, [],
                         {"document": "certificates", "issued": issued, "reprinted": reprinted})

            def step(done: int, _total: int) -> None:
                if cancelled and cancelled():
                    raise Cancelled()
                if progress:
                    progress(len(todo) + done, len(todo) * 2)

            if split:
                for page, row in zip(pages, todo, strict=True):
                    final = out_path / f"{page.number}_{safe_filename(row.family_names + ' ' + row.given_names)}.pdf"
                    temp = _temp_beside(final)
                    temps.append((temp, final))
                    with temp.open("wb") as fh:
                        render_certificates(layout, [page], fh)
                    step(len(temps), len(pages))
            else:
                temp = _temp_beside(out_path)
                temps.append((temp, out_path))
                with temp.open("wb") as fh:
                    render_certificates(layout, pages, fh, progress=step)
        # Committed: the files take their final names only now.
        finals = [final for _temp, final in temps]
        for temp, final in temps:
            os.replace(temp, final)
        temps = []
    finally:
        for temp, _final in temps:
            temp.unlink(missing_ok=True)
    return IssueResult(issued, reprinted, finals, numbers)


def _temp_beside(path: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=".enlace-", suffix=".pdf.part", dir=path.parent)
    os.close(fd)
    return Path(name)


def _new_certificate(session: Session, ctx: AppContext, office: Office, key: SigningKey, course: Course, row,
                     seq: int, year: int, today: date, now: datetime) -> Certificate:
    number = f"{office.code}-{year}-{seq:05d}"
    payload = Payload(number, today, row.full_name, _holder_document(row.document_type, row.document_number),
                      course.code, course.title, course.total_hours, key.key_id)
    text = sign_text(key.private_key, unsigned_text(payload))
    signature = split_signed(text)
    assert signature is not None
    cert = Certificate(number=number, office_code=office.code, year=year, seq=seq, enrollment_id=row.enrollment_id,
                       course_id=course.id, participant_id=row.participant_id, holder_name=row.full_name,
                       holder_document=payload.holder_document, course_code=course.code, course_title=course.title,
                       hours=course.total_hours, issued_at=now, issued_by=ctx.username, issued_on=today,
                       key_id=key.key_id, payload=text, verification_code=verification_code_for(signature[2]),
                       print_count=0, created_by=ctx.username, updated_by=ctx.username)
    session.add(cert)
    session.flush()
    audit.record(session, ctx.username, "create", "certificate", cert.id, ["number", "enrollment_id"])
    return cert


def record_certificates(session: Session, ctx: AppContext, course_id: uuid.UUID, now: datetime) -> list[Certificate]:
    """Create the certificate records of every eligible participant without one (no printing);
    runs in the caller's write transaction. Used to load historical data (the demo)."""
    course = _course(session, course_id)
    office = current_office(session)
    key = office_key(session, office, ctx.username)
    assert key is not None
    today = _local_today(office, now)
    seq = _next_seq(session, office.code, today.year)
    have = set(session.scalars(select(Certificate.enrollment_id).where(Certificate.course_id == course_id)))
    created = []
    for row in _progress_rows(session, course):
        if row.completed and row.enrollment_id not in have:
            cert = _new_certificate(session, ctx, office, key, course, row, seq, today.year, today, now)
            cert.created_at = cert.updated_at = now
            created.append(cert)
            seq += 1
    return created


def reprint(ctx: AppContext, number: str, out: str | os.PathLike[str]) -> Path:
    """Print one certificate again with its number; a revoked one says REVOKED (REVOCADO) across it."""
    from desktop.documents.certificate import render_certificates

    ctx.require(Permission.ISSUE_CERTIFICATES)
    out_path = Path(out)
    with ctx.db.transaction() as session:
        cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper()))
        if cert is None:
            raise NotFound(_("There is no certificate number {number}.").format(number=number))
        course = session.get(Course, cert.course_id)
        office = current_office(session)
        template = _template_form(session, cert.course_id)
        participant = session.get(Participant, cert.participant_id)
        dates = session.execute(select(func.min(TrainingSession.date), func.max(TrainingSession.date))
                                .where(TrainingSession.course_id == cert.course_id)).one()
        from desktop.services.training import institution_choices

        labels = dict(institution_choices(session))
        institution = (participant.institution_detail or labels.get(participant.institution, "")) if participant else ""
        page = _page(template, _page_values(office, course, cert, participant, tuple(dates), institution), cert)
        cert.print_count += 1
        cert.last_printed_at = utcnow()
        audit.record(session, ctx.username, "print", "certificate", cert.id, [], {"reprint": True})
        out_path.parent.mkdir(parents=True, exist_ok=True)
        temp = _temp_beside(out_path)
        try:
            with temp.open("wb") as fh:
                render_certificates(_layout(session, office, course, template), [page], fh)
            os.replace(temp, out_path)
        finally:
            temp.unlink(missing_ok=True)
    return out_path
