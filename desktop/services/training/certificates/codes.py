"""Certificate texts and codes (pure): the signed QR text, the printed number and short code."""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

PREFIX = "ENLACE1"
_SAFE = " ,.()-/'_:"
def key_id_for(public_key: bytes) -> str:
    return hashlib.sha256(public_key).hexdigest()[:16]

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
