"""The service directory: Open Referral HSDS 3.0 tables, and Enlace's local extensions kept apart.

Every HSDS table of the 3.0 tabular descriptor (``shared/reference/hsds-3.0-datapackage.json``) has
one class here, with the standard's table name and field names, so import and export map one to
one. Two HSDS fields collide with columns every Enlace entity has and are renamed (see
``HSDS_COLUMN_RENAMES``): ``taxonomy.version`` is stored as ``taxonomy_version`` and
``metadata.updated_by`` as ``hsds_updated_by``.

**Identifiers.** The HSDS ``id`` (a UUID in HSDS 3.0) *is* the primary key ``id`` of every table:
an imported record keeps its id, re-importing a package updates by id, an export writes the same
ids back, and other areas reference rows by it (referrals hold ``service.id``). Records created in
Enlace get a fresh ``uuid4``, which is a valid HSDS id.

**References.** Required HSDS references (``service.organization_id``, ``service_at_location``'s
service and location, ``cost_option.service_id``, ``program.organization_id``,
``organization_identifier.organization_id``, ``attribute.taxonomy_term_id``) are real foreign
keys. Optional references (a parent organization, a contact's organization, a term's taxonomy, a
phone's location, …) are plain indexed UUID columns without a database constraint: partner
packages often point at records they do not include, and such a dangling reference is kept and
exported again unchanged.

**Local extensions** (not part of HSDS, never exported) live in ``service_extension``, one row per
service: ``accepts_referrals``, the referral contact person/phone/email, ``last_verified_on``/``by``,
internal notes, and three derived columns kept up to date by the directory service: ``search_text``
(the accent- and case-folded text the directory search matches with a plain substring test, which
works on SQLite and PostgreSQL alike), ``sort_key``, ``municipality`` and ``listed`` (so the list
needs no joins to filter, count and sort).

Categories and the population served are HSDS ``attribute`` rows linking a service to a
``taxonomy_term``; Enlace's own taxonomies have the fixed ids below.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import Boolean, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from desktop.store.base import Entity, SoftDelete

#: (HSDS table, HSDS field) → attribute/column name, where the field name is taken by ``Entity``.
HSDS_COLUMN_RENAMES: dict[tuple[str, str], str] = {
    ("taxonomy", "version"): "taxonomy_version",
    ("metadata", "updated_by"): "hsds_updated_by",
}

#: Enlace's service category taxonomy (education, health, legal aid, …).
CATEGORY_TAXONOMY_ID = uuid.UUID("6f1c5a8e-2d1b-4c0e-9a57-0e3b7c1d2a01")
#: Enlace's "population served" taxonomy (in destination, in transit, pendular, returnee, host community).
POPULATION_TAXONOMY_ID = uuid.UUID("6f1c5a8e-2d1b-4c0e-9a57-0e3b7c1d2a02")


class Organization(SoftDelete, Entity):
    """HSDS ``organization`` (organizations.csv)."""

    __tablename__ = "organization"

    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(Text, default=None)
    website: Mapped[str | None] = mapped_column(Text, default=None)
    tax_status: Mapped[str | None] = mapped_column(Text, default=None)
    tax_id: Mapped[str | None] = mapped_column(Text, default=None)
    year_incorporated: Mapped[float | None] = mapped_column(Float, default=None)
    legal_status: Mapped[str | None] = mapped_column(Text, default=None)
    logo: Mapped[str | None] = mapped_column(Text, default=None)
    uri: Mapped[str | None] = mapped_column(Text, default=None)
    parent_organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)


class Program(Entity):
    """HSDS ``program`` (programs.csv)."""

    __tablename__ = "program"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str] = mapped_column(Text)


class Service(SoftDelete, Entity):
    """HSDS ``service`` (services.csv)."""

    __tablename__ = "service"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    program_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    name: Mapped[str] = mapped_column(Text)
    alternate_name: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)
    email: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[str] = mapped_column(String(32))
    interpretation_services: Mapped[str | None] = mapped_column(Text, default=None)
    application_process: Mapped[str | None] = mapped_column(Text, default=None)
    fees_description: Mapped[str | None] = mapped_column(Text, default=None)
    wait_time: Mapped[str | None] = mapped_column(Text, default=None)
    fees: Mapped[str | None] = mapped_column(Text, default=None)
    accreditations: Mapped[str | None] = mapped_column(Text, default=None)
    eligibility_description: Mapped[str | None] = mapped_column(Text, default=None)
    minimum_age: Mapped[float | None] = mapped_column(Float, default=None)
    maximum_age: Mapped[float | None] = mapped_column(Float, default=None)
    assured_date: Mapped[date | None] = mapped_column(default=None)
    assurer_email: Mapped[str | None] = mapped_column(Text, default=None)
    licenses: Mapped[str | None] = mapped_column(Text, default=None)
    alert: Mapped[str | None] = mapped_column(Text, default=None)
    last_modified: Mapped[datetime | None] = mapped_column(default=None)

    organization: Mapped[Organization] = relationship(viewonly=True)
    extension: Mapped[ServiceExtension | None] = relationship(back_populates="service", cascade="all, delete-orphan")


class Attribute(Entity):
    """HSDS ``attribute`` (attributes.csv)."""

    __tablename__ = "attribute"

    link_id: Mapped[uuid.UUID] = mapped_column(index=True)
    taxonomy_term_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("taxonomy_term.id"), index=True)
    link_type: Mapped[str | None] = mapped_column(Text, default=None)
    link_entity: Mapped[str] = mapped_column(Text)
    value: Mapped[str | None] = mapped_column(Text, default=None)


class ServiceAtLocation(Entity):
    """HSDS ``service_at_location`` (service_at_location.csv)."""

    __tablename__ = "service_at_location"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("location.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class Location(SoftDelete, Entity):
    """HSDS ``location`` (locations.csv)."""

    __tablename__ = "location"

    location_type: Mapped[str] = mapped_column(String(32))
    url: Mapped[str | None] = mapped_column(Text, default=None)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    name: Mapped[str | None] = mapped_column(Text, default=None)
    alternate_name: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    transportation: Mapped[str | None] = mapped_column(Text, default=None)
    latitude: Mapped[float | None] = mapped_column(Float, default=None)
    longitude: Mapped[float | None] = mapped_column(Float, default=None)
    external_identifier: Mapped[str | None] = mapped_column(Text, default=None)
    external_identifier_type: Mapped[str | None] = mapped_column(Text, default=None)


class Phone(Entity):
    """HSDS ``phone`` (phones.csv)."""

    __tablename__ = "phone"

    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    contact_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_at_location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    number: Mapped[str] = mapped_column(Text)
    extension: Mapped[float | None] = mapped_column(Float, default=None)
    type: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)


class Contact(Entity):
    """HSDS ``contact`` (contacts.csv)."""

    __tablename__ = "contact"

    organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_at_location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    name: Mapped[str | None] = mapped_column(Text, default=None)
    title: Mapped[str | None] = mapped_column(Text, default=None)
    department: Mapped[str | None] = mapped_column(Text, default=None)
    email: Mapped[str | None] = mapped_column(Text, default=None)


class Address(Entity):
    """HSDS ``address`` (addresses.csv)."""

    __tablename__ = "address"

    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    attention: Mapped[str | None] = mapped_column(Text, default=None)
    address_1: Mapped[str] = mapped_column(Text)
    address_2: Mapped[str | None] = mapped_column(Text, default=None)
    city: Mapped[str] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(Text, default=None)
    state_province: Mapped[str] = mapped_column(Text)
    postal_code: Mapped[str] = mapped_column(Text)
    country: Mapped[str] = mapped_column(Text)
    address_type: Mapped[str] = mapped_column(String(32))


class Schedule(Entity):
    """HSDS ``schedule`` (schedules.csv)."""

    __tablename__ = "schedule"

    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_at_location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    valid_from: Mapped[date | None] = mapped_column(default=None)
    valid_to: Mapped[date | None] = mapped_column(default=None)
    dtstart: Mapped[date | None] = mapped_column(default=None)
    timezone: Mapped[float | None] = mapped_column(Float, default=None)
    until: Mapped[date | None] = mapped_column(default=None)
    count: Mapped[float | None] = mapped_column(Float, default=None)
    wkst: Mapped[str | None] = mapped_column(String(32), default=None)
    freq: Mapped[str | None] = mapped_column(String(32), default=None)
    interval: Mapped[float | None] = mapped_column(Float, default=None)
    byday: Mapped[str | None] = mapped_column(Text, default=None)
    byweekno: Mapped[str | None] = mapped_column(Text, default=None)
    bymonthday: Mapped[str | None] = mapped_column(Text, default=None)
    byyearday: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    opens_at: Mapped[time | None] = mapped_column(default=None)
    closes_at: Mapped[time | None] = mapped_column(default=None)
    schedule_link: Mapped[str | None] = mapped_column(Text, default=None)
    attending_type: Mapped[str | None] = mapped_column(Text, default=None)
    notes: Mapped[str | None] = mapped_column(Text, default=None)


class Funding(Entity):
    """HSDS ``funding`` (funding.csv)."""

    __tablename__ = "funding"

    organization_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    source: Mapped[str | None] = mapped_column(Text, default=None)


class ServiceArea(Entity):
    """HSDS ``service_area`` (service_areas.csv)."""

    __tablename__ = "service_area"

    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    name: Mapped[str | None] = mapped_column(Text, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    extent: Mapped[str | None] = mapped_column(Text, default=None)
    extent_type: Mapped[str | None] = mapped_column(Text, default=None)
    uri: Mapped[str | None] = mapped_column(Text, default=None)


class RequiredDocument(Entity):
    """HSDS ``required_document`` (required_documents.csv)."""

    __tablename__ = "required_document"

    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    document: Mapped[str | None] = mapped_column(Text, default=None)
    uri: Mapped[str | None] = mapped_column(Text, default=None)


class Language(Entity):
    """HSDS ``language`` (languages.csv)."""

    __tablename__ = "language"

    service_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    phone_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    name: Mapped[str | None] = mapped_column(Text, default=None)
    code: Mapped[str | None] = mapped_column(Text, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class Accessibility(Entity):
    """HSDS ``accessibility`` (accessibility.csv)."""

    __tablename__ = "accessibility"

    location_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    description: Mapped[str | None] = mapped_column(Text, default=None)
    details: Mapped[str | None] = mapped_column(Text, default=None)
    url: Mapped[str | None] = mapped_column(Text, default=None)


class TaxonomyTerm(Entity):
    """HSDS ``taxonomy_term`` (taxonomy_terms.csv)."""

    __tablename__ = "taxonomy_term"

    code: Mapped[str | None] = mapped_column(Text, default=None)
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    taxonomy: Mapped[str | None] = mapped_column(Text, default=None)
    language: Mapped[str | None] = mapped_column(Text, default=None)
    taxonomy_id: Mapped[uuid.UUID | None] = mapped_column(index=True, default=None)
    term_uri: Mapped[str | None] = mapped_column(Text, default=None)


class HsdsMetadata(Entity):
    """HSDS ``metadata`` (metadata.csv)."""

    __tablename__ = "metadata"

    resource_id: Mapped[uuid.UUID] = mapped_column(index=True)
    resource_type: Mapped[str] = mapped_column(Text)
    last_action_date: Mapped[date] = mapped_column()
    last_action_type: Mapped[str] = mapped_column(Text)
    field_name: Mapped[str] = mapped_column(Text)
    previous_value: Mapped[str] = mapped_column(Text)
    replacement_value: Mapped[str] = mapped_column(Text)
    hsds_updated_by: Mapped[str] = mapped_column(Text)


class MetaTableDescription(Entity):
    """HSDS ``meta_table_description`` (meta_table_descriptions.csv)."""

    __tablename__ = "meta_table_description"

    name: Mapped[str | None] = mapped_column(Text, default=None)
    language: Mapped[str | None] = mapped_column(Text, default=None)
    character_set: Mapped[str | None] = mapped_column(Text, default=None)


class CostOption(Entity):
    """HSDS ``cost_option`` (cost_options.csv)."""

    __tablename__ = "cost_option"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    valid_from: Mapped[date | None] = mapped_column(default=None)
    valid_to: Mapped[date | None] = mapped_column(default=None)
    option: Mapped[str | None] = mapped_column(Text, default=None)
    currency: Mapped[str | None] = mapped_column(Text, default=None)
    amount: Mapped[float | None] = mapped_column(Float, default=None)
    amount_description: Mapped[str | None] = mapped_column(Text, default=None)


class OrganizationIdentifier(Entity):
    """HSDS ``organization_identifier`` (organization_identifiers.csv)."""

    __tablename__ = "organization_identifier"

    organization_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("organization.id"), index=True)
    identifier_scheme: Mapped[str | None] = mapped_column(Text, default=None)
    identifier_type: Mapped[str] = mapped_column(Text)
    identifier: Mapped[str] = mapped_column(Text)


class Taxonomy(Entity):
    """HSDS ``taxonomy`` (taxonomies.csv)."""

    __tablename__ = "taxonomy"

    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    uri: Mapped[str | None] = mapped_column(Text, default=None)
    taxonomy_version: Mapped[str | None] = mapped_column(Text, default=None)


class ServiceExtension(Entity):
    """Enlace's local data about a service (not HSDS; never exported)."""

    __tablename__ = "service_extension"

    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), unique=True)
    accepts_referrals: Mapped[bool] = mapped_column(Boolean, default=True)
    referral_contact_name: Mapped[str | None] = mapped_column(Text, default=None)
    referral_contact_phone: Mapped[str | None] = mapped_column(Text, default=None)
    referral_contact_email: Mapped[str | None] = mapped_column(Text, default=None)
    last_verified_on: Mapped[date | None] = mapped_column(default=None, index=True)
    last_verified_by: Mapped[str | None] = mapped_column(String(64), default=None)
    internal_notes: Mapped[str | None] = mapped_column(Text, default=None)
    # Lower-cased, accent-free service name, description, organization and categories.
    search_text: Mapped[str] = mapped_column(Text, default="")
    # Derived for a fast list: folded "service name organization" to sort by, and the first municipality.
    sort_key: Mapped[str] = mapped_column(Text, default="", index=True)
    municipality: Mapped[str] = mapped_column(Text, default="")
    # Shown in the list: status active or temporarily closed, and not deleted.
    listed: Mapped[bool] = mapped_column(Boolean, default=True)

    service: Mapped[Service] = relationship(back_populates="extension")

#: HSDS table name → mapped class, in the descriptor's order.
HSDS_MODELS: dict[str, type[Entity]] = {
    cls.__tablename__: cls
    for cls in (Organization, Program, Service, Attribute, ServiceAtLocation, Location, Phone, Contact,
                Address, Schedule, Funding, ServiceArea, RequiredDocument, Language, Accessibility,
                TaxonomyTerm, HsdsMetadata, MetaTableDescription, CostOption, OrganizationIdentifier,
                Taxonomy)
}
