"""Office cards and trust: which other offices' keys this office accepts bundles (and certificates) from.

The office's signing key is its certificate key (``training.certificates.office_key``): one key, so a
trusted office's certificates verify here too. A card is a small JSON file; a person confirms the
fingerprint (SHA-256 of the public key, 32 hex digits in groups of four) by phone before trusting it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.office import current_office
from desktop.services.security import audit
from desktop.services.training.certificates import key_id_for, office_key
from desktop.store.models import ExchangePeer, SigningKey, TrustedKey, TrustList

CARD_FORMAT = "enlace-office-card"
KEY_FILE_FORMAT = "enlace-certificate-key"  # an older key file is a card without the fingerprint


def fingerprint(public_key: bytes) -> str:
    """32 hex digits of SHA-256(public key) in eight groups of four, to read aloud."""
    digest = hashlib.sha256(public_key).hexdigest()[:32].upper()
    return " ".join(digest[i:i + 4] for i in range(0, 32, 4))


@dataclass(frozen=True)
class OfficeCard:
    office_code: str
    office_name: str
    municipality: str
    country: str
    key_id: str
    public_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)

    def to_bytes(self) -> bytes:
        data = {"format": CARD_FORMAT, "version": 1, "algorithm": "Ed25519", "office_code": self.office_code,
                "office_name": self.office_name, "municipality": self.municipality, "country": self.country,
                "key_id": self.key_id, "public_key": base64.b64encode(self.public_key).decode("ascii"),
                "fingerprint": self.fingerprint}
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def own_card(session: Session, by: str) -> OfficeCard:
    office = current_office(session)
    key = office_key(session, office, by)
    assert key is not None
    return OfficeCard(office.code, office.name, office.municipality, office.country, key.key_id, key.public_key)


def office_card(ctx: AppContext) -> OfficeCard:
    """This office's card (its signing key is created the first time it is needed)."""
    ctx.require(Permission.EXCHANGE_BUNDLES)
    with ctx.db.transaction() as session:
        card = own_card(session, ctx.username)
        audit.record(session, ctx.username, "export", "office_card", card.key_id, [], {"key_id": card.key_id})
        return card


def read_card(data: bytes) -> OfficeCard:
    """An office card (or an exported certificate key file); ValidationError if it is neither."""
    bad = _("This file is not an Enlace office card, or it is damaged.")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        if doc.get("format") not in (CARD_FORMAT, KEY_FILE_FORMAT) or doc.get("algorithm") != "Ed25519":
            raise ValueError
        public = base64.b64decode(doc["public_key"], validate=True)
        code = str(doc["office_code"]).strip().upper()
        if len(public) != 32 or not code or len(code) > 16 or doc.get("key_id") != key_id_for(public):
            raise ValueError
        if "fingerprint" in doc and doc["fingerprint"] != fingerprint(public):
            raise ValueError
        return OfficeCard(code, str(doc.get("office_name", ""))[:200], str(doc.get("municipality", ""))[:120],
                          str(doc.get("country", ""))[:2], key_id_for(public), public)
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ValidationError(bad) from exc


def trust_office(ctx: AppContext, card_data: bytes, confirmed_fingerprint: str) -> OfficeCard:
    """Trust the office of a card whose fingerprint a person confirmed (``confirmed_fingerprint`` must match)."""
    ctx.require(Permission.MANAGE_TRUST)
    card = read_card(card_data)
    if "".join(confirmed_fingerprint.split()).upper() != "".join(card.fingerprint.split()):
        raise ValidationError(_("The fingerprint was not confirmed, so the office was not trusted."))
    with ctx.db.transaction() as session:
        if session.scalar(select(SigningKey.id).where(SigningKey.key_id == card.key_id)):
            raise ValidationError(_("This is this office's own card; there is nothing to trust."))
        if card.office_code == current_office(session).code:
            raise ValidationError(_("This card carries this office's code ({code}) with another key: it cannot be "
                                    "trusted.").format(code=card.office_code))
        row = session.scalar(select(TrustedKey).where(TrustedKey.key_id == card.key_id))
        if row is None:
            row = TrustedKey(office_code=card.office_code, office_name=card.office_name, key_id=card.key_id,
                             public_key=card.public_key, by_hand=True, created_by=ctx.username,
                             updated_by=ctx.username)
            session.add(row)
            session.flush()
        else:  # perhaps trusted through a coordinator's list so far: from now on a person vouches for it too
            row.office_code, row.office_name, row.updated_by = card.office_code, card.office_name, ctx.username
            row.by_hand = True
        audit.record(session, ctx.username, "trust", "trusted_key", row.id, ["office_code", "key_id"],
                     {"office_code": card.office_code, "key_id": card.key_id})
    return card


@dataclass(frozen=True)
class TrustedOffice:
    office_code: str
    office_name: str
    key_id: str
    fingerprint: str
    trusted_since: datetime
    last_sequence: int
    missing: list[int]
    revocation_list: int
    by_hand: bool = True
    coordinator: str = ""  # the name of the coordinator whose trust list vouches for the key, or ""

    @property
    def trusted_by(self) -> str:
        """"this office", the coordinator's name, or both."""
        names = ([_("this office")] if self.by_hand else []) + ([self.coordinator] if self.coordinator else [])
        return " · ".join(names)


def list_trusted(ctx: AppContext) -> list[TrustedOffice]:
    ctx.require(Permission.EXCHANGE_BUNDLES)
    with ctx.db.session() as session:
        peers = {p.office_code: p for p in session.scalars(select(ExchangePeer))}
        coordinators = dict(session.execute(select(TrustList.coordinator_key_id, TrustList.coordinator_name)).all())
        out = []
        for key in session.scalars(select(TrustedKey).order_by(TrustedKey.office_code, TrustedKey.created_at)):
            peer = peers.get(key.office_code)
            out.append(TrustedOffice(key.office_code, key.office_name, key.key_id, fingerprint(key.public_key),
                                     key.created_at, peer.last_seq if peer else 0,
                                     [int(n) for n in peer.missing.split()] if peer else [],
                                     peer.revocation_seq if peer else 0, key.by_hand,
                                     coordinators.get(key.trust_list, key.trust_list)))
        return out


def remove_trust(ctx: AppContext, office_or_key: str) -> int:
    """Stop trusting an office (every key of that code) or one key id. Audited. Returns how many keys."""
    ctx.require(Permission.MANAGE_TRUST)
    wanted = office_or_key.strip()
    with ctx.db.transaction() as session:
        rows = list(session.scalars(select(TrustedKey).where(
            (TrustedKey.office_code == wanted.upper()) | (TrustedKey.key_id == wanted.lower()))))
        if not rows:
            raise NotFound(_("No trusted office or key is called {name}.").format(name=wanted))
        for row in rows:
            session.delete(row)
            audit.record(session, ctx.username, "distrust", "trusted_key", row.id, ["key_id"],
                         {"office_code": row.office_code, "key_id": row.key_id})
        return len(rows)


def sender_key(session: Session, office_code: str, key_id: str) -> bytes | None:
    """The public key this office trusts for ``office_code`` under ``key_id``, or None."""
    row = session.scalar(select(TrustedKey).where(TrustedKey.key_id == key_id))
    if row is None or row.office_code != office_code:
        return None
    return row.public_key


def is_own_key(session: Session, key_id: str) -> bool:
    return session.scalar(select(SigningKey.id).where(SigningKey.key_id == key_id)) is not None


def trusted_codes(session: Session) -> list[str]:
    return sorted(set(session.scalars(select(TrustedKey.office_code))))
