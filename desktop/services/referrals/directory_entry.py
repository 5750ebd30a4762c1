"""What a referral needs of the directory: the service it goes to, as the form and the slip show it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.store.models import Service


@dataclass(frozen=True)
class ServiceInfo:
    """What a referral form and a slip show about a directory service."""

    id: uuid.UUID
    name: str
    organization: str
    address: str
    hours: list[str]
    phone: str
    accepts_referrals: bool
    last_verified_on: date | None
    deleted: bool
    stale: bool

    def warnings(self) -> list[str]:
        out = []
        if self.deleted:
            out.append(_("This service was removed from the directory."))
        if not self.accepts_referrals:
            out.append(_("This service does not accept referrals: call before sending the person."))
        if self.stale:
            out.append(_("The directory entry was last verified on {date}: confirm address and hours by phone "
                         "first.").format(date=self.last_verified_on or _("never")) if self.last_verified_on
                       else _("The directory entry was never verified: confirm address and hours by phone first."))
        return out


def service_info(session: Session, service_id: uuid.UUID) -> ServiceInfo:
    """The directory's summary of a service (``directory.service_summary``), as referrals need it."""
    from desktop.services.directory import service_summary

    summary = service_summary(session, service_id)
    deleted = session.scalar(select(Service.deleted_at).where(Service.id == service_id)) is not None
    return ServiceInfo(summary.id, summary.name, summary.organization_name, summary.address, summary.hours_lines,
                       summary.phone, summary.accepts_referrals, summary.last_verified_on,
                       deleted or summary.status not in ("active", "temporarily closed"), summary.stale)


def get_service(ctx: AppContext, service_id: uuid.UUID) -> ServiceInfo:
    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        return service_info(session, service_id)


def find_services(ctx: AppContext, text: str, limit: int = 30) -> list[ServiceInfo]:
    """Directory services matching ``text`` (the directory's own search), the most relevant first, for the
    referral form (see :mod:`desktop.services.referrals.service_search`)."""
    from desktop.services.directory import SearchFilters, search_in
    from desktop.services.referrals.service_search import CANDIDATES, rank

    ctx.require(Permission.VIEW_REFERRALS)
    with ctx.db.session() as session:
        rows = search_in(session, SearchFilters(text=text), limit=CANDIDATES if text.strip() else limit)
        if text.strip():
            rows = rank(text, rows, limit)
        return [service_info(session, row.id) for row in rows]
