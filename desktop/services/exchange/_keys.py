"""Certificate keys and signed, sequence-numbered revocation lists in a bundle.

``keys/certificate_keys.json`` lists the sender's public certificate keys (a rotated key keeps
verifying its old certificates elsewhere). ``keys/revocations.json`` is the sender's whole list of
revoked certificate numbers, signed on its own (so it stays checkable wherever it travels) and
numbered: an office takes a list only when its number is higher than the last one it took.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from desktop.services.exchange._bundle import Resource, canonical_json, iso, parse_iso, sha256_hex
from desktop.services.training.certificates import signing_seed
from desktop.store.base import utcnow
from desktop.store.models import Certificate, ExchangePeer, RemoteRevocation, SigningKey, TrustedKey

KEYS_PATH, REVOCATIONS_PATH = "keys/certificate_keys.json", "keys/revocations.json"
LIST_FORMAT = "enlace-revocation-list"


def peer(session: Session, office_code: str) -> ExchangePeer:
    row = session.get(ExchangePeer, office_code)
    if row is None:
        row = ExchangePeer(office_code=office_code, last_seq=0, missing="", revocation_seq=0, revocation_sha256="")
        session.add(row)
        session.flush()
    return row


def key_resources(session: Session, own_code: str) -> tuple[list[Resource], int]:
    keys = [{"office_code": own_code, "key_id": k.key_id, "active": k.active, "algorithm": "Ed25519",
             "public_key": base64.b64encode(k.public_key).decode("ascii")}
            for k in session.execute(select(SigningKey.key_id, SigningKey.active, SigningKey.public_key)
                                     .order_by(SigningKey.created_at))]
    data = canonical_json({"keys": keys})
    described = {"format": "json", "mediatype": "application/json"}
    return [Resource("certificate_keys", KEYS_PATH, data, described)], len(keys)


def revocation_resources(session: Session, own_code: str, key: SigningKey) -> tuple[list[Resource], dict[str, int]]:
    """This office's revocation list; its number goes up whenever the list changed since the last one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    revoked = [{"number": number, "revoked_at": iso(at)} for number, at in session.execute(
        select(Certificate.number, Certificate.revoked_at).where(Certificate.revoked_at.is_not(None))
        .order_by(Certificate.number))]
    digest = sha256_hex(canonical_json(revoked))
    own = peer(session, own_code)
    if own.revocation_sha256 != digest or not own.revocation_seq:
        own.revocation_seq += 1
        own.revocation_sha256 = digest
        own.revocation_issued_at = utcnow()
    body = {"format": LIST_FORMAT, "office_code": own_code, "sequence": own.revocation_seq,
            "issued_at": iso(own.revocation_issued_at or utcnow()), "key_id": key.key_id, "revoked": revoked}
    signature = Ed25519PrivateKey.from_private_bytes(signing_seed(session, key)).sign(canonical_json(body))
    data = canonical_json({**body, "signature": base64.b64encode(signature).decode("ascii")})
    return ([Resource("revocations", REVOCATIONS_PATH, data, {"format": "json", "mediatype": "application/json"})],
            {"sequence": own.revocation_seq, "revoked": len(revoked)})


@dataclass
class KeysOutcome:
    new_keys: int = 0
    revocation_sequence: int = 0
    revocation_taken: bool = False
    revoked: list[dict[str, Any]] | None = None
    issued_at: datetime | None = None
    list_sha: str = ""


def plan_keys(session: Session, resources: dict[str, bytes], sender: str) -> KeysOutcome:
    """What the bundle's keys and revocation list would change (raises ValueError if they do not check out)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from desktop.services.training.certificates import key_id_for

    out = KeysOutcome()
    if "certificate_keys" in resources:
        for item in json.loads(resources["certificate_keys"])["keys"]:
            public = base64.b64decode(item["public_key"], validate=True)
            if item["office_code"] != sender or len(public) != 32 or item["key_id"] != key_id_for(public):
                raise ValueError("a key of another office")
            if session.scalar(select(TrustedKey.id).where(TrustedKey.key_id == item["key_id"])) is None:
                out.new_keys += 1
    if "revocations" in resources:
        doc = json.loads(resources["revocations"])
        signature = base64.b64decode(doc.pop("signature"), validate=True)
        if doc.get("format") != LIST_FORMAT or doc.get("office_code") != sender:
            raise ValueError("not this sender's revocation list")
        signer = session.scalar(select(TrustedKey).where(TrustedKey.key_id == doc["key_id"]))
        public = signer.public_key if signer is not None and signer.office_code == sender else None
        if public is None and "certificate_keys" in resources:  # a new key of the sender, in this same bundle
            for item in json.loads(resources["certificate_keys"])["keys"]:
                if item["key_id"] == doc["key_id"]:
                    public = base64.b64decode(item["public_key"])
        if public is None:
            raise ValueError("unknown signer")
        try:
            Ed25519PublicKey.from_public_bytes(public).verify(signature, canonical_json(doc))
        except InvalidSignature as exc:
            raise ValueError("bad list signature") from exc
        sequence = int(doc["sequence"])
        known = session.get(ExchangePeer, sender)
        out.revocation_sequence = sequence
        if sequence > (known.revocation_seq if known else 0):
            out.revocation_taken = True
            revoked = {str(r["number"])[:32]: parse_iso(r["revoked_at"]) for r in doc["revoked"]}
            out.revoked = [{"number": number, "revoked_at": at} for number, at in revoked.items()]
            out.issued_at = parse_iso(doc["issued_at"])
            out.list_sha = sha256_hex(canonical_json(doc))
    return out


def apply_keys(session: Session, resources: dict[str, bytes], sender: str, sender_name: str, outcome: KeysOutcome,
               by: str) -> None:
    if "certificate_keys" in resources:
        # A new key of the sender is vouched for as the sender is: by hand here, and/or by a coordinator's list.
        known = list(session.scalars(select(TrustedKey).where(TrustedKey.office_code == sender)))
        by_hand = any(k.by_hand for k in known) or not known
        trust_list = next((k.trust_list for k in known if k.trust_list), "")
        for item in json.loads(resources["certificate_keys"])["keys"]:
            if session.scalar(select(TrustedKey.id).where(TrustedKey.key_id == item["key_id"])) is None:
                session.add(TrustedKey(office_code=sender, office_name=sender_name, key_id=item["key_id"],
                                       public_key=base64.b64decode(item["public_key"]), by_hand=by_hand,
                                       trust_list=trust_list, created_by=by, updated_by=by))
    if outcome.revocation_taken and outcome.revoked is not None:
        session.execute(delete(RemoteRevocation).where(RemoteRevocation.office_code == sender))
        if outcome.revoked:
            session.execute(insert(RemoteRevocation), [
                {"office_code": sender, "number": r["number"], "revoked_at": r["revoked_at"],
                 "list_seq": outcome.revocation_sequence} for r in outcome.revoked])
        row = peer(session, sender)
        row.revocation_seq = outcome.revocation_sequence
        row.revocation_sha256 = outcome.list_sha
        row.revocation_issued_at = outcome.issued_at
