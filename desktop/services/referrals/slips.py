"""The referral slip (hoja de remisión) and its check code: printing it, and telling a genuine slip of this
office from an altered or foreign one (scanned QR, or number, date and code read over the phone)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound
from desktop.services.core.permissions import Permission
from desktop.services.people.consent import sharing_allowed
from desktop.services.referrals.directory_entry import service_info
from desktop.services.referrals.queries import _person_name
from desktop.services.referrals.states import status_label
from desktop.services.security import audit, auth
from desktop.store.models import OfficeSetting, Person, Referral

SLIP_SECRET_KEY = "referral_slip_secret"
QR_PREFIX = "ENLACE-REM"


def _slip_secret(session: Session) -> bytes:
    """This office's key for slip check codes (created on first use, kept in the database)."""
    row = session.get(OfficeSetting, SLIP_SECRET_KEY)
    if row is None:
        import json

        row = OfficeSetting(key=SLIP_SECRET_KEY, value=json.dumps(secrets.token_hex(32)), updated_by="system")
        session.add(row)
        session.flush()
    import json

    return bytes.fromhex(json.loads(row.value))


def check_code(secret: bytes, number: str, issued: date) -> str:
    """16 characters (base32 of an HMAC-SHA256) binding a referral number to its date with the office key."""
    digest = hmac.new(secret, f"{number}|{issued.isoformat()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode("ascii")


def qr_payload(number: str, issued: date, code: str) -> str:
    return f"{QR_PREFIX}|{number}|{issued.isoformat()}|{code}"


@dataclass(frozen=True)
class SlipCheck:
    genuine: bool
    number: str
    status: str
    message: str


CODE_LENGTH = 16


def _split_spoken(payload: str) -> tuple[str, str, str] | None:
    """"BGA-REM-2026-00042 23 de noviembre de 2026 ABCD EFGH IJKL MNOP" → number, date text, code.

    The code is read from the end (16 letters and digits, in groups or not); the date is what is between.
    """
    words = payload.replace(",", " ").split()
    if len(words) < 3:
        return None
    code_words: list[str] = []
    while len(words) > 2 and sum(len(w) for w in code_words) < CODE_LENGTH:
        code_words.insert(0, words.pop())
    return words[0].upper(), " ".join(words[1:]), "".join(code_words)


def verify_slip(ctx: AppContext, payload: str) -> SlipCheck:
    """Check a scanned slip QR (or its number, date and code typed in): is it a genuine slip of this office?

    The date is understood as printed on the slip ("23 de noviembre de 2026") or as typed (23/11/2026,
    2026-11-23).
    """
    from desktop.i18n import date_input_format, parse_date

    ctx.require(Permission.VIEW_REFERRALS)
    parts = payload.strip().split("|")
    if len(parts) == 4 and parts[0] == QR_PREFIX:
        _prefix, number, issued_text, code = parts
    else:  # read out over the phone: "BGA-REM-2026-00042 23/11/2026 ABCD EFGH IJKL MNOP"
        spoken = _split_spoken(payload)
        if spoken is None:
            return SlipCheck(False, "", "", _("Type the slip number, its date and the check code, or scan the QR "
                                              "code."))
        number, issued_text, code = spoken
    try:
        issued = parse_date(issued_text)
    except ValueError:
        issued = None
    if issued is None:
        return SlipCheck(False, number, "", _("\"{text}\" is not a date. Type the date printed on the slip, e.g. "
                                              "{format}.").format(text=issued_text, format=date_input_format()))
    return verify_slip_parts(ctx, number, issued, code)


def verify_slip_parts(ctx: AppContext, number: str, issued: date, code: str) -> SlipCheck:
    """Check a slip from its number, the date printed on it and its check code (spaces and case ignored)."""
    ctx.require(Permission.VIEW_REFERRALS)
    number = number.strip().upper()
    with ctx.db.transaction() as session:
        typed = "".join(ch for ch in code.upper() if ch.isascii() and ch.isalnum())
        good = hmac.compare_digest(check_code(_slip_secret(session), number, issued), typed)
        status = session.scalar(select(Referral.status).where(Referral.number == number)) or ""
    if not good or not status:
        return SlipCheck(False, number, status, _("Not genuine: this slip was not issued by this office, or it "
                                                  "was altered."))
    return SlipCheck(True, number, status, _("Genuine slip {number}; the referral is now: {status}.").format(
        number=number, status=status_label(status)))


def slip_pdf(ctx: AppContext, number: str, page: str | None = None) -> bytes:
    """The referral slip (hoja de remisión) as PDF bytes. The person's name and document appear only while
    their consent to share data with the service is active. Writes a "print" audit event."""
    from desktop.documents.referral_slip import SlipData, build_referral_slip
    from desktop.services.office import current_office, get_setting, office_contact
    from desktop.services.people import catalog_labels

    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.transaction() as session:
        referral = session.scalar(select(Referral).where(Referral.number == number.strip().upper()))
        if referral is None:
            raise NotFound(_("There is no referral number {number}.").format(number=number))
        office = current_office(session)
        person = session.get(Person, referral.person_id)
        service = service_info(session, referral.service_id)
        allowed = sharing_allowed(session, referral.person_id, referral.service_id)
        reasons = catalog_labels(session, "referral_reason")
        clerk = auth.staff_name(session, referral.created_by)
        issued = (referral.sent_at or referral.created_at).astimezone(UTC).date()
        code = check_code(_slip_secret(session), referral.number, issued)
        doc_label = catalog_labels(session, "document_type").get(person.document_type, "") if person else ""
        office_phone, office_address = office_contact(session)
        data = SlipData(
            office_name=office.name, office_municipality=office.municipality, logo=office.logo,
            number=referral.number, issued_on=issued,
            person_name=_person_name(person) if allowed and person else None,
            person_document=(f"{doc_label} {person.document_number}".strip()
                             if allowed and person and person.document_number else None),
            service_name=service.name, organization=service.organization, address=service.address,
            hours=service.hours, phone=service.phone,
            reason=reasons.get(referral.reason_code, referral.reason_code),
            reason_detail=referral.reason if allowed else "", urgency=referral.urgency, clerk_name=clerk,
            follow_up_on=referral.follow_up_on, qr_text=qr_payload(referral.number, issued, code), check_code=code,
            page=page or get_setting(session, "page_size"), office_phone=office_phone, office_address=office_address)
        audit.record(session, ctx.username, "print", "referral", referral.id, [], {"document": "slip"})
    return build_referral_slip(data)
