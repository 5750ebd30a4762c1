"""The office's certificate signing key and other offices' trusted public keys."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, PermissionDenied, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.office import current_office
from desktop.services.security import audit, role_keys
from desktop.services.training.certificates.codes import key_id_for
from desktop.store.models import (
    Office,
    SigningKey,
    TrustedKey,
)

KEY_FILE_FORMAT = "enlace-certificate-key"


def _sign_key_or_refuse(session: Session) -> bytes | None:
    """The ``sign`` role key of whoever opened this database (None where nothing is sealed: a plain
    file, a server, an older encrypted file); PermissionDenied when the database seals and they lack it."""
    if not role_keys.database_seals(session):
        return None
    key = role_keys.held_key(session, "sign")
    if key is None:
        raise PermissionDenied(role_keys.refusal("sign"))
    return key


def _new_key(session: Session, office_code: str, by: str) -> SigningKey:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    private = Ed25519PrivateKey.generate()
    raw_private = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    raw_public = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    sign = _sign_key_or_refuse(session)
    stored = role_keys.seal_signing_key(sign, raw_public, raw_private) if sign is not None else raw_private
    return SigningKey(office_code=office_code, key_id=key_id_for(raw_public), public_key=raw_public,
                      private_key=stored, active=True, created_by=by, updated_by=by)


def office_key(session: Session, office: Office, by: str, create: bool = True) -> SigningKey | None:
    """The office's active signing key, created the first time it is needed."""
    key = session.scalar(select(SigningKey).where(SigningKey.office_code == office.code, SigningKey.active.is_(True))
                         .order_by(SigningKey.created_at.desc()).limit(1))
    if key is None and create:
        key = _new_key(session, office.code, by)
        session.add(key)
        session.flush()
        audit.record(session, by, "create", "signing_key", key.id, ["key_id"])
    elif key is not None and not role_keys.is_sealed(key.private_key) and role_keys.database_seals(session):
        sign = role_keys.held_key(session, "sign")  # an older key: sealed by the first holder of `sign` to use it
        if sign is not None:
            key.private_key = role_keys.seal_signing_key(sign, key.public_key, key.private_key)
            key.updated_by = by
            session.flush()
            audit.record(session, by, "update", "signing_key", key.id, ["private_key"], {"sealed": True})
    return key


def signing_seed(session: Session, key: SigningKey) -> bytes:
    """The raw Ed25519 seed of the office key: the one place it is unsealed (with the session's ``sign`` key).

    A session without ``sign`` (a clerk's password, even with the role column edited) gets
    PermissionDenied: its key slot never held the key that opens the seed.
    """
    if not role_keys.is_sealed(key.private_key):
        return bytes(key.private_key)
    seed = role_keys.open_signing_key(role_keys.held_key(session, "sign"), key.public_key, key.private_key)
    if seed is None:
        raise PermissionDenied(role_keys.refusal("sign"))
    return seed


@dataclass(frozen=True)
class Signer:
    """Signs certificate texts with the office's active key."""

    key_id: str
    sign: Callable[[bytes], bytes]  # message -> 64-byte Ed25519 signature


def office_signer(session: Session, office: Office, by: str) -> Signer:
    """The one place that uses the office's private signing key (creating the key the first time)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key = office_key(session, office, by)
    assert key is not None
    return Signer(key.key_id, Ed25519PrivateKey.from_private_bytes(signing_seed(session, key)).sign)


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
               for k in session.execute(select(SigningKey.office_code, SigningKey.key_id, SigningKey.active,
                                               SigningKey.created_at).order_by(SigningKey.created_at))]
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
