"""The audit log (bitácora): append-only, hash-chained events."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import desktop.services.core.records  # noqa: F401  (every save is checked for over-long text)
from desktop.i18n import N_, _
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.store.base import new_id, utcnow
from desktop.store.database import Database
from desktop.store.models import AuditEvent

GENESIS = "0" * 64

# Actions, with labels marked for translation (shown in the audit screen).
ACTIONS: dict[str, str] = {
    "login": N_("Sign-in"),
    "login_failed": N_("Failed sign-in"),
    "lockout": N_("Account locked"),
    "logout": N_("Sign-out"),
    "create": N_("Created"),
    "update": N_("Updated"),
    "delete": N_("Deleted"),
    "view": N_("Viewed a sensitive record"),
    "export": N_("Exported"),
    "print": N_("Printed"),
    "import": N_("Imported"),
    "merge": N_("Merged records"),
    "anonymize": N_("Anonymized"),
    "backup": N_("Backup made"),
    "restore": N_("Backup restored"),
    "setup": N_("Office setup"),
    "job_failed": N_("A job failed"),
    "trust": N_("Trusted another office"),
    "distrust": N_("Stopped trusting an office"),
    "refuse": N_("Refused a bundle"),
}


def action_label(action: str) -> str:
    return _(ACTIONS[action]) if action in ACTIONS else action


# Kinds of record named in events, for the audit screen (other names are shown as stored).
ENTITIES: dict[str, str] = {
    "attendance": N_("Attendance"),
    "backup": N_("Backup"),
    "job": N_("Background job"),
    "case": N_("Case"),
    "case_note": N_("Case note"),
    "certificate": N_("Certificate"),
    "certificate_template": N_("Certificate template"),
    "consent": N_("Consent"),
    "course": N_("Course"),
    "database": N_("Database"),
    "directory": N_("Service directory"),
    "enrollment": N_("Enrollment"),
    "exchange_bundle": N_("Exchange bundle"),
    "exchange_conflict": N_("Directory review"),
    "inbound_referral": N_("Referral from another office"),
    "office_card": N_("Office card"),
    "export": N_("Export"),
    "household": N_("Household"),
    "key_file": N_("Key file"),
    "office": N_("Office"),
    "office_setting": N_("Office setting"),
    "organization": N_("Organization"),
    "participant": N_("Participant"),
    "person": N_("Person"),
    "referral": N_("Referral"),
    "report": N_("Report"),
    "service": N_("Service"),
    "signing_key": N_("Signing key"),
    "training_session": N_("Training session"),
    "trusted_key": N_("Trusted key"),
    "trust_list": N_("Coordinator's trust list"),
    "user": N_("User"),
}


def entity_label(entity: str | None) -> str:
    if not entity:
        return ""
    return _(ENTITIES[entity]) if entity in ENTITIES else entity


def canonical(event: AuditEvent) -> str:
    """The exact text the event's hash covers."""
    return json.dumps(
        {
            "id": str(event.id),
            "seq": event.seq,
            "at": event.at.isoformat(timespec="microseconds"),
            "username": event.username,
            "action": event.action,
            "entity": event.entity,
            "entity_id": event.entity_id,
            "fields": json.loads(event.fields),
            "detail": json.loads(event.detail),
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )


def chain_hash(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256((prev_hash + canonical(event)).encode("utf-8")).hexdigest()


def record(session: Session, username: str | None, action: str, entity: str | None = None,
           entity_id: object | None = None, fields: Iterable[str] = (), detail: dict | None = None) -> AuditEvent:
    """Append an event in the caller's transaction.

    ``fields`` are names of changed fields, never their values; ``detail`` must hold nothing
    sensitive (a period, a format, a count).
    """
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    event = AuditEvent(
        id=new_id(),
        seq=seq,
        at=utcnow(),
        username=username,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        fields=json.dumps(sorted(set(fields)), ensure_ascii=False),
        detail=json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, default=str),
        prev_hash=prev,
        hash="",
    )
    event.hash = chain_hash(prev, event)
    session.add(event)
    session.flush()
    return event


def record_many(session: Session, username: str | None,
                events: Iterable[tuple[str, str | None, object | None, Iterable[str]]]) -> int:
    """Append many events in the caller's transaction: one INSERT, the hash chain computed in memory.

    ``events``: (action, entity, entity_id, changed field names), in order. The chain is the one
    :func:`record` makes event by event, so ``verify_chain`` checks it the same way. Returns how
    many were appended.
    """
    from sqlalchemy import insert

    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    seq, prev = (last[0], last[1]) if last else (0, GENESIS)
    at = utcnow()
    at_text = at.isoformat(timespec="microseconds")
    rows = []
    sha256 = hashlib.sha256
    templates: dict[tuple, tuple[str, str, str, str]] = {}
    for action, entity, entity_id, fields in events:
        seq += 1
        event_id = new_id()
        names = tuple(sorted(set(fields)))
        entity_text = str(entity_id) if entity_id is not None else None
        key = (action, entity, names)
        if key not in templates:  # the canonical JSON around what changes from event to event (id, seq, entity id)
            templates[key] = _canonical_template(username, action, entity, at_text, names)
        head, middle, fields_json, stored_fields = templates[key]
        quoted = f'"{entity_text}"' if isinstance(entity_id, uuid.UUID) else _json_text(entity_text)
        text = f'{head}{quoted},"fields":{fields_json},"id":"{event_id}","seq":{seq}{middle}'
        digest = sha256((prev + text).encode("utf-8")).hexdigest()
        rows.append({"id": event_id, "seq": seq, "at": at, "username": username, "action": action, "entity": entity,
                     "entity_id": entity_text, "fields": stored_fields, "detail": "{}", "prev_hash": prev,
                     "hash": digest})
        prev = digest
    if rows:
        session.execute(insert(AuditEvent.__table__), rows)
    return len(rows)


def _json_text(value: str | None) -> str:
    return json.dumps(value, ensure_ascii=False)


def _canonical_template(username: str | None, action: str, entity: str | None, at_text: str,
                        names: tuple[str, ...]) -> tuple[str, str, str, str]:
    """The parts of :func:`canonical`'s text (keys sorted) that events of one batch share, and the
    ``fields`` column as :func:`record` stores it."""
    head = (f'{{"action":{_json_text(action)},"at":{_json_text(at_text)},"detail":{{}},'
            f'"entity":{_json_text(entity)},"entity_id":')
    middle = f',"username":{_json_text(username)}}}'
    return (head, middle, json.dumps(list(names), separators=(",", ":"), ensure_ascii=False),
            json.dumps(list(names), ensure_ascii=False))


def log(ctx: AppContext, action: str, entity: str | None = None, entity_id: object | None = None,
        fields: Iterable[str] = (), detail: dict | None = None) -> None:
    """Record an event in its own transaction (for reads: views, exports, prints)."""
    with ctx.db.transaction() as session:
        record(session, ctx.username, action, entity, entity_id, fields, detail)


def job_failed(ctx: AppContext, job: str, message: str) -> None:
    """A background job (export, print, import, certificates) that failed: the audit log keeps what and why."""
    log(ctx, "job_failed", "job", None, detail={"job": job, "error": message[:500]})


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken_seq: int | None = None
    broken_id: str | None = None
    reason: str = ""
    checkpoint_count: int | None = None  # events in the last signed checkpoint (None: there is none)
    checkpoint_at: str | None = None
    after_checkpoint: int = 0  # events written since, not yet anchored
    authoritative: bool = False  # the checkpoint's signature was checked with the administrators' key


def verify_chain(db: Database, progress=None, cancelled=None) -> VerifyResult:
    """Walk the chain in order; report the first event whose link or hash does not match, then
    check the chain against the last signed checkpoint (see :mod:`checkpoints`): events deleted
    at the end (or all of them) and a chain recomputed after an edit show there.

    ``progress(done, total)`` is called every 500 events (``total`` is 0: unknown); ``cancelled()`` stops
    the walk with :class:`Cancelled`."""
    from desktop.services.core.errors import Cancelled
    from desktop.services.security import checkpoints

    anchor = checkpoints.last_checkpoint(db)
    cp = anchor.checkpoint
    prev = GENESIS
    expected_seq = 1
    checked = 0
    at_checkpoint: str | None = None
    with db.session() as session:
        for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(2000):
            if event.seq != expected_seq:
                return VerifyResult(False, checked, event.seq, str(event.id),
                                    _("events are missing before this one"))
            if event.prev_hash != prev:
                return VerifyResult(False, checked, event.seq, str(event.id),
                                    _("it does not link to the previous event"))
            try:
                actual = chain_hash(prev, event)
            except (ValueError, TypeError):
                actual = ""
            if actual != event.hash:
                return VerifyResult(False, checked, event.seq, str(event.id),
                                    _("its content was changed after it was written"))
            if cp is not None and event.seq == cp.count:
                at_checkpoint = event.hash
            prev = event.hash
            expected_seq += 1
            checked += 1
            if checked % 500 == 0:
                if cancelled is not None and cancelled():
                    raise Cancelled()
                if progress is not None:
                    progress(checked, 0)
    extra = {"authoritative": anchor.authoritative}
    if anchor.forged:
        return VerifyResult(False, checked, None, None, _("the signed checkpoint was altered: its signature does "
                                                          "not hold"), **extra)
    if cp is None:
        return VerifyResult(True, checked, **extra)
    extra.update(checkpoint_count=cp.count, checkpoint_at=cp.at)
    if checked < cp.count:
        return VerifyResult(False, checked, checked + 1, None, _(
            "the log ends at event #{last}, but the checkpoint signed on {at} counted {count} events: the last "
            "{missing} were deleted").format(last=checked, at=cp.at[:10], count=cp.count,
                                             missing=cp.count - checked), **extra)
    if cp.count and at_checkpoint != cp.hash:
        return VerifyResult(False, checked, cp.count, None, _(
            "event #{count} does not match the checkpoint signed on {at}: events before it were changed and the "
            "chain recomputed").format(count=cp.count, at=cp.at[:10]), **extra)
    return VerifyResult(True, checked, after_checkpoint=checked - cp.count, **extra)


@dataclass(frozen=True)
class AuditFilter:
    username: str | None = None
    action: str | None = None
    entity: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None
    before_seq: int | None = None  # the next page of a newest-first listing: events older than this one


def list_events(ctx: AppContext, flt: AuditFilter | None = None, limit: int = 500,
                offset: int = 0) -> list[AuditEvent]:
    """Newest first. Administrators and supervisors only."""
    ctx.require(Permission.VIEW_AUDIT)
    flt = flt or AuditFilter()
    stmt = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if flt.username:
        stmt = stmt.where(AuditEvent.username == flt.username)
    if flt.action:
        stmt = stmt.where(AuditEvent.action == flt.action)
    if flt.entity:
        stmt = stmt.where(AuditEvent.entity == flt.entity)
    if flt.before_seq is not None:
        stmt = stmt.where(AuditEvent.seq < flt.before_seq)
    if flt.since:
        stmt = stmt.where(AuditEvent.at >= flt.since)
    if flt.until:
        stmt = stmt.where(AuditEvent.at < flt.until)
    if flt.text:
        like = f"%{flt.text.strip()}%"
        stmt = stmt.where(AuditEvent.entity_id.ilike(like) | AuditEvent.detail.ilike(like)
                          | AuditEvent.entity.ilike(like) | AuditEvent.fields.ilike(like)
                          | AuditEvent.username.ilike(like))
    with ctx.db.session() as session:
        return list(session.scalars(stmt.limit(limit).offset(offset)))


def list_usernames(ctx: AppContext) -> list[str]:
    """Every user name that appears in the log (for the audit screen's filter)."""
    ctx.require(Permission.VIEW_AUDIT)
    with ctx.db.session() as session:
        names = session.scalars(select(AuditEvent.username).where(AuditEvent.username.is_not(None)).distinct())
        return sorted(names, key=str.casefold)


def count_events(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent)) or 0



def checkpoint_footer(db: Database) -> str:
    """The audit line for a report's footer (log size, head, last signed checkpoint)."""
    from desktop.services.security import checkpoints

    return checkpoints.checkpoint_footer(db)
