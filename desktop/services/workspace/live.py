"""Seeing other seats' work without a restart: a cheap change stamp that screens poll.

Every write in Enlace appends an audit event in its own transaction, so the newest write event's
number changes exactly when someone (on this seat or another) saved something. Asking for it is
one look-up at the end of the audit log's primary key, on a SQLite file as on a server; a screen
polls it every few seconds and reloads only when it moved.
"""

from __future__ import annotations

from collections.abc import Iterable

from desktop.services.core.context import AppContext

# Audit actions that change records (reads, sign-ins and exports do not make screens stale).
WRITE_ACTIONS = ("create", "update", "delete", "import", "merge", "anonymize", "restore", "setup")
POLL_MS = 2000  # how often a screen asks; the issue allows 5 seconds from one seat to the others


def change_stamp(ctx: AppContext, entities: Iterable[str] | None = None) -> int:
    """The number of the newest audit event that changed a record (of ``entities``, if given); 0 if none."""
    from sqlalchemy import select

    from desktop.store.models import AuditEvent

    query = select(AuditEvent.seq).where(AuditEvent.action.in_(WRITE_ACTIONS))
    if entities is not None:
        query = query.where(AuditEvent.entity.in_(tuple(entities)))
    with ctx.db.session() as session:
        return int(session.scalar(query.order_by(AuditEvent.seq.desc()).limit(1)) or 0)


class ChangeWatch:
    """Remembers a stamp; :meth:`changed` says (once) whether a write happened since."""

    def __init__(self, ctx: AppContext, entities: Iterable[str] | None = None) -> None:
        self.ctx = ctx
        self.entities = tuple(entities) if entities is not None else None
        self.stamp = change_stamp(ctx, self.entities)

    def changed(self) -> bool:
        stamp = change_stamp(self.ctx, self.entities)
        if stamp == self.stamp:
            return False
        self.stamp = stamp
        return True
