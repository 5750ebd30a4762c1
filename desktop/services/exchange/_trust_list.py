"""Coordinators' signed trust lists: one key (a state programme's, say) vouches for many offices at once.

A coordinator makes an Ed25519 key (:func:`coordinator_key`) and signs a list of member offices' cards
(:func:`make_trust_list`); an office imports the list (:func:`import_trust_list`). The first list from a
coordinator is taken only after a person confirms the coordinator's fingerprint; later lists from that same
coordinator only when their version is higher. Members become trusted keys marked with the coordinator's
key id; a newer list that drops a member removes the trust the list alone gave. Trust a person added here
is never removed by a list. The file format is in ``docs/exchange.md``.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.exchange._bundle import canonical_json, iso, parse_iso, sha256_hex
from desktop.services.exchange._trust import fingerprint, read_card
from desktop.services.office import current_office
from desktop.services.security import audit
from desktop.services.training.certificates import key_id_for
from desktop.store.base import utcnow
from desktop.store.models import SigningKey, TrustedKey, TrustList, TrustListMember

LIST_FORMAT = "enlace-trust-list"
KEY_FORMAT = "enlace-coordinator-key"
SIGNATURE_DOMAIN = "enlace-trust-list-signature-v1"
FORMAT_VERSION = 1
MAX_LIST_BYTES = 5 * 1000 * 1000
MAX_MEMBERS = 5000

# Why a list was refused (for tests and scripts; the message is for people).
DAMAGED, BAD_SIGNATURE, EXPIRED, NOT_NEWER, OTHER_COORDINATOR, NOT_CONFIRMED = (
    "damaged", "bad_signature", "expired", "not_newer", "other_coordinator", "not_confirmed")


class TrustListRefused(ValidationError):
    """The list was not imported and nothing changed; ``reason`` is one of the codes above."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _damaged() -> TrustListRefused:
    return TrustListRefused(DAMAGED, _("This file is not an Enlace trust list, or it is damaged (cut short or "
                                       "changed). Nothing was changed; ask the coordinator for the file again."))


@dataclass(frozen=True)
class Member:
    office_code: str
    office_name: str
    key_id: str
    public_key: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.public_key)


@dataclass(frozen=True)
class TrustListFile:
    """A trust list whose signature checked out (nothing yet says this office follows its coordinator)."""

    coordinator_name: str
    coordinator_key_id: str
    coordinator_public_key: bytes
    version: int
    issued_at: datetime
    valid_until: datetime
    members: tuple[Member, ...]
    sha256: str

    @property
    def coordinator_fingerprint(self) -> str:
        return fingerprint(self.coordinator_public_key)


# -- the coordinator's side: no database ------------------------------------------------------------


def coordinator_key(name: str) -> bytes:
    """A new coordinator key file (JSON with the private key: keep it like a password)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise ValidationError(_("Give the coordinator a name (up to 200 characters)."))
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return canonical_json({"format": KEY_FORMAT, "algorithm": "Ed25519", "name": name,
                           "private_key": base64.b64encode(private).decode("ascii"),
                           "public_key": base64.b64encode(public).decode("ascii"), "key_id": key_id_for(public),
                           "fingerprint": fingerprint(public)})


def read_coordinator_key(data: bytes) -> tuple[str, bytes, bytes]:
    """(name, private seed, public key) of a coordinator key file; ValidationError if it is not one."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    try:
        doc = json.loads(data.decode("utf-8-sig"))
        if doc.get("format") != KEY_FORMAT or doc.get("algorithm") != "Ed25519":
            raise ValueError
        private = base64.b64decode(doc["private_key"], validate=True)
        public = Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes(Encoding.Raw,
                                                                                       PublicFormat.Raw)
        if base64.b64decode(doc["public_key"], validate=True) != public:
            raise ValueError
        return str(doc["name"]), private, public
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ValidationError(_("This file is not an Enlace coordinator key, or it is damaged.")) from exc


def _signed(body: dict) -> bytes:
    return f"{SIGNATURE_DOMAIN}\n".encode("ascii") + canonical_json(body)


def make_trust_list(key_data: bytes, cards: list[bytes], *, version: int, valid_days: int,
                    name: str | None = None, now: datetime | None = None) -> bytes:
    """A signed trust list naming the offices of ``cards`` (office card files); the bytes of the file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    coordinator, private, public = read_coordinator_key(key_data)
    coordinator = " ".join((name or coordinator).split())[:200]
    if not 1 <= version <= 2**31 - 1:
        raise ValidationError(_("The list's version must be a whole number from 1 up."))
    if not 1 <= valid_days <= 3660:
        raise ValidationError(_("A trust list is valid for 1 to 3660 days."))
    members: dict[str, Member] = {}
    for data in cards:
        card = read_card(data)
        if card.key_id == key_id_for(public):
            raise ValidationError(_("The coordinator's own key cannot be a member of its list."))
        members[card.key_id] = Member(card.office_code, card.office_name, card.key_id, card.public_key)
    if not members:
        raise ValidationError(_("A trust list needs at least one office card."))
    if len(members) > MAX_MEMBERS:
        raise ValidationError(_("A trust list holds at most {count} offices.").format(count=MAX_MEMBERS))
    issued = (now or utcnow()).replace(microsecond=0)
    body = {"format_version": FORMAT_VERSION, "version": version, "issued_at": iso(issued),
            "valid_until": iso(issued + timedelta(days=valid_days)),
            "coordinator": {"name": coordinator, "algorithm": "Ed25519", "key_id": key_id_for(public),
                            "public_key": base64.b64encode(public).decode("ascii"), "fingerprint": fingerprint(public)},
            "members": [{"office_code": m.office_code, "office_name": m.office_name, "key_id": m.key_id,
                         "public_key": base64.b64encode(m.public_key).decode("ascii"), "fingerprint": m.fingerprint}
                        for m in sorted(members.values(), key=lambda m: (m.office_code, m.key_id))]}
    signature = Ed25519PrivateKey.from_private_bytes(private).sign(_signed(body))
    return canonical_json({"format": LIST_FORMAT, "list": body,
                           "signature": {"algorithm": "Ed25519", "key_id": key_id_for(public),
                                         "value": base64.b64encode(signature).decode("ascii")}})


# -- the office's side ----------------------------------------------------------------------------


def _public(item: dict) -> tuple[bytes, str]:
    public = base64.b64decode(item["public_key"], validate=True)
    if len(public) != 32 or item["key_id"] != key_id_for(public) or item["fingerprint"] != fingerprint(public):
        raise ValueError("key, key id and fingerprint disagree")
    return public, item["key_id"]


def read_trust_list(data: bytes) -> TrustListFile:
    """Open a trust list and check its signature against the coordinator key it names (no database).

    The file must be exactly as written (canonical JSON): one changed byte anywhere refuses it."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    if len(data) > MAX_LIST_BYTES:
        raise _damaged()
    try:
        doc = json.loads(data.decode("utf-8"))
        if not isinstance(doc, dict) or canonical_json(doc) != data or doc.get("format") != LIST_FORMAT:
            raise ValueError("not a canonical trust list")
        body, signature = doc["list"], doc["signature"]
        if body["format_version"] != FORMAT_VERSION or signature["algorithm"] != "Ed25519":
            raise ValueError("unknown format")
        coordinator = body["coordinator"]
        public, key_id = _public(coordinator)
        value = base64.b64decode(signature["value"], validate=True)
        name = str(coordinator["name"])[:200]
        version = body["version"]
        if not isinstance(version, int) or isinstance(version, bool) or version < 1 or signature["key_id"] != key_id:
            raise ValueError("bad version or signer")
        issued, valid_until = parse_iso(body["issued_at"]), parse_iso(body["valid_until"])
        items = body["members"]
        if not isinstance(items, list) or len(items) > MAX_MEMBERS:
            raise ValueError("members")
        members = []
        for item in items:
            member_public, member_key = _public(item)
            code = str(item["office_code"]).strip().upper()
            if not code or len(code) > 16:
                raise ValueError("office code")
            members.append(Member(code, str(item["office_name"])[:200], member_key, member_public))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise _damaged() from exc
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(value, _signed(body))
    except (InvalidSignature, ValueError) as exc:
        raise TrustListRefused(BAD_SIGNATURE, _("The trust list's signature does not match its contents: it was "
                                                "changed after the coordinator signed it. Nothing was changed.")) \
            from exc
    return TrustListFile(name, key_id, public, version, issued, valid_until, tuple(members), sha256_hex(data))


@dataclass
class TrustListPlan:
    """What importing a list would do. Office lists are (code, name) pairs."""

    list: TrustListFile
    first_time: bool
    current_version: int = 0
    added: list[Member] = field(default_factory=list)  # newly trusted through the list
    already: list[Member] = field(default_factory=list)  # trusted already; now also by the list
    removed: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, key id) no longer trusted
    kept_by_hand: list[tuple[str, str, str]] = field(default_factory=list)  # dropped, still trusted by hand
    skipped: list[Member] = field(default_factory=list)  # this office itself, or a key another office uses

    def lines(self) -> list[str]:
        """What the import changes, one translated line per kind of change."""
        def offices(items: list) -> str:
            return ", ".join(f"{i[0]} ({i[1]})" if isinstance(i, tuple) else f"{i.office_code} ({i.office_name})"
                             for i in items)

        return [label.format(offices=offices(items)) for label, items in (
            (_("Now trusted: {offices}"), self.added),
            (_("Already trusted, now also by the list: {offices}"), self.already),
            (_("No longer trusted: {offices}"), self.removed),
            (_("Dropped from the list but still trusted by this office: {offices}"), self.kept_by_hand),
            (_("Not taken (this office itself, or a key another office uses here): {offices}"), self.skipped))
            if items] or [_("No change to the trusted offices.")]


def _plan(session: Session, doc: TrustListFile) -> TrustListPlan:
    followed = session.scalars(select(TrustList)).all()
    other = next((row for row in followed if row.coordinator_key_id != doc.coordinator_key_id), None)
    if other is not None:
        raise TrustListRefused(OTHER_COORDINATOR, _(
            "This office follows the trust lists of {name} (fingerprint {fingerprint}); this list is signed by "
            "another coordinator, {other}. Nothing was changed.").format(
            name=other.coordinator_name, fingerprint=fingerprint(other.public_key), other=doc.coordinator_name))
    known = followed[0] if followed else None
    if known is not None and doc.version <= known.version:
        raise TrustListRefused(NOT_NEWER, _(
            "This office already has version {current} of the trust list of {name}; this file is version "
            "{version}, which is not newer. Nothing was changed.").format(
            current=known.version, name=known.coordinator_name, version=doc.version))
    if doc.valid_until <= utcnow():
        raise TrustListRefused(EXPIRED, _(
            "This trust list was valid until {date}; ask {name} for the current one. Nothing was changed.").format(
            date=format_date(doc.valid_until, "long"), name=doc.coordinator_name))
    plan = TrustListPlan(doc, known is None, known.version if known else 0)
    coordinator = doc.coordinator_key_id
    own_code = current_office(session).code
    own_keys = set(session.scalars(select(SigningKey.key_id)))
    trusted = {row.key_id: row for row in session.scalars(select(TrustedKey))}
    for member in doc.members:
        row = trusted.get(member.key_id)
        if member.key_id in own_keys or member.office_code == own_code or (
                row is not None and row.office_code != member.office_code):
            plan.skipped.append(member)
        elif row is None:
            plan.added.append(member)
        elif row.trust_list != coordinator:
            plan.already.append(member)
    listed = {m.key_id for m in doc.members}
    codes = {m.office_code for m in doc.members}
    before = set(session.scalars(select(TrustListMember.key_id)
                                 .where(TrustListMember.coordinator_key_id == coordinator)))
    for row in trusted.values():
        # A key the old list named and this one does not; or a key learnt in a bundle from an office the list
        # no longer names at all.
        if row.trust_list == coordinator and row.key_id not in listed and (
                row.key_id in before or row.office_code not in codes):
            (plan.kept_by_hand if row.by_hand else plan.removed).append((row.office_code, row.office_name,
                                                                         row.key_id))
    return plan


def preview_trust_list(ctx: AppContext, data: bytes) -> TrustListPlan:
    """Check a trust list and say what importing it would change; TrustListRefused if it would be refused."""
    ctx.require(Permission.MANAGE_TRUST)
    doc = read_trust_list(data)
    with ctx.db.session() as session:
        return _plan(session, doc)


def import_trust_list(ctx: AppContext, data: bytes, confirmed_fingerprint: str | None = None) -> TrustListPlan:
    """Import a coordinator's trust list. The first list of a coordinator needs ``confirmed_fingerprint`` (the
    coordinator's, as a person confirmed it); later ones need a higher version. Audited; refusals change nothing."""
    ctx.require(Permission.MANAGE_TRUST)
    doc = read_trust_list(data)
    coordinator = doc.coordinator_key_id
    with ctx.db.transaction() as session:
        plan = _plan(session, doc)
        if plan.first_time and "".join((confirmed_fingerprint or "").split()).upper() != \
                "".join(doc.coordinator_fingerprint.split()):
            raise TrustListRefused(NOT_CONFIRMED, _("The coordinator's fingerprint was not confirmed, so the list "
                                                    "was not imported."))
        by = ctx.username
        for member in plan.added:
            row = TrustedKey(office_code=member.office_code, office_name=member.office_name, key_id=member.key_id,
                             public_key=member.public_key, by_hand=False, trust_list=coordinator, created_by=by,
                             updated_by=by)
            session.add(row)
            session.flush()
            audit.record(session, by, "trust", "trusted_key", row.id, ["office_code", "key_id", "trust_list"],
                         {"office_code": member.office_code, "key_id": member.key_id, "trust_list": coordinator})
        rows = {row.key_id: row for row in session.scalars(select(TrustedKey))}
        for member in plan.already:
            row = rows[member.key_id]
            row.trust_list, row.updated_by = coordinator, by
            audit.record(session, by, "update", "trusted_key", row.id, ["trust_list"],
                         {"office_code": row.office_code, "key_id": row.key_id, "trust_list": coordinator})
        for code, _name, key_id in plan.removed:
            row = rows[key_id]
            session.delete(row)
            audit.record(session, by, "distrust", "trusted_key", row.id, ["key_id", "trust_list"],
                         {"office_code": code, "key_id": key_id, "trust_list": coordinator})
        for code, _name, key_id in plan.kept_by_hand:
            row = rows[key_id]
            row.trust_list, row.updated_by = "", by
            audit.record(session, by, "update", "trusted_key", row.id, ["trust_list"],
                         {"office_code": code, "key_id": key_id, "trust_list": ""})
        session.execute(delete(TrustListMember).where(TrustListMember.coordinator_key_id == coordinator))
        if doc.members:
            session.execute(insert(TrustListMember), [
                {"coordinator_key_id": coordinator, "key_id": m.key_id, "office_code": m.office_code,
                 "office_name": m.office_name, "public_key": m.public_key} for m in doc.members])
        row = session.get(TrustList, coordinator)
        if row is None:
            row = TrustList(coordinator_key_id=coordinator, public_key=doc.coordinator_public_key)
            session.add(row)
        row.coordinator_name, row.version, row.sha256 = doc.coordinator_name, doc.version, doc.sha256
        row.issued_at, row.valid_until, row.imported_at, row.imported_by = (doc.issued_at, doc.valid_until,
                                                                            utcnow(), by)
        audit.record(session, by, "import", "trust_list", coordinator, ["version"], {
            "version": doc.version, "members": len(doc.members), "added": len(plan.added),
            "removed": len(plan.removed), "sha256": doc.sha256})
    return plan


@dataclass(frozen=True)
class ListedOffice:
    office_code: str
    office_name: str
    key_id: str
    fingerprint: str
    trusted_here: bool  # False: this office itself, or a key another office uses here


@dataclass(frozen=True)
class FollowedList:
    coordinator_name: str
    coordinator_key_id: str
    coordinator_fingerprint: str
    version: int
    issued_at: datetime
    valid_until: datetime
    imported_at: datetime
    imported_by: str
    members: list[ListedOffice]

    @property
    def expired(self) -> bool:
        return self.valid_until <= utcnow()


def list_trust_lists(ctx: AppContext) -> list[FollowedList]:
    """The coordinators' lists this office follows (at most one today), with their members."""
    ctx.require(Permission.EXCHANGE_BUNDLES)
    with ctx.db.session() as session:
        vouched = dict(session.execute(select(TrustedKey.key_id, TrustedKey.trust_list)).all())
        members: dict[str, list[ListedOffice]] = {}
        for m in session.scalars(select(TrustListMember).order_by(TrustListMember.office_code,
                                                                  TrustListMember.key_id)):
            members.setdefault(m.coordinator_key_id, []).append(ListedOffice(
                m.office_code, m.office_name, m.key_id, fingerprint(m.public_key),
                vouched.get(m.key_id) == m.coordinator_key_id))
        return [FollowedList(row.coordinator_name, row.coordinator_key_id, fingerprint(row.public_key), row.version,
                             row.issued_at, row.valid_until, row.imported_at, row.imported_by,
                             members.get(row.coordinator_key_id, []))
                for row in session.scalars(select(TrustList).order_by(TrustList.coordinator_name))]


def coordinator_names(session: Session) -> dict[str, str]:
    """Coordinator key id → name, for "trusted by" labels."""
    return dict(session.execute(select(TrustList.coordinator_key_id, TrustList.coordinator_name)).all())
