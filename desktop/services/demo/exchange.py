"""Demo offices that exchange bundles with each other.

``enlace demo`` makes the Bucaramanga office (BGA). ``enlace demo --office-code CUC --office-name …``
makes a partner office from the same seed: the same Bucaramanga directory (same ids), which there
belongs to BGA, so its referrals to those services travel to BGA; plus a few services of its own,
which BGA can refer people to once it imports the partner's directory. The two offices still trust
each other by hand (``enlace exchange card`` / ``trust add``), as real offices do.
"""

from __future__ import annotations

from sqlalchemy import select

from desktop.services.demo import DEMO_OFFICE_CODE, DemoBuild
from desktop.store.models import Service

OWN_SERVICES = [
    ("Orientación a personas recién llegadas", "Punto de atención al migrante", "social"),
    ("Asesoría jurídica en regularización", "Consultorio jurídico de la oficina", "legal"),
    ("Primeros auxilios psicológicos", "Equipo psicosocial de la oficina", "psychosocial"),
]


def build(demo: DemoBuild) -> None:
    if demo.office_code == DEMO_OFFICE_CODE or demo.ctx is None:
        return
    from desktop.services import directory, exchange

    demo.progress("exchange")
    with demo.db.transaction() as session:
        partner = list(session.scalars(select(Service.id)))
        exchange.mark_services_owned_by(session, partner, DEMO_OFFICE_CODE)
    org = directory.save_organization(demo.ctx, directory.OrganizationForm(
        name=demo.office_name, description="Oficina municipal de atención a población migrante y refugiada."))
    for name, place, category in OWN_SERVICES:
        directory.save_service(demo.ctx, directory.ServiceForm(
            organization_id=org, name=name, description=f"{place}: {name.lower()}.", address_1="Calle 10 # 4-35",
            city=demo.office_name[:60], state_province="Norte de Santander", postal_code="540001", country="CO",
            category_ids=[directory.term_id(directory.CATEGORY_TAXONOMY_ID, category)],
            phones=[directory.PhoneForm("607 555 0101")],
            hours=[directory.HoursForm(["MO", "TU", "WE", "TH", "FR"], "8:00", "16:00")], accepts_referrals=True))
    demo.summary[f"services of {DEMO_OFFICE_CODE}"] = len(partner)
    demo.summary["own services"] = len(OWN_SERVICES)
