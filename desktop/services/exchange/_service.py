"""Making and importing bundles: the checks, in order, then one transaction per bundle."""

from __future__ import annotations

import dataclasses
import os
import tempfile
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.exchange import _bundle as fmt
from desktop.services.exchange import _directory, _keys, _referrals, _trust
from desktop.services.office import current_office
from desktop.services.security import audit
from desktop.services.training.certificates import office_key, signing_seed
from desktop.store.base import utcnow
from desktop.store.models import ExchangeBundle

CONTENTS = ("directory", "keys", "revocations", "referrals")
VALID_DAYS = 60


class _Rollback(Exception):
    pass


def parse_include(text: str | None) -> tuple[str, ...]:
    """``directory,keys`` → the contents, in a fixed order; ValidationError naming an unknown one."""
    if not text:
        return CONTENTS
    wanted = {part.strip().lower() for part in text.split(",") if part.strip()}
    unknown = sorted(wanted - set(CONTENTS))
    if unknown:
        raise ValidationError(_("Unknown contents: {names}. Choose among {choices}.").format(
            names=", ".join(unknown), choices=", ".join(CONTENTS)))
    return tuple(c for c in CONTENTS if c in wanted)


@dataclass(frozen=True)
class ExportResult:
    path: Path | None
    bundle_id: uuid.UUID
    sha256: str
    sequence: int
    recipient: str
    contents: dict[str, Any]
    held_back: list[str] = field(default_factory=list)  # referrals whose consent does not let them travel


def _recipients(session: Session, to: str) -> tuple[str, set[str] | None]:
    to = to.strip().upper()
    if to in ("ANY", "*"):
        return "any", None
    if to not in _trust.trusted_codes(session):
        raise ValidationError(_("{code} is not a trusted office. Trust its office card first (enlace exchange trust "
                                "add CARD).").format(code=to))
    return to, {to}


def _build(session: Session, ctx: AppContext, to: str, include: tuple[str, ...]) -> tuple[bytes, ExportResult]:
    office = current_office(session)
    key = office_key(session, office, ctx.username)
    assert key is not None
    recipient, recipients = _recipients(session, to)
    resources: list[fmt.Resource] = []
    contents: dict[str, Any] = {}
    held_back: list[str] = []
    if "directory" in include:
        found, counts = _directory.export_resources(session, office.code)
        resources += found
        contents["directory"] = counts
    if "keys" in include:
        found, n = _keys.key_resources(session, office.code)
        resources += found
        contents["keys"] = n
    if "revocations" in include:
        found, info = _keys.revocation_resources(session, office.code, key)
        resources += found
        contents["revocations"] = info
    if "referrals" in include:
        found, info = _referrals.referral_resources(session, office.code, recipients)
        resources += found
        held_back = info.pop("held_back")
        contents["referrals"] = info
    last = session.execute(select(ExchangeBundle.seq, ExchangeBundle.sha256).where(ExchangeBundle.direction == "out")
                           .order_by(ExchangeBundle.seq.desc()).limit(1)).first()
    seq, previous = (last[0] + 1, last[1]) if last else (1, "")
    now = utcnow().replace(microsecond=0)
    bundle_id = uuid.uuid4()
    manifest = {"format": fmt.FORMAT, "schema_version": fmt.SCHEMA_VERSION, "bundle_id": str(bundle_id),
                "sender": {"office_code": office.code, "office_name": office.name, "key_id": key.key_id},
                "recipient": recipient, "sequence": seq, "previous_bundle_sha256": previous or None,
                "created_at": fmt.iso(now), "valid_until": fmt.iso(now + timedelta(days=VALID_DAYS)),
                "contents": contents}
    data, digest = fmt.write_bundle(manifest, resources, signing_seed(session, key), key.key_id,
                                  f"enlace-{office.code.lower()}-{seq}")
    session.add(ExchangeBundle(id=bundle_id, direction="out", sender_office=office.code, recipient=recipient,
                               seq=seq, sha256=digest, previous_sha256=previous, created_at=now,
                               valid_until=now + timedelta(days=VALID_DAYS), recorded_by=ctx.username,
                               contents=fmt.canonical_json(contents).decode("utf-8")))
    audit.record(session, ctx.username, "export", "exchange_bundle", bundle_id, [],
                 {"bundle_id": str(bundle_id), "sha256": digest, "to": recipient, "sequence": seq,
                  "contents": sorted(contents)})
    return data, ExportResult(None, bundle_id, digest, seq, recipient, contents, held_back)


def preview_export(ctx: AppContext, to: str, include: tuple[str, ...] = CONTENTS) -> ExportResult:
    """What a bundle would hold (counts), without making it."""
    ctx.require(Permission.EXCHANGE_BUNDLES)
    result: list[ExportResult] = []
    try:
        with ctx.db.transaction() as session:
            result.append(_build(session, ctx, to, include)[1])
            raise _Rollback
    except _Rollback:
        pass
    return result[0]


def export_bundle(ctx: AppContext, to: str, out: str | os.PathLike[str], include: tuple[str, ...] = CONTENTS
                  ) -> ExportResult:
    """Make a signed bundle for office ``to`` (or "any") into the file ``out``; audited with its UUID and hash."""
    ctx.require(Permission.EXCHANGE_BUNDLES)
    target = Path(out)
    with ctx.db.transaction() as session:
        data, result = _build(session, ctx, to, include)
        fd, temp = tempfile.mkstemp(prefix=".enlace-", dir=target.parent if str(target.parent) else ".")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(temp, target)
        except OSError:
            Path(temp).unlink(missing_ok=True)
            raise
    return dataclasses.replace(result, path=target)


# -- import ------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    bundle_id: uuid.UUID
    sha256: str
    sender: str
    sequence: int
    created_at: datetime
    dry_run: bool = False
    nothing_new: bool = False
    directory: dict[str, _directory.TableMerge] = field(default_factory=dict)
    new_keys: int = 0
    revocation_sequence: int = 0
    revocations_taken: int | None = None
    inbound_referrals: int = 0
    referral_events: int = 0
    missing: list[int] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def total(self, what: str) -> int:
        return sum(getattr(t, what) for t in self.directory.values())

    def lines(self) -> list[str]:
        """The report as plain text lines (CLI, logs)."""
        head = _("Bundle {seq} from {office} ({date}), {id}").format(
            seq=self.sequence, office=self.sender, date=format_date(self.created_at, "medium"), id=self.bundle_id)
        lines = [head]
        if self.nothing_new:
            return [*lines, _("Nothing new: this bundle was already imported.")]
        if self.dry_run:
            lines.append(_("Dry run: nothing was changed."))
        for table, t in self.directory.items():
            lines.append(_("{table}: {new} new, {changed} changed, {unchanged} unchanged, {older} older kept, "
                           "{conflicts} to review").format(table=table, new=t.new, changed=t.changed,
                                                           unchanged=t.unchanged, older=t.older,
                                                           conflicts=t.conflicts))
        if self.new_keys:
            lines.append(_("New certificate keys of {office}: {count}").format(office=self.sender, count=self.new_keys))
        if self.revocations_taken is not None:
            lines.append(_("Revocation list no. {seq} of {office}: {count} revoked certificates").format(
                seq=self.revocation_sequence, office=self.sender, count=self.revocations_taken))
        if self.inbound_referrals:
            lines.append(_("Referrals received: {count}").format(count=self.inbound_referrals))
        if self.referral_events:
            lines.append(_("Referral outcomes received: {count}").format(count=self.referral_events))
        lines.extend(_("Bundle {seq} from {office} is missing: ask for it.").format(seq=n, office=self.sender)
                     for n in self.missing)
        lines.extend(self.notes)
        return lines


def _refuse(reason: str, message: str) -> fmt.BundleRefused:
    return fmt.BundleRefused(reason, message)


def _checked(session: Session, opened: fmt.OpenedBundle, own_code: str) -> dict[str, bytes]:
    """Every check a bundle passes before anything is read from its contents, in this order."""
    m = opened.manifest
    if _trust.is_own_key(session, m.key_id):
        raise _refuse(fmt.OWN, _("This bundle was made by this office; it is meant for another office."))
    public = _trust.sender_key(session, m.sender_code, m.key_id)
    if public is None:
        raise _refuse(fmt.UNKNOWN_SENDER, _("This bundle says it comes from {office} (key {key}), an office this "
                                          "office does not trust. Trust its office card first; nothing was "
                                          "imported.").format(office=m.sender_code, key=m.key_id))
    if not fmt.signature_valid(opened, public):
        raise _refuse(fmt.BAD_SIGNATURE, _("The signature of this bundle does not match {office}'s key: it was changed "
                                         "or it was not made by that office. Nothing was imported.").format(
            office=m.sender_code))
    if m.schema_version > fmt.SCHEMA_VERSION:
        raise _refuse(fmt.NEWER_SCHEMA, _("This bundle was made by a newer Enlace (format {version}). Update Enlace to "
                                        "import it; nothing was imported.").format(version=m.schema_version))
    if m.recipient not in ("any", own_code):
        raise _refuse(fmt.OTHER_RECIPIENT, _("This bundle is addressed to office {office}, not to this one. Nothing "
                                           "was imported.").format(office=m.recipient))
    if m.valid_until < utcnow():
        raise _refuse(fmt.EXPIRED, _("This bundle expired on {date}. Ask {office} for a new one; nothing was "
                                   "imported.").format(date=format_date(m.valid_until, "long"), office=m.sender_code))
    return fmt.checked_resources(opened)


def _sequence(session: Session, report: ImportReport, m: fmt.Manifest) -> None:
    peer = _keys.peer(session, m.sender_code)
    missing = {int(n) for n in peer.missing.split()}
    missing |= set(range(peer.last_seq + 1, m.sequence))
    missing.discard(m.sequence)
    if m.sequence > peer.last_seq:
        peer.last_seq = m.sequence
    peer.missing = " ".join(str(n) for n in sorted(missing))
    report.missing = sorted(missing)
    before = session.scalar(select(ExchangeBundle.sha256).where(
        ExchangeBundle.direction == "in", ExchangeBundle.sender_office == m.sender_code,
        ExchangeBundle.seq == m.sequence - 1))
    if before is not None and before != m.previous_sha256:
        report.notes.append(_("Bundle {seq} from {office} does not follow the bundle {previous} imported here: ask "
                              "that office whether it was restored from a backup.").format(
            seq=m.sequence, office=m.sender_code, previous=m.sequence - 1))


def import_bundle(ctx: AppContext, data: bytes, *, dry_run: bool = False) -> ImportReport:
    """Check a bundle and import it in one transaction (``dry_run``: say what would change, change nothing).

    Refused bundles raise ``BundleRefused`` (a ValidationError with a translated message) and change
    nothing but the audit log; importing a bundle again reports ``nothing_new``.
    """
    ctx.require(Permission.EXCHANGE_BUNDLES)
    digest = ""
    bundle_id: uuid.UUID | None = None
    try:
        opened = fmt.open_bundle(data)
        digest, bundle_id = opened.sha256, opened.manifest.bundle_id
        return _import(ctx, opened, dry_run)
    except fmt.BundleRefused as exc:
        audit.log(ctx, "refuse", "exchange_bundle", bundle_id, [],
                  {"bundle_id": str(bundle_id) if bundle_id else None, "sha256": digest or fmt.sha256_hex(data or b""),
                   "reason": exc.reason})
        raise


def _import(ctx: AppContext, opened: fmt.OpenedBundle, dry_run: bool) -> ImportReport:
    m = opened.manifest
    report = ImportReport(m.bundle_id, opened.sha256, m.sender_code, m.sequence, m.created_at, dry_run)
    try:
        with ctx.db.transaction() as session:
            own = current_office(session).code
            resources = _checked(session, opened, own)
            if session.scalar(select(func.count()).select_from(ExchangeBundle).where(
                    (ExchangeBundle.id == m.bundle_id) | (ExchangeBundle.sha256 == report.sha256))):
                report.nothing_new = True
                audit.record(session, ctx.username, "import", "exchange_bundle", m.bundle_id, [],
                             {"bundle_id": str(m.bundle_id), "sha256": report.sha256, "nothing_new": True})
                return report
            try:
                merge = _directory.plan_merge(session, resources, m.sender_code, own)
                keys = _keys.plan_keys(session, resources, m.sender_code)
                referrals = _referrals.plan_referrals(session, resources, m.sender_code, own)
            except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
                raise _refuse(fmt.DAMAGED, _("The contents of this bundle cannot be read by this version of Enlace. "
                                           "Nothing was imported.")) from exc
            report.directory = merge.tables
            report.notes.extend(merge.notes)
            report.new_keys = keys.new_keys
            report.revocation_sequence = keys.revocation_sequence
            report.revocations_taken = len(keys.revoked) if keys.revocation_taken and keys.revoked is not None else None
            report.inbound_referrals, report.referral_events = len(referrals.inbound), len(referrals.events)
            _sequence(session, report, m)
            if dry_run:
                raise _Rollback
            _directory.apply_merge(session, merge, m.bundle_id, ctx.username)
            _keys.apply_keys(session, resources, m.sender_code, m.sender_name, keys, ctx.username)
            _referrals.apply_referrals(session, referrals, own, ctx.username)
            session.add(ExchangeBundle(id=m.bundle_id, direction="in", sender_office=m.sender_code,
                                       recipient=m.recipient, seq=m.sequence, sha256=report.sha256,
                                       previous_sha256=m.previous_sha256, created_at=m.created_at,
                                       valid_until=m.valid_until, recorded_by=ctx.username,
                                       contents=fmt.canonical_json(m.contents).decode("utf-8")))
            audit.record(session, ctx.username, "import", "exchange_bundle", m.bundle_id, [],
                         {"bundle_id": str(m.bundle_id), "sha256": report.sha256, "from": m.sender_code,
                          "sequence": m.sequence, "new": report.total("new"), "changed": report.total("changed"),
                          "conflicts": report.total("conflicts"), "referrals": report.inbound_referrals,
                          "events": report.referral_events})
    except _Rollback:
        pass
    return report


@dataclass(frozen=True)
class BundleRow:
    bundle_id: uuid.UUID
    direction: str
    office: str
    sequence: int
    sha256: str
    created_at: datetime
    recorded_at: datetime
    recorded_by: str


def list_bundles(ctx: AppContext, limit: int = 200) -> list[BundleRow]:
    ctx.require(Permission.EXCHANGE_BUNDLES)
    with ctx.db.session() as session:
        return [BundleRow(b.id, b.direction, b.sender_office if b.direction == "in" else b.recipient, b.seq,
                          b.sha256, b.created_at, b.recorded_at, b.recorded_by)
                for b in session.scalars(select(ExchangeBundle).order_by(ExchangeBundle.recorded_at.desc())
                                         .limit(limit))]
