"""Shared builders for the people and referral tests: a directory service and a registered person."""

from __future__ import annotations

import uuid
from datetime import date

from desktop.services import directory, people
from desktop.services.core.context import AppContext


def make_service(ctx: AppContext, name: str = "Atención en salud primaria", accepts: bool = True,
                 verified: bool = True) -> uuid.UUID:
    org = directory.save_organization(ctx, directory.OrganizationForm(
        name="Cruz Roja Colombiana", description="Atención humanitaria"))
    form = directory.ServiceForm(
        organization_id=org, name=name, description="Consulta médica general", address_1="Calle 35 # 12-45",
        city="Bucaramanga", state_province="Santander", postal_code="680001",
        phones=[directory.PhoneForm("607 634 5678")],
        hours=[directory.HoursForm(["MO", "TU", "WE", "TH", "FR"], "8:00", "12:00")],
        accepts_referrals=accepts)
    service_id = directory.save_service(ctx, form)
    if verified:
        directory.mark_verified(ctx, service_id)
    return service_id


def person_form(**overrides) -> people.PersonForm:
    values = dict(given_names="José", family_name_1="Pérez", family_name_2="Rodríguez", sex="male",
                  birth_date=date(1990, 5, 17), nationality="VE", document_type="ve_cedula",
                  document_number="V-12.345.678", phone="+57 310 555 1234", address="Cra 15 # 20-30",
                  municipality="Bucaramanga", population_type="destination", arrival_date=date(2023, 2, 1),
                  languages=["es"], needs=["chronic_illness"])
    values.update(overrides)
    return people.PersonForm(**values)
