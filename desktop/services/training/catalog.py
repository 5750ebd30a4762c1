"""Training catalogs and labels: institutions (with the matcher for spreadsheets), document types."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_
from desktop.services.training.roster_cells import normalize_header
from desktop.store.models import (
    CatalogItem,
)

INSTITUTION_CATALOG = "institution"

# (code, Spanish label, English label, country or None)
INSTITUTIONS: tuple[tuple[str, str, str, str | None], ...] = (
    ("alcaldia", "Alcaldía", "Mayor's office", None),
    ("gobernacion", "Gobernación", "Governor's office", None),
    ("personeria", "Personería", "Municipal ombudsman (Personería)", "CO"),
    ("defensoria", "Defensoría del Pueblo", "Ombudsman's office", None),
    ("icbf", "ICBF", "Colombian Family Welfare Institute (ICBF)", "CO"),
    ("secretaria_salud", "Secretaría de Salud", "Health department", None),
    ("secretaria_educacion", "Secretaría de Educación", "Education department", None),
    ("secretaria_gobierno", "Secretaría de Gobierno", "Government department", None),
    ("secretaria_desarrollo_social", "Secretaría de Desarrollo Social", "Social development department", None),
    ("comisaria_familia", "Comisaría de Familia", "Family commissioner's office", "CO"),
    ("migracion_colombia", "Migración Colombia", "Migración Colombia", "CO"),
    ("registraduria", "Registraduría Nacional del Estado Civil", "National civil registry", "CO"),
    ("policia", "Policía Nacional", "National police", None),
    ("sena", "SENA", "National training service (SENA)", "CO"),
    ("hospital", "Hospital / ESE", "Public hospital", None),
    ("concejo", "Concejo Municipal", "Municipal council", None),
    ("ong", "Organización de la sociedad civil", "Civil society organization", None),
    ("cooperacion", "Cooperación internacional", "International cooperation agency", None),
    ("otra", "Otra entidad", "Other institution", None),
)

DOCUMENT_TYPES: dict[str, str] = {
    "CC": N_("Citizenship card (CC)"),
    "CE": N_("Foreigner ID card (CE)"),
    "TI": N_("Identity card (TI)"),
    "PA": N_("Passport"),
    "PPT": N_("Temporary protection permit (PPT)"),
    "PEP": N_("Special stay permit (PEP)"),
    "DPI": N_("Personal ID document (DPI)"),
    "CURP": N_("CURP"),
    "INE": N_("Voter ID (INE)"),
    "DNI": N_("National ID (DNI)"),
    "OTRO": N_("Other document"),
}
MODALITY_LABELS = {"in_person": N_("In person"), "virtual": N_("Virtual"), "hybrid": N_("Hybrid")}
SEX_LABELS = {"F": N_("Female"), "M": N_("Male"), "I": N_("Intersex"), "": N_("Not stated")}
STATUS_LABELS = {"present": N_("Present"), "late": N_("Late"), "excused": N_("Excused"), "absent": N_("Absent")}
STATUS_KEYS = {"present": "P", "absent": "A", "late": "T", "excused": "E"}  # keys of the attendance grid


def _sort_order() -> dict[str, int]:
    return {code: i for i, (code, *_rest) in enumerate(INSTITUTIONS)}


def seed_catalogs(session: Session, country: str | None = None) -> int:
    """Add the institution catalog entries that are missing. Returns how many were added."""
    have = set(session.scalars(select(CatalogItem.code).where(CatalogItem.catalog == INSTITUTION_CATALOG)))
    added = 0
    for order, (code, es, en, item_country) in enumerate(INSTITUTIONS):
        if code in have:
            continue
        session.add(CatalogItem(catalog=INSTITUTION_CATALOG, code=code, label_es=es, label_en=en,
                                country=item_country, sort_order=order * 10, created_by="system",
                                updated_by="system"))
        added += 1
    if added:
        session.flush()
    return added


def institution_choices(session: Session) -> list[tuple[str, str]]:
    """(code, label) of active institutions in the interface language; the built-in list until seeded."""
    from desktop.i18n import current_language

    rows = session.execute(select(CatalogItem.code, CatalogItem.label_es, CatalogItem.label_en)
                           .where(CatalogItem.catalog == INSTITUTION_CATALOG, CatalogItem.active.is_(True))
                           .order_by(CatalogItem.sort_order, CatalogItem.label_es)).all()
    if not rows:
        rows = [(code, es, en) for code, es, en, _c in INSTITUTIONS]
    english = current_language() == "en"
    return [(code, en if english else es) for code, es, en in rows]


def institution_labels(db_or_session) -> dict[str, str]:
    if isinstance(db_or_session, Session):
        return dict(institution_choices(db_or_session))
    with db_or_session.session() as session:
        return dict(institution_choices(session))


class InstitutionMatcher:
    """Map what a spreadsheet says ("ALCALDIA DE GIRON", "Sec. Salud") to a catalog code."""

    _HINTS = (("icbf", "icbf"), ("bienestar familiar", "icbf"), ("personer", "personeria"),
              ("defensor", "defensoria"), ("migracion", "migracion_colombia"), ("registradur", "registraduria"),
              ("policia", "policia"), ("comisari", "comisaria_familia"), ("sena", "sena"),
              ("salud", "secretaria_salud"), ("educaci", "secretaria_educacion"), ("gobierno", "secretaria_gobierno"),
              ("desarrollo social", "secretaria_desarrollo_social"), ("hospital", "hospital"), ("ese ", "hospital"),
              ("concejo", "concejo"), ("gobernacion", "gobernacion"), ("alcald", "alcaldia"),
              ("fundacion", "ong"), ("corporacion", "ong"), ("asociacion", "ong"), ("acnur", "cooperacion"),
              ("oim", "cooperacion"), ("unicef", "cooperacion"), ("usaid", "cooperacion"), ("giz", "cooperacion"))

    def __init__(self, choices: Iterable[tuple[str, str]]) -> None:
        self.by_label = {normalize_header(label): code for code, label in choices}
        self.codes = set(self.by_label.values())

    def match(self, text: str) -> str:
        norm = normalize_header(text)
        if not norm:
            return ""
        if norm in self.by_label:
            return self.by_label[norm]
        padded = f" {norm} "
        for hint, code in self._HINTS:
            if (f" {hint}" in padded) and code in self.codes:
                return code
        from rapidfuzz import fuzz, process

        best = process.extractOne(norm, list(self.by_label), scorer=fuzz.token_set_ratio, score_cutoff=85)
        if best:
            return self.by_label[best[0]]
        return "otra" if "otra" in self.codes else ""
