"""The service directory: search, detail, create/edit, verification, and the summary a referral prints.

Records follow Open Referral HSDS 3.0 (see ``desktop.store.models.directory``). Search matches an
accent- and case-folded copy of each service's name, description, organization and categories
(``service_extension.search_text``) with plain SQL ``LIKE``, one condition per typed word, so
"psicologico" finds "Atención psicológica" on SQLite and PostgreSQL alike.

Import and export of HSDS data packages live in ``directory_hsds``; spreadsheets in
``directory_sheet``; opening hours in ``directory_hours``.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from desktop.i18n import _, format_date, language_name
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.directory.hours import Hours, describe, validate_rrule
from desktop.services.security import audit
from desktop.store.base import new_id, utcnow
from desktop.store.database import Database
from desktop.store.models import Office, OfficeSetting
from desktop.store.models.directory import (
    CATEGORY_TAXONOMY_ID,
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
    Taxonomy,
    TaxonomyTerm,
)

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")
LISTED_STATUSES = ("active", "temporarily closed")  # what the directory list shows by default
PHONE_TYPES = ("voice", "cell", "text", "fax", "video", "pager", "textphone")


# --- search text ------------------------------------------------------------------------------


_ACCENTS = str.maketrans("áàâäãåéèêëíìîïóòôöõúùûüñçÁÀÂÄÃÅÉÈÊËÍÌÎÏÓÒÔÖÕÚÙÛÜÑÇ",
                         "aaaaaaeeeeiiiiooooouuuuncAAAAAAEEEEIIIIOOOOOUUUUNC")
_NON_WORD = re.compile(r"[^\w@.+-]+")


def normalize(text: str | None) -> str:
    """Lower-case, accent-free, single-spaced: the form both search text and queries take."""
    if not text:
        return ""
    return _normalize(text)


@lru_cache(maxsize=8192)  # names, organizations and descriptions repeat a lot across a directory
def _normalize(text: str) -> str:
    text = text.translate(_ACCENTS)  # the common case, fast; anything else goes through NFKD
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def search_tokens(text: str | None) -> list[str]:
    return [t for t in normalize(text).split(" ") if t]


_ENDINGS = ("os", "as", "es", "o", "a", "s")


def query_stems(text: str | None) -> list[str]:
    """Typed words as search stems: folded, and without a Spanish gender/plural ending.

    "psicologico" → "psicologic", which also finds "psicológica"; short words stay whole.
    """
    stems = []
    for token in search_tokens(text):
        for ending in _ENDINGS:
            if token.endswith(ending) and len(token) - len(ending) >= 4:
                token = token[: -len(ending)]
                break
        stems.append(token)
    return stems


def build_search_text(*parts: str | None) -> str:
    return " ".join(normalize(p) for p in parts if p)


def _chunked(session: Session, query, column, ids: list | None) -> list:
    """Rows of ``query`` whose ``column`` is in ``ids`` (all rows when ``ids`` is None)."""
    if ids is None:
        return list(session.execute(query))
    if len(ids) > 2000:  # a big import: one scan beats many IN lists
        wanted = set(ids)
        position = list(query.selected_columns).index(column) if column in list(query.selected_columns) else None
        if position is not None:
            return [r for r in session.execute(query) if r[position] in wanted]
    rows: list = []
    for i in range(0, len(ids), 500):
        rows.extend(session.execute(query.where(column.in_(ids[i:i + 500]))))
    return rows


def refresh_search_text(session: Session, service_ids: Iterable[uuid.UUID] | None = None) -> int:
    """Recompute the derived list columns (search text, sort key, municipality) for some or all
    services, creating missing extension rows."""
    svc, org = Service.__table__, Organization.__table__
    ids = None if service_ids is None else list(service_ids)
    rows = _chunked(session, select(svc.c.id, svc.c.name, svc.c.alternate_name, svc.c.description, org.c.name,
                                    org.c.alternate_name, svc.c.status, svc.c.deleted_at)
                    .outerjoin(org, org.c.id == svc.c.organization_id), svc.c.id, ids)
    if not rows:
        return 0
    terms: dict[uuid.UUID, list[str]] = {}
    term_query = (select(Attribute.link_id, TaxonomyTerm.name)
                  .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
                  .where(Attribute.link_entity == "service"))
    for link_id, name in _chunked(session, term_query, Attribute.link_id, ids):
        terms.setdefault(link_id, []).append(name)
    cities: dict[uuid.UUID, str] = {}
    city_query = (select(ServiceAtLocation.service_id, Address.city)
                  .join(Address, Address.location_id == ServiceAtLocation.location_id))
    for sid, city in _chunked(session, city_query, ServiceAtLocation.service_id, ids):
        if city and (sid not in cities or city < cities[sid]):
            cities[sid] = city
    ext = ServiceExtension.__table__
    all_ids = [r[0] for r in rows]
    existing = {r[0] for r in _chunked(session, select(ext.c.service_id), ext.c.service_id, all_ids)}
    now = utcnow()
    new_rows, updates = [], []
    folded_orgs: dict[str, str] = {}
    for sid, name, alt, desc, org_name, org_alt, status, deleted_at in rows:
        org_key = f"{org_name}\x00{org_alt}"
        if org_key not in folded_orgs:  # many services share an organization
            folded_orgs[org_key] = build_search_text(org_name, org_alt)
        folded_name = normalize(name)
        values = {"search_text": " ".join(p for p in (folded_name, normalize(alt), folded_orgs[org_key],
                                                      build_search_text(*terms.get(sid, [])), normalize(desc)) if p),
                  "sort_key": f"{folded_name} {normalize(org_name)}".strip(), "municipality": cities.get(sid, ""),
                  "listed": status in LISTED_STATUSES and deleted_at is None}
        if sid in existing:
            updates.append({"b_id": sid, **{f"b_{k}": v for k, v in values.items()}})
        else:
            new_rows.append({"id": new_id(), "service_id": sid, "accepts_referrals": True, "created_at": now,
                             "updated_at": now, "version": 1, **values})
    if new_rows:
        session.execute(insert(ext), new_rows)
    if updates:
        from sqlalchemy import bindparam

        session.execute(update(ext).where(ext.c.service_id == bindparam("b_id"))
                        .values({k: bindparam(f"b_{k}") for k in ("search_text", "sort_key", "municipality",
                                                                   "listed")})
                        .execution_options(synchronize_session=False), updates)
    return len(rows)


# --- taxonomies -------------------------------------------------------------------------------

CATEGORIES = (
    ("education", "Educación", "Matrícula escolar, nivelación, educación para adultos."),
    ("health", "Salud", "Afiliación, atención médica, vacunación, salud sexual y reproductiva."),
    ("psychosocial", "Apoyo psicosocial", "Atención psicológica y acompañamiento psicosocial."),
    ("legal", "Asistencia jurídica", "Orientación legal, regularización, protección internacional."),
    ("shelter", "Alojamiento", "Albergue temporal y apoyo para vivienda."),
    ("food", "Alimentación", "Comedores, bonos y mercados."),
    ("social", "Asistencia social", "Ayudas humanitarias, transferencias y programas sociales."),
    ("documentation", "Documentación", "Registro civil, permisos y documentos de identidad."),
    ("employment", "Empleo y formación", "Orientación laboral, formación para el trabajo, emprendimiento."),
    ("protection", "Protección de la niñez", "Restablecimiento de derechos de niñas, niños y adolescentes."),
)
POPULATIONS = (
    ("in_destination", "Población con vocación de permanencia"),
    ("in_transit", "Población en tránsito"),
    ("pendular", "Población pendular"),
    ("returnee", "Colombianos retornados"),
    ("host_community", "Comunidad de acogida"),
)


def term_id(taxonomy_id: uuid.UUID, code: str) -> uuid.UUID:
    """Stable id of one of Enlace's own taxonomy terms (same in every office)."""
    return uuid.uuid5(taxonomy_id, code)


def seed_catalogs(session: Session) -> None:
    """Create Enlace's category and population taxonomies if they are missing (idempotent)."""
    if session.get(Taxonomy, CATEGORY_TAXONOMY_ID) is None:
        session.add(Taxonomy(id=CATEGORY_TAXONOMY_ID, name="Categorías de servicio Enlace",
                             description="Categorías de servicios para población migrante.",
                             taxonomy_version="1", created_by="system"))
    if session.get(Taxonomy, POPULATION_TAXONOMY_ID) is None:
        session.add(Taxonomy(id=POPULATION_TAXONOMY_ID, name="Población atendida Enlace",
                             description="Perfiles de población migrante (GIFMM).",
                             taxonomy_version="1", created_by="system"))
    session.flush()
    for taxonomy_id, items in ((CATEGORY_TAXONOMY_ID, CATEGORIES),
                               (POPULATION_TAXONOMY_ID, [(c, n, n) for c, n in POPULATIONS])):
        for code, name, description in items:
            tid = term_id(taxonomy_id, code)
            if session.get(TaxonomyTerm, tid) is None:
                session.add(TaxonomyTerm(id=tid, code=code if taxonomy_id == CATEGORY_TAXONOMY_ID else f"pop-{code}",
                                         name=name, description=description, taxonomy_id=taxonomy_id,
                                         language="es", created_by="system"))
    session.flush()


# --- settings and time ------------------------------------------------------------------------


def _setting(session: Session, key: str, default: Any) -> Any:
    import json

    row = session.get(OfficeSetting, key)
    return json.loads(row.value) if row else default


def office_now(session: Session) -> datetime:
    """Now, in the office's time zone."""
    tz = session.scalar(select(Office.timezone).limit(1)) or "America/Bogota"
    try:
        zone = ZoneInfo(tz)
    except Exception:
        zone = ZoneInfo("UTC")
    return datetime.now(zone)


def stale_cutoff(today: date, months: int) -> date:
    from dateutil.relativedelta import relativedelta

    return today - relativedelta(months=int(months))


def is_stale(last_verified_on: date | None, today: date, months: int) -> bool:
    """An entry never verified, or verified before ``months`` ago, is stale."""
    return last_verified_on is None or last_verified_on < stale_cutoff(today, months)


def _open_session(source: AppContext | Database | Session):
    from contextlib import nullcontext

    if isinstance(source, Session):
        return nullcontext(source)
    db = source.db if isinstance(source, AppContext) else source
    return db.session()


# --- search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    text: str = ""
    category_id: uuid.UUID | None = None
    municipality: str | None = None
    population_id: uuid.UUID | None = None
    language: str | None = None  # a language code ("es") or name when there is no code
    open_now: bool = False
    accepts_referrals: bool | None = None
    include_inactive: bool = False
    stale_only: bool = False


@dataclass(frozen=True)
class ServiceRow:
    id: uuid.UUID
    name: str
    organization_name: str
    municipality: str
    accepts_referrals: bool
    stale: bool
    status: str
    last_verified_on: date | None


def _like(token: str) -> str:
    return "%" + token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _open_now_condition(service_id, now: datetime):
    day = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[now.weekday()]
    t, today = now.time().replace(tzinfo=None, microsecond=0), now.date()
    sch = Schedule.__table__
    when = and_(sch.c.opens_at <= t, sch.c.closes_at > t,
                or_(sch.c.valid_from.is_(None), sch.c.valid_from <= today),
                or_(sch.c.valid_to.is_(None), sch.c.valid_to >= today),
                or_(and_(sch.c.freq == "WEEKLY", or_(sch.c.byday.is_(None), sch.c.byday == "",
                                                       sch.c.byday.like(f"%{day}%"))),
                    and_(sch.c.freq == "MONTHLY",
                         ("," + func.replace(func.coalesce(sch.c.bymonthday, ""), " ", "") + ",")
                         .like(f"%,{today.day},%"))))
    sal = ServiceAtLocation.__table__
    # Correlated EXISTS: the database filters by text first and checks hours only for those services
    # (and the page query stops at a page). Measured much faster than one IN (… UNION …) list.
    direct = select(sch.c.id).where(sch.c.service_id == service_id, when).exists()
    via = (select(sch.c.id).join(sal, sch.c.service_at_location_id == sal.c.id)
           .where(sal.c.service_id == service_id, when).exists())
    return or_(direct, via)


def _filtered(session: Session, query, filters: SearchFilters, cutoff: date, moment: datetime):
    """Apply the filters to a query over service_extension (``ext``; joined with ``service`` when
    ``include_inactive``, to leave deleted services out)."""
    svc, ext = Service.__table__, ServiceExtension.__table__
    sid = ext.c.service_id
    if filters.include_inactive:
        query = query.where(svc.c.deleted_at.is_(None))
    else:
        query = query.where(ext.c.listed.is_(True))
    for token in query_stems(filters.text):
        query = query.where(ext.c.search_text.like(_like(token), escape="\\"))
    for term in (filters.category_id, filters.population_id):
        if term is not None:
            query = query.where(sid.in_(select(Attribute.link_id).where(Attribute.taxonomy_term_id == term)))
    if filters.municipality:
        query = query.where(ext.c.municipality == filters.municipality)
    if filters.language:
        query = query.where(sid.in_(select(Language.service_id).where(
            or_(Language.code == filters.language,
                and_(Language.code.is_(None), Language.name == filters.language)))))
    if filters.accepts_referrals is not None:
        query = query.where(ext.c.accepts_referrals.is_(filters.accepts_referrals))
    if filters.stale_only:
        query = query.where(_stale(cutoff))
    if filters.open_now:
        query = query.where(_open_now_condition(sid, moment))
    return query


def _stale(cutoff: date):
    ext = ServiceExtension.__table__
    return or_(ext.c.last_verified_on.is_(None), ext.c.last_verified_on < cutoff)


def _search_query(session: Session, filters: SearchFilters, moment: datetime):
    # Driven from service_extension (every service has its row) so the sort_key index gives the order.
    svc, org, ext = Service.__table__, Organization.__table__, ServiceExtension.__table__
    cutoff = stale_cutoff(moment.date(), _setting(session, "stale_after_months", 6))
    query = (select(svc.c.id, svc.c.name, org.c.name, ext.c.municipality, ext.c.accepts_referrals,
                    ext.c.last_verified_on, svc.c.status)
             .select_from(ext).join(svc, svc.c.id == ext.c.service_id)
             .join(org, org.c.id == svc.c.organization_id))
    query = _filtered(session, query, filters, cutoff, moment)
    return query.order_by(ext.c.sort_key, ext.c.service_id), cutoff


def _row(r, cutoff: date) -> ServiceRow:
    return ServiceRow(r[0], r[1], r[2] or "", r[3] or "", True if r[4] is None else bool(r[4]),
                      r[5] is None or r[5] < cutoff, r[6], r[5])


def search_in(session: Session, filters: SearchFilters, *, now: datetime | None = None,
              limit: int | None = None) -> list[ServiceRow]:
    """Search within an open session (no permission check: callers have done it)."""
    query, cutoff = _search_query(session, filters, now or office_now(session))
    if limit:
        query = query.limit(limit)
    return [_row(r, cutoff) for r in session.execute(query)]


COUNT_CAP = 1000  # beyond this the screen says "more than 1,000": counting every match costs a keystroke


@dataclass(frozen=True)
class SearchPage:
    rows: list[ServiceRow]
    total: int  # all matches, or COUNT_CAP + 1 when there are more (see ``capped``)
    stale: int | None  # matches to be confirmed; None when capped

    @property
    def capped(self) -> bool:
        return self.total > COUNT_CAP


def search_page(ctx: AppContext, filters: SearchFilters, *, offset: int = 0, limit: int = 50,
                now: datetime | None = None) -> SearchPage:
    """One page of matches with their count: what the screen asks for on every keystroke."""
    from sqlalchemy import case

    ctx.require(Permission.VIEW_DIRECTORY)
    svc, ext = Service.__table__, ServiceExtension.__table__
    with ctx.db.session() as session:
        moment = now or office_now(session)
        query, cutoff = _search_query(session, filters, moment)
        rows = [_row(r, cutoff) for r in session.execute(query.offset(offset).limit(limit))]
        if offset == 0 and len(rows) < limit:
            return SearchPage(rows, len(rows), sum(r.stale for r in rows))
        counting = select(case((_stale(cutoff), 1), else_=0).label("stale")).select_from(ext)
        if filters.include_inactive:
            counting = counting.join(svc, svc.c.id == ext.c.service_id)
        matches = _filtered(session, counting, filters, cutoff, moment)
        limited = matches.limit(COUNT_CAP + 1).subquery()
        total, stale = session.execute(select(func.count(), func.sum(limited.c.stale))).one()
        total = int(total or 0)
        return SearchPage(rows, total, None if total > COUNT_CAP else int(stale or 0))


def search(ctx: AppContext, filters: SearchFilters | str = "", *, now: datetime | None = None,
           limit: int | None = None) -> list[ServiceRow]:
    """Services matching the filters, sorted by name; each with organization, referral and stale flags.

    ``filters`` may be a plain string (the typed text). Inactive and deleted services are left out
    unless ``include_inactive``.
    """
    ctx.require(Permission.VIEW_DIRECTORY)
    if isinstance(filters, str):
        filters = SearchFilters(text=filters)
    with ctx.db.session() as session:
        return search_in(session, filters, now=now, limit=limit)


@dataclass(frozen=True)
class FilterOptions:
    categories: list[tuple[uuid.UUID, str]]
    municipalities: list[str]
    populations: list[tuple[uuid.UUID, str]]
    languages: list[tuple[str, str]]  # (value to filter by, label)


def filter_options(ctx: AppContext) -> FilterOptions:
    """The choices the directory filters offer: only values some service actually has."""
    ctx.require(Permission.VIEW_DIRECTORY)
    with ctx.db.session() as session:
        linked = (select(TaxonomyTerm.id, TaxonomyTerm.name, TaxonomyTerm.taxonomy_id)
                  .where(TaxonomyTerm.id.in_(select(Attribute.taxonomy_term_id)
                                             .where(Attribute.link_entity == "service"))))
        categories, populations = [], []
        for tid, name, taxonomy in session.execute(linked):
            (populations if taxonomy == POPULATION_TAXONOMY_ID else categories).append((tid, name))
        # Read inside the session: SQLCipher refuses to fetch from a cursor after the session ends.
        cities = session.scalars(select(Address.city).distinct()
                                 .join(ServiceAtLocation, ServiceAtLocation.location_id == Address.location_id)).all()
        languages: dict[str, str] = {}
        for code, name in session.execute(select(Language.code, Language.name).distinct()
                                          .where(Language.service_id.is_not(None))):
            if code:
                languages.setdefault(code, name or language_name(code))
            elif name:
                languages.setdefault(name, name)
    by_name = lambda pair: normalize(pair[1])  # noqa: E731
    return FilterOptions(sorted(categories, key=by_name), sorted({c for c in cities if c}, key=normalize),
                         sorted(populations, key=by_name), sorted(languages.items(), key=by_name))


# --- detail and referral summary --------------------------------------------------------------


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


def phone_type_label(kind: str | None) -> str:
    labels = {"voice": _("landline"), "cell": _("mobile"), "text": _("text messages"), "fax": _("fax"),
              "video": _("video call"), "pager": _("pager"), "textphone": _("textphone")}
    return labels.get(kind or "", kind or "")


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


# --- create and edit --------------------------------------------------------------------------

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_RE = re.compile(r"^\+?[\d\s().-]+$")


def valid_email(value: str) -> bool:
    return bool(EMAIL_RE.match(value))


def valid_url(value: str) -> bool:
    from urllib.parse import urlparse

    try:
        parts = urlparse(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


def valid_phone(value: str) -> bool:
    digits = re.sub(r"\D", "", value)
    return bool(PHONE_RE.match(value)) and 7 <= len(digits) <= 15


@dataclass
class PhoneForm:
    number: str
    extension: str = ""
    type: str = "voice"


@dataclass
class HoursForm:
    days: list[str]  # weekday codes MO..SU
    opens_at: str  # "8:00"
    closes_at: str


@dataclass
class ServiceForm:
    """What the create/edit dialog collects. Strings are as typed; the service cleans them."""

    organization_id: uuid.UUID | None
    name: str
    description: str = ""
    status: str = "active"
    email: str = ""
    url: str = ""
    application_process: str = ""
    eligibility_description: str = ""
    fees_description: str = ""
    minimum_age: str = ""
    maximum_age: str = ""
    category_ids: list[uuid.UUID] = field(default_factory=list)
    population_ids: list[uuid.UUID] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)  # ISO 639-1 codes
    location_name: str = ""
    address_1: str = ""
    address_2: str = ""
    city: str = ""
    state_province: str = ""
    postal_code: str = ""
    country: str = "CO"
    phones: list[PhoneForm] = field(default_factory=list)
    hours: list[HoursForm] = field(default_factory=list)
    hours_note: str = ""
    required_documents: list[str] = field(default_factory=list)
    accepts_referrals: bool = True
    referral_contact_name: str = ""
    referral_contact_phone: str = ""
    referral_contact_email: str = ""
    internal_notes: str = ""


def parse_clock(text: str) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*", text or "")
    if not match:
        return None
    h, m = int(match.group(1)), int(match.group(2) or 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def validate_service(form: ServiceForm) -> dict[str, str]:
    """Field → translated problem for a service form (empty when it can be saved)."""
    errors: dict[str, str] = {}
    if form.organization_id is None:
        errors["organization_id"] = _("Choose the organization that offers the service.")
    if not form.name.strip():
        errors["name"] = _("The service needs a name.")
    if form.status not in SERVICE_STATUSES:
        errors["status"] = _("Unknown status.")
    if form.email.strip() and not valid_email(form.email.strip()):
        errors["email"] = _("This is not a valid email address.")
    if form.referral_contact_email.strip() and not valid_email(form.referral_contact_email.strip()):
        errors["referral_contact_email"] = _("This is not a valid email address.")
    if form.url.strip() and not valid_url(form.url.strip()):
        errors["url"] = _("Write the full web address, starting with http:// or https://.")
    if form.referral_contact_phone.strip() and not valid_phone(form.referral_contact_phone.strip()):
        errors["referral_contact_phone"] = _("A phone number has 7 to 15 digits and may start with +.")
    for i, phone in enumerate(form.phones):
        if phone.number.strip() and not valid_phone(phone.number.strip()):
            errors[f"phones.{i}"] = _("A phone number has 7 to 15 digits and may start with +.")
        elif phone.extension.strip() and not phone.extension.strip().isdigit():
            errors[f"phones.{i}"] = _("The extension must be digits only.")
    ages = {}
    for name in ("minimum_age", "maximum_age"):
        text = getattr(form, name).strip()
        if text:
            if not text.isdigit() or int(text) > 120:
                errors[name] = _("Write an age in whole years (0 to 120).")
            else:
                ages[name] = int(text)
    if len(ages) == 2 and ages["minimum_age"] > ages["maximum_age"]:
        errors["maximum_age"] = _("The maximum age is lower than the minimum age.")
    if any(getattr(form, n).strip() for n in ("address_1", "city", "state_province", "postal_code")):
        for name, message in (("address_1", _("Write the street address.")),
                              ("city", _("Write the municipality.")),
                              ("state_province", _("Write the department or state.")),
                              ("postal_code", _("Write the postal code (the open data standard requires it)."))):
            if not getattr(form, name).strip():
                errors[name] = message
        if not re.fullmatch(r"[A-Za-z]{2}", form.country.strip()):
            errors["country"] = _("Use a two-letter ISO country code, e.g. CO.")
    for i, hours in enumerate(form.hours):
        opens, closes = parse_clock(hours.opens_at), parse_clock(hours.closes_at)
        if not hours.days:
            errors[f"hours.{i}"] = _("Choose at least one day.")
        elif opens is None or closes is None:
            errors[f"hours.{i}"] = _("Write the hours as 8:00 or 14:30.")
        elif closes <= opens:
            errors[f"hours.{i}"] = _("The closing time must be after the opening time.")
        else:
            problems = validate_rrule({"freq": "WEEKLY", "byday": ",".join(hours.days)})
            if problems:
                errors[f"hours.{i}"] = next(iter(problems.values()))
    return errors


def _clean(text: str) -> str | None:
    text = (text or "").strip()
    return text or None


def _replace_children(session: Session, service: Service, form: ServiceForm, by: str) -> None:
    sid = service.id
    sal_ids = list(session.scalars(select(ServiceAtLocation.id).where(ServiceAtLocation.service_id == sid)))
    # Only the rows this form owns are replaced: a service's own phones, schedules, documents, languages,
    # categories and populations. Imported rows attached elsewhere are left alone.
    session.execute(delete(Phone).where(Phone.service_id == sid, Phone.contact_id.is_(None)))
    session.execute(delete(Schedule).where(Schedule.service_id == sid))
    session.execute(delete(RequiredDocument).where(RequiredDocument.service_id == sid))
    session.execute(delete(Language).where(Language.service_id == sid))
    own_terms = select(TaxonomyTerm.id).where(TaxonomyTerm.taxonomy_id.in_((CATEGORY_TAXONOMY_ID,
                                                                            POPULATION_TAXONOMY_ID)))
    session.execute(delete(Attribute).where(Attribute.link_id == sid, Attribute.taxonomy_term_id.in_(own_terms)))
    common = {"created_by": by, "updated_by": by}
    for phone in form.phones:
        if phone.number.strip():
            session.add(Phone(service_id=sid, number=phone.number.strip(),
                              extension=float(phone.extension) if phone.extension.strip() else None,
                              type=phone.type or "voice", **common))
    for hours in form.hours:
        session.add(Schedule(service_id=sid, freq="WEEKLY", byday=",".join(hours.days),
                             opens_at=parse_clock(hours.opens_at), closes_at=parse_clock(hours.closes_at),
                             **common))
    if form.hours_note.strip():
        session.add(Schedule(service_id=sid, description=form.hours_note.strip(), **common))
    for doc in form.required_documents:
        if doc.strip():
            session.add(RequiredDocument(service_id=sid, document=doc.strip(), **common))
    for code in dict.fromkeys(form.languages):
        session.add(Language(service_id=sid, code=code, name=language_name(code), **common))
    for tid in dict.fromkeys([*form.category_ids, *form.population_ids]):
        session.add(Attribute(link_id=sid, link_type="service", link_entity="service", taxonomy_term_id=tid,
                              **common))
    if form.address_1.strip():
        location_id = session.scalar(select(ServiceAtLocation.location_id)
                                     .where(ServiceAtLocation.service_id == sid).limit(1))
        if location_id is None:
            location = Location(location_type="physical", organization_id=service.organization_id,
                                name=_clean(form.location_name), **common)
            session.add(location)
            session.flush()
            session.add(ServiceAtLocation(service_id=sid, location_id=location.id, **common))
            location_id = location.id
        else:
            location = session.get(Location, location_id)
            if location is not None and _clean(form.location_name) != location.name:
                location.name = _clean(form.location_name)
                location.updated_by = by
        address = session.scalar(select(Address).where(Address.location_id == location_id,
                                                        Address.address_type == "physical").limit(1))
        values = {"address_1": form.address_1.strip(), "address_2": _clean(form.address_2),
                  "city": form.city.strip(), "state_province": form.state_province.strip(),
                  "postal_code": form.postal_code.strip(), "country": form.country.strip().upper()}
        if address is None:
            session.add(Address(location_id=location_id, address_type="physical", **values, **common))
        else:
            apply_changes(address, values, by)
    del sal_ids


def _form_values(form: ServiceForm) -> dict[str, Any]:
    return {
        "organization_id": form.organization_id, "name": form.name.strip(),
        "description": _clean(form.description), "status": form.status, "email": _clean(form.email),
        "url": _clean(form.url), "application_process": _clean(form.application_process),
        "eligibility_description": _clean(form.eligibility_description),
        "fees_description": _clean(form.fees_description),
        "minimum_age": float(form.minimum_age) if form.minimum_age.strip() else None,
        "maximum_age": float(form.maximum_age) if form.maximum_age.strip() else None,
    }


def save_service(ctx: AppContext, form: ServiceForm, service_id: uuid.UUID | None = None,
                 expected_version: int | None = None) -> uuid.UUID:
    """Create (``service_id`` None) or update a service with its location, phones, hours and local data.

    Refuses bad fields with ``ValidationError`` (``fields`` says which) and a save over someone
    else's newer change with ``ConflictError``. Returns the service id.
    """
    ctx.require(Permission.EDIT_DIRECTORY)
    errors = validate_service(form)
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    by = ctx.username
    with ctx.db.transaction() as session:
        seed_catalogs(session)
        if session.get(Organization, form.organization_id) is None:
            raise ValidationError(_("Please correct the highlighted fields."),
                                  {"organization_id": _("This organization is not in the directory.")})
        values = _form_values(form)
        if service_id is None:
            service = Service(id=new_id(), created_by=by, updated_by=by, **values)
            service.extension = ServiceExtension(created_by=by, updated_by=by)
            session.add(service)
            session.flush()
            changed = list(values)
            action = "create"
        else:
            service = session.get(Service, service_id)
            if service is None or service.deleted_at is not None:
                raise NotFound(_("This service is not in the directory."))
            check_version(service, expected_version)
            changed = apply_changes(service, values, by)
            if service.extension is None:
                service.extension = ServiceExtension(created_by=by, updated_by=by)
            action = "update"
        ext = service.extension
        assert ext is not None
        changed += apply_changes(ext, {
            "accepts_referrals": form.accepts_referrals,
            "referral_contact_name": _clean(form.referral_contact_name),
            "referral_contact_phone": _clean(form.referral_contact_phone),
            "referral_contact_email": _clean(form.referral_contact_email),
            "internal_notes": _clean(form.internal_notes)}, by)
        _replace_children(session, service, form, by)
        if action == "update":
            # Children and local data changed too: bump the service's version so other open forms see it.
            service.updated_at = utcnow()
            service.updated_by = by
            with guard_stale(lambda: _fresh(ctx, Service, service.id)):
                session.flush()
        refresh_search_text(session, [service.id])
        audit.record(session, by, action, "service", service.id, changed or ["details"])
        return service.id


def _fresh(ctx: AppContext, model: type, record_id: uuid.UUID):
    with ctx.db.session() as session:
        return session.get(model, record_id)


def load_service_form(ctx: AppContext, service_id: uuid.UUID) -> tuple[ServiceForm, int]:
    """The edit form's contents for a service, and the version it was read at."""
    ctx.require(Permission.VIEW_DIRECTORY)
    with ctx.db.session() as session:
        service = session.get(Service, service_id)
        if service is None:
            raise NotFound(_("This service is not in the directory."))
        ext = service.extension
        attrs = list(session.execute(select(Attribute.taxonomy_term_id, TaxonomyTerm.taxonomy_id)
                                     .join(TaxonomyTerm, TaxonomyTerm.id == Attribute.taxonomy_term_id)
                                     .where(Attribute.link_id == service_id)))
        location_id = session.scalar(select(ServiceAtLocation.location_id)
                                     .where(ServiceAtLocation.service_id == service_id).limit(1))
        location = session.get(Location, location_id) if location_id else None
        address = session.scalar(select(Address).where(Address.location_id == location_id)
                                 .order_by(Address.address_type).limit(1)) if location_id else None
        hours, notes = [], []
        for row in session.scalars(select(Schedule).where(Schedule.service_id == service_id)):
            if row.freq == "WEEKLY" and row.opens_at and row.closes_at:
                hours.append(HoursForm([d.strip()[-2:] for d in (row.byday or "").split(",") if d.strip()],
                                       f"{row.opens_at.hour}:{row.opens_at.minute:02d}",
                                       f"{row.closes_at.hour}:{row.closes_at.minute:02d}"))
            elif row.description:
                notes.append(row.description)
        phones = [PhoneForm(p.number, "" if p.extension is None else str(int(p.extension)), p.type or "voice")
                  for p in session.scalars(select(Phone).where(Phone.service_id == service_id,
                                                               Phone.contact_id.is_(None)))]
        age = lambda v: "" if v is None else str(int(v))  # noqa: E731
        form = ServiceForm(
            organization_id=service.organization_id, name=service.name, description=service.description or "",
            status=service.status, email=service.email or "", url=service.url or "",
            application_process=service.application_process or "",
            eligibility_description=service.eligibility_description or "",
            fees_description=service.fees_description or "", minimum_age=age(service.minimum_age),
            maximum_age=age(service.maximum_age),
            category_ids=[t for t, tax in attrs if tax == CATEGORY_TAXONOMY_ID],
            population_ids=[t for t, tax in attrs if tax == POPULATION_TAXONOMY_ID],
            languages=[c for c in session.scalars(select(Language.code).where(Language.service_id == service_id))
                       if c],
            location_name=(location.name or "") if location else "",
            address_1=address.address_1 if address else "", address_2=(address.address_2 or "") if address else "",
            city=address.city if address else "", state_province=address.state_province if address else "",
            postal_code=address.postal_code if address else "", country=address.country if address else "CO",
            phones=phones, hours=hours, hours_note="\n".join(notes),
            required_documents=[d for d in session.scalars(select(RequiredDocument.document)
                                                           .where(RequiredDocument.service_id == service_id)) if d],
            accepts_referrals=ext.accepts_referrals if ext else True,
            referral_contact_name=(ext.referral_contact_name or "") if ext else "",
            referral_contact_phone=(ext.referral_contact_phone or "") if ext else "",
            referral_contact_email=(ext.referral_contact_email or "") if ext else "",
            internal_notes=(ext.internal_notes or "") if ext else "")
        return form, service.version


def mark_verified(ctx: AppContext, service_id: uuid.UUID, expected_version: int | None = None) -> date:
    """Record that the user checked this entry today; it stops being flagged as stale."""
    ctx.require(Permission.EDIT_DIRECTORY)
    with ctx.db.transaction() as session:
        service = session.get(Service, service_id)
        if service is None or service.deleted_at is not None:
            raise NotFound(_("This service is not in the directory."))
        check_version(service, expected_version)
        today = office_now(session).date()
        if service.extension is None:
            service.extension = ServiceExtension(created_by=ctx.username)
        service.extension.last_verified_on = today
        service.extension.last_verified_by = ctx.actor.full_name or ctx.username
        service.extension.updated_by = ctx.username
        service.updated_at = utcnow()
        service.updated_by = ctx.username
        with guard_stale(lambda: _fresh(ctx, Service, service_id)):
            session.flush()
        audit.record(session, ctx.username, "update", "service", service_id, ["last_verified_on"])
        return today


def delete_service(ctx: AppContext, service_id: uuid.UUID, expected_version: int | None = None) -> None:
    """Soft-delete: the service leaves the directory; referrals that point at it keep their history."""
    ctx.require(Permission.EDIT_DIRECTORY)
    with ctx.db.transaction() as session:
        service = session.get(Service, service_id)
        if service is None or service.deleted_at is not None:
            raise NotFound(_("This service is not in the directory."))
        check_version(service, expected_version)
        service.deleted_at = utcnow()
        service.deleted_by = ctx.username
        session.flush()
        refresh_search_text(session, [service_id])
        audit.record(session, ctx.username, "delete", "service", service_id, ["deleted_at"])


# --- organizations ----------------------------------------------------------------------------


@dataclass
class OrganizationForm:
    name: str
    description: str
    email: str = ""
    website: str = ""
    alternate_name: str = ""


@dataclass(frozen=True)
class OrganizationRow:
    id: uuid.UUID
    name: str
    version: int
    services: int


def list_organizations(ctx: AppContext) -> list[OrganizationRow]:
    ctx.require(Permission.VIEW_DIRECTORY)
    with ctx.db.session() as session:
        count = (select(func.count()).select_from(Service)
                 .where(Service.organization_id == Organization.id, Service.deleted_at.is_(None)).scalar_subquery())
        rows = session.execute(select(Organization.id, Organization.name, Organization.version, count)
                               .where(Organization.deleted_at.is_(None)))
        return sorted((OrganizationRow(*r) for r in rows), key=lambda r: normalize(r.name))


def load_organization_form(ctx: AppContext, organization_id: uuid.UUID) -> tuple[OrganizationForm, int]:
    ctx.require(Permission.VIEW_DIRECTORY)
    with ctx.db.session() as session:
        org = session.get(Organization, organization_id)
        if org is None:
            raise NotFound(_("This organization is not in the directory."))
        return OrganizationForm(org.name, org.description, org.email or "", org.website or "",
                                org.alternate_name or ""), org.version


def save_organization(ctx: AppContext, form: OrganizationForm, organization_id: uuid.UUID | None = None,
                      expected_version: int | None = None) -> uuid.UUID:
    """Create or update an organization (HSDS requires a name and a description)."""
    ctx.require(Permission.EDIT_DIRECTORY)
    errors = {}
    if not form.name.strip():
        errors["name"] = _("The organization needs a name.")
    if not form.description.strip():
        errors["description"] = _("Describe the organization in a sentence (the open data standard requires it).")
    if form.email.strip() and not valid_email(form.email.strip()):
        errors["email"] = _("This is not a valid email address.")
    if form.website.strip() and not valid_url(form.website.strip()):
        errors["website"] = _("Write the full web address, starting with http:// or https://.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    values = {"name": form.name.strip(), "description": form.description.strip(), "email": _clean(form.email),
              "website": _clean(form.website), "alternate_name": _clean(form.alternate_name)}
    with ctx.db.transaction() as session:
        if organization_id is None:
            org = Organization(id=new_id(), created_by=ctx.username, updated_by=ctx.username, **values)
            session.add(org)
            session.flush()
            audit.record(session, ctx.username, "create", "organization", org.id, list(values))
            return org.id
        org = session.get(Organization, organization_id)
        if org is None:
            raise NotFound(_("This organization is not in the directory."))
        check_version(org, expected_version)
        changed = apply_changes(org, values, ctx.username)
        with guard_stale(lambda: _fresh(ctx, Organization, organization_id)):
            session.flush()
        if changed:
            if {"name", "alternate_name"} & set(changed):
                refresh_search_text(session, session.scalars(select(Service.id)
                                                             .where(Service.organization_id == org.id)))
            audit.record(session, ctx.username, "update", "organization", org.id, changed)
        return org.id


def verified_label(summary: ServiceSummary) -> str:
    """"Verified on 3 mar 2026 by Ana" / "Never verified"."""
    if summary.last_verified_on is None:
        return _("Never verified")
    if summary.last_verified_by:
        return _("Verified on {date} by {name}").format(date=format_date(summary.last_verified_on),
                                                       name=summary.last_verified_by)
    return _("Verified on {date}").format(date=format_date(summary.last_verified_on))


def status_label(status: str) -> str:
    return {"active": _("active"), "inactive": _("inactive"), "defunct": _("closed permanently"),
            "temporarily closed": _("temporarily closed")}.get(status, status)


def hours_of(rows: Iterable[object]) -> list[Hours]:
    return [Hours.of(r) for r in rows]


# --- booklet ----------------------------------------------------------------------------------


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
