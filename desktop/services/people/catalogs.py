"""People's code lists: sexes, population types, relationships, document types, specific needs,
ethnicities and referral reasons; their labels in the current language and the catalogs seeded at set-up."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, country_name, current_language
from desktop.services.core.context import AppContext
from desktop.store.models import (
    CatalogItem,
)

SEXES: dict[str, str] = {"female": N_("Female"), "male": N_("Male"), "intersex": N_("Intersex")}


POPULATION_TYPES: dict[str, str] = {
    "destination": N_("In destination"),
    "transit": N_("In transit"),
    "pendular": N_("Pendular"),
    "returnee": N_("Returnee"),
    "host_community": N_("Host community"),
}


RELATIONSHIPS: dict[str, str] = {
    "head": N_("Head of household"),
    "spouse": N_("Spouse or partner"),
    "child": N_("Son or daughter"),
    "parent": N_("Father or mother"),
    "sibling": N_("Brother or sister"),
    "grandchild": N_("Grandchild"),
    "grandparent": N_("Grandparent"),
    "other_relative": N_("Other relative"),
    "non_relative": N_("Not related"),
}


NO_DOCUMENT = "none"


MAX_AGE = 120


# What only roles with VIEW_SENSITIVE see of a person (field names, as the audit log names them).
SENSITIVE_FIELDS = ("needs", "ethnicity", "lgbtiq")


# Self-identification (sensitive, self-declared): "not asked" is the stored default, never an assumed answer.
NOT_ASKED = "not_asked"


NOT_ASKED_LABEL = N_("Not asked")


LGBTIQ_ANSWERS: dict[str, str] = {
    "yes": N_("Yes"),
    "no": N_("No"),
    "declined": N_("Prefers not to say"),
}


# Catalog seeds: (code, Spanish, English, country or None, format regex on the normalized number or None).
# The regex is checked against the number in capitals with only letters and digits ("V-12.345.678" → V12345678).
DOCUMENT_TYPES: list[tuple[str, str, str, str | None, str | None]] = [
    (NO_DOCUMENT, "Sin documento", "No document", None, None),
    ("passport", "Pasaporte", "Passport", None, r"[A-Z0-9]{5,15}"),
    ("birth_certificate", "Registro civil de nacimiento", "Birth certificate", None, r"[A-Z0-9]{4,20}"),
    ("co_cedula", "Cédula de ciudadanía", "Colombian citizenship card", "CO", r"\d{6,10}"),
    ("co_cedula_extranjeria", "Cédula de extranjería", "Foreigner ID card (Colombia)", "CO", r"\d{4,10}"),
    ("co_ppt", "Permiso por Protección Temporal (PPT)", "Temporary Protection Permit (PPT)", "CO", r"\d{6,10}"),
    ("co_pep", "Permiso Especial de Permanencia (PEP)", "Special Stay Permit (PEP)", "CO", r"\d{9,15}"),
    ("co_tarjeta_identidad", "Tarjeta de identidad", "Identity card for minors (Colombia)", "CO", r"\d{6,11}"),
    ("co_salvoconducto", "Salvoconducto (SC-2)", "Safe-conduct (SC-2, Colombia)", "CO", r"[A-Z0-9]{4,20}"),
    ("ve_cedula", "Cédula de identidad venezolana", "Venezuelan ID card", "VE", r"[VE]?\d{6,9}"),
    ("gt_dpi", "Documento Personal de Identificación (DPI)", "Guatemalan ID (DPI)", "GT", r"\d{13}"),
    ("gt_dpi_extranjero", "DPI de extranjero residente", "Resident foreigner's ID (DPI, Guatemala)", "GT",
     r"\d{13}"),
    ("gt_solicitante_refugio", "Constancia de solicitante de refugio (IGM)", "Asylum seeker's certificate "
     "(IGM, Guatemala)", "GT", r"[A-Z0-9]{4,20}"),
    ("hn_dni", "Documento Nacional de Identificación (DNI)", "Honduran ID (DNI)", "HN", r"\d{13}"),
    ("sv_dui", "Documento Único de Identidad (DUI)", "Salvadoran ID (DUI)", "SV", r"\d{9}"),
    ("ht_cin", "Carte d'identification nationale (CIN)", "Haitian national ID (CIN)", "HT", r"\d{10}"),
    ("mx_curp", "CURP", "CURP (Mexico)", "MX", r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d"),
    ("mx_tvrh", "Tarjeta de Visitante por Razones Humanitarias", "Humanitarian visitor card (Mexico)", "MX",
     r"[A-Z0-9]{6,15}"),
    ("mx_residente_temporal", "Tarjeta de Residente Temporal", "Temporary resident card (Mexico)", "MX",
     r"[A-Z0-9]{6,15}"),
    ("mx_residente_permanente", "Tarjeta de Residente Permanente", "Permanent resident card (Mexico)", "MX",
     r"[A-Z0-9]{6,15}"),
    ("mx_comar", "Constancia de trámite ante la COMAR", "COMAR asylum application certificate (Mexico)", "MX",
     r"[A-Z0-9]{4,20}"),
    ("pe_cpp", "Carné de Permiso Temporal de Permanencia (CPP)", "Temporary Stay Permit card (Peru)", "PE",
     r"\d{9}"),
    ("other", "Otro", "Other", None, r"[A-Z0-9]{2,25}"),
]


SPECIFIC_NEEDS: list[tuple[str, str, str]] = [
    ("disability", "Discapacidad", "Disability"),
    ("pregnancy", "Embarazo", "Pregnancy"),
    ("lactating", "Lactancia", "Breastfeeding"),
    ("unaccompanied_child", "Niño, niña o adolescente no acompañado", "Unaccompanied child"),
    ("separated_child", "Niño, niña o adolescente separado", "Separated child"),
    ("violence_survivor", "Sobreviviente de violencia", "Survivor of violence"),
    ("chronic_illness", "Enfermedad crónica", "Chronic illness"),
    ("older_person_alone", "Persona mayor sola", "Older person alone"),
    ("single_caregiver", "Cuidador o cuidadora única", "Single caregiver"),
    ("trafficking_risk", "Riesgo de trata de personas", "Risk of human trafficking"),
    ("mental_health", "Necesidad de salud mental", "Mental health need"),
    ("lgbtiq_at_risk", "Persona LGBTIQ+ en riesgo", "LGBTIQ+ person at risk"),
]


# Ethnic self-identification (autorreconocimiento étnico) as Colombian forms ask it (DANE census categories),
# plus "none" and "declined". (code, Spanish, English, country or None): raizal and palenquero are peoples of
# Colombia, offered where the office or the person's nationality is Colombian. Codes are shared across countries
# so that regional figures add up; another country's groups are added as rows with their country.
ETHNICITIES: list[tuple[str, str, str, str | None]] = [
    ("indigenous", "Indígena", "Indigenous", None),
    ("afro_descendant", "Afrodescendiente, negro(a) o afrocolombiano(a)", "Afro-descendant, Black or Afro-Colombian",
     None),
    ("raizal", "Raizal (San Andrés, Providencia y Santa Catalina)", "Raizal (San Andrés, Providencia and Santa "
     "Catalina)", "CO"),
    ("palenquero", "Palenquero(a) de San Basilio", "Palenquero (San Basilio de Palenque)", "CO"),
    ("rrom", "Rrom o gitano(a)", "Rrom (Roma)", None),
    ("none", "Ninguno", "None", None),
    ("declined", "No responde / prefiere no decir", "Declined to answer / prefers not to say", None),
]


REFERRAL_REASONS: list[tuple[str, str, str]] = [
    ("health", "Salud", "Health"),
    ("mental_health", "Salud mental y apoyo psicosocial", "Mental health and psychosocial support"),
    ("documentation", "Documentación y regularización", "Documentation and regularization"),
    ("legal", "Orientación jurídica", "Legal advice"),
    ("shelter", "Alojamiento temporal", "Temporary shelter"),
    ("food", "Alimentación", "Food"),
    ("education", "Educación", "Education"),
    ("employment", "Empleo y medios de vida", "Employment and livelihoods"),
    ("protection", "Protección", "Protection"),
    ("child_protection", "Protección de la niñez", "Child protection"),
    ("gbv", "Violencia basada en género", "Gender-based violence"),
    ("cash", "Transferencias monetarias", "Cash assistance"),
    ("other", "Otra", "Other"),
]


def label(mapping: dict[str, str], code: str | None) -> str:
    """The translated label of a code from one of the dictionaries above."""
    if not code:
        return ""
    return _(mapping[code]) if code in mapping else code


SEEDED_CATALOGS = ("document_type", "specific_need", "referral_reason", "ethnicity")


def seed_catalogs(session: Session, by: str = "system") -> int:
    """Add this area's catalog entries that are missing (document types, specific needs, referral reasons,
    ethnic groups)."""
    rows: list[dict] = []
    for order, (code, es, en, country, pattern) in enumerate(DOCUMENT_TYPES):
        rows.append(dict(catalog="document_type", code=code, label_es=es, label_en=en, country=country,
                         pattern=pattern, sort_order=order))
    for order, (code, es, en, country) in enumerate(ETHNICITIES):
        rows.append(dict(catalog="ethnicity", code=code, label_es=es, label_en=en, country=country, pattern=None,
                         sort_order=order))
    for catalog, items in (("specific_need", SPECIFIC_NEEDS), ("referral_reason", REFERRAL_REASONS)):
        for order, (code, es, en) in enumerate(items):
            rows.append(dict(catalog=catalog, code=code, label_es=es, label_en=en, country=None, pattern=None,
                             sort_order=order))
    existing = {(c, k, n) for c, k, n in session.execute(
        select(CatalogItem.catalog, CatalogItem.code, CatalogItem.country).where(
            CatalogItem.catalog.in_(SEEDED_CATALOGS)))}
    added = 0
    for row in rows:
        if (row["catalog"], row["code"], row["country"]) not in existing:
            session.add(CatalogItem(**row, created_by=by, updated_by=by))
            added += 1
    session.flush()
    return added


def _ensure_catalogs(session: Session, by: str) -> None:
    # An office set up before a catalog existed (ethnic groups came later) gets it on first use.
    # Document types added later (the "other" type came with several documents per person) likewise.
    for catalog, code in (("document_type", None), ("ethnicity", None), ("document_type", "other")):
        found = select(CatalogItem.id).where(CatalogItem.catalog == catalog)
        if code is not None:
            found = found.where(CatalogItem.code == code)
        if not session.scalar(found.limit(1)):
            seed_catalogs(session, by)
            return


@dataclass(frozen=True)
class CatalogChoice:
    code: str
    label: str
    country: str | None = None
    pattern: str | None = None


def _catalog_label(item: CatalogItem) -> str:
    return item.label_en if current_language() == "en" else item.label_es


def catalog_choices(ctx: AppContext, catalog: str,
                    countries: Iterable[str | None] | None = None) -> list[CatalogChoice]:
    """Active entries of a catalog; with ``countries``, only entries for all countries or those ones."""
    wanted = {c for c in countries or () if c}
    with ctx.db.session() as session:
        items = list(session.scalars(select(CatalogItem).where(
            CatalogItem.catalog == catalog, CatalogItem.active.is_(True)).order_by(CatalogItem.sort_order)))
    if not items and catalog in SEEDED_CATALOGS:
        with ctx.db.transaction() as session:
            seed_catalogs(session, ctx.username)
        return catalog_choices(ctx, catalog, countries)
    return [CatalogChoice(i.code, _catalog_label(i), i.country, i.pattern) for i in items
            if countries is None or i.country is None or i.country in wanted]


def document_type_choices(ctx: AppContext, nationality: str | None = None) -> list[CatalogChoice]:
    """Document types for a person: those of every country, of the office's country and of the nationality."""
    from desktop.services.office import office_info

    with ctx.db.session() as session:
        missing = not session.scalar(select(CatalogItem.id).where(CatalogItem.catalog == "document_type",
                                                                  CatalogItem.code == "other").limit(1))
    if missing:  # an office set up before the later document types
        with ctx.db.transaction() as session:
            seed_catalogs(session, ctx.username)
    info = office_info(ctx.db)
    return catalog_choices(ctx, "document_type", [info.country if info else None, nationality])


def ethnicity_choices(ctx: AppContext, nationality: str | None = None) -> list[CatalogChoice]:
    """Ethnic groups to offer: those of every country, of the office's country and of the nationality."""
    from desktop.services.office import office_info

    info = office_info(ctx.db)
    return catalog_choices(ctx, "ethnicity", [info.country if info else None, nationality])


def ethnicity_label(session: Session, code: str) -> str:
    """The label of an ethnicity code in the UI language ("Not asked" for the default)."""
    if code == NOT_ASKED:
        return _(NOT_ASKED_LABEL)
    return catalog_labels(session, "ethnicity").get(code, code)


def lgbtiq_label(code: str | None) -> str:
    """The label of an LGBTIQ+ self-identification code ("Not asked" for the default)."""
    if code == NOT_ASKED:
        return _(NOT_ASKED_LABEL)
    return label(LGBTIQ_ANSWERS, code)


def catalog_labels(session: Session, catalog: str) -> dict[str, str]:
    en = current_language() == "en"
    return {code: (le if en else ls) for code, ls, le in session.execute(
        select(CatalogItem.code, CatalogItem.label_es, CatalogItem.label_en).where(CatalogItem.catalog == catalog))}


def nationality_label(code: str | None) -> str:
    return country_name(code) if code else _("Unknown")
