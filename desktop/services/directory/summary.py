"""What a service says about itself in the detail pane, on a referral slip and in the booklet."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date, language_name
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound
from desktop.services.core.permissions import Permission
from desktop.services.directory.catalogs import _open_session, _setting, is_stale, office_now, phone_type_label
from desktop.services.directory.hours import Hours, describe
from desktop.services.directory.listing import SearchFilters, search_in
from desktop.services.directory.text import normalize
from desktop.services.security import audit
from desktop.store.database import Database
from desktop.store.models import Office
from desktop.store.models.directory import (
    POPULATION_TAXONOMY_ID,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    TaxonomyTerm,
)


@dataclass(frozen=True)
class ServiceSummary:
    """A service as a clerk reads it and a referral slip prints it, in plain language."""

    id: uuid.UUID
    version: int
    name: str
    organization_id: uuid.UUID
    organization_name: str
    status: str
    description: str
    accepts_referrals: bool
    stale: bool
    last_verified_on: date | None
    last_verified_by: str
    address: str  # one line: "Sede Centro: Calle 35 # 12-45, Bucaramanga, Santander"
    addresses: list[str]
    municipality: str
    hours: str  # "lunes a viernes, 8:00–12:00; sábado, 8:00–12:00"
    hours_lines: list[str]
    phone: str  # "607 634 5678 (ext. 12); 310 555 1234 (celular)"
    phones: list[str]
    email: str
    website: str
    referral_contact: str  # "María Gómez · 310 555 1234 · maria@example.org"
    eligibility: str
    required_documents: list[str]
    cost: str
    categories: list[str]
    populations: list[str]
    languages: list[str]
    application_process: str
    internal_notes: str
    alert: str


def format_phone(number: str, extension: float | None, kind: str | None) -> str:
    text = number.strip()
    extras = []
    if extension is not None:
        extras.append(_("ext. {number}").format(number=int(extension) if float(extension).is_integer() else extension))
    if kind and kind != "voice":
        extras.append(phone_type_label(kind))
    return f"{text} ({', '.join(extras)})" if extras else text


def format_address(address: Address, location_name: str | None = None) -> str:
    parts = [p.strip() for p in (address.address_1, address.address_2, address.city, address.state_province)
             if p and p.strip() and p.strip() != "—"]
    line = ", ".join(dict.fromkeys(parts))
    return _("{place}: {address}").format(place=location_name, address=line) if location_name else line


def _format_amount(amount: float, currency: str | None) -> str:
    from babel.numbers import format_currency

    from desktop.i18n import current_locale, format_number

    if currency and re.fullmatch(r"[A-Za-z]{3}", currency):
        try:
            return format_currency(amount, currency.upper(), locale=current_locale(),
                                   format_type="standard", currency_digits=True)
        except Exception:
            pass
    return f"{format_number(amount)} {currency or ''}".strip()


def _cost_text(service: Service, costs: Sequence[CostOption]) -> str:
    parts = []
    for cost in costs:
        if cost.amount is not None and float(cost.amount) == 0:
            piece = _("free of charge")
        elif cost.amount is not None:
            piece = _format_amount(cost.amount, cost.currency)
        else:
            piece = ""
        label = " — ".join(p for p in (cost.option, piece, cost.amount_description) if p)
        if label:
            parts.append(label)
    if service.fees_description:
        parts.append(service.fees_description)
    return "; ".join(dict.fromkeys(parts))


def _summary(session: Session, service: Service, today: date, months: int) -> ServiceSummary:
    sid = service.id
    ext = service.extension
    sal_rows = session.execute(select(ServiceAtLocation.id, ServiceAtLocation.location_id)
                               .where(ServiceAtLocation.service_id == sid)).all()
    sal_ids = [r[0] for r in sal_rows]
    location_ids = [r[1] for r in sal_rows]
    locations = {loc.id: loc for loc in session.scalars(select(Location).where(Location.id.in_(location_ids)))}
    addresses = []
    cities = []
    for lid in location_ids:
        loc = locations.get(lid)
        for addr in session.scalars(select(Address).where(Address.location_id == lid)
                                    .order_by(Address.address_type.desc())):
            if addr.address_type == "postal" and any(True for _a in addresses):
                continue
            name = loc.name if loc and loc.name and len(location_ids) > 1 else None
            addresses.append(format_address(addr, name))
            cities.append(addr.city)
    schedules = list(session.scalars(select(Schedule).where(or_(
        Schedule.service_id == sid, Schedule.service_at_location_id.in_(sal_ids) if sal_ids else False))))
    hours_lines = describe(schedules)
    phones = [format_phone(p.number, p.extension, p.type) for p in session.scalars(
        select(Phone).where(or_(Phone.service_id == sid,
                                Phone.service_at_location_id.in_(sal_ids) if sal_ids else False))
        .order_by(Phone.created_at))]
    if not phones:
        phones = [format_phone(p.number, p.extension, p.type) for p in session.scalars(
            select(Phone).where(Phone.organization_id == service.organization_id, Phone.service_id.is_(None)))]
    terms = session.execute(select(TaxonomyTerm.name, TaxonomyTerm.taxonomy_id)
                            .join(Attribute, Attribute.taxonomy_term_id == TaxonomyTerm.id)
                            .where(Attribute.link_id == sid)).all()
    languages = []
    for code, name in session.execute(select(Language.code, Language.name).where(Language.service_id == sid)):
        known = language_name(code) if code else ""
        languages.append(known if known and known != code else (name or code or ""))
    docs = [d for d in session.scalars(select(RequiredDocument.document).where(RequiredDocument.service_id == sid))
            if d]
    costs = list(session.scalars(select(CostOption).where(CostOption.service_id == sid)))
    eligibility = service.eligibility_description or ""
    if service.minimum_age is not None or service.maximum_age is not None:
        low, high = service.minimum_age, service.maximum_age
        if low is not None and high is not None:
            ages = _("Ages {low} to {high}.").format(low=int(low), high=int(high))
        elif low is not None:
            ages = _("Ages {low} and over.").format(low=int(low))
        else:
            ages = _("Up to age {high}.").format(high=int(high))  # type: ignore[arg-type]
        eligibility = f"{eligibility} {ages}".strip()
    org = service.organization
    referral = [p for p in ((ext.referral_contact_name if ext else None),
                            (ext.referral_contact_phone if ext else None),
                            (ext.referral_contact_email if ext else None)) if p]
    verified = ext.last_verified_on if ext else None
    return ServiceSummary(
        id=sid, version=service.version, name=service.name, organization_id=service.organization_id,
        organization_name=org.name if org else "", status=service.status, description=service.description or "",
        accepts_referrals=ext.accepts_referrals if ext else True,
        stale=is_stale(verified, today, months), last_verified_on=verified,
        last_verified_by=(ext.last_verified_by or "") if ext else "",
        address="; ".join(addresses), addresses=addresses, municipality=cities[0] if cities else "",
        hours="; ".join(hours_lines), hours_lines=hours_lines, phone="; ".join(phones), phones=phones,
        email=service.email or (org.email if org and org.email else ""),
        website=service.url or (org.website if org and org.website else ""),
        referral_contact=" · ".join(referral), eligibility=eligibility, required_documents=docs,
        cost=_cost_text(service, costs),
        categories=sorted((n for n, t in terms if t != POPULATION_TAXONOMY_ID), key=normalize),
        populations=sorted((n for n, t in terms if t == POPULATION_TAXONOMY_ID), key=normalize),
        languages=languages, application_process=service.application_process or "",
        internal_notes=(ext.internal_notes or "") if ext else "", alert=service.alert or "")


def service_summary(source: AppContext | Database | Session, service_id: uuid.UUID) -> ServiceSummary:
    """Everything a referral slip or the detail pane shows about one service, in plain language.

    ``source`` is an ``AppContext`` (permission VIEW_DIRECTORY is checked), a ``Database`` or an
    open ``Session`` (for callers inside their own transaction). Raises ``NotFound``.
    """
    if isinstance(source, AppContext):
        source.require(Permission.VIEW_DIRECTORY)
    with _open_session(source) as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFound(_("This service is not in the directory."))
        today = office_now(session).date()
        return _summary(session, service, today, _setting(session, "stale_after_months", 6))


def summaries(source: AppContext | Database | Session, service_ids: Sequence[uuid.UUID]) -> list[ServiceSummary]:
    """Several summaries in one session (the booklet)."""
    if isinstance(source, AppContext):
        source.require(Permission.VIEW_DIRECTORY)
    with _open_session(source) as session:
        today = office_now(session).date()
        months = _setting(session, "stale_after_months", 6)
        out = []
        for sid in service_ids:
            service = session.get(Service, sid)
            if service is not None:
                out.append(_summary(session, service, today, months))
        return out


def verified_label(summary: ServiceSummary) -> str:
    """"Verified on 3 mar 2026 by Ana" / "Never verified"."""
    if summary.last_verified_on is None:
        return _("Never verified")
    if summary.last_verified_by:
        return _("Verified on {date} by {name}").format(date=format_date(summary.last_verified_on),
                                                       name=summary.last_verified_by)
    return _("Verified on {date}").format(date=format_date(summary.last_verified_on))


def hours_of(rows: Iterable[object]) -> list[Hours]:
    return [Hours.of(r) for r in rows]


def booklet_pdf(ctx: AppContext, filters: SearchFilters | None = None, progress=None, cancelled=None) -> bytes:
    """The printed directory (PDF bytes): the services matching ``filters`` (all active ones by default),
    under each of their categories, then by municipality. Page size from the office setting."""
    from desktop.documents.directory_booklet import Booklet, BookletEntry, render_booklet
    from desktop.services.core.errors import Cancelled

    ctx.require(Permission.VIEW_DIRECTORY)
    with ctx.db.session() as session:
        rows = search_in(session, filters or SearchFilters())
        office = session.scalar(select(Office).limit(1))
        page_size = _setting(session, "page_size", "Letter")
        today = office_now(session).date()
        months = _setting(session, "stale_after_months", 6)
        entries = []
        for done, row in enumerate(rows):
            if cancelled and cancelled():
                raise Cancelled()
            service = session.get(Service, row.id)
            if service is None:
                continue
            s = _summary(session, service, today, months)
            for category in s.categories or [_("Other services")]:
                entries.append(BookletEntry(
                    category=category, municipality=s.municipality, name=s.name, organization=s.organization_name,
                    description=s.description, address=s.address, hours=s.hours_lines, phones=s.phones,
                    email=s.email, website=s.website, eligibility=s.eligibility, documents=s.required_documents,
                    cost=s.cost, languages=s.languages, accepts_referrals=s.accepts_referrals, stale=s.stale))
            if progress:
                progress(done + 1, len(rows) + 1)
    other = _("Other services")
    entries.sort(key=lambda e: (e.category == other, normalize(e.category), normalize(e.municipality),
                                normalize(e.name)))
    pdf = render_booklet(Booklet(office_name=office.name if office else "", printed_on=format_date(today, "long"),
                                 entries=entries, logo=office.logo if office else None, page_size=page_size))
    audit.log(ctx, "print", "directory", None, [], {"services": len(rows)})
    if progress:
        progress(len(rows) + 1, len(rows) + 1)
    return pdf
