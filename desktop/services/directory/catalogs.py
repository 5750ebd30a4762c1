"""The directory's fixed vocabularies (statuses, phone types, categories, populations), its seeded taxonomy
terms, and the office clock and staleness rule that lists and summaries share."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _, utc_now
from desktop.services.core.context import AppContext
from desktop.store.database import Database
from desktop.store.models import Office, OfficeSetting
from desktop.store.models.directory import (
    CATEGORY_TAXONOMY_ID,
    POPULATION_TAXONOMY_ID,
    Taxonomy,
    TaxonomyTerm,
)

SERVICE_STATUSES = ("active", "inactive", "defunct", "temporarily closed")


LISTED_STATUSES = ("active", "temporarily closed")  # what the directory list shows by default


PHONE_TYPES = ("voice", "cell", "text", "fax", "video", "pager", "textphone")


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
    return utc_now().astimezone(zone)


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


def phone_type_label(kind: str | None) -> str:
    labels = {"voice": _("landline"), "cell": _("mobile"), "text": _("text messages"), "fax": _("fax"),
              "video": _("video call"), "pager": _("pager"), "textphone": _("textphone")}
    return labels.get(kind or "", kind or "")


def status_label(status: str) -> str:
    return {"active": _("active"), "inactive": _("inactive"), "defunct": _("closed permanently"),
            "temporarily closed": _("temporarily closed")}.get(status, status)


def taxonomy_terms(ctx: AppContext, taxonomy_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
    """The terms of one taxonomy (categories, populations), by name."""
    with ctx.db.session() as session:
        return [(term_id_, name) for term_id_, name in session.execute(
            select(TaxonomyTerm.id, TaxonomyTerm.name).where(TaxonomyTerm.taxonomy_id == taxonomy_id)
            .order_by(TaxonomyTerm.name))]
