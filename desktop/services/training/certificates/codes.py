"""Certificate texts and codes (pure): the signed QR text, the printed number and short code.

The QR code of a certificate (format 2, since 2026-12) is plain lines a phone camera shows as
they are, and ends with the office's Ed25519 signature::

    Oficina de Atención al Migrante de Bucaramanga
    No. BGA-2026-00042
    María José Pérez Gómez
    CC ****5432
    Caja de herramientas para mesas migratorias (MESA-2026)
    20 h
    2026-11-23
    ENLACE2 <key id> <signature>

It carries at most the last four digits of the identity document. The signature (base64url, no
padding) covers the UTF-8 bytes of the first seven lines and ``ENLACE2 <key id>`` joined with
``\\n``, each line stripped, in Unicode NFC: a reader that turns line ends into ``\\r\\n`` or adds
spaces does not break it.

Format 1 (``ENLACE1;…;<signature>``, percent-encoded fields with the full document number) is
still verified: certificates printed before keep verifying.

The code printed under the number (``BGA-2026-00042`` and ``ABCD-EFGH``) is checked against the
issuing office's database; :func:`parse_printed` reads it however it was typed.
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

PREFIX = "ENLACE1"
PREFIX2 = "ENLACE2"
_SAFE = " ,.()-/'_:"
_MAX_LINE = 90  # office name and course title are cut to this many characters in the QR text


def key_id_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]


@dataclass(frozen=True)
class Payload:
    number: str
    issued_on: date
    holder_name: str
    holder_document: str  # format 2: masked ("CC ****5432"); format 1: in full
    course_code: str
    course_title: str
    hours: float
    key_id: str
    office_name: str = ""


def _hours_text(hours: float) -> str:
    return f"{hours:g}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _signature_from(text: str) -> bytes | None:
    if not re.fullmatch(r"[A-Za-z0-9_-]{86}", text):
        return None
    signature = base64.urlsafe_b64decode(text + "==")
    return signature if _b64(signature) == text else None  # unused bits changed: not what was signed


def mask_document(document_type: str, number: str) -> str:
    """``CC ****5432``: the type and at most the last four characters (fewer for short numbers)."""
    number = re.sub(r"\s+", "", number or "")
    keep = min(4, max(0, len(number) - 4))
    return f"{document_type} ****{number[len(number) - keep:] if keep else ''}".strip()


# -- format 2 --------------------------------------------------------------------------------------


def _line(text: str, limit: int | None = None) -> str:
    text = " ".join(unicodedata.normalize("NFC", text or "").split())
    return text[:limit].rstrip() if limit else text


def _lines(p: Payload) -> list[str]:
    return [_line(p.office_name, _MAX_LINE) or "-", f"No. {_line(p.number)}", _line(p.holder_name),
            _line(p.holder_document) or "-", f"{_line(p.course_title, _MAX_LINE)} ({_line(p.course_code)})",
            f"{_hours_text(p.hours)} h", p.issued_on.isoformat()]


def qr_text(p: Payload, sign: Callable[[bytes], bytes]) -> tuple[str, bytes]:
    """(QR text in format 2, signature) of a payload; ``sign`` makes the Ed25519 signature."""
    lines = _lines(p)
    signed = "\n".join([*lines, f"{PREFIX2} {p.key_id}"])
    signature = sign(signed.encode("utf-8"))
    return "\n".join([*lines, f"{PREFIX2} {p.key_id} {_b64(signature)}"]), signature


def _split_v2(text: str) -> tuple[Payload, str, bytes] | None:
    lines = [line.strip() for line in unicodedata.normalize("NFC", text).strip().splitlines()]
    lines = [line for line in lines if line]
    if len(lines) != 8:
        return None
    last = re.fullmatch(rf"{PREFIX2} ([0-9a-f]{{16}}) ([A-Za-z0-9_-]{{86}})", lines[7])
    number = re.fullmatch(r"No\. (\S+)", lines[1])
    course = re.fullmatch(r"(.*) \(([^()\s]+)\)", lines[4])
    hours = re.fullmatch(r"(\d+(?:\.\d+)?) h", lines[5])
    if not (last and number and course and hours):
        return None
    signature = _signature_from(last.group(2))
    if signature is None:
        return None
    key_id = last.group(1)
    payload = Payload(number.group(1), date.fromisoformat(lines[6]), lines[2], lines[3], course.group(2),
                      course.group(1), float(hours.group(1)), key_id, lines[0])
    return payload, "\n".join([*lines[:7], f"{PREFIX2} {key_id}"]), signature


# -- format 1 (certificates printed before 2026-12) ---------------------------------------------------


def unsigned_text(p: Payload) -> str:
    """The signed part of a format-1 text (kept for verifying, and for tests of old certificates)."""
    fields = [PREFIX, p.number, p.issued_on.isoformat(), p.holder_name, p.holder_document, p.course_code,
              p.course_title[:120], _hours_text(p.hours), p.key_id]
    return ";".join(quote(f, safe=_SAFE) for f in fields)


def sign_text(private_key: bytes, unsigned: str) -> str:
    """A format-1 text signed with a raw private key (old certificates, tests)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(unsigned.encode("utf-8"))
    return f"{unsigned};{_b64(signature)}"


def _split_v1(text: str) -> tuple[Payload, str, bytes] | None:
    parts = text.split(";")
    if len(parts) != 10 or parts[0] != PREFIX:
        return None
    signature = _signature_from(parts[9])
    if signature is None:
        return None
    fields = [unquote(f, errors="strict") for f in parts[1:9]]
    if any(quote(f, safe=_SAFE) != raw for f, raw in zip(fields, parts[1:9], strict=True)):
        return None
    number, issued, holder, document, code, title, hours, key_id = fields
    payload = Payload(number, date.fromisoformat(issued), holder, document, code, title, float(hours), key_id)
    return payload, text[: text.rindex(";")], signature


def looks_signed(text: str) -> bool:
    """Whether a typed or scanned text is meant as a whole QR text (either format)."""
    text = text.strip()
    return text.startswith(PREFIX + ";") or f"\n{PREFIX2} " in text.replace("\r", "\n")


def split_signed(text: str) -> tuple[Payload, str, bytes] | None:
    """(payload, signed part, signature) of a QR text of either format, or None (never raises)."""
    try:
        text = text.strip()
        return _split_v1(text) if text.startswith(PREFIX + ";") else _split_v2(text)
    except (ValueError, UnicodeDecodeError, IndexError):
        return None


# -- the printed number and code ------------------------------------------------------------------


def verification_code_for(signature: bytes) -> str:
    return base64.b32encode(hashlib.sha256(signature).digest()).decode("ascii")[:8]


def format_code(code: str) -> str:
    return f"{code[:4]}-{code[4:8]}"


_NUMBER = re.compile(r"([A-Z0-9]{2,10})[\s\-_./]*((?:19|20)\d{2})[\s\-_./]*(\d{5})")
_LOOKALIKE = str.maketrans({"0": "O", "1": "I", "8": "B"})  # not in the code's alphabet (A-Z, 2-7)


@dataclass(frozen=True)
class Printed:
    office_token: str  # the letters before the year; the office code, possibly after a typed label
    year: int
    seq: int
    code: str  # 8 characters, or "" when none was typed


def parse_printed(text: str) -> Printed | None:
    """The certificate number and verification code as printed, typed in any case, with or without
    separators, with or without the captions around them (``No. bga 2026 00042 abcd efgh``)."""
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode("ascii").upper()
    match = _NUMBER.search(plain)
    if match is None:
        return None
    rest = re.sub(r"[^A-Z0-9]", "", plain[match.end():])
    code = rest[-8:].translate(_LOOKALIKE) if len(rest) >= 8 else ""
    if code and not re.fullmatch(r"[A-Z2-7]{8}", code):
        code = ""
    return Printed(match.group(1), int(match.group(2)), int(match.group(3)), code)
