"""Demo directory: about 40 organizations and 120 services in the Bucaramanga metropolitan area.

Real kinds of institutions (Defensoría, Personería, ICBF, Migración Colombia, secretariats, SENA,
UN agencies and civil society); invented addresses, phones and people. Some entries are stale
(not verified for more than six months). ``large`` adds many more services for load testing.
"""

from __future__ import annotations

import uuid
from datetime import time, timedelta

from sqlalchemy import bindparam, update

from desktop.services.demo import DemoBuild
from desktop.services.directory import (
    CATEGORY_TAXONOMY_ID,
    POPULATION_TAXONOMY_ID,
    POPULATIONS,
    seed_catalogs,
    term_id,
)
from desktop.services.directory.hsds import apply_tables, standard
from desktop.store.models.directory import ServiceExtension

CITIES = {  # municipality: (postal code, phone prefix share)
    "Bucaramanga": "680001",
    "Floridablanca": "681001",
    "Girón": "687541",
    "Piedecuesta": "681011",
}

# (organization, kind, municipality, [(service, category code), …])
ORGANIZATIONS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("Defensoría del Pueblo – Regional Santander", "public", "Bucaramanga", [
        ("Orientación en derechos y rutas de atención", "legal"),
        ("Recepción de quejas por vulneración de derechos", "legal"),
        ("Acompañamiento a solicitantes de protección internacional", "legal")]),
    ("Personería Municipal de Bucaramanga", "public", "Bucaramanga", [
        ("Asesoría en acciones de tutela", "legal"),
        ("Atención a víctimas y población migrante", "legal"),
        ("Veeduría a la atención en salud", "health")]),
    ("ICBF – Centro Zonal Norte", "public", "Bucaramanga", [
        ("Restablecimiento de derechos de niñas, niños y adolescentes", "protection"),
        ("Atención nutricional a la primera infancia", "food"),
        ("Unidades móviles para familias en tránsito", "protection")]),
    ("Migración Colombia – Centro Facilitador de Servicios Migratorios", "public", "Bucaramanga", [
        ("Registro y trámite del Permiso por Protección Temporal (PPT)", "documentation"),
        ("Expedición de salvoconductos", "documentation"),
        ("Orientación sobre regularización migratoria", "documentation")]),
    ("Secretaría de Salud y Ambiente de Bucaramanga", "public", "Bucaramanga", [
        ("Afiliación al régimen subsidiado de salud", "health"),
        ("Vacunación gratuita (PAI)", "health"),
        ("Salud sexual y reproductiva para población migrante", "health")]),
    ("Secretaría de Educación de Bucaramanga", "public", "Bucaramanga", [
        ("Matrícula escolar para niñas y niños migrantes", "education"),
        ("Validación de estudios y convalidación de títulos", "education"),
        ("Educación flexible para jóvenes y adultos", "education")]),
    ("SENA – Regional Santander", "public", "Bucaramanga", [
        ("Formación técnica y complementaria gratuita", "employment"),
        ("Agencia Pública de Empleo", "employment"),
        ("Asesoría para emprendimiento (Fondo Emprender)", "employment")]),
    ("Alcaldía de Bucaramanga – Secretaría de Desarrollo Social", "public", "Bucaramanga", [
        ("Punto de atención al migrante", "social"),
        ("Programa de adulto mayor", "social"),
        ("Mercados para familias en emergencia", "food")]),
    ("Registraduría Nacional del Estado Civil – Bucaramanga", "public", "Bucaramanga", [
        ("Registro civil de nacimiento de hijos de migrantes", "documentation"),
        ("Trámite de nacionalidad por riesgo de apatridia", "documentation")]),
    ("Consultorio Jurídico de la Universidad Industrial de Santander", "academic", "Bucaramanga", [
        ("Asesoría jurídica gratuita", "legal"),
        ("Conciliación en derecho de familia", "legal"),
        ("Apoyo en trámites migratorios", "documentation")]),
    ("Consultorio Jurídico UNAB", "academic", "Bucaramanga", [
        ("Orientación legal en asuntos laborales", "legal"),
        ("Atención psicológica del centro de servicios", "psychosocial")]),
    ("Cruz Roja Colombiana – Seccional Santander", "humanitarian", "Bucaramanga", [
        ("Restablecimiento del contacto entre familiares", "social"),
        ("Primeros auxilios psicológicos", "psychosocial"),
        ("Atención básica en salud", "health")]),
    ("Pastoral Social – Arquidiócesis de Bucaramanga", "faith", "Bucaramanga", [
        ("Comedor para caminantes", "food"),
        ("Albergue de paso para familias", "shelter"),
        ("Orientación psicosocial y espiritual", "psychosocial")]),
    ("Consejo Noruego para Refugiados (NRC)", "international", "Bucaramanga", [
        ("Información, orientación y asistencia legal (ICLA)", "legal"),
        ("Educación en emergencias", "education"),
        ("Apoyo para arriendo", "shelter")]),
    ("ACNUR – Oficina de Bucaramanga", "international", "Bucaramanga", [
        ("Orientación sobre protección internacional", "legal"),
        ("Asistencia humanitaria en efectivo", "social"),
        ("Espacios de apoyo para personas en tránsito", "social")]),
    ("OIM – Organización Internacional para las Migraciones", "international", "Bucaramanga", [
        ("Integración socioeconómica", "employment"),
        ("Atención en salud mental", "psychosocial"),
        ("Prevención de la trata de personas", "protection")]),
    ("Fundación Mujer y Futuro", "civil", "Bucaramanga", [
        ("Atención a mujeres víctimas de violencia basada en género", "psychosocial"),
        ("Asesoría jurídica para mujeres", "legal"),
        ("Grupos de apoyo para mujeres migrantes", "psychosocial")]),
    ("Corporación Compromiso", "civil", "Bucaramanga", [
        ("Formación en derechos humanos", "education"),
        ("Acompañamiento psicosocial comunitario", "psychosocial"),
        ("Fortalecimiento de organizaciones de migrantes", "social")]),
    ("Banco de Alimentos de Bucaramanga", "civil", "Bucaramanga", [
        ("Entrega de mercados", "food"),
        ("Complemento alimentario para hogares con niños", "food")]),
    ("Comedor Comunitario San José", "faith", "Girón", [
        ("Almuerzo comunitario", "food"),
        ("Refrigerios para niñas y niños", "food")]),
    ("Hogar de Paso Divina Providencia", "faith", "Bucaramanga", [
        ("Alojamiento temporal para caminantes", "shelter"),
        ("Duchas, lavandería y kits de aseo", "shelter"),
        ("Orientación para continuar la ruta", "social")]),
    ("Albergue Casa del Migrante", "civil", "Floridablanca", [
        ("Albergue temporal para familias", "shelter"),
        ("Alimentación en albergue", "food")]),
    ("Médicos Sin Fronteras", "international", "Bucaramanga", [
        ("Consulta médica general", "health"),
        ("Atención en salud mental", "psychosocial"),
        ("Control prenatal", "health")]),
    ("Profamilia Bucaramanga", "civil", "Bucaramanga", [
        ("Planificación familiar gratuita para migrantes", "health"),
        ("Atención a sobrevivientes de violencia sexual", "health"),
        ("Pruebas de VIH y asesoría", "health")]),
    ("ESE Instituto de Salud de Bucaramanga (ISABU)", "public", "Bucaramanga", [
        ("Urgencias", "health"),
        ("Consulta externa en centros de salud", "health"),
        ("Odontología", "health")]),
    ("Hospital Universitario de Santander", "public", "Bucaramanga", [
        ("Urgencias de alta complejidad", "health"),
        ("Atención materno-infantil", "health")]),
    ("Secretaría de Salud de Floridablanca", "public", "Floridablanca", [
        ("Afiliación en salud", "health"),
        ("Jornadas de vacunación", "health"),
        ("Atención psicosocial en salud mental", "psychosocial")]),
    ("Secretaría de Educación de Floridablanca", "public", "Floridablanca", [
        ("Cupos escolares", "education"),
        ("Transporte y alimentación escolar", "education")]),
    ("Alcaldía de Girón – Enlace de Población Migrante", "public", "Girón", [
        ("Caracterización de población migrante", "social"),
        ("Orientación y remisión a servicios", "social"),
        ("Ayudas humanitarias de emergencia", "social")]),
    ("Alcaldía de Piedecuesta – Oficina de Atención al Migrante", "public", "Piedecuesta", [
        ("Atención y orientación a migrantes", "social"),
        ("Apoyo para inscripción en el SISBÉN", "documentation"),
        ("Rutas de empleo local", "employment")]),
    ("Comisaría de Familia de Bucaramanga", "public", "Bucaramanga", [
        ("Medidas de protección por violencia intrafamiliar", "protection"),
        ("Conciliación en custodia y alimentos", "legal")]),
    ("Fiscalía General de la Nación – CAIVAS", "public", "Bucaramanga", [
        ("Denuncia de delitos sexuales", "legal"),
        ("Atención a víctimas de trata", "protection")]),
    ("Comfenalco Santander", "private", "Bucaramanga", [
        ("Servicio público de empleo", "employment"),
        ("Cursos de formación para el trabajo", "employment"),
        ("Recreación para niñas y niños", "education")]),
    ("Fundación Entre Dos Tierras", "civil", "Bucaramanga", [
        ("Acompañamiento a retornados colombianos", "social"),
        ("Orientación para homologación de títulos", "education"),
        ("Grupo de apoyo emocional", "psychosocial")]),
    ("Aldeas Infantiles SOS", "civil", "Floridablanca", [
        ("Espacios amigables para la niñez", "protection"),
        ("Fortalecimiento familiar", "psychosocial")]),
    ("World Vision Colombia", "international", "Girón", [
        ("Transferencias monetarias para familias", "social"),
        ("Protección de la niñez en tránsito", "protection"),
        ("Educación en emergencias", "education")]),
    ("Heartland Alliance International", "international", "Bucaramanga", [
        ("Atención psicosocial a sobrevivientes de violencia", "psychosocial"),
        ("Asesoría jurídica en violencia basada en género", "legal")]),
    ("Fundación Plan", "international", "Piedecuesta", [
        ("Prevención de violencias contra niñas y adolescentes", "protection"),
        ("Emprendimiento juvenil", "employment"),
        ("Entrega de kits escolares", "education")]),
    ("Servicio Jesuita a Refugiados (JRS)", "faith", "Bucaramanga", [
        ("Acompañamiento a solicitantes de refugio", "legal"),
        ("Apoyo para vivienda temporal", "shelter"),
        ("Acompañamiento psicosocial", "psychosocial")]),
    ("Corporación Opción Legal", "civil", "Bucaramanga", [
        ("Orientación para niñas y niños no acompañados", "protection"),
        ("Talleres de convivencia con comunidad de acogida", "social")]),
]

# A third service for the organizations above that list two.
MORE_SERVICES = {
    "Registraduría Nacional del Estado Civil – Bucaramanga": ("Duplicados de registro civil", "documentation"),
    "Consultorio Jurídico UNAB": ("Asesoría en derecho de familia", "legal"),
    "Banco de Alimentos de Bucaramanga": ("Donación de alimentos a comedores comunitarios", "food"),
    "Comedor Comunitario San José": ("Cena para personas en tránsito", "food"),
    "Albergue Casa del Migrante": ("Orientación psicosocial a familias albergadas", "psychosocial"),
    "Hospital Universitario de Santander": ("Atención a víctimas de violencia sexual", "health"),
    "Secretaría de Educación de Floridablanca": ("Nivelación escolar", "education"),
    "Comisaría de Familia de Bucaramanga": ("Orientación psicosocial a familias", "psychosocial"),
    "Fiscalía General de la Nación – CAIVAS": ("Orientación a víctimas de delitos", "legal"),
    "Aldeas Infantiles SOS": ("Cuidado alternativo para niñas y niños", "protection"),
    "Heartland Alliance International": ("Grupos de apoyo para hombres", "psychosocial"),
    "Corporación Opción Legal": ("Orientación para adolescentes desvinculados", "protection"),
}

DESCRIPTIONS = {
    "education": "Acceso y permanencia en el sistema educativo sin importar la situación migratoria.",
    "health": "Atención en salud; las urgencias se atienden a toda persona, tenga o no documentos.",
    "psychosocial": "Escucha, primeros auxilios psicológicos y sesiones individuales o grupales.",
    "legal": "Orientación jurídica gratuita y acompañamiento en trámites y rutas de protección.",
    "shelter": "Alojamiento temporal con cupos limitados; se prioriza a familias con niñas y niños.",
    "food": "Apoyo alimentario para personas y hogares en situación de vulnerabilidad.",
    "social": "Orientación, caracterización y entrega de ayudas según disponibilidad.",
    "documentation": "Orientación y trámite de documentos de identidad y regularización.",
    "employment": "Orientación laboral, formación para el trabajo y apoyo a emprendimientos.",
    "protection": "Protección integral y restablecimiento de derechos de la niñez y la adolescencia.",
}
DOCUMENTS = {
    "education": ["Documento de identidad del estudiante o del acudiente", "Certificados de estudios si los tiene"],
    "health": ["Documento de identidad (PPT, pasaporte o cédula venezolana)"],
    "documentation": ["Pasaporte o cédula de identidad", "Registro Único de Migrantes Venezolanos (RUMV)"],
    "employment": ["Documento de identidad vigente (PPT o cédula)"],
    "shelter": [],
    "food": [],
}
STREETS = ["Calle", "Carrera", "Avenida", "Diagonal", "Transversal"]
NEIGHBOURHOODS = {
    "Bucaramanga": ["Centro", "García Rovira", "San Francisco", "Cabecera del Llano", "La Concordia", "Provenza",
                    "Álvarez", "San Alonso", "Girardot", "Mutis"],
    "Floridablanca": ["Cañaveral", "Lagos del Cacique", "Centro", "Villabel", "Bucarica"],
    "Girón": ["Centro Histórico", "El Poblado", "Río de Oro", "Portal Campestre"],
    "Piedecuesta": ["Centro", "Barrio Nuevo", "Hoyo Grande", "Paseo del Puente"],
}
CONTACTS = ["Laura Díaz Rangel", "Andrés Peña Quintero", "María José Ortiz", "Camilo Suárez Rueda",
            "Paola Jaimes Niño", "Jorge Iván Gómez", "Natalia Celis Prada", "Luis Fernando Ardila",
            "Yesenia Cáceres Mantilla", "Óscar Villamizar Durán", "Ángela Sepúlveda", "Héctor Quiñónez"]
EXTRA_NAMES = ["Orientación", "Atención", "Acompañamiento", "Apoyo", "Asesoría", "Taller", "Jornada", "Ruta"]
EXTRA_TOPICS = ["psicosocial", "jurídica", "en salud", "educativa", "laboral", "para familias", "para mujeres",
                "para jóvenes", "comunitaria", "humanitaria", "nutricional", "para personas mayores"]


def _row(table: str, **values) -> dict:
    row = {f.column: None for f in standard()[table].fields}
    row.update(values)
    return row


def build(demo: DemoBuild) -> None:
    demo.progress("directory")
    rng = demo.rng("directory")
    today = demo.now.date()
    tables: dict[str, list[dict]] = {t: [] for t in (
        "organization", "service", "location", "address", "service_at_location", "phone", "schedule", "attribute",
        "language", "required_document", "cost_option", "contact")}
    extensions: dict[uuid.UUID, dict] = {}
    populations = [term_id(POPULATION_TAXONOMY_ID, code) for code, _name in POPULATIONS]

    def address(city: str) -> tuple[str, str]:
        street = f"{rng.choice(STREETS)} {rng.randint(1, 110)} # {rng.randint(1, 60)}-{rng.randint(2, 99):02d}"
        return street, rng.choice(NEIGHBOURHOODS[city])

    def landline() -> str:
        return f"607 {rng.randint(630, 699)} {rng.randint(1000, 9999)}"

    def mobile() -> str:
        return f"3{rng.choice(['00', '01', '10', '13', '15', '16', '17', '18', '20', '50'])} " \
               f"{rng.randint(100, 999)} {rng.randint(1000, 9999)}"

    def add_service(oid: uuid.UUID, lid: uuid.UUID, org_name: str, city: str, name: str, category: str,
                    domain: str) -> None:
        sid = demo.uuid(rng)
        free = category not in ("employment",) or rng.random() < 0.7
        tables["service"].append(_row(
            "service", id=sid, organization_id=oid, name=name, description=DESCRIPTIONS[category],
            email=f"atencion@{domain}" if rng.random() < 0.6 else None, status="active",
            application_process=rng.choice([
                "Acercarse a la sede con documento de identidad; atención por orden de llegada.",
                "Solicitar cita por teléfono o correo electrónico.",
                "Presentar la hoja de remisión de la oficina de atención al migrante.",
                "Atención sin cita en el horario publicado."]),
            eligibility_description="Mujeres mayores de 18 años." if "mujeres" in name.lower() else
            "Niñas, niños y adolescentes y sus familias." if category == "protection" else rng.choice([
                "Población migrante, refugiada y retornada, sin importar su situación migratoria.",
                "Personas con vocación de permanencia en el municipio.",
                "Personas en tránsito y caminantes.",
                "Familias migrantes y de la comunidad de acogida."]),
            minimum_age=18.0 if "Mujeres" in name or "adulto" in name.lower() else None,
            fees_description=None if free else "Algunos cursos tienen costo de matrícula.",
            interpretation_services="Atención en español; intérprete de inglés con cita previa."
            if rng.random() < 0.2 else None))
        tables["service_at_location"].append(_row("service_at_location", id=demo.uuid(rng), service_id=sid,
                                                  location_id=lid))
        tables["phone"].append(_row("phone", id=demo.uuid(rng), service_id=sid, number=landline(),
                                    extension=float(rng.randint(100, 300)) if rng.random() < 0.4 else None,
                                    type="voice"))
        if rng.random() < 0.5:
            tables["phone"].append(_row("phone", id=demo.uuid(rng), service_id=sid, number=mobile(), type="cell"))
        pattern = rng.random()
        weekdays = "MO,TU,WE,TH,FR"
        if pattern < 0.55:
            spans = [(time(8), time(12)), (time(14), time(18))]
        elif pattern < 0.8:
            spans = [(time(7), time(16))]
        elif pattern < 0.9:
            spans = [(time(8), time(17))]
        else:
            spans = [(time(0), time(23, 59))]
            weekdays = "MO,TU,WE,TH,FR,SA,SU"
        for opens, closes in spans:
            tables["schedule"].append(_row("schedule", id=demo.uuid(rng), service_id=sid, freq="WEEKLY",
                                           byday=weekdays, opens_at=opens, closes_at=closes))
        if rng.random() < 0.25 and weekdays != "MO,TU,WE,TH,FR,SA,SU":
            tables["schedule"].append(_row("schedule", id=demo.uuid(rng), service_id=sid, freq="WEEKLY",
                                           byday="SA", opens_at=time(8), closes_at=time(12)))
        tables["attribute"].append(_row("attribute", id=demo.uuid(rng), link_id=sid, link_type="service",
                                        link_entity="service",
                                        taxonomy_term_id=term_id(CATEGORY_TAXONOMY_ID, category)))
        for pop in rng.sample(populations, rng.randint(1, 4)):
            tables["attribute"].append(_row("attribute", id=demo.uuid(rng), link_id=sid, link_type="service",
                                            link_entity="service", taxonomy_term_id=pop))
        tables["language"].append(_row("language", id=demo.uuid(rng), service_id=sid, code="es", name="español"))
        if rng.random() < 0.2:
            tables["language"].append(_row("language", id=demo.uuid(rng), service_id=sid, code="en", name="inglés"))
        for doc in DOCUMENTS.get(category, ["Documento de identidad (cualquiera que tenga)"]):
            tables["required_document"].append(_row("required_document", id=demo.uuid(rng), service_id=sid,
                                                    document=doc))
        tables["cost_option"].append(_row("cost_option", id=demo.uuid(rng), service_id=sid,
                                          option=None if free else "Matrícula",
                                          amount=0.0 if free else None, currency="COP" if free else None,
                                          amount_description=None if free else "Según el curso"))
        roll = rng.random()
        if roll < 0.08:
            verified = None
        elif roll < 0.25:
            verified = today - timedelta(days=rng.randint(200, 500))  # stale
        else:
            verified = today - timedelta(days=rng.randint(0, 150))
        contact = rng.choice(CONTACTS)
        extensions[sid] = {
            "accepts_referrals": rng.random() < 0.85,
            "referral_contact_name": contact if rng.random() < 0.7 else None,
            "referral_contact_phone": mobile() if rng.random() < 0.6 else None,
            "referral_contact_email": f"remisiones@{domain}" if rng.random() < 0.4 else None,
            "last_verified_on": verified,
            "last_verified_by": "Claudia Patiño Ordóñez" if verified else None,
            "internal_notes": rng.choice([None, None, "Llamar antes de remitir: cupos limitados.",
                                          "Preguntar por la coordinadora del turno de la tarde.",
                                          "Recibe remisiones solo por correo electrónico."]),
        }

    def add_organization(name: str, city: str) -> tuple[uuid.UUID, uuid.UUID, str]:
        oid, lid = demo.uuid(rng), demo.uuid(rng)
        domain = "".join(ch for ch in name.lower().split("–")[0].split("(")[0] if ch.isalpha())[:18]
        domain = domain.translate(str.maketrans("áéíóúñü", "aeiounu")) + ".org.co"
        tables["organization"].append(_row("organization", id=oid, name=name,
                                           description=f"{name}: servicios para población migrante, refugiada, "
                                                       f"retornada y comunidad de acogida.",
                                           email=f"contacto@{domain}", website=f"https://www.{domain}"))
        street, hood = address(city)
        tables["location"].append(_row("location", id=lid, location_type="physical", organization_id=oid,
                                       name=f"Sede {hood}"))
        tables["address"].append(_row("address", id=demo.uuid(rng), location_id=lid, address_1=street,
                                      address_2=hood, city=city, state_province="Santander",
                                      postal_code=CITIES[city], country="CO", address_type="physical"))
        tables["phone"].append(_row("phone", id=demo.uuid(rng), organization_id=oid, number=landline(),
                                    type="voice"))
        return oid, lid, domain

    for org_name, _kind, city, services in ORGANIZATIONS:
        oid, lid, domain = add_organization(org_name, city)
        for service_name, category in [*services, *([MORE_SERVICES[org_name]] if org_name in MORE_SERVICES else [])]:
            add_service(oid, lid, org_name, city, service_name, category, domain)
    if demo.size == "large":
        cities = list(CITIES)
        categories = list(DESCRIPTIONS)
        for n in range(460):
            city = cities[n % len(cities)]
            oid, lid, domain = add_organization(f"Fundación {rng.choice(CONTACTS).split()[-1]} {n + 1}", city)
            for _k in range(10):
                category = rng.choice(categories)
                add_service(oid, lid, "", city, f"{rng.choice(EXTRA_NAMES)} {rng.choice(EXTRA_TOPICS)}", category,
                            domain)

    with demo.db.transaction() as session:
        seed_catalogs(session)
        apply_tables(session, tables, "admin")
        ext = ServiceExtension.__table__
        keys = list(next(iter(extensions.values())))
        session.execute(update(ext).where(ext.c.service_id == bindparam("b_sid"))
                        .values({k: bindparam(f"b_{k}") for k in keys}).execution_options(synchronize_session=False),
                        [{"b_sid": sid, **{f"b_{k}": v for k, v in values.items()}}
                         for sid, values in extensions.items()])
    demo.summary["organizations"] = len(tables["organization"])
    demo.summary["services"] = len(tables["service"])
