"""Verifying certificates (signed QR text or printed number and code), revoking and listing them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit
from desktop.services.training.certificates.codes import (
    format_code,
    key_id_for,
    looks_signed,
    parse_printed,
    split_signed,
)
from desktop.services.training.certificates.keys import read_key_file
from desktop.store.base import utcnow
from desktop.store.database import Database
from desktop.store.models import (
    Certificate,
    ExchangePeer,
    Office,
    RemoteRevocation,
    SigningKey,
    TrustedKey,
)

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
    # Only the public columns: on a server, roles without `sign` may not read the private key's column.
    own = session.execute(select(SigningKey.public_key, SigningKey.office_code)
                          .where(SigningKey.key_id == key_id)).first()
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
        if looks_signed(text):
            return _with_exchanged_revocations(session, text, _verify_signed(
                text, lambda key_id: _public_key_for(session, key_id),
                lambda number: session.scalar(select(Certificate).where(Certificate.number == number))))
        printed = parse_printed(text)
        if printed is None:
            return Verification(INVALID, _("Not valid: type the certificate number and the verification code as "
                                           "printed under the QR code (for example BGA-2026-00042 ABCD-EFGH), or "
                                           "paste the full text of the QR code."))
        if not printed.code:
            return Verification(INVALID, _("Type the verification code too: the eight letters and digits printed "
                                           "under the certificate number (for example ABCD-EFGH)."))
        cert = next((c for c in session.scalars(select(Certificate).where(
            Certificate.year == printed.year, Certificate.seq == printed.seq))
            if printed.office_token.endswith(c.office_code.upper())), None)
        if cert is None or cert.verification_code != printed.code:
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
    if not looks_signed(text) or len(text) > 4000:
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
    if own and cert is None:
        # Signed with this office's key, but never recorded: not a certificate this office issued.
        return Verification(INVALID, _("Not valid: this office has no record of certificate {number}.").format(
            number=payload.number))
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
