"""A person's form (what the window sends), its validation, and the record the window shows."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _, office_today
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.people.catalogs import (
    LGBTIQ_ANSWERS,
    MAX_AGE,
    NO_DOCUMENT,
    NOT_ASKED,
    POPULATION_TYPES,
    SEXES,
    _catalog_label,
    _ensure_catalogs,
    catalog_labels,
    ethnicity_label,
)
from desktop.services.people.documents import IdentityDocument, _holder, check_more_documents, documents_of
from desktop.services.people.names import age_on, birth_date_from_age, full_name, normalize, normalize_document
from desktop.store.models import (
    CatalogItem,
    Consent,
    Household,
    HouseholdMember,
    Person,
    PersonNeed,
)


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
    # (type code, number) of each document after the first one; None leaves the stored ones as they are.
    more_documents: list[tuple[str, str]] | None = None


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
    documents: tuple[IdentityDocument, ...] = ()  # every document, the first (document_type/number) first

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
                          None if self.needs is None else list(self.needs), self.ethnicity, self.lgbtiq,
                          [(d.document_type, d.number) for d in self.documents[1:]])


def validate_person(session: Session, form: PersonForm, person_id: uuid.UUID | None = None,
                    today: date | None = None) -> PersonForm:
    """Check every field; raise one ValidationError naming all the wrong ones. Returns the cleaned form."""
    today = today or office_today()
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
            holder = _holder(session, clean.document_type, norm, person_id)
            if holder is not None:
                errors["document_number"] = _("{name} is already registered with this document. Open that "
                                              "record instead of registering the person twice.").format(
                    name=holder)
    if clean.more_documents is not None:
        more, problem = check_more_documents(session, (clean.document_type, clean.document_number),
                                             clean.more_documents, person_id)
        clean.more_documents = more
        if problem:
            errors["documents"] = problem
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
    identity["documents"] = tuple(documents_of(session, person.id)) or (
        (IdentityDocument(person.document_type, person.document_number, doc_label),)
        if person.document_type != NO_DOCUMENT else ())
    return PersonRecord(
        person.id, person.given_names, person.family_name_1, person.family_name_2, person.sex,
        person.gender_identity, person.birth_date, person.birth_date_estimated, person.nationality,
        person.document_type, doc_label, person.document_number, person.phone, person.address, person.municipality,
        person.population_type, person.arrival_date, [c for c in person.languages.split(",") if c], needs,
        household.id if household else None, household.name if household else "",
        membership.relationship if membership else "", members, consent_state(session, person.id),
        person.anonymized_at is not None, person.version, person.updated_by, person.created_at, **identity)
