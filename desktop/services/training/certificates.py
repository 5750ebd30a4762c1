"""Certificates (constancias): templates, issuing with gapless numbers, offline verification, revocation.

Each certificate's QR code carries its data and an Ed25519 signature by the office key::

    ENLACE1;<number>;<issued on>;<holder>;<document>;<course code>;<course title>;<hours>;<key id>;<signature>

Text fields are percent-encoded UTF-8 (so ``;`` never appears inside a field and the QR stays
ASCII for every scanner); the signature (base64url, no padding) covers the UTF-8 bytes of
everything before the last ``;``. The short code printed under the number
(``BGA-2026-00042`` + ``ABCD-EFGH``) is checked against this database only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, unquote
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, format_date, format_number
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.office import current_office, get_setting
from desktop.services.security import audit
from desktop.services.training import DOCUMENT_TYPES, MODALITY_LABELS, _course, _progress_rows
from desktop.store.base import utcnow
from desktop.store.database import Database, next_counter_value
from desktop.store.models import (
    CaseReferralCounter,
    Certificate,
    CertificateSignatory,
    CertificateTemplate,
    Course,
    Enrollment,
    ExchangePeer,
    Office,
    Participant,
    RemoteRevocation,
    SigningKey,
    TrainingSession,
    TrustedKey,
)

PREFIX = "ENLACE1"
KEY_FILE_FORMAT = "enlace-certificate-key"
_SAFE = " ,.()-/'_:"

DEFAULT_HEADING = "CONSTANCIA DE PARTICIPACIÓN"
DEFAULT_BODY = ("Se certifica que {nombre}, identificado(a) con {documento}, participó en el curso «{curso}» "
                "con una intensidad de {horas} horas, realizado del {fecha_inicio} al {fecha_fin} "
                "en modalidad {modalidad}.")
DEFAULT_PLACE = "Expedida en {ciudad}, el {fecha}."

PLACEHOLDERS: dict[str, str] = {
    "nombre": N_("holder's full name"),
    "documento": N_("document type and number"),
    "curso": N_("course title"),
    "codigo_curso": N_("course code"),
    "horas": N_("course hours"),
    "fecha_inicio": N_("first session date"),
    "fecha_fin": N_("last session date"),
    "modalidad": N_("modality"),
    "entidad": N_("holder's institution"),
    "cargo": N_("holder's position"),
    "ciudad": N_("office municipality"),
    "fecha": N_("issue date"),
    "oficina": N_("office name"),
    "numero": N_("certificate number"),
}
# English names work too, for offices that write their templates in English.
_ALIASES = {"name": "nombre", "document": "documento", "course": "curso", "course_code": "codigo_curso",
            "hours": "horas", "start_date": "fecha_inicio", "end_date": "fecha_fin", "modality": "modalidad",
            "institution": "entidad", "position": "cargo", "city": "ciudad", "date": "fecha", "office": "oficina",
            "number": "numero"}


# -- keys ------------------------------------------------------------------------------------------


def key_id_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


def _new_key(office_code: str, by: str) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return SigningKey(office_code=office_code, key_id=key_id_for(raw_public), public_key=raw_public,
                      private_key=raw_private, active=True, created_by=by, updated_by=by)


def office_key(session: Session, office: Office, by: str, create: bool = True) -> SigningKey | None:
    """The office's active signing key, created the first time it is needed."""
    key = session.scalar(select(SigningKey).where(SigningKey.office_code == office.code, SigningKey.active.is_(True))
                         .order_by(SigningKey.created_at.desc()).limit(1))
    if key is None and create:
        key = _new_key(office.code, by)
        session.add(key)
        session.flush()
        audit.record(session, by, "create", "signing_key", key.id, ["key_id"])
    return key


def export_public_key(ctx: AppContext) -> bytes:
    """The office's public key as a small JSON file other offices import to verify its certificates."""
    if not (ctx.can(Permission.ISSUE_CERTIFICATES) or ctx.can(Permission.MANAGE_OFFICE)):
        ctx.require(Permission.MANAGE_OFFICE)
    with ctx.db.transaction() as session:
        office = current_office(session)
        key = office_key(session, office, ctx.username)
        assert key is not None
        data = {"format": KEY_FILE_FORMAT, "version": 1, "algorithm": "Ed25519", "office_code": office.code,
                "office_name": office.name, "key_id": key.key_id,
                "public_key": base64.b64encode(key.public_key).decode("ascii")}
        audit.record(session, ctx.username, "export", "signing_key", key.id, [], {"what": "public_key"})
    return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class KeyInfo:
    office_code: str
    office_name: str
    key_id: str
    own: bool
    active: bool
    created_at: datetime


def read_key_file(data: bytes) -> tuple[str, str, bytes]:
    """(office code, office name, raw public key) of an exported office key file; ValidationError if it is not one."""
    bad = _("This file is not an Enlace office key, or it is damaged.")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        if doc.get("format") != KEY_FILE_FORMAT or doc.get("algorithm") != "Ed25519":
            raise ValueError
        public = base64.b64decode(doc["public_key"], validate=True)
        code = str(doc["office_code"]).strip().upper()
        name = str(doc.get("office_name", ""))[:200]
        if len(public) != 32 or not code or doc.get("key_id") != key_id_for(public):
            raise ValueError
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ValidationError(bad) from exc
    return code, name, public


def import_public_key(ctx: AppContext, data: bytes) -> KeyInfo:
    """Trust another office's public key (from its exported file)."""
    ctx.require(Permission.MANAGE_OFFICE)
    code, name, public = read_key_file(data)
    kid = key_id_for(public)
    with ctx.db.transaction() as session:
        if session.scalar(select(SigningKey.id).where(SigningKey.key_id == kid)):
            raise ValidationError(_("This is this office's own key; there is nothing to import."))
        row = session.scalar(select(TrustedKey).where(TrustedKey.key_id == kid))
        if row is None:
            row = TrustedKey(office_code=code, office_name=name, key_id=kid, public_key=public,
                             created_by=ctx.username, updated_by=ctx.username)
            session.add(row)
            session.flush()
            audit.record(session, ctx.username, "import", "trusted_key", row.id, ["office_code", "key_id"])
        else:
            row.office_code, row.office_name, row.updated_by = code, name, ctx.username
        return KeyInfo(code, name, kid, False, True, row.created_at)


def list_keys(ctx: AppContext) -> list[KeyInfo]:
    """This office's keys and the other offices' keys it trusts."""
    ctx.require(Permission.VERIFY_CERTIFICATES)
    with ctx.db.session() as session:
        office = session.scalar(select(Office).limit(1))
        own = [KeyInfo(k.office_code, office.name if office else "", k.key_id, True, k.active, k.created_at)
               for k in session.scalars(select(SigningKey).order_by(SigningKey.created_at))]
        others = [KeyInfo(k.office_code, k.office_name, k.key_id, False, True, k.created_at)
                  for k in session.scalars(select(TrustedKey).order_by(TrustedKey.office_code))]
    return own + others


def remove_trusted_key(ctx: AppContext, key_id: str) -> None:
    ctx.require(Permission.MANAGE_OFFICE)
    with ctx.db.transaction() as session:
        row = session.scalar(select(TrustedKey).where(TrustedKey.key_id == key_id))
        if row is None:
            raise NotFound(_("That key is not in the list."))
        session.delete(row)
        audit.record(session, ctx.username, "delete", "trusted_key", row.id, ["key_id"])


# -- payload (pure) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Payload:
    number: str
    issued_on: date
    holder_name: str
    holder_document: str
    course_code: str
    course_title: str
    hours: float
    key_id: str


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def unsigned_text(p: Payload) -> str:
    fields = [PREFIX, p.number, p.issued_on.isoformat(), p.holder_name, p.holder_document, p.course_code,
              p.course_title[:120], _hours_text(p.hours), p.key_id]
    return ";".join(quote(f, safe=_SAFE) for f in fields)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def sign_text(private_key: bytes, unsigned: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(unsigned.encode("utf-8"))
    return f"{unsigned};{_b64(signature)}"


def split_signed(text: str) -> tuple[Payload, str, bytes] | None:
    """(payload, signed part, signature) of a QR text, or None when it is not one (never raises)."""
    try:
        text = text.strip()
        parts = text.split(";")
        if len(parts) != 10 or parts[0] != PREFIX:
            return None
        sig_text = parts[9]
        if not re.fullmatch(r"[A-Za-z0-9_-]{86}", sig_text):
            return None
        signature = base64.urlsafe_b64decode(sig_text + "==")
        if _b64(signature) != sig_text:  # unused bits changed: not the text that was signed
            return None
        fields = [unquote(f, errors="strict") for f in parts[1:9]]
        if any(quote(f, safe=_SAFE) != raw for f, raw in zip(fields, parts[1:9], strict=True)):
            return None
        number, issued, holder, document, code, title, hours, key_id = fields
        payload = Payload(number, date.fromisoformat(issued), holder, document, code, title, float(hours), key_id)
        return payload, text[: text.rindex(";")], signature
    except (ValueError, UnicodeDecodeError, IndexError):
        return None


def verification_code_for(signature: bytes) -> str:
    return base64.b32encode(hashlib.sha256(signature).digest()).decode("ascii")[:8]


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}"


_SHORT = re.compile(r"^([A-Z0-9]{2,10}-\d{4}-\d{5})[-\s]*([A-Z2-7]{4})[-\s]?([A-Z2-7]{4})$")


# -- templates ------------------------------------------------------------------------------------------


@dataclass
class SignatoryForm:
    name: str
    title: str = ""
    signature: bytes | None = None


@dataclass
class TemplateForm:
    heading: str = DEFAULT_HEADING
    body: str = DEFAULT_BODY
    place_line: str = DEFAULT_PLACE
    signatories: list[SignatoryForm] = field(default_factory=list)
    version: int | None = None


def template_problem(text: str) -> str | None:
    """The translated reason a template text is refused (unknown or broken placeholders), or None."""
    names = re.findall(r"\{([^{}]*)\}", text)
    unknown = [n for n in names if n not in PLACEHOLDERS and n not in _ALIASES]
    if unknown:
        return _("Unknown placeholder {{{name}}}. Use: {names}.").format(
            name=unknown[0], names=", ".join("{" + n + "}" for n in PLACEHOLDERS))
    if re.sub(r"\{[^{}]*\}", "", text).count("{") or re.sub(r"\{[^{}]*\}", "", text).count("}"):
        return _("A brace {{ or }} is not closed.")
    return None


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the placeholders of a template text (validated with :func:`template_problem`)."""

    def sub(match: re.Match) -> str:
        name = match.group(1)
        return values.get(_ALIASES.get(name, name), match.group(0))

    return re.sub(r"\{([^{}]*)\}", sub, text)


def _template_row(session: Session, course_id: uuid.UUID) -> CertificateTemplate | None:
    return session.scalar(select(CertificateTemplate).where(CertificateTemplate.course_id == course_id))


def get_template(ctx: AppContext, course_id: uuid.UUID) -> TemplateForm:
    """The course's certificate template (the default text when none was saved yet)."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        _course(session, course_id)
        return _template_form(session, course_id)


def _template_form(session: Session, course_id: uuid.UUID) -> TemplateForm:
    row = _template_row(session, course_id)
    if row is None:
        return TemplateForm()
    signatories = [SignatoryForm(s.name, s.title, s.signature) for s in session.scalars(
        select(CertificateSignatory).where(CertificateSignatory.template_id == row.id)
        .order_by(CertificateSignatory.sort_order))]
    return TemplateForm(row.heading, row.body, row.place_line, signatories, row.version)


def _is_image(data: bytes) -> bool:
    return data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8")


def save_template(ctx: AppContext, course_id: uuid.UUID, form: TemplateForm) -> TemplateForm:
    """Save the certificate text and signatories (at most three) of a course."""
    from desktop.services.core.records import check_version

    ctx.require(Permission.EDIT_TRAININGS)
    errors: dict[str, str] = {}
    if not form.heading.strip():
        errors["heading"] = _("Required")
    for name, text in (("heading", form.heading), ("body", form.body), ("place_line", form.place_line)):
        problem = template_problem(text)
        if problem:
            errors[name] = problem
    if "{nombre}" not in form.body and "{name}" not in form.body:
        errors.setdefault("body", _("The text must contain {nombre}, where the holder's name goes."))
    signatories = [s for s in form.signatories if s.name.strip() or s.title.strip() or s.signature]
    if len(signatories) > 3:
        errors["signatories"] = _("A certificate has room for three signatories at most.")
    for s in signatories:
        if not s.name.strip():
            errors["signatories"] = _("Every signatory needs a name.")
        if s.signature is not None and not _is_image(s.signature):
            errors["signatories"] = _("A signature image must be a PNG or JPEG file.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    with ctx.db.transaction() as session:
        _course(session, course_id)
        row = _template_row(session, course_id)
        if row is None:
            row = CertificateTemplate(course_id=course_id, created_by=ctx.username)
            session.add(row)
        else:
            check_version(row, form.version)
        row.heading, row.body, row.place_line = form.heading.strip(), form.body.strip(), form.place_line.strip()
        row.updated_by = ctx.username
        session.flush()
        for old in session.scalars(select(CertificateSignatory).where(CertificateSignatory.template_id == row.id)):
            session.delete(old)
        for order, s in enumerate(signatories):
            session.add(CertificateSignatory(template_id=row.id, name=s.name.strip(), title=s.title.strip(),
                                             signature=s.signature, sort_order=order, created_by=ctx.username,
                                             updated_by=ctx.username))
        session.flush()
        audit.record(session, ctx.username, "update", "certificate_template", row.id,
                     ["heading", "body", "place_line", "signatories"])
        return _template_form(session, course_id)


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
            new = sum(1 for p in todo if p.enrollment_id not in existing)
            seq = _next_seq(session, office.code, year, new) if new else 0
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
    have = set(session.scalars(select(Certificate.enrollment_id).where(Certificate.course_id == course_id)))
    todo = [row for row in _progress_rows(session, course) if row.completed and row.enrollment_id not in have]
    seq = _next_seq(session, office.code, today.year, len(todo)) if todo else 0
    created = []
    for row in todo:
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


# -- verification and revocation --------------------------------------------------------------------


VALID, REVOKED, INVALID = "valid", "revoked", "invalid"


@dataclass(frozen=True)
class Verification:
    status: str  # VALID, REVOKED or INVALID
    message: str
    number: str = ""
    holder_name: str = ""
    holder_document: str = ""
    course_code: str = ""
    course_title: str = ""
    hours: float | None = None
    issued_on: date | None = None
    office: str = ""
    revoked_at: datetime | None = None
    revoke_reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == VALID


def _public_key_for(session: Session, key_id: str) -> tuple[bytes, str, bool] | None:
    own = session.scalar(select(SigningKey).where(SigningKey.key_id == key_id))
    if own is not None:
        office = session.scalar(select(Office).limit(1))
        return own.public_key, office.name if office else own.office_code, True
    other = session.scalar(select(TrustedKey).where(TrustedKey.key_id == key_id))
    if other is not None:
        return other.public_key, other.office_name or other.office_code, False
    return None


def verify_certificate(db: Database, text: str) -> Verification:
    """Check a QR text (signature) or a printed number + verification code (this database).

    Never raises on bad input: anything that does not check out is INVALID with a reason.
    """
    text = (text or "").strip()
    invalid = _("Not valid: this is not a certificate issued with Enlace, or its text was changed.")
    if not text:
        return Verification(INVALID, _("Not valid: type or paste the certificate's code."))
    if len(text) > 4000:
        return Verification(INVALID, invalid)
    with db.session() as session:
        if text.startswith(PREFIX + ";"):
            return _with_exchanged_revocations(session, text, _verify_signed(
                text, lambda key_id: _public_key_for(session, key_id),
                lambda number: session.scalar(select(Certificate).where(Certificate.number == number))))
        match = _SHORT.match(re.sub(r"\s+", "", text).upper())
        if match is None:
            return Verification(INVALID, _("Not valid: the code should look like BGA-2026-00042-ABCD-EFGH, or paste "
                                           "the full text of the QR code."))
        number, code = match.group(1), match.group(2) + match.group(3)
        cert = session.scalar(select(Certificate).where(Certificate.number == number))
        if cert is None or cert.verification_code != code:
            return Verification(INVALID, _("Not valid: no certificate with this number and code was issued by this "
                                           "office. A certificate of another office is verified with its QR code."))
        office = session.scalar(select(Office).limit(1))
        return _result(cert.number, cert.holder_name, cert.holder_document, cert.course_code, cert.course_title,
                       cert.hours, cert.issued_on, office.name if office else cert.office_code, cert, True)


def _with_exchanged_revocations(session: Session, text: str, result: Verification) -> Verification:
    """Another office's certificate: the latest revocation list it sent in an exchange bundle decides."""
    parsed = split_signed(text)
    if result.status != VALID or parsed is None:
        return result
    other = session.scalar(select(TrustedKey).where(TrustedKey.key_id == parsed[0].key_id))
    peer = session.get(ExchangePeer, other.office_code) if other is not None else None
    if other is None or peer is None or not peer.revocation_seq:
        return result
    revoked = session.get(RemoteRevocation, (other.office_code, result.number))
    listed = format_date(peer.revocation_issued_at, "long") if peer.revocation_issued_at else ""
    if revoked is not None:
        return replace(result, status=REVOKED, revoked_at=revoked.revoked_at, message=_(
            "Revoked: {office} withdrew this certificate on {date} (its revocation list no. {seq}).").format(
            office=result.office, date=format_date(revoked.revoked_at, "long"), seq=peer.revocation_seq))
    return replace(result, message=_("Valid: issued by {office}; not in its revocation list no. {seq} of {date}.")
                   .format(office=result.office, seq=peer.revocation_seq, date=listed))


def verify_with_key_files(text: str, key_files: Iterable[bytes]) -> Verification:
    """Check a certificate's QR text against exported office key files, with no database at all.

    This is how anyone with Enlace verifies offline, office or not. Revocations are known only to
    the issuing office's database, so a valid result says so. A key file that is not one raises
    ``ValidationError``.
    """
    keys_by_id: dict[str, tuple[bytes, str, bool]] = {}
    for data in key_files:
        code, name, public = read_key_file(data)
        keys_by_id[key_id_for(public)] = (public, name or code, False)
    text = (text or "").strip()
    if not text:
        return Verification(INVALID, _("Not valid: type or paste the certificate's code."))
    if not text.startswith(PREFIX + ";") or len(text) > 4000:
        return Verification(INVALID, _("Not valid: without the office's database only the full text of the QR "
                                       "code can be verified."))
    return _verify_signed(text, keys_by_id.get, lambda number: None)


def _verify_signed(text: str, lookup: Callable[[str], tuple[bytes, str, bool] | None],
                   record: Callable[[str], Certificate | None]) -> Verification:
    """Verify a signed QR text with the public key ``lookup`` finds for its key id."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    invalid = _("Not valid: this is not a certificate issued with Enlace, or its text was changed.")
    parsed = split_signed(text)
    if parsed is None:
        return Verification(INVALID, invalid)
    payload, signed, signature = parsed
    found = lookup(payload.key_id)
    if found is None:
        return Verification(INVALID, _("Not valid here: it was signed by an office whose key has not been "
                                       "imported into this Enlace (key {key}).").format(key=payload.key_id))
    public, office_name, own = found
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, signed.encode("utf-8"))
    except InvalidSignature:
        return Verification(INVALID, invalid)
    cert = record(payload.number) if own else None
    return _result(payload.number, payload.holder_name, payload.holder_document, payload.course_code,
                   payload.course_title, payload.hours, payload.issued_on, office_name, cert, own)


def _result(number, holder, document, code, title, hours, issued_on, office_name, cert: Certificate | None,
            own: bool) -> Verification:
    if cert is not None and cert.revoked_at is not None:
        return Verification(REVOKED, _("Revoked: this certificate was withdrawn on {date}.").format(
            date=format_date(cert.revoked_at, "long")), number, holder, document, code, title, hours, issued_on,
            office_name, cert.revoked_at, cert.revoke_reason or "")
    message = _("Valid: issued by {office}.").format(office=office_name)
    if not own:
        message += " " + _("Revocations by that office are not known here.")
    return Verification(VALID, message, number, holder, document, code, title, hours, issued_on, office_name)


def revoke(ctx: AppContext, number: str, reason: str) -> Certificate:
    """Revoke a certificate. The record stays; verification says revoked; reprints say REVOKED."""
    ctx.require(Permission.REVOKE_CERTIFICATES)
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise ValidationError(_("Give the reason for revoking (at least 5 characters)."),
                              {"reason": _("Required")})
    with ctx.db.transaction() as session:
        cert = session.scalar(select(Certificate).where(Certificate.number == number.strip().upper()))
        if cert is None:
            raise NotFound(_("There is no certificate number {number}.").format(number=number))
        if cert.revoked_at is not None:
            raise ValidationError(_("Certificate {number} was already revoked on {date}.").format(
                number=cert.number, date=format_date(cert.revoked_at, "long")))
        cert.revoked_at = utcnow()
        cert.revoked_by = ctx.username
        cert.revoke_reason = reason[:1000]
        cert.updated_by = ctx.username
        audit.record(session, ctx.username, "update", "certificate", cert.id, ["revoked_at", "revoke_reason"])
        return cert


@dataclass(frozen=True)
class CertificateRow:
    number: str
    holder_name: str
    holder_document: str
    course_code: str
    hours: float
    issued_on: date
    issued_by: str
    revoked_at: datetime | None
    revoke_reason: str
    print_count: int
    verification_code: str


def list_certificates(ctx: AppContext, course_id: uuid.UUID | None = None, text: str = "",
                      limit: int = 2000) -> list[CertificateRow]:
    ctx.require(Permission.VIEW_TRAININGS)
    stmt = select(Certificate).order_by(Certificate.year.desc(), Certificate.seq.desc())
    if course_id is not None:
        stmt = stmt.where(Certificate.course_id == course_id)
    if text.strip():
        like = f"%{text.strip()}%"
        stmt = stmt.where(Certificate.number.ilike(like) | Certificate.holder_name.ilike(like)
                          | Certificate.holder_document.ilike(like))
    with ctx.db.session() as session:
        return [CertificateRow(c.number, c.holder_name, c.holder_document, c.course_code, c.hours, c.issued_on,
                               c.issued_by, c.revoked_at, c.revoke_reason or "", c.print_count,
                               format_code(c.verification_code))
                for c in session.scalars(stmt.limit(limit))]


__all__ = ["DOCUMENT_TYPES", "INVALID", "REVOKED", "VALID"]
