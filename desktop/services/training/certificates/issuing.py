"""Issuing certificates: gapless numbers, signing, and printing them (also reprints).

Order of work, so that no signed certificate ever exists outside the database: numbers are taken
and their signed records committed in short write transactions of :data:`CHUNK` certificates;
only then are their pages drawn, into a hidden temporary file that takes its final name when the
whole run is done. A run that is cancelled or fails removes its temporary files; the records it
committed stay (they are printed again, with the same numbers, by the next run). Short
transactions let another seat or command write between them.
"""

from __future__ import annotations

import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _, use_language
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.office import current_office
from desktop.services.security import audit
from desktop.services.training.certificates.codes import Payload, mask_document, qr_text, verification_code_for
from desktop.services.training.certificates.keys import Signer, office_signer
from desktop.services.training.certificates.pages import (
    PageMaker,
    layout_for,
    print_language,
    remove_leftovers,
    safe_filename,
    temp_beside,
)
from desktop.services.training.certificates.templates import _template_form
from desktop.services.training.courses import ParticipantProgress, _course, _progress_rows
from desktop.store.base import new_id, utcnow
from desktop.store.database import next_counter_value
from desktop.store.models import CaseReferralCounter, Certificate, Course, Enrollment, Office, Participant

# Certificates numbered per write transaction: each holds the write lock well under a second.
CHUNK = 100
# From this many pages a second process encodes the QR codes while this one numbers and draws.
PARALLEL_FROM = 200


@dataclass(frozen=True)
class IssueResult:
    issued: int
    reprinted: int
    files: list[Path]
    numbers: list[str]
    warnings: tuple[str, ...] = ()  # what :func:`certificate_warnings` said before the run


def _warnings(office: Office, template) -> list[str]:
    from desktop.documents.certificate import image_readable

    found = []
    if office.logo is None:
        found.append(_("The office has no logo: the certificates will print without it."))
    elif not image_readable(office.logo):
        found.append(_("The office logo cannot be read: the certificates will print without it."))
    for signatory in template.signatories[:3]:
        if signatory.signature is None:
            found.append(_("{name} has no signature image: the line above their name will print blank.").format(
                name=signatory.name))
        elif not image_readable(signatory.signature):
            found.append(_("The signature image of {name} cannot be read: the line above their name will print "
                           "blank.").format(name=signatory.name))
    return found


def certificate_warnings(ctx: AppContext, course_id: uuid.UUID) -> list[str]:
    """What the certificates of a course would print without: the office logo, or a signatory's signature
    image, missing or unreadable. Translated sentences; empty when nothing is missing. Issuing goes on
    regardless; the window asks first and the command prints them as warnings."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        _course(session, course_id)
        return _warnings(current_office(session), _template_form(session, course_id))


def _local_today(office: Office, now: datetime) -> date:
    try:
        return now.astimezone(ZoneInfo(office.timezone)).date()
    except Exception:  # an unknown zone name must not block printing
        return now.date()


def _next_seq(session: Session, office_code: str, year: int, count: int = 1) -> int:
    """The first of ``count`` new certificate numbers, taken together (they follow each other).

    A locked counter row per office and year (the series table of cases and referrals); a missing
    row (certificates issued before it existed) starts above the highest number issued.
    """
    issued = (select(func.coalesce(func.max(Certificate.seq), 0))
              .where(Certificate.office_code == office_code, Certificate.year == year).scalar_subquery())
    last = next_counter_value(session, CaseReferralCounter.__table__,
                              {"kind": "certificate", "office_code": office_code, "year": year},
                              floor=issued, count=count)
    return last - count + 1


def _holder_document(document_type: str, number: str) -> str:
    return f"{document_type} {number}"


def eligible(ctx: AppContext, course_id: uuid.UUID) -> list:
    """Enrolled participants who meet the completion rule (with or without a certificate yet)."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        return [p for p in _progress_rows(session, _course(session, course_id)) if p.completed]


def _chunks(rows: list, size: int) -> Iterable[list]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def _commit_chunk(ctx: AppContext, course_id: uuid.UUID, rows: list[ParticipantProgress], now: datetime
                  ) -> tuple[list[Certificate], int]:
    """Number, sign and commit the certificates of ``rows`` (reprints keep theirs). Returns the
    certificates in the order of ``rows`` and how many were new."""
    with ctx.db.transaction() as session:
        course = _course(session, course_id)
        office = current_office(session)
        # Read again under the write lock: another seat may have issued some in the meantime.
        have = {c.enrollment_id: c for c in session.scalars(
            select(Certificate).where(Certificate.course_id == course_id,
                                      Certificate.enrollment_id.in_([r.enrollment_id for r in rows])))}
        today = _local_today(office, now)
        wanted = sum(1 for row in rows if row.enrollment_id not in have)
        signer = office_signer(session, office, ctx.username) if wanted else None
        seq = _next_seq(session, office.code, today.year, wanted) if wanted else 0
        certs: list[Certificate] = []
        created: list[Certificate] = []
        new = 0
        for row in rows:
            cert = have.get(row.enrollment_id)
            if cert is None:
                cert = _new_certificate(session, ctx, office, signer, course, row, seq, today.year, today, now,
                                        audit_now=False)
                created.append(cert)
                seq += 1
                new += 1
            cert.print_count += 1
            cert.last_printed_at = now
            certs.append(cert)
        for cert in created:  # the first of these flushes the chunk's new certificates in one statement
            audit.record(session, ctx.username, "create", "certificate", cert.id, ["number", "enrollment_id"])
    return certs, new


def issue_certificates(ctx: AppContext, course_id: uuid.UUID, out: str | os.PathLike[str], split: bool = False,
                       enrollment_ids: Iterable[uuid.UUID] | None = None,
                       progress: Callable[[int, int], None] | None = None,
                       cancelled: Callable[[], bool] | None = None, language: str | None = None) -> IssueResult:
    """Issue (or reprint, keeping the number) the certificates of every eligible participant.

    ``out`` is one PDF file, or with ``split`` a folder that gets one PDF per person. Numbers are
    sequential per office and year without gaps; they are committed (in short transactions) before
    any page is drawn, and the files take their names only when all are written. A cancel
    (``Cancelled``) or a failure leaves no file; certificates already numbered stay and are printed
    with their numbers next time. Revoked certificates are left out. The same function serves the
    CLI and the window's worker. Pages are in the office's language (``language`` chooses another);
    messages stay in the interface's.
    """
    from desktop.documents.certificate import CertificateWriter
    from desktop.documents.qr import Encoder

    ctx.require(Permission.ISSUE_CERTIFICATES)
    out_path = Path(out)
    wanted = set(enrollment_ids) if enrollment_ids is not None else None
    folder = out_path if split else out_path.parent
    folder.mkdir(parents=True, exist_ok=True)
    remove_leftovers(folder)
    with ctx.db.session() as session:
        course = _course(session, course_id)
        office = current_office(session)
        template = _template_form(session, course_id)
        rows = [p for p in _progress_rows(session, course) if wanted is None or p.enrollment_id in wanted]
        revoked = set(session.scalars(select(Certificate.enrollment_id).where(
            Certificate.course_id == course_id, Certificate.revoked_at.is_not(None))))
        todo = [p for p in rows if p.enrollment_id not in revoked and (p.completed or p.certificate_number)]
        if not todo:
            raise ValidationError(_("No participant of {code} meets the completion rule yet, so there is "
                                    "nothing to print.").format(code=course.code))
        participants = {p.id: p for p in session.scalars(
            select(Participant).join(Enrollment).where(Enrollment.course_id == course_id))}
        printing = print_language(office, language)
        with use_language(*printing):
            maker = PageMaker(session, office, course, template)
            layout = layout_for(session, office, template)
        warnings = tuple(_warnings(office, template))

    total = len(todo)
    issued = drawn = 0
    numbers: list[str] = []
    temps: list[tuple[Path, Path]] = []
    writer = None
    now = utcnow()

    def check() -> None:
        if cancelled and cancelled():
            raise Cancelled()

    def draw(chunk: list[ParticipantProgress], certs: list[Certificate], qr_paths) -> None:
        nonlocal drawn
        for row, cert, qr in zip(chunk, certs, qr_paths(), strict=True):
            check()
            with use_language(*printing):
                page = maker.page(cert, participants.get(row.participant_id))
            page.qr = qr
            if split:
                final = out_path / f"{cert.number}_{safe_filename(row.family_names + ' ' + row.given_names)}.pdf"
                temp = temp_beside(final)
                temps.append((temp, final))
                one = CertificateWriter(layout, temp)
                one.add(page)
                one.close()
            else:
                writer.add(page)
            numbers.append(cert.number)
            drawn += 1
            if progress:
                progress(drawn, total)

    encoder = Encoder(parallel=total >= PARALLEL_FROM and (os.cpu_count() or 1) > 1)
    try:
        if not split:
            temp = temp_beside(out_path)
            temps.append((temp, out_path))
            writer = CertificateWriter(layout, temp)
        # A pipeline: while chunk k is drawn here, chunk k+1's QR codes are encoded in the other process.
        waiting: deque = deque()
        for chunk in _chunks(todo, CHUNK):
            check()
            certs, new = _commit_chunk(ctx, course_id, chunk, now)
            issued += new
            # Committed: only now are these certificates encoded and drawn.
            waiting.append((chunk, certs, encoder.submit([c.payload for c in certs])))
            if len(waiting) > 1:
                draw(*waiting.popleft())
        while waiting:
            draw(*waiting.popleft())
        if writer is not None:
            writer.close()
        audit.log(ctx, "print", "course", course_id, detail={"document": "certificates", "issued": issued,
                                                             "reprinted": total - issued})
        finals = []
        for temp, final in temps:
            os.replace(temp, final)
            finals.append(final)
        temps = []
    finally:
        encoder.close()
        if writer is not None:
            writer.abandon()
        for temp, _final in temps:
            temp.unlink(missing_ok=True)
    return IssueResult(issued, total - issued, finals, numbers, warnings)


def _new_certificate(session: Session, ctx: AppContext, office: Office, signer: Signer, course: Course, row,
                     seq: int, year: int, today: date, now: datetime, audit_now: bool = True) -> Certificate:
    """A new signed certificate record in the session; its audit event too unless ``audit_now`` is False
    (the caller then records it, after adding all of a chunk so they are inserted together)."""
    number = f"{office.code}-{year}-{seq:05d}"
    payload = Payload(number, today, row.full_name, mask_document(row.document_type, row.document_number),
                      course.code, course.title, course.total_hours, signer.key_id, office.name)
    text, signature = qr_text(payload, signer.sign)
    cert = Certificate(id=new_id(), number=number, office_code=office.code, year=year, seq=seq,
                       enrollment_id=row.enrollment_id, course_id=course.id, participant_id=row.participant_id,
                       holder_name=row.full_name,
                       holder_document=_holder_document(row.document_type, row.document_number),
                       course_code=course.code, course_title=course.title,
                       hours=course.total_hours, issued_at=now, issued_by=ctx.username, issued_on=today,
                       key_id=signer.key_id, payload=text, verification_code=verification_code_for(signature),
                       print_count=0, created_by=ctx.username, updated_by=ctx.username)
    session.add(cert)
    if audit_now:
        audit.record(session, ctx.username, "create", "certificate", cert.id, ["number", "enrollment_id"])
    return cert


def record_certificates(session: Session, ctx: AppContext, course_id: uuid.UUID, now: datetime) -> list[Certificate]:
    """Create the certificate records of every eligible participant without one (no printing);
    runs in the caller's write transaction. Used to load historical data (the demo)."""
    course = _course(session, course_id)
    office = current_office(session)
    signer = office_signer(session, office, ctx.username)
    today = _local_today(office, now)
    have = set(session.scalars(select(Certificate.enrollment_id).where(Certificate.course_id == course_id)))
    todo = [row for row in _progress_rows(session, course) if row.completed and row.enrollment_id not in have]
    seq = _next_seq(session, office.code, today.year, len(todo)) if todo else 0
    created = []
    for row in todo:
        cert = _new_certificate(session, ctx, office, signer, course, row, seq, today.year, today, now)
        cert.created_at = cert.updated_at = now
        created.append(cert)
        seq += 1
    return created


def reprint(ctx: AppContext, number: str, out: str | os.PathLike[str], language: str | None = None) -> Path:
    """Print one certificate again with its number, in the office's language (or ``language``); a revoked one
    says REVOCADO (REVOKED) across it."""
    from desktop.documents.certificate import CertificateWriter

    ctx.require(Permission.ISSUE_CERTIFICATES)
    out_path = Path(out)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with ctx.db.transaction() as session:
        cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper()))
        if cert is None:
            raise NotFound(_("There is no certificate number {number}.").format(number=number))
        course = session.get(Course, cert.course_id)
        office = current_office(session)
        template = _template_form(session, cert.course_id)
        participant = session.get(Participant, cert.participant_id)
        with use_language(*print_language(office, language)):
            page = PageMaker(session, office, course, template).page(cert, participant)
            layout = layout_for(session, office, template)
        cert.print_count += 1
        cert.last_printed_at = utcnow()
        audit.record(session, ctx.username, "print", "certificate", cert.id, [], {"reprint": True})
    temp = temp_beside(out_path)
    try:
        writer = CertificateWriter(layout, temp)
        writer.add(page)
        writer.close()
        os.replace(temp, out_path)
    finally:
        temp.unlink(missing_ok=True)
    return out_path
