"""How directory text is folded for search (accents, case, Spanish endings) and checked (e-mail, web, phone)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import time
from functools import lru_cache

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from desktop.services.directory.catalogs import LISTED_STATUSES
from desktop.store.base import new_id, utcnow
from desktop.store.models.directory import (
    Address,
    Attribute,
    Organization,
    Service,
    ServiceAtLocation,
    ServiceExtension,
    TaxonomyTerm,
)

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


def parse_clock(text: str) -> time | None:
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*", text or "")
    if not match:
        return None
    h, m = int(match.group(1)), int(match.group(2) or 0)
    return time(h, m) if h <= 23 and m <= 59 else None


def _clean(text: str) -> str | None:
    text = (text or "").strip()
    return text or None
