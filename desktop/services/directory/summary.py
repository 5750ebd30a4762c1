"""What a service says about itself in the detail pane, on a referral slip and in the booklet."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import String, and_, cast, literal, or_, select, union_all
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
from desktop.store.models import Office, OfficeSetting
from desktop.store.models.directory import (
    POPULATION_TAXONOMY_ID,
    Address,
    Attribute,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceExtension,
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


@dataclass
class _Parts:
    """The child rows of one service that its summary shows."""

    location_ids: set[str] = field(default_factory=set)
    addresses: list[tuple[str, str | None, list[str | None]]] = field(default_factory=list)
    phones: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    org_phones: list[tuple[str, str, str | None, str | None]] = field(default_factory=list)
    terms: list[tuple[str, str]] = field(default_factory=list)
    languages: list[tuple[str | None, str | None]] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    costs: list[SimpleNamespace] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)


def _as_text(*columns) -> list:
    return [cast(c, String) for c in columns]


def _children(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, _Parts]:
    """Every child row of these services in two statements, whatever their number.

    The first is one UNION ALL of text columns (kind, sort key, up to six values) over addresses,
    phones, categories, languages, documents and costs; the second reads the schedules, which the
    hours text needs whole."""
    null = literal(None, String)
    sal = ServiceAtLocation
    parts = [
        select(sal.service_id, literal("address"), cast(Address.address_type, String),
               *_as_text(Location.id, Location.name, Address.address_1, Address.address_2, Address.city,
                         Address.state_province))
        .select_from(sal).join(Location, Location.id == sal.location_id, isouter=True)
        .join(Address, Address.location_id == sal.location_id, isouter=True).where(sal.service_id.in_(ids)),
        select(Phone.service_id, literal("phone"), cast(Phone.created_at, String),
               *_as_text(Phone.number, Phone.extension, Phone.type), null, null, null)
        .where(Phone.service_id.in_(ids)),
        select(sal.service_id, literal("phone"), cast(Phone.created_at, String),
               *_as_text(Phone.number, Phone.extension, Phone.type), null, null, null)
        .join(sal, sal.id == Phone.service_at_location_id).where(sal.service_id.in_(ids)),
        select(Service.id, literal("org_phone"), cast(Phone.created_at, String),
               *_as_text(Phone.number, Phone.extension, Phone.type), null, null, null)
        .join(Phone, and_(Phone.organization_id == Service.organization_id, Phone.service_id.is_(None)))
        .where(Service.id.in_(ids)),
        select(Attribute.link_id, literal("term"), null, *_as_text(TaxonomyTerm.name, TaxonomyTerm.taxonomy_id),
               null, null, null, null)
        .join(TaxonomyTerm, Attribute.taxonomy_term_id == TaxonomyTerm.id).where(Attribute.link_id.in_(ids)),
        select(Language.service_id, literal("language"), null, *_as_text(Language.code, Language.name),
               null, null, null, null).where(Language.service_id.in_(ids)),
        select(RequiredDocument.service_id, literal("document"), null, *_as_text(RequiredDocument.document),
               null, null, null, null, null).where(RequiredDocument.service_id.in_(ids)),
        select(CostOption.service_id, literal("cost"), cast(CostOption.created_at, String),
               *_as_text(CostOption.option, CostOption.amount, CostOption.currency, CostOption.amount_description),
               null, null).where(CostOption.service_id.in_(ids)),
    ]
    out: dict[uuid.UUID, _Parts] = {sid: _Parts() for sid in ids}
    rows = session.execute(union_all(*parts)).all()
    # Addresses: a location's street address before its postal one; phones and costs as entered.
    for sid, kind, order, *v in sorted(rows, key=lambda r: (r[1], r[1] == "address" and _desc(r[2]), r[2] or "")):
        part = out[sid if isinstance(sid, uuid.UUID) else uuid.UUID(str(sid))]
        if kind == "address":
            if v[0] is not None:
                part.location_ids.add(v[0])
            if v[2] is not None:
                part.addresses.append((v[0], v[1], [v[2], v[3], v[4], v[5], order]))
        elif kind in ("phone", "org_phone"):
            (part.phones if kind == "phone" else part.org_phones).append((order, v[0], v[1], v[2]))
        elif kind == "term":
            part.terms.append((v[0], v[1]))
        elif kind == "language":
            part.languages.append((v[0], v[1]))
        elif kind == "document" and v[0]:
            part.documents.append(v[0])
        elif kind == "cost":
            part.costs.append(SimpleNamespace(option=v[0], amount=None if v[1] is None else float(v[1]),
                                              currency=v[2], amount_description=v[3]))
    for schedule, via_location in session.execute(
            select(Schedule, sal.service_id).join(sal, sal.id == Schedule.service_at_location_id, isouter=True)
            .where(or_(Schedule.service_id.in_(ids), sal.service_id.in_(ids)))):
        owner = schedule.service_id if schedule.service_id in out else via_location
        if owner in out:
            out[owner].schedules.append(schedule)
    return out


def _desc(text: str | None) -> tuple:
    """Sort key that puts address types in descending order (physical before postal)."""
    return tuple(-ord(c) for c in (text or ""))


def _summary(service: Service, org: Organization | None, ext: ServiceExtension | None, part: _Parts,
             today: date, months: int) -> ServiceSummary:
    sid = service.id
    several = len(part.location_ids) > 1
    addresses, cities = [], []
    for _location_id, location_name, (address_1, address_2, city, state, kind) in part.addresses:
        if kind == "postal" and addresses:
            continue
        place = SimpleNamespace(address_1=address_1, address_2=address_2, city=city, state_province=state)
        addresses.append(format_address(place, location_name if location_name and several else None))
        cities.append(city)
    hours_lines = describe(part.schedules)
    phone_rows = part.phones or part.org_phones
    phones = [format_phone(number, None if extension is None else float(extension), kind)
              for _order, number, extension, kind in phone_rows]
    population = str(POPULATION_TAXONOMY_ID)
    is_population = {name: _same_id(taxonomy, population) for name, taxonomy in part.terms}
    languages = []
    for code, name in part.languages:
        known = language_name(code) if code else ""
        languages.append(known if known and known != code else (name or code or ""))
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
        referral_contact=" · ".join(referral), eligibility=eligibility, required_documents=part.documents,
        cost=_cost_text(service, part.costs),
        categories=sorted((n for n, p in is_population.items() if not p), key=normalize),
        populations=sorted((n for n, p in is_population.items() if p), key=normalize),
        languages=languages, application_process=service.application_process or "",
        internal_notes=(ext.internal_notes or "") if ext else "", alert=service.alert or "")


def _same_id(text: str | None, wanted: str) -> bool:
    """A UUID read back as text: with dashes on PostgreSQL, 32 hex digits on SQLite."""
    return (text or "").replace("-", "").lower() == wanted.replace("-", "").lower()


def _load(session: Session, service_ids: Sequence[uuid.UUID]) -> list[ServiceSummary]:
    """Summaries in three statements: services with their organization, extension and the office's
    clock and staleness setting; their child rows; their schedules."""
    if not service_ids:
        return []
    settings = select(OfficeSetting.value).where(OfficeSetting.key == "stale_after_months").scalar_subquery()
    zone = select(Office.timezone).limit(1).scalar_subquery()
    found = session.execute(
        select(Service, Organization, ServiceExtension, zone, settings)
        .join(Organization, Organization.id == Service.organization_id, isouter=True)
        .join(ServiceExtension, ServiceExtension.service_id == Service.id, isouter=True)
        .where(Service.id.in_(list(service_ids)))).all()
    if not found:
        return []
    tz, months_json = found[0][3], found[0][4]
    today = _now_in(tz).date()
    months = json.loads(months_json) if months_json else 6
    children = _children(session, [row[0].id for row in found])
    by_id = {row[0].id: _summary(row[0], row[1], row[2], children[row[0].id], today, months) for row in found}
    return [by_id[sid] for sid in service_ids if sid in by_id]


def _now_in(tz: str | None) -> datetime:
    try:
        zone = ZoneInfo(tz or "America/Bogota")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return datetime.now(zone)


def service_summary(source: AppContext | Database | Session, service_id: uuid.UUID) -> ServiceSummary:
    """Everything a referral slip or the detail pane shows about one service, in plain language.

    ``source`` is an ``AppContext`` (permission VIEW_DIRECTORY is checked), a ``Database`` or an
    open ``Session`` (for callers inside their own transaction). Raises ``NotFound``.
    """
    if isinstance(source, AppContext):
        source.require(Permission.VIEW_DIRECTORY)
    with _open_session(source) as session:
        found = _load(session, [service_id])
    if not found:
        raise NotFound(_("This service is not in the directory."))
    return found[0]


def summaries(source: AppContext | Database | Session, service_ids: Sequence[uuid.UUID]) -> list[ServiceSummary]:
    """Several summaries (the booklet) in three statements, however many services."""
    if isinstance(source, AppContext):
        source.require(Permission.VIEW_DIRECTORY)
    with _open_session(source) as session:
        out: list[ServiceSummary] = []
        ids = list(service_ids)
        for start in range(0, len(ids), 500):  # bound the IN lists
            out.extend(_load(session, ids[start:start + 500]))
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
        entries = []
        ids = [row.id for row in rows]
        found: list[ServiceSummary] = []
        for start in range(0, len(ids), 200):  # three statements per 200 services; cancel between them
            if cancelled and cancelled():
                raise Cancelled()
            found.extend(_load(session, ids[start:start + 200]))
            if progress:
                progress(len(found), len(rows) + 1)
        for s in found:
            for category in s.categories or [_("Other services")]:
                entries.append(BookletEntry(
                    category=category, municipality=s.municipality, name=s.name, organization=s.organization_name,
                    description=s.description, address=s.address, hours=s.hours_lines, phones=s.phones,
                    email=s.email, website=s.website, eligibility=s.eligibility, documents=s.required_documents,
                    cost=s.cost, languages=s.languages, accepts_referrals=s.accepts_referrals, stale=s.stale))
    other = _("Other services")
    entries.sort(key=lambda e: (e.category == other, normalize(e.category), normalize(e.municipality),
                                normalize(e.name)))
    pdf = render_booklet(Booklet(office_name=office.name if office else "", printed_on=format_date(today, "long"),
                                 entries=entries, logo=office.logo if office else None, page_size=page_size))
    audit.log(ctx, "print", "directory", None, [], {"services": len(rows)})
    if progress:
        progress(len(rows) + 1, len(rows) + 1)
    return pdf
