"""Anchored audit log: signed checkpoints of the chain head (event count and hash).

A checkpoint says "the log had N events and its last hash was H at time T", signed with an
Ed25519 key derived from the office master key (:func:`desktop.store.key_hierarchy.audit_signing_seed`),
which only administrators and the recovery key hold. Checkpoints are written when an
administrator signs in or makes a change to keys, into every backup made by an administrator
(other backups carry the last checkpoint and the unsigned head), into the key file (a copy
outside the database) and into the footer of reports. Verifying the chain against the last
checkpoint shows what the chain alone cannot: events deleted at the end (or all of them), a
chain edited and recomputed before the checkpoint, and how many events came after it.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import UTC, datetime

from desktop.store import keys
from desktop.store.database import Database

SETTING = "audit_checkpoint"  # an office_setting row (internal; not among the editable settings)


@dataclass(frozen=True)
class Checkpoint:
    count: int
    hash: str
    at: str
    signature: str
    public_key: str

    def payload(self) -> bytes:
        return _payload(self.count, self.hash, self.at)

    def as_dict(self) -> dict:
        return {"count": self.count, "hash": self.hash, "at": self.at, "signature": self.signature,
                "public_key": self.public_key}


def _payload(count: int, head: str, at: str) -> bytes:
    return json.dumps({"kind": "enlace-audit-checkpoint/1", "count": count, "hash": head, "at": at},
                      sort_keys=True, separators=(",", ":")).encode("utf-8")


def _private(master: bytes):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from desktop.store.key_hierarchy import audit_signing_seed

    return Ed25519PrivateKey.from_private_bytes(audit_signing_seed(master))


def public_key(master: bytes) -> str:
    return base64.b64encode(_private(master).public_key().public_bytes_raw()).decode("ascii")


def head(db: Database) -> tuple[int, str]:
    """(number of events, hash of the last one) of the log now."""
    from sqlalchemy import select

    from desktop.store.models import AuditEvent

    with db.session() as session:
        last = session.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
    return (int(last[0]), str(last[1])) if last else (0, "0" * 64)


def _master(db: Database) -> bytes | None:
    keyring = db.keyring
    return keyring.master if isinstance(keyring, keys.Keyring) else None


def sign_now(db: Database) -> Checkpoint | None:
    """Sign the head of the log now and keep the checkpoint (database and key file); None without the master key."""
    master = _master(db)
    if master is None:
        return None
    count, last = head(db)
    at = datetime.now(UTC).isoformat(timespec="seconds")
    signature = base64.b64encode(_private(master).sign(_payload(count, last, at))).decode("ascii")
    checkpoint = Checkpoint(count, last, at, signature, public_key(master))
    _store(db, checkpoint)
    return checkpoint


def _store(db: Database, checkpoint: Checkpoint) -> None:
    from desktop.store.models import OfficeSetting

    value = json.dumps(checkpoint.as_dict(), sort_keys=True)
    with db.transaction() as session:
        row = session.get(OfficeSetting, SETTING)
        if row is None:
            session.add(OfficeSetting(key=SETTING, value=value, updated_by="audit"))
        else:
            row.value = value
    keyring = db.keyring
    if isinstance(keyring, keys.Keyring):
        keyring.key_file.set_audit_checkpoint(checkpoint.as_dict())


def _parse(value: object) -> Checkpoint | None:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    try:
        return Checkpoint(int(value["count"]), str(value["hash"]), str(value["at"]), str(value["signature"]),
                          str(value["public_key"]))
    except (KeyError, TypeError, ValueError):
        return None


def valid(checkpoint: Checkpoint, trusted_key: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_key)).verify(
            base64.b64decode(checkpoint.signature), checkpoint.payload())
        return True
    except (InvalidSignature, ValueError, TypeError):
        return False


@dataclass(frozen=True)
class Anchor:
    """The last checkpoint found, and how far it can be trusted."""

    checkpoint: Checkpoint | None
    authoritative: bool  # checked with the key derived from the master key (an administrator, the recovery key)
    forged: bool = False  # a checkpoint was there but its signature does not hold


def last_checkpoint(db: Database) -> Anchor:
    """The newest checkpoint with a valid signature, from the database and the key file."""
    from desktop.store.models import OfficeSetting

    found: list[Checkpoint] = []
    with db.session() as session:
        row = session.get(OfficeSetting, SETTING)
        if row is not None and (cp := _parse(row.value)) is not None:
            found.append(cp)
    keyring = db.keyring
    if isinstance(keyring, keys.Keyring):
        try:
            copy = _parse(keyring.key_file.read().get("audit_checkpoint"))
        except keys.KeyFileError:
            copy = None
        if copy is not None:
            found.append(copy)
    if not found:
        return Anchor(None, False)
    master = _master(db)
    trusted = public_key(master) if master is not None else None
    good = [cp for cp in found if valid(cp, trusted or cp.public_key)]
    if not good:
        return Anchor(None, trusted is not None, forged=True)
    return Anchor(max(good, key=lambda cp: (cp.count, cp.at)), trusted is not None)


def for_backup(db: Database) -> dict:
    """What a backup's key file records of the log: a fresh checkpoint when an administrator makes
    it, else the last checkpoint and the current (unsigned) head."""
    fresh = sign_now(db)
    count, last = head(db)
    anchor = fresh or last_checkpoint(db).checkpoint
    return {"checkpoint": anchor.as_dict() if anchor else None, "head": {"count": count, "hash": last}}


def checkpoint_footer(db: Database) -> str:
    """One line for the footer of a report: the log's size and head, and the last signed checkpoint."""
    from desktop.i18n import _, format_number

    count, last = head(db)
    anchor = last_checkpoint(db).checkpoint
    if anchor is None:
        return _("Audit log: {n} events, head {hash}").format(n=format_number(count), hash=last[:12])
    return _("Audit log: {n} events, head {hash}; signed checkpoint: {m} events, {anchor} ({at})").format(
        n=format_number(count), hash=last[:12], m=format_number(anchor.count), anchor=anchor.hash[:12],
        at=anchor.at[:10])
