"""Creating, editing, verifying and removing services and organizations."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from desktop.i18n import _, language_name
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.directory.catalogs import SERVICE_STATUSES, office_now, seed_catalogs
from desktop.services.directory.hours import validate_rrule
from desktop.services.directory.text import (
    _clean,
    normalize,
    parse_clock,
    refresh_search_text,
    valid_email,
    valid_phone,
    valid_url,
)
from desktop.services.security import audit
from desktop.store.base import new_id, utcnow
from desktop.store.models.directory import (
    CATEGORY_TAXONOMY_ID,
    POPULATION_TAXONOMY_ID,
    Address,
    Attribute,
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
