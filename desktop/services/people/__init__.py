"""People (personas atendidas) and households: registration, search, duplicates, merge, anonymize.

Search: every name word is kept once, accent-free and lower case, in ``person_search_term``;
``person_search_link`` says who carries it. A query word matches vocabulary words that start with it
or are one or two edits away (rapidfuzz over the vocabulary, a few thousand words), SQL intersects
the people carrying a match for every word, and rapidfuzz ranks the few candidates left.
Document numbers are matched by prefix on ``document_number_norm``.
"""

from __future__ import annotations

import bisect
import re
import threading
import unicodedata
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased

from desktop.i18n import N_, _, country_name, current_language
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import (
    Case,
    CatalogItem,
    Consent,
    Household,
    HouseholdMember,
    Person,
    PersonNeed,
    PersonSearchLink,
    PersonSearchTerm,
    Referral,
)

# -- codes and their labels -------------------------------------------------------------------

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
    ("ve_cedula", "Cédula de identidad venezolana", "Venezuelan ID card", "VE", r"[VE]?\d{6,9}"),
    ("gt_dpi", "Documento Personal de Identificación (DPI)", "Guatemalan ID (DPI)", "GT", r"\d{13}"),
    ("hn_dni", "Documento Nacional de Identificación (DNI)", "Honduran ID (DNI)", "HN", r"\d{13}"),
    ("sv_dui", "Documento Único de Identidad (DUI)", "Salvadoran ID (DUI)", "SV", r"\d{9}"),
    ("ht_cin", "Carte d'identification nationale (CIN)", "Haitian national ID (CIN)", "HT", r"\d{10}"),
    ("mx_curp", "CURP", "CURP (Mexico)", "MX", r"[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d"),
    ("mx_tvrh", "Tarjeta de Visitante por Razones Humanitarias", "Humanitarian visitor card (Mexico)", "MX",
     r"[A-Z0-9]{6,15}"),
    ("pe_cpp", "Carné de Permiso Temporal de Permanencia (CPP)", "Temporary Stay Permit card (Peru)", "PE",
     r"\d{9}"),
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
    for catalog in ("document_type", "ethnicity"):
        if not session.scalar(select(CatalogItem.id).where(CatalogItem.catalog == catalog).limit(1)):
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


# -- normalization and age --------------------------------------------------------------------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Accent-free, lower case, words separated by one space: "  José  PÉREZ-Ñáñez" → "jose perez nanez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM.sub(" ", plain).strip()


def normalize_document(number: str) -> str:
    """Capitals and digits only: "v-12.345.678" → "V12345678"."""
    return normalize(number).replace(" ", "").upper()


def full_name(given: str, family_1: str, family_2: str = "") -> str:
    return " ".join(part for part in (given.strip(), family_1.strip(), family_2.strip()) if part)


def age_on(birth_date: date | None, today: date | None = None) -> int | None:
    """Completed years on ``today`` (default: today); None without a birth date."""
    if birth_date is None:
        return None
    today = today or date.today()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def birth_date_from_age(age: int, today: date | None = None) -> date:
    """The birth date recorded for an estimated age: the middle of the year that gives that age today."""
    today = today or date.today()
    year = today.year - age - 1
    candidate = date(year, 7, 1)
    return candidate if age_on(candidate, today) == age else date(year + 1, 1, 1)


# -- the form and what services return --------------------------------------------------------


@dataclass
class PersonForm:
    """What the registration form holds. ``needs``, ``ethnicity`` or ``lgbtiq`` None leaves the stored value
    unchanged (they are sensitive: a role that may not see them cannot change them either)."""

    given_names: str = ""
    family_name_1: str = ""
    family_name_2: str = ""
    sex: str = ""
    gender_identity: str = ""
    birth_date: date | None = None
    estimated_age: int | None = None
    nationality: str | None = None
    document_type: str = NO_DOCUMENT
    document_number: str = ""
    phone: str = ""
    address: str = ""
    municipality: str = ""
    population_type: str = ""
    arrival_date: date | None = None
    languages: list[str] = field(default_factory=list)
    needs: list[str] | None = field(default_factory=list)
    ethnicity: str | None = NOT_ASKED
    lgbtiq: str | None = NOT_ASKED


@dataclass(frozen=True)
class ConsentState:
    """Which scopes are active now: what the person record shows at a glance."""

    registration: bool = False
    share_with_services: bool = False
    follow_up_contact: bool = False


@dataclass(frozen=True)
class HouseholdMemberInfo:
    person_id: uuid.UUID
    name: str
    relationship: str
    age: int | None


@dataclass(frozen=True)
class PersonRecord:
    id: uuid.UUID
    given_names: str
    family_name_1: str
    family_name_2: str
    sex: str
    gender_identity: str
    birth_date: date | None
    birth_date_estimated: bool
    nationality: str | None
    document_type: str
    document_type_label: str
    document_number: str
    phone: str
    address: str
    municipality: str
    population_type: str
    arrival_date: date | None
    languages: list[str]
    needs: list[str] | None  # None: the role may not see specific needs
    household_id: uuid.UUID | None
    household_name: str
    relationship: str
    household_members: list[HouseholdMemberInfo]
    consent: ConsentState
    anonymized: bool
    version: int
    updated_by: str | None
    created_at: object
    # Self-declared; None: the role may not see them (like ``needs``).
    ethnicity: str | None = None
    ethnicity_label: str = ""
    lgbtiq: str | None = None

    @property
    def name(self) -> str:
        return full_name(self.given_names, self.family_name_1, self.family_name_2)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date)

    def to_form(self) -> PersonForm:
        return PersonForm(self.given_names, self.family_name_1, self.family_name_2, self.sex, self.gender_identity,
                          None if self.birth_date_estimated else self.birth_date,
                          self.age if self.birth_date_estimated else None, self.nationality, self.document_type,
                          self.document_number, self.phone, self.address, self.municipality,
                          self.population_type, self.arrival_date, list(self.languages),
                          None if self.needs is None else list(self.needs), self.ethnicity, self.lgbtiq)


@dataclass(frozen=True)
class PersonRow:
    """One line of a people list or search result."""

    id: uuid.UUID
    given_names: str
    family_name_1: str
    family_name_2: str
    sex: str
    birth_date: date | None
    nationality: str | None
    document_type: str
    document_number: str
    population_type: str
    municipality: str
    score: float = 0.0
    # Filled only when asked for and the role may see them (CLI export); None otherwise.
    ethnicity: str | None = None
    lgbtiq: str | None = None

    @property
    def name(self) -> str:
        return full_name(self.given_names, self.family_name_1, self.family_name_2)

    @property
    def age(self) -> int | None:
        return age_on(self.birth_date)


_ROW_COLUMNS = (Person.id, Person.given_names, Person.family_name_1, Person.family_name_2, Person.sex,
                Person.birth_date, Person.nationality, Person.document_type, Person.document_number,
                Person.population_type, Person.municipality)


def _row(values: Sequence, score: float = 0.0) -> PersonRow:
    return PersonRow(*values[:11], score=score)


# -- validation -------------------------------------------------------------------------------


def validate_person(session: Session, form: PersonForm, person_id: uuid.UUID | None = None,
                    today: date | None = None) -> PersonForm:
    """Check every field; raise one ValidationError naming all the wrong ones. Returns the cleaned form."""
    today = today or date.today()
    errors: dict[str, str] = {}
    clean = replace(form, given_names=" ".join(form.given_names.split()),
                    family_name_1=" ".join(form.family_name_1.split()),
                    family_name_2=" ".join(form.family_name_2.split()),
                    gender_identity=form.gender_identity.strip(), phone=form.phone.strip(),
                    address=form.address.strip(), municipality=form.municipality.strip(),
                    document_number=form.document_number.strip(),
                    nationality=(form.nationality or "").strip().upper() or None,
                    languages=[code.strip().lower() for code in form.languages if code.strip()],
                    needs=None if form.needs is None else sorted(set(form.needs)),
                    ethnicity=None if form.ethnicity is None else form.ethnicity.strip() or NOT_ASKED,
                    lgbtiq=None if form.lgbtiq is None else form.lgbtiq.strip() or NOT_ASKED)
    if not clean.given_names:
        errors["given_names"] = _("Enter the given names.")
    if not clean.family_name_1:
        errors["family_name_1"] = _("Enter the first family name.")
    if clean.sex not in SEXES:
        errors["sex"] = _("Choose the sex.")
    if clean.birth_date is not None:
        if clean.birth_date > today:
            errors["birth_date"] = _("The birth date is in the future.")
        elif age_on(clean.birth_date, today) > MAX_AGE:  # type: ignore[operator]
            errors["birth_date"] = _("The birth date gives an age over {n} years.").format(n=MAX_AGE)
        clean.estimated_age = None
    elif clean.estimated_age is not None and not 0 <= clean.estimated_age <= MAX_AGE:
        errors["birth_date"] = _("The estimated age must be between 0 and {n} years.").format(n=MAX_AGE)
    if clean.nationality is not None:
        from babel import Locale

        if clean.nationality not in Locale.parse("en").territories or not clean.nationality.isalpha():
            errors["nationality"] = _("Unknown country code: {code}").format(code=clean.nationality)
    if clean.population_type not in POPULATION_TYPES:
        errors["population_type"] = _("Choose the population type.")
    if clean.arrival_date is not None:
        if clean.arrival_date > today:
            errors["arrival_date"] = _("The arrival date is in the future.")
        elif clean.birth_date is not None and clean.arrival_date < clean.birth_date:
            errors["arrival_date"] = _("The arrival date is before the birth date.")
    if clean.phone and not re.fullmatch(r"\+?[0-9 ()\-.]{7,24}", clean.phone):
        errors["phone"] = _("A phone number has digits, spaces, dashes and an optional leading +.")
    for code in clean.languages:
        if not re.fullmatch(r"[a-z]{2,3}", code):
            errors["languages"] = _("Unknown language code: {code}").format(code=code)
    _ensure_catalogs(session, "system")
    doc_type = session.scalar(select(CatalogItem).where(
        CatalogItem.catalog == "document_type", CatalogItem.code == clean.document_type).limit(1))
    if doc_type is None:
        errors["document_type"] = _("Choose a document type.")
    elif clean.document_type == NO_DOCUMENT:
        clean.document_number = ""
    else:
        norm = normalize_document(clean.document_number)
        if not norm:
            errors["document_number"] = _("Enter the document number, or choose \"No document\".")
        elif doc_type.pattern and not re.fullmatch(doc_type.pattern, norm):
            errors["document_number"] = _("This does not look like a {type} number. Check it for a missing "
                                          "or extra digit.").format(type=_catalog_label(doc_type))
        else:
            other = session.execute(select(Person.id, Person.given_names, Person.family_name_1,
                                           Person.family_name_2).where(
                Person.document_type == clean.document_type, Person.document_number_norm == norm,
                Person.deleted_at.is_(None), Person.id != (person_id or uuid.UUID(int=0))).limit(1)).first()
            if other is not None:
                errors["document_number"] = _("{name} is already registered with this document. Open that "
                                              "record instead of registering the person twice.").format(
                    name=full_name(other[1], other[2], other[3]))
    if clean.needs:
        known = set(session.scalars(select(CatalogItem.code).where(CatalogItem.catalog == "specific_need")))
        unknown = [n for n in clean.needs if n not in known]
        if unknown:
            errors["needs"] = _("Unknown specific need: {code}").format(code=", ".join(unknown))
    if clean.ethnicity not in (None, NOT_ASKED) and not session.scalar(select(CatalogItem.id).where(
            CatalogItem.catalog == "ethnicity", CatalogItem.code == clean.ethnicity).limit(1)):
        errors["ethnicity"] = _("Choose how the person identifies from the list, or \"Not asked\".")
    if clean.lgbtiq not in (None, NOT_ASKED, *LGBTIQ_ANSWERS):
        errors["lgbtiq"] = _("Choose the person's answer from the list, or \"Not asked\".")
    if errors:
        if len(errors) == 1:
            raise ValidationError(next(iter(errors.values())), errors)
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return clean


def _values(form: PersonForm, today: date | None = None) -> dict:
    birth, estimated = form.birth_date, False
    if birth is None and form.estimated_age is not None:
        birth, estimated = birth_date_from_age(form.estimated_age, today), True
    return dict(given_names=form.given_names, family_name_1=form.family_name_1, family_name_2=form.family_name_2,
                sex=form.sex, gender_identity=form.gender_identity, birth_date=birth,
                birth_date_estimated=estimated, nationality=form.nationality, document_type=form.document_type,
                document_number=form.document_number, document_number_norm=normalize_document(form.document_number),
                phone=form.phone, address=form.address, municipality=form.municipality,
                population_type=form.population_type, arrival_date=form.arrival_date,
                languages=",".join(form.languages),
                search_name=normalize(full_name(form.given_names, form.family_name_1, form.family_name_2)))


def _self_identification(form: PersonForm, allowed: bool) -> dict:
    """The sensitive self-declared answers to store: only for a role that may see them, and not None."""
    if not allowed:
        return {}
    return {name: getattr(form, name) for name in ("ethnicity", "lgbtiq") if getattr(form, name) is not None}


# -- the search index -------------------------------------------------------------------------


def name_terms(*parts: str) -> set[str]:
    return {word for part in parts for word in normalize(part).split() if word}


def _index_person(session: Session, person_id: uuid.UUID, terms: set[str]) -> None:
    session.execute(delete(PersonSearchLink).where(PersonSearchLink.person_id == person_id))
    if not terms:
        return
    known = dict(session.execute(select(PersonSearchTerm.term, PersonSearchTerm.id).where(
        PersonSearchTerm.term.in_(terms))).all())
    for term in sorted(terms - known.keys()):
        try:
            with session.begin_nested():  # on a shared server another seat may add the same word meanwhile
                known[term] = session.execute(insert(PersonSearchTerm).values(term=term)).inserted_primary_key[0]
        except IntegrityError:
            known[term] = session.scalar(select(PersonSearchTerm.id).where(PersonSearchTerm.term == term))
    session.execute(insert(PersonSearchLink), [{"term_id": known[t], "person_id": person_id} for t in terms])


class _Vocabulary:
    """The name words of one database, loaded once and topped up with words added since (ids only grow)."""

    def __init__(self) -> None:
        self.max_id = 0
        self.terms: list[str] = []  # sorted, for prefix lookups
        self.ids: list[int] = []
        self.lock = threading.Lock()

    def refresh(self, session: Session) -> None:
        top = session.scalar(select(func.max(PersonSearchTerm.id))) or 0
        if top == self.max_id:
            return
        with self.lock:
            if top < self.max_id:  # a different (restored) database: start again
                self.__init__()
            rows = session.execute(select(PersonSearchTerm.term, PersonSearchTerm.id).where(
                PersonSearchTerm.id > self.max_id)).all()
            pairs = sorted([*zip(self.terms, self.ids, strict=True), *rows])
            self.terms = [p[0] for p in pairs]
            self.ids = [p[1] for p in pairs]
            self.max_id = top

    def matches(self, word: str, fuzzy: bool = True, limit: int = 400) -> list[int]:
        """Ids of words starting with ``word``; with ``fuzzy``, also those 1–2 edits away (by its length)."""
        from rapidfuzz import process
        from rapidfuzz.distance import Levenshtein

        found: dict[int, int] = {}
        if len(word) >= 2 or len(self.terms) < 5000:
            start = bisect.bisect_left(self.terms, word)
            stop = bisect.bisect_left(self.terms, word + "\uffff")
            for i in range(start, min(stop, start + limit)):
                found[self.ids[i]] = 0 if self.terms[i] == word else 1
        max_edits = 0 if len(word) <= 3 else 1 if len(word) <= 7 else 2
        if fuzzy and max_edits:
            for _term, distance, index in process.extract(word, self.terms, scorer=Levenshtein.distance,
                                                          score_cutoff=max_edits, limit=limit):
                found.setdefault(self.ids[index], distance + 1)
        best = sorted(found.items(), key=lambda kv: kv[1])[:limit]
        return [term_id for term_id, _d in best]


_vocabularies: dict[str, _Vocabulary] = {}


def _vocabulary(ctx_db_url: str, session: Session) -> _Vocabulary:
    vocab = _vocabularies.setdefault(ctx_db_url, _Vocabulary())
    vocab.refresh(session)
    return vocab


def _candidate_ids(session: Session, vocab: _Vocabulary, words: list[str], cap: int,
                   fuzzy: bool = True) -> list[uuid.UUID]:
    """People carrying a match for every word (SQL intersection); [] when a word matches nothing.

    Without ``fuzzy`` a word matches the words it starts; with it, a word that matches nothing so
    is widened to words one or two edits away (a typo), while the others stay exact.
    """
    groups = []
    for word in words:
        group = vocab.matches(word, fuzzy=False)
        if not group and fuzzy:
            group = vocab.matches(word, fuzzy=True)
        groups.append(group)
    return _intersect(session, groups, cap)


def _intersect(session: Session, groups: list[list[int]], cap: int) -> list[uuid.UUID]:
    if not groups or any(not g for g in groups):
        return []
    groups = sorted(groups, key=len)
    first = aliased(PersonSearchLink)
    stmt = select(first.person_id).where(first.term_id.in_(groups[0]))
    for group in groups[1:]:
        other = aliased(PersonSearchLink)
        stmt = stmt.join(other, and_(other.person_id == first.person_id, other.term_id.in_(group)))
    return list(dict.fromkeys(session.scalars(stmt.limit(cap * 2))))[:cap]


def name_score(query_words: list[str], name_words: list[str]) -> float:
    """0–100: each typed word against its best name word (same 100, start of it 95, else similarity),
    averaged, less one point per name word left unmatched. Word order does not matter."""
    from rapidfuzz import fuzz

    if not query_words or not name_words:
        return 0.0
    total = 0.0
    for word in query_words:
        best = 0.0
        for candidate in name_words:
            if candidate == word:
                best = 100.0
                break
            best = max(best, 95.0 if candidate.startswith(word) else fuzz.ratio(word, candidate))
        total += best
    return total / len(query_words) - max(0, len(name_words) - len(query_words))


def _rank(query: str, rows: Iterable[tuple], limit: int) -> list[PersonRow]:
    words = query.split()
    scored = [(name_score(words, values[-1].split()), values) for values in rows]
    scored.sort(key=lambda sv: (-sv[0], sv[1][-1]))
    return [_row(v, s) for s, v in scored[:limit]]


def search_in_session(session: Session, db_key: str, text: str, limit: int = 50) -> list[PersonRow]:
    query = normalize(text)
    if not query:
        return []
    words = query.split()
    name_words = [w for w in words if not any(ch.isdigit() for ch in w)]
    results: dict[uuid.UUID, PersonRow] = {}
    doc = normalize_document(text)
    if any(ch.isdigit() for ch in doc) and len(doc) >= 3:
        # A Venezuelan cédula is often said without its letter: "12345678" finds "V-12.345.678".
        for prefix in [doc] + ([f"V{doc}", f"E{doc}"] if doc.isdigit() else []):
            stmt = select(*_ROW_COLUMNS).where(Person.document_number_norm >= prefix,
                                               Person.document_number_norm < prefix + "~",
                                               Person.deleted_at.is_(None)).limit(limit - len(results))
            for values in session.execute(stmt):
                results.setdefault(values[0], _row(values, 100.0 if prefix == doc else 99.0))
            if len(results) >= limit:
                break
    if name_words:
        vocab = _vocabulary(db_key, session)
        cap = max(limit * 3, 150)
        # Exact and prefix matches first; typo-tolerant matches only when those do not fill the page.
        ids = _candidate_ids(session, vocab, name_words, cap)
        if len(ids) < limit:  # few exact matches: widen every word to its near spellings too
            every = _intersect(session, [vocab.matches(w, fuzzy=True) for w in name_words], cap)
            ids = list(dict.fromkeys(ids + every))
        relaxed = False
        if not ids and len(name_words) > 1:  # one word has a bad typo: take who matches the others
            relaxed = True
            for skip in range(len(name_words)):
                ids += _candidate_ids(session, vocab, name_words[:skip] + name_words[skip + 1:], cap)
        if ids:
            rows = session.execute(select(*_ROW_COLUMNS, Person.search_name).where(
                Person.id.in_(ids[:cap * 2]), Person.deleted_at.is_(None))).all()
            for row in _rank(" ".join(name_words), rows, limit):
                if not relaxed or row.score >= 60:
                    results.setdefault(row.id, row)
    ordered = sorted(results.values(), key=lambda r: -r.score)
    return ordered[:limit]


def search_people(ctx: AppContext, text: str, limit: int = 50) -> list[PersonRow]:
    """Names and document numbers, tolerant of accents, case, word order and a typo; best match first."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return search_in_session(session, str(ctx.db.url), text, limit)


# -- likely duplicates ------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateCandidate:
    row: PersonRow
    score: float
    reasons: list[str]


def likely_duplicates(ctx: AppContext, form: PersonForm, exclude_id: uuid.UUID | None = None,
                      limit: int = 5) -> list[DuplicateCandidate]:
    """People who may be the one being typed: same document, or similar names (and the same birth date)."""
    from rapidfuzz import fuzz

    ctx.require(Permission.VIEW_PEOPLE)
    found: dict[uuid.UUID, DuplicateCandidate] = {}
    name = normalize(full_name(form.given_names, form.family_name_1, form.family_name_2))
    with ctx.db.session() as session:
        doc = normalize_document(form.document_number) if form.document_type != NO_DOCUMENT else ""
        if len(doc) >= 4:
            for values in session.execute(select(*_ROW_COLUMNS).where(
                    Person.document_number_norm == doc, Person.deleted_at.is_(None)).limit(limit)):
                found[values[0]] = DuplicateCandidate(_row(values, 100), 100, [_("same document number")])
        given = normalize(form.given_names).split()
        family = normalize(form.family_name_1).split()
        if given and family:
            vocab = _vocabulary(str(ctx.db.url), session)
            ids = _candidate_ids(session, vocab, [given[0], family[0]], 200)
            rows = session.execute(select(*_ROW_COLUMNS, Person.search_name).where(
                Person.id.in_(ids), Person.deleted_at.is_(None))).all() if ids else []
            for values in rows:
                name_score = (0.6 * fuzz.token_set_ratio(name, values[-1])
                              + 0.4 * fuzz.token_sort_ratio(name, values[-1]))
                reasons = [_("similar name")]
                score = name_score
                if form.birth_date and values[5] == form.birth_date:
                    score += 15
                    reasons.append(_("same birth date"))
                elif form.birth_date and values[5] and values[5] != form.birth_date:
                    score -= 10
                if score >= 85 and values[0] not in found:
                    found[values[0]] = DuplicateCandidate(_row(values, score), min(score, 100.0), reasons)
    found.pop(exclude_id, None)  # type: ignore[arg-type]
    return sorted(found.values(), key=lambda c: -c.score)[:limit]


# -- reading ----------------------------------------------------------------------------------


def _load(session: Session, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.deleted_at is not None:
        if person is not None and person.merged_into_id is not None:
            raise NotFound(_("This record was merged into another one; search for the person again."))
        raise NotFound(_("That person is no longer in the register."))
    return person


def consent_state(session: Session, person_id: uuid.UUID) -> ConsentState:
    scopes = set(session.scalars(select(Consent.scope).where(Consent.person_id == person_id,
                                                             Consent.withdrawn_at.is_(None))))
    return ConsentState("registration" in scopes, "share_with_services" in scopes, "follow_up_contact" in scopes)


def _record(session: Session, person: Person, sensitive: bool) -> PersonRecord:
    membership = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person.id))
    household = session.get(Household, membership.household_id) if membership else None
    members: list[HouseholdMemberInfo] = []
    if household is not None:
        for m, p in session.execute(select(HouseholdMember, Person).join(Person, Person.id == HouseholdMember.person_id)
                                    .where(HouseholdMember.household_id == household.id)
                                    .order_by(Person.birth_date)):
            members.append(HouseholdMemberInfo(p.id, full_name(p.given_names, p.family_name_1, p.family_name_2),
                                               m.relationship, age_on(p.birth_date)))
    needs = sorted(session.scalars(select(PersonNeed.need_code).where(PersonNeed.person_id == person.id))) \
        if sensitive else None
    doc_label = catalog_labels(session, "document_type").get(person.document_type, person.document_type)
    identity = dict(ethnicity=person.ethnicity, ethnicity_label=ethnicity_label(session, person.ethnicity),
                    lgbtiq=person.lgbtiq) if sensitive else {}
    return PersonRecord(
        person.id, person.given_names, person.family_name_1, person.family_name_2, person.sex,
        person.gender_identity, person.birth_date, person.birth_date_estimated, person.nationality,
        person.document_type, doc_label, person.document_number, person.phone, person.address, person.municipality,
        person.population_type, person.arrival_date, [c for c in person.languages.split(",") if c], needs,
        household.id if household else None, household.name if household else "",
        membership.relationship if membership else "", members, consent_state(session, person.id),
        person.anonymized_at is not None, person.version, person.updated_by, person.created_at, **identity)


def get_person(ctx: AppContext, person_id: uuid.UUID, *, log_view: bool = True) -> PersonRecord:
    """Open a person's record. Writes a "view" audit event; specific needs and the self-declared ethnic and
    LGBTIQ+ identification only for clerks and supervisors."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.transaction() as session:
        person = _load(session, person_id)
        sensitive = ctx.can(Permission.VIEW_SENSITIVE)
        if log_view:  # the event names the sensitive fields shown (never their values)
            audit.record(session, ctx.username, "view", "person", person.id, SENSITIVE_FIELDS if sensitive else ())
        return _record(session, person, sensitive)


def count_people(ctx: AppContext) -> int:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return session.scalar(select(func.count()).select_from(Person).where(Person.deleted_at.is_(None))) or 0


def people_page(ctx: AppContext, offset: int, limit: int, *, self_identification: bool = False) -> list[PersonRow]:
    """Rows ``offset``… of the register in alphabetical order (family names first): for lazy tables.
    With ``self_identification``, rows carry the ethnic and LGBTIQ+ codes when the role may see them."""
    ctx.require(Permission.VIEW_PEOPLE)
    identity = self_identification and ctx.can(Permission.VIEW_SENSITIVE)
    with ctx.db.session() as session:
        # The page's ids come from the ix_person_list_order index alone (fast at any offset); then their rows.
        ids = list(session.scalars(select(Person.id).where(Person.deleted_at.is_(None))
                                   .order_by(Person.family_name_1, Person.family_name_2, Person.given_names,
                                             Person.id).offset(offset).limit(limit)))
        if not ids:
            return []
        extra = (Person.ethnicity, Person.lgbtiq) if identity else ()
        rows = {v[0]: _row(v) if not identity else replace(_row(v), ethnicity=v[11], lgbtiq=v[12])
                for v in session.execute(select(*_ROW_COLUMNS, *extra).where(Person.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]


def with_self_identification(ctx: AppContext, rows: list[PersonRow]) -> list[PersonRow]:
    """The same rows carrying their ethnic and LGBTIQ+ codes; unchanged when the role may not see them."""
    ctx.require(Permission.VIEW_PEOPLE)
    if not rows or not ctx.can(Permission.VIEW_SENSITIVE):
        return rows
    with ctx.db.session() as session:
        found = {pid: (e, g) for pid, e, g in session.execute(
            select(Person.id, Person.ethnicity, Person.lgbtiq).where(Person.id.in_([r.id for r in rows])))}
    return [replace(r, ethnicity=found[r.id][0], lgbtiq=found[r.id][1]) if r.id in found else r for r in rows]


def iter_people(ctx: AppContext, batch: int = 2000, *, self_identification: bool = False) -> Iterable[PersonRow]:
    """Every person in the register, alphabetically, in batches (CLI export); ``self_identification`` as in
    :func:`people_page`."""
    ctx.require(Permission.VIEW_PEOPLE)
    offset = 0
    while True:
        rows = people_page(ctx, offset, batch, self_identification=self_identification)
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


# -- writing ----------------------------------------------------------------------------------


def _set_needs(session: Session, person_id: uuid.UUID, needs: list[str]) -> bool:
    current = set(session.scalars(select(PersonNeed.need_code).where(PersonNeed.person_id == person_id)))
    if current == set(needs):
        return False
    session.execute(delete(PersonNeed).where(PersonNeed.person_id == person_id))
    if needs:
        session.execute(insert(PersonNeed), [{"person_id": person_id, "need_code": n} for n in needs])
    return True


def register_person(ctx: AppContext, form: PersonForm, household_id: uuid.UUID | None = None,
                    relationship: str = "head") -> PersonRecord:
    """Register a new person (optionally into a household). Raises ValidationError naming each wrong field."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        clean = validate_person(session, form)
        identity = _self_identification(clean, ctx.can(Permission.VIEW_SENSITIVE))
        person = Person(**_values(clean), **identity, created_by=ctx.username, updated_by=ctx.username)
        session.add(person)
        session.flush()
        _index_person(session, person.id, name_terms(clean.given_names, clean.family_name_1, clean.family_name_2))
        fields = [k for k, v in {**_values(clean), **identity}.items() if v not in ("", None, False, NOT_ASKED)]
        if clean.needs and ctx.can(Permission.VIEW_SENSITIVE):
            _set_needs(session, person.id, clean.needs)
            fields.append("needs")
        if household_id is not None:
            _join_household(session, ctx.username, person.id, household_id, relationship)
        audit.record(session, ctx.username, "create", "person", person.id, fields)
        return _record(session, person, ctx.can(Permission.VIEW_SENSITIVE))


def update_person(ctx: AppContext, person_id: uuid.UUID, form: PersonForm,
                  expected_version: int | None) -> PersonRecord:
    """Save changes; refuses (ConflictError) when someone saved the record after ``expected_version``."""
    ctx.require(Permission.EDIT_PEOPLE)

    def fresh():
        with ctx.db.session() as s:
            return s.get(Person, person_id)

    with guard_stale(fresh), ctx.db.transaction() as session:
        person = _load(session, person_id)
        check_version(person, expected_version)
        if person.anonymized_at is not None:
            raise ValidationError(_("This record was anonymized and can no longer be edited."))
        clean = validate_person(session, form, person_id)
        values = {**_values(clean), **_self_identification(clean, ctx.can(Permission.VIEW_SENSITIVE))}
        if person.birth_date_estimated and clean.birth_date is None and clean.estimated_age is not None \
                and age_on(person.birth_date) == clean.estimated_age:
            values["birth_date"] = person.birth_date  # unchanged estimate: keep the stored date
        changed = apply_changes(person, values, ctx.username)
        if clean.needs is not None and ctx.can(Permission.VIEW_SENSITIVE) and _set_needs(session, person.id,
                                                                                         clean.needs):
            if not changed:  # only the needs changed: touch the row so its version moves (stale forms refused)
                person.updated_by = ctx.username
                person.updated_at = utcnow()
            changed.append("needs")
        if {"given_names", "family_name_1", "family_name_2"} & set(changed):
            _index_person(session, person.id, name_terms(clean.given_names, clean.family_name_1,
                                                         clean.family_name_2))
        if changed:
            audit.record(session, ctx.username, "update", "person", person.id, changed)
        session.flush()
        return _record(session, person, ctx.can(Permission.VIEW_SENSITIVE))


# -- households -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HouseholdInfo:
    id: uuid.UUID
    name: str
    address: str
    municipality: str
    members: list[HouseholdMemberInfo]
    version: int


def _household_info(session: Session, household: Household) -> HouseholdInfo:
    members = [HouseholdMemberInfo(p.id, full_name(p.given_names, p.family_name_1, p.family_name_2),
                                   m.relationship, age_on(p.birth_date))
               for m, p in session.execute(select(HouseholdMember, Person)
                                           .join(Person, Person.id == HouseholdMember.person_id)
                                           .where(HouseholdMember.household_id == household.id)
                                           .order_by(Person.birth_date))]
    return HouseholdInfo(household.id, household.name, household.address, household.municipality, members,
                         household.version)


def _join_household(session: Session, by: str, person_id: uuid.UUID, household_id: uuid.UUID,
                    relationship: str) -> None:
    if relationship not in RELATIONSHIPS:
        raise ValidationError(_("Choose the relationship to the household."), {"relationship": _("Required")})
    household = session.get(Household, household_id)
    if household is None or household.deleted_at is not None:
        raise NotFound(_("That household no longer exists."))
    membership = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person_id))
    if membership is not None:  # one household at a time: moving leaves the previous one
        if membership.household_id == household_id and membership.relationship == relationship:
            return
        audit.record(session, by, "update", "household", membership.household_id, ["members"])
        session.delete(membership)
        session.flush()
    session.add(HouseholdMember(household_id=household_id, person_id=person_id, relationship=relationship,
                                joined_on=date.today(), created_by=by, updated_by=by))
    audit.record(session, by, "update", "household", household_id, ["members"])
    session.flush()


def create_household(ctx: AppContext, head_id: uuid.UUID, name: str = "", address: str = "",
                     municipality: str = "") -> HouseholdInfo:
    """A new household with ``head_id`` as its head (who leaves any previous household)."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        head = _load(session, head_id)
        household = Household(name=name.strip() or _("Household {family}").format(
            family=full_name(head.family_name_1, head.family_name_2)), address=address.strip() or head.address,
            municipality=municipality.strip() or head.municipality, created_by=ctx.username,
            updated_by=ctx.username)
        session.add(household)
        session.flush()
        audit.record(session, ctx.username, "create", "household", household.id, ["name", "address"])
        _join_household(session, ctx.username, head.id, household.id, "head")
        return _household_info(session, household)


def add_to_household(ctx: AppContext, household_id: uuid.UUID, person_id: uuid.UUID,
                     relationship: str) -> HouseholdInfo:
    """Put a person in a household (leaving any other: one household at a time)."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        _load(session, person_id)
        _join_household(session, ctx.username, person_id, household_id, relationship)
        return _household_info(session, session.get(Household, household_id))  # type: ignore[arg-type]


def remove_from_household(ctx: AppContext, person_id: uuid.UUID) -> None:
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        membership = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person_id))
        if membership is not None:
            audit.record(session, ctx.username, "update", "household", membership.household_id, ["members"])
            session.delete(membership)


def get_household(ctx: AppContext, household_id: uuid.UUID) -> HouseholdInfo:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        household = session.get(Household, household_id)
        if household is None or household.deleted_at is not None:
            raise NotFound(_("That household no longer exists."))
        return _household_info(session, household)


# -- merge and anonymize ----------------------------------------------------------------------


def merge_people(ctx: AppContext, keep_id: uuid.UUID, other_id: uuid.UUID) -> PersonRecord:
    """Supervisor: fold ``other`` into ``keep``. Every referral, case and consent moves (their events with them);
    blanks of ``keep`` are filled from ``other``; ``other`` is kept as a deleted row pointing to ``keep``."""
    ctx.require(Permission.MERGE_PEOPLE)
    if keep_id == other_id:
        raise ValidationError(_("Choose two different records to merge."))
    with ctx.db.transaction() as session:
        keep, other = _load(session, keep_id), _load(session, other_id)
        if keep.document_number_norm and other.document_number_norm and (
                keep.document_type, keep.document_number_norm) != (other.document_type, other.document_number_norm) \
                and keep.document_type == other.document_type:
            raise ValidationError(_("These two records have different numbers for the same document type; they "
                                    "look like two different people. Correct the document first."))
        filled = []
        for name in ("gender_identity", "birth_date", "nationality", "phone", "address", "municipality",
                     "arrival_date", "languages", "family_name_2"):
            if getattr(keep, name) in ("", None) and getattr(other, name) not in ("", None):
                setattr(keep, name, getattr(other, name))
                filled.append(name)
        if keep.document_type == NO_DOCUMENT and other.document_type != NO_DOCUMENT:
            keep.document_type, keep.document_number = other.document_type, other.document_number
            keep.document_number_norm = other.document_number_norm
            filled.append("document_number")
        if "birth_date" in filled:
            keep.birth_date_estimated = other.birth_date_estimated
        for name in ("ethnicity", "lgbtiq"):  # an answer given in either record is kept (the kept one's first)
            if getattr(keep, name) == NOT_ASKED and getattr(other, name) != NOT_ASKED:
                setattr(keep, name, getattr(other, name))
                filled.append(name)
        moved = {}
        for model in (Referral, Case, Consent):
            result = session.execute(update(model).where(model.person_id == other.id).values(person_id=keep.id)
                                     .execution_options(synchronize_session=False))
            moved[model.__tablename__] = result.rowcount
        needs = set(session.scalars(select(PersonNeed.need_code).where(PersonNeed.person_id.in_((keep.id,
                                                                                                 other.id)))))
        _set_needs(session, keep.id, sorted(needs))
        session.execute(delete(PersonNeed).where(PersonNeed.person_id == other.id))
        keep_home = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == keep.id))
        other_home = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == other.id))
        if other_home is not None:
            if keep_home is None:
                other_home.person_id = keep.id
            else:
                session.delete(other_home)
        session.execute(delete(PersonSearchLink).where(PersonSearchLink.person_id == other.id))
        other.deleted_at, other.deleted_by, other.merged_into_id = utcnow(), ctx.username, keep.id
        other.updated_by = keep.updated_by = ctx.username
        if not filled:
            keep.updated_at = utcnow()
        audit.record(session, ctx.username, "merge", "person", keep.id, filled,
                     {"merged": str(other.id), **moved})
        audit.record(session, ctx.username, "merge", "person", other.id, [], {"merged_into": str(keep.id)})
        session.flush()
        return _record(session, keep, ctx.can(Permission.VIEW_SENSITIVE))


ANONYMIZED = "—"


def anonymize_person(ctx: AppContext, person_id: uuid.UUID, password: str) -> None:
    """Administrator: replace names, document, phone, address and birth date (keeping the birth year for
    age statistics) and free texts about the person, and clear the self-declared ethnic and LGBTIQ+
    identification (back to "not asked": in a small community they can point to one person); sex,
    nationality, population type, municipality, needs, cases and referrals stay for the figures.
    Asks again for the administrator's password."""
    from desktop.services.security.auth import confirm_password

    ctx.require(Permission.ANONYMIZE_PEOPLE)
    confirm_password(ctx, password)
    from desktop.store.models import CaseNote

    with ctx.db.transaction() as session:
        person = _load(session, person_id)
        if person.anonymized_at is not None:
            raise ValidationError(_("This record is already anonymized."))
        person.given_names = _("Anonymized person")
        person.family_name_1 = ANONYMIZED
        person.family_name_2 = ""
        person.gender_identity = ""
        person.document_number = person.document_number_norm = ""
        person.document_type = NO_DOCUMENT
        person.phone = person.address = ""
        person.ethnicity = person.lgbtiq = NOT_ASKED
        if person.birth_date is not None:
            person.birth_date = date(person.birth_date.year, 7, 1)
            person.birth_date_estimated = True
        person.search_name = ""
        person.anonymized_at = utcnow()
        person.updated_by = ctx.username
        session.execute(delete(PersonSearchLink).where(PersonSearchLink.person_id == person.id))
        session.execute(update(Consent).where(Consent.person_id == person.id).values(witness_name="",
                                                                                      withdrawal_note=""))
        case_ids = select(Case.id).where(Case.person_id == person.id).scalar_subquery()
        session.execute(update(CaseNote).where(CaseNote.case_id.in_(case_ids)).values(text=ANONYMIZED)
                        .execution_options(synchronize_session=False))
        session.execute(update(Referral).where(Referral.person_id == person.id).values(reason="", outcome="")
                        .execution_options(synchronize_session=False))
        audit.record(session, ctx.username, "anonymize", "person", person.id,
                     ["given_names", "family_name_1", "family_name_2", "document_number", "phone", "address",
                      "birth_date", "ethnicity", "lgbtiq", "case_notes", "referral_texts"])


def nationality_label(code: str | None) -> str:
    return country_name(code) if code else _("Unknown")


__all__ = ["ConsentState", "PersonForm", "PersonRecord", "PersonRow", "get_person", "register_person",
           "search_people"]
