"""Building directory records for tests through the same service calls the screens use."""

from __future__ import annotations

import uuid

from desktop.services import directory
from desktop.services.core.context import AppContext
from desktop.services.directory import CATEGORY_TAXONOMY_ID, POPULATION_TAXONOMY_ID, HoursForm, PhoneForm, ServiceForm

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR"]


def category(code: str) -> uuid.UUID:
    return directory.term_id(CATEGORY_TAXONOMY_ID, code)


def population(code: str) -> uuid.UUID:
    return directory.term_id(POPULATION_TAXONOMY_ID, code)


def organization(ctx: AppContext, name: str = "Fundación Ayuda Mutua") -> uuid.UUID:
    return directory.save_organization(ctx, directory.OrganizationForm(name, "Apoyo a población migrante."))


def service_form(org_id: uuid.UUID | None, name: str = "Atención psicológica", **overrides) -> ServiceForm:
    values = dict(
        organization_id=org_id, name=name, description="Apoyo emocional individual y grupal.",
        category_ids=[category("psychosocial")], population_ids=[population("in_transit")], languages=["es"],
        address_1="Calle 35 # 12-45", address_2="Centro", city="Bucaramanga", state_province="Santander",
        postal_code="680001", country="CO", phones=[PhoneForm("607 634 5678", "12")],
        hours=[HoursForm(WEEKDAYS, "8:00", "12:00"), HoursForm(WEEKDAYS, "14:00", "17:00")],
        required_documents=["Documento de identidad"], referral_contact_name="Laura Díaz",
        referral_contact_phone="310 555 1234")
    values.update(overrides)
    return ServiceForm(**values)


def add_service(ctx: AppContext, org_id: uuid.UUID, name: str = "Atención psicológica", **overrides) -> uuid.UUID:
    return directory.save_service(ctx, service_form(org_id, name, **overrides))
