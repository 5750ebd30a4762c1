"""Demo people, households, consent, cases and referrals (Venezuelan, Colombian, Honduran, Guatemalan and
Haitian names). Small: ~300 people in 120 households, 400 referrals over 12 months in every state.
Large: 100,000 people and 200,000 referrals, with Core bulk inserts (well under two minutes). Extra large:
1,000,000 people (with more first names and surnames, as a country-wide register has) and 300,000 referrals,
written a slice at a time (the search benchmark at a million, issue 17)."""

from __future__ import annotations

import bisect
import random
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from desktop.services.demo import DemoBuild
from desktop.services.people import name_terms, normalize, normalize_document, seed_catalogs
from desktop.store import bulk, name_index
from desktop.store.models import (
    Case,
    CaseNote,
    CaseReferralCounter,
    Consent,
    Household,
    HouseholdMember,
    Office,
    Person,
    PersonDocument,
    PersonNameIndex,
    PersonNeed,
    PersonSearchTerm,
    Referral,
    ReferralEvent,
    Service,
)

# households, people, referrals
SIZES = {"small": (120, 300, 400), "large": (40_000, 100_000, 200_000), "xlarge": (400_000, 1_000_000, 300_000)}
CHUNK = 100_000  # extra large: people generated and written a slice at a time (memory stays flat)

NAMES: dict[str, dict[str, list[str]]] = {
    "VE": {
        "female": ["María", "Yusmary", "Yuleisy", "Daniela", "Andreína", "Génesis", "Yelitza", "Marbelys", "Oriana",
                   "Rosangela", "Carmen", "Luisana", "Mariangel", "Yenny", "Dayana", "Fabiola", "Nathaly", "Ana Karina",
                   "Milagros", "Yorbelis", "Keila", "Valentina", "Isabel", "Zuleima"],
        "male": ["José", "Luis", "Carlos", "Yonder", "Jhonny", "Ender", "Wilmer", "Yorman", "Josué", "Jesús",
                 "Deivis", "Rafael", "Franklin", "Kelvin", "Alexander", "Jean Carlos", "Freddy", "Eduardo", "Orlando",
                 "Héctor", "Ramón", "Darwin", "Yeferson", "Gregory"],
        "family": ["Pérez", "González", "Rodríguez", "Hernández", "García", "Martínez", "Rojas", "Sánchez", "Díaz",
                   "Ramírez", "Torres", "Morales", "Rivas", "Mendoza", "Guerrero", "Contreras", "Carrillo", "Briceño",
                   "Villegas", "Zambrano", "Colmenares", "Marcano", "Peña", "Chacón", "Quintero", "Salazar", "Parra",
                   "Urdaneta", "Bracho", "Añez"],
    },
    "CO": {
        "female": ["Luz Marina", "Yolanda", "Diana", "Paola", "Claudia", "Sandra", "Leidy", "Marcela", "Natalia",
                   "Angie", "Viviana", "Gloria", "Katherine", "Lorena", "Johana", "Adriana"],
        "male": ["Juan Carlos", "Andrés", "Jhon Fredy", "Édgar", "Wilson", "Camilo", "Hernán", "Óscar", "Fabián",
                 "Diego", "Jairo", "Mauricio", "Germán", "Nelson", "Sebastián", "Brayan"],
        "family": ["Gómez", "Vargas", "Castro", "Ortiz", "Jaimes", "Rueda", "Suárez", "Mantilla", "Niño", "Becerra",
                   "Cárdenas", "Ardila", "Quintero", "Duarte", "Villamizar", "Patiño", "Ospina", "Londoño"],
    },
    "HN": {
        "female": ["Dilcia", "Kenia", "Iris", "Xiomara", "Lesly", "Sonia", "Nohemy", "Karla", "Wendy", "Ondina"],
        "male": ["Elvin", "Nery", "Wilmer", "Marvin", "Denis", "Olvin", "Selvin", "Edwin", "Lester", "Josué"],
        "family": ["Zelaya", "Mejía", "Castellanos", "Flores", "Reyes", "Maradiaga", "Matute", "Banegas", "Funes",
                   "Aguilar", "Velásquez", "Osorto", "Fúnez", "Cálix"],
    },
    "GT": {
        "female": ["Ixchel", "Rosaura", "Marta Julia", "Brenda", "Heidy", "Lilian", "Yessenia", "Ingrid", "Sulmy"],
        "male": ["Byron", "Mynor", "Estuardo", "Otto", "Édgar", "Baudilio", "Nehemías", "Selvin", "Kevin"],
        "family": ["López", "Pérez", "Xicará", "Cux", "Coj", "Ajanel", "Tzoc", "Chávez", "Barrios", "Orellana",
                   "Monzón", "Cifuentes", "Ixcoy", "Tzul"],
    },
    "HT": {
        "female": ["Marie", "Wideline", "Nadège", "Fabiola", "Rose-Mercie", "Guerline", "Judeline", "Mirlande",
                   "Nathalie", "Esther"],
        "male": ["Jean", "Pierre", "Mackenson", "Wilner", "Dieudonné", "Jacques", "Frantz", "Stevenson", "Jocelyn",
                 "Ricardo"],
        "family": ["Joseph", "Jean-Baptiste", "Pierre", "Louis", "Charles", "Désir", "Étienne", "Dorvil", "Alexis",
                   "Augustin", "Célestin", "Saint-Fleur", "Exantus", "Noël"],
    },
}
# The extra large demo's wider pool (Spanish-speaking nationalities): a register of a million has far more
# different names than a few hundred, and a full name then points to few people.
MORE_NAMES: dict[str, list[str]] = {
    "female": ["Alejandra", "Beatriz", "Carolina", "Daniela", "Elena", "Fernanda", "Gabriela", "Herminia",
               "Inés", "Jimena", "Karen", "Liliana", "Mónica", "Nelly", "Olga", "Patricia", "Raquel", "Rocío",
               "Silvia", "Teresa", "Úrsula", "Verónica", "Ximena", "Yamile", "Zoraida", "Antonia", "Berenice",
               "Celeste", "Dolores", "Esperanza", "Florencia", "Graciela", "Irene", "Josefina", "Lucía",
               "Maribel", "Noemí", "Pilar", "Rebeca", "Soledad"],
    "male": ["Adrián", "Bernardo", "César", "Danilo", "Emilio", "Felipe", "Gustavo", "Hugo", "Ignacio",
             "Joaquín", "Leonardo", "Manuel", "Nicolás", "Octavio", "Pablo", "Ricardo", "Samuel", "Tobías",
             "Ulises", "Víctor", "Wilfredo", "Xavier", "Yovanny", "Zacarías", "Alonso", "Benjamín", "Cristian",
             "Damián", "Esteban", "Fernando", "Gilberto", "Humberto", "Iván", "Julián", "Lisandro", "Marcos",
             "Norberto", "Omar", "Patricio", "Rodrigo"],
    "family": ["Acosta", "Aguirre", "Alvarado", "Arias", "Ávila", "Benítez", "Bermúdez", "Blanco", "Bravo",
               "Cabrera", "Calderón", "Campos", "Cano", "Castillo", "Cedeño", "Cortés", "Cruz", "Delgado",
               "Escobar", "Espinoza", "Fajardo", "Fernández", "Figueroa", "Fuentes", "Gallardo", "Gil", "Godoy",
               "Guzmán", "Herrera", "Hidalgo", "Ibarra", "Jiménez", "Lara", "León", "Linares", "Lozano", "Luna",
               "Maldonado", "Marín", "Medina", "Molina", "Montoya", "Mora", "Moreno", "Muñoz", "Navarro",
               "Núñez", "Ochoa", "Orozco", "Ortega", "Pacheco", "Padilla", "Palacios", "Paredes", "Pineda",
               "Ponce", "Prieto", "Ramos", "Rincón", "Ríos", "Rivera", "Robles", "Romero", "Rosales", "Rubio",
               "Salas", "Sandoval", "Serrano", "Silva", "Solano", "Soto", "Tovar", "Trujillo", "Uribe",
               "Valencia", "Valdez", "Vega", "Velasco", "Vera", "Zapata"],
}
NATIONALITY_WEIGHTS = [("VE", 62), ("CO", 14), ("HN", 8), ("GT", 6), ("HT", 10)]
MUNICIPALITIES = ["Bucaramanga", "Bucaramanga", "Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"]
STREETS = ["Calle", "Carrera", "Diagonal", "Transversal"]
# Self-declared ethnic group of those asked, by nationality (weights per thousand): Wayuu, Warao, Yukpa and Barí
# Venezuelans; Afro-Colombians and a few Indigenous, Raizal, Palenquero and Rrom Colombians; Lenca and Garífuna
# Hondurans; Maya Guatemalans; most Haitians identify as Black. Everyone may decline to answer.
ETHNICITY_WEIGHTS: dict[str, list[tuple[str, int]]] = {
    "VE": [("indigenous", 40), ("afro_descendant", 50), ("rrom", 1), ("none", 839), ("declined", 70)],
    "CO": [("indigenous", 40), ("afro_descendant", 90), ("raizal", 2), ("palenquero", 1), ("rrom", 1),
           ("none", 801), ("declined", 65)],
    "HN": [("indigenous", 70), ("afro_descendant", 50), ("none", 820), ("declined", 60)],
    "GT": [("indigenous", 400), ("afro_descendant", 5), ("none", 535), ("declined", 60)],
    "HT": [("afro_descendant", 700), ("none", 220), ("declined", 80)],
}
LGBTIQ_WEIGHTS = [("yes", 35), ("no", 880), ("declined", 85)]  # adults asked; per thousand
NEEDS = ["disability", "pregnancy", "lactating", "violence_survivor", "chronic_illness", "single_caregiver",
         "mental_health", "older_person_alone", "trafficking_risk", "lgbtiq_at_risk"]
REASONS = {
    "health": "Consulta médica y control",
    "mental_health": "Apoyo psicosocial tras el viaje",
    "documentation": "Orientación para el PPT",
    "legal": "Asesoría jurídica sobre su situación migratoria",
    "shelter": "Alojamiento por unas noches",
    "food": "Mercado o comedor comunitario",
    "education": "Cupo escolar para los niños",
    "employment": "Ruta de empleo y certificación de saberes",
    "protection": "Valoración de riesgos de protección",
    "child_protection": "Valoración por el ICBF",
    "gbv": "Atención a sobreviviente de violencia",
    "cash": "Inscripción para transferencia monetaria",
}
OUTCOMES = {
    "completed": ["Recibió la atención", "Atendida; cita de control agendada", "Se entregó el servicio completo"],
    "not_attended": ["No asistió a la cita", "No se presentó; no contesta el teléfono"],
    "rejected": ["No cumple los requisitos del servicio", "Sin cupos disponibles este mes"],
    "cancelled": ["La persona siguió su camino", "Se resolvió por otra vía", "Remisión registrada por error"],
}
# Final state → path of statuses from draft; weights of each final state.
PATHS = {
    "draft": ["draft"], "sent": ["draft", "sent"], "accepted": ["draft", "sent", "accepted"],
    "completed": ["draft", "sent", "accepted", "completed"], "not_attended": ["draft", "sent", "accepted",
                                                                             "not_attended"],
    "rejected": ["draft", "sent", "rejected"], "cancelled": ["draft", "cancelled"],
}
FINAL_WEIGHTS = [("completed", 36), ("not_attended", 9), ("rejected", 9), ("cancelled", 8), ("accepted", 14),
                 ("sent", 16), ("draft", 8)]


_CUMULATIVE: dict[tuple, tuple[list[str], list[int]]] = {}


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    """A weighted choice (cumulative weights kept per list: this runs millions of times in the large demo)."""
    key = tuple(weighted)
    if key not in _CUMULATIVE:
        total, cumulative = 0, []
        for _value, weight in weighted:
            total += weight
            cumulative.append(total)
        _CUMULATIVE[key] = ([w[0] for w in weighted], cumulative)
    values, cumulative = _CUMULATIVE[key]
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _document(rng: random.Random, nationality: str, used: set[str]) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.12:
        return "none", ""
    while True:
        if nationality == "VE":
            kind = "ve_cedula" if roll < 0.5 else "co_ppt" if roll < 0.8 else "passport" if roll < 0.92 else "co_pep"
            number = {"ve_cedula": f"V-{rng.randint(8_000_000, 32_000_000):,}".replace(",", "."),
                      "co_ppt": str(rng.randint(1_000_000, 9_999_999)),
                      "passport": f"{rng.randint(100_000_000, 199_999_999)}",
                      "co_pep": str(rng.randint(100_000_000_000, 999_999_999_999))}[kind]
        elif nationality == "CO":
            kind, number = "co_cedula", str(rng.randint(1_000_000_000, 1_099_999_999))
        elif nationality in ("HN", "GT"):
            kind = "hn_dni" if nationality == "HN" else "gt_dpi"
            if roll > 0.8:
                kind = "passport"
                number = f"{'EC' if nationality == 'HN' else 'GT'}{rng.randint(1_000_000, 9_999_999)}"
            else:
                number = "".join(str(rng.randint(0, 9)) for _i in range(13))
        else:
            kind = "ht_cin" if roll < 0.7 else "passport"
            number = (str(rng.randint(1_000_000_000, 9_999_999_999)) if kind == "ht_cin"
                      else f"HT{rng.randint(1_000_000, 9_999_999)}")
        key = normalize_document(number)
        if key not in used:
            used.add(key)
            return kind, number


def _services(demo: DemoBuild) -> list[uuid.UUID]:
    with demo.db.session() as session:
        ids = list(session.scalars(select(Service.id).where(Service.deleted_at.is_(None)).order_by(Service.name)))
    if ids:
        return ids
    # Without the directory part (tests, partial builds): a few services to refer to.
    from desktop.services import directory

    org = directory.save_organization(demo.ctx, directory.OrganizationForm(  # type: ignore[arg-type]
        name="Fundación Puentes Solidarios", description="Atención humanitaria a población migrante"))
    for name, street in (("Atención primaria en salud", "Calle 35 # 12-45"),
                         ("Orientación jurídica migratoria", "Carrera 19 # 34-10"),
                         ("Comedor comunitario", "Calle 45 # 9-30")):
        ids.append(directory.save_service(demo.ctx, directory.ServiceForm(  # type: ignore[arg-type]
            organization_id=org, name=name, description=name, address_1=street, city="Bucaramanga",
            state_province="Santander", postal_code="680001", phones=[directory.PhoneForm("607 634 5678")],
            hours=[directory.HoursForm(["MO", "TU", "WE", "TH", "FR"], "8:00", "16:00")])))
    return ids


def build(demo: DemoBuild) -> None:
    rng = demo.rng("people")
    # Its own generator: the self-identification answers do not change the rest of the demo.
    identity_rng = demo.rng("people:self_identification")
    n_households, n_people, n_referrals = SIZES[demo.size]
    demo.progress("people")
    services = _services(demo)
    now = demo.now
    today = now.date()
    with demo.db.transaction() as session:
        seed_catalogs(session, "admin")
        office_code = session.scalar(select(Office.code)) or "BGA"

    def uid() -> uuid.UUID:
        return DemoBuild.uuid(rng)

    def stamp(day: date) -> datetime:
        """A moment in office hours (8:00–17:00 in UTC-5) of ``day``, in UTC."""
        return datetime(day.year, day.month, day.day, 13, tzinfo=UTC) + timedelta(seconds=int(rng.random() * 32400))

    people_rows: list[dict] = []
    members: list[dict] = []
    households: list[dict] = []
    needs: list[dict] = []
    consents: list[dict] = []
    cases: list[dict] = []
    notes: list[dict] = []
    registered_on: dict[uuid.UUID, date] = {}
    sharing: list[uuid.UUID] = []  # who may be referred, in registration order
    used_docs: set[str] = set()
    clerks = ["clerk", "clerk", "clerk", "admin"]
    vocabulary: dict[str, int] = {}
    documents_rng = demo.rng("people:documents")
    wider = demo.size == "xlarge"
    name_pool = {nat: ({k: v + MORE_NAMES[k] for k, v in names.items()} if wider and nat != "HT" else names)
                 for nat, names in NAMES.items()}
    chunk = CHUNK if demo.size == "xlarge" else n_people
    big = n_people > 20_000
    saved = {"people": 0, "households": 0}
    stack = ExitStack()
    conn = stack.enter_context(demo.db.engine.execution_options(enlace_write=True).begin())
    stack.enter_context(bulk.loading(conn))
    for model in (Household, Person, PersonDocument, HouseholdMember, PersonNeed, PersonNameIndex, Consent, Case,
                  CaseNote, Referral, ReferralEvent):
        stack.enter_context(bulk.indexes_built_after(conn, model.__table__, n_people if big else 0))
    stack.enter_context(name_index.built_after(conn, n_people if big else 0))

    def save_people() -> None:
        """Write the people generated so far (with their documents, households and the search index)."""
        if not people_rows:
            return
        demo.progress("search index")
        lines: list[dict] = []
        # Every document as a person_document row; some adults also carry a second one (its own generator, so
        # the rest of the demo does not change).
        documents: list[dict] = []
        for p in people_rows:
            for term in name_terms(p["given_names"], p["family_name_1"], p["family_name_2"]):
                vocabulary.setdefault(term, len(vocabulary) + 1)
            held = [(p["document_type"], p["document_number"])] if p["document_type"] != "none" else []
            if held and p["nationality"] != "CO" and p["birth_date"] <= today - timedelta(days=18 * 365) \
                    and documents_rng.random() < 0.3:
                number = str(documents_rng.randint(1_000_000, 9_999_999))
                if normalize_document(number) not in used_docs:
                    used_docs.add(normalize_document(number))
                    held.append(("co_ppt", number))
            for position, (kind, number) in enumerate(held):
                documents.append(dict(id=DemoBuild.uuid(documents_rng), person_id=p["id"], position=position,
                                      document_type=kind, number=number, number_norm=normalize_document(number),
                                      created_at=p["created_at"], created_by=p["created_by"],
                                      updated_at=p["created_at"], updated_by=p["created_by"], version=1))
            lines.append(dict(person_id=p["id"], names=p["search_name"], documents=" ".join(
                normalize_document(number) for _kind, number in held).lower()))
        demo.progress("saving people and referrals")
        for model, rows in ((Household, households), (Person, people_rows), (PersonDocument, documents),
                            (HouseholdMember, members), (PersonNeed, needs), (PersonNameIndex, lines),
                            (Consent, consents)):
            bulk.insert_rows(conn, model.__table__, rows)
        saved["people"] += len(people_rows)
        saved["households"] += len(households)
        for rows in (households, people_rows, members, needs, consents):
            rows.clear()

    with stack:  # one transaction; the indexes are built as it closes (and nothing is kept on an error)
        remaining = n_people
        for h in range(n_households):
            left = n_households - h
            size = remaining if left == 1 else max(1, min(remaining - (left - 1), rng.choice([1, 1, 2, 2, 3, 3, 4, 5])))
            if size <= 0:
                break
            remaining -= size
            nationality = _pick(rng, NATIONALITY_WEIGHTS)
            names = name_pool[nationality]
            family_1 = rng.choice(names["family"])
            family_2 = "" if nationality == "HT" else rng.choice(names["family"])
            municipality = rng.choice(MUNICIPALITIES)
            address = f"{rng.choice(STREETS)} {rng.randint(1, 120)} # {rng.randint(1, 99)}-{rng.randint(1, 99)}"
            registered = today - timedelta(days=rng.randint(20, 540))
            arrival = registered - timedelta(days=rng.randint(0, 900))
            if nationality == "CO":
                population = rng.choice(["returnee", "host_community", "host_community"])
            else:
                population = _pick(rng, [("destination", 60), ("transit", 25), ("pendular", 15)])
            # The questions came to the form later: most recent registrations were asked, older ones seldom.
            asked = identity_rng.random() < (0.85 if (today - registered).days < 270 else 0.35)
            household_ethnicity = _pick(identity_rng, ETHNICITY_WEIGHTS[nationality]) if asked else "not_asked"
            household_id = uid()
            households.append(dict(id=household_id, name=f"Hogar {family_1} {family_2}".strip(), address=address,
                                   municipality=municipality, created_at=stamp(registered), created_by="clerk",
                                   updated_at=stamp(registered), updated_by="clerk", version=1))
            head_id = None
            for m in range(size):
                if m == 0:
                    relationship, age = "head", rng.randint(19, 66)
                elif m == 1 and rng.random() < 0.6:
                    relationship, age = "spouse", rng.randint(18, 60)
                else:
                    relationship = rng.choice(["child", "child", "child", "sibling", "parent", "grandchild",
                                               "other_relative"])
                    age = {"child": rng.randint(0, 17), "grandchild": rng.randint(0, 10), "parent": rng.randint(50, 85),
                           "sibling": rng.randint(12, 40)}.get(relationship, rng.randint(5, 70))
                sex = "female" if rng.random() < (0.55 if m == 0 else 0.5) else "male"
                if rng.random() < 0.002:
                    sex = "intersex"
                given = rng.choice(names["female" if sex == "female" else "male"])
                if rng.random() < 0.3 and nationality != "HT":
                    given = f"{given} {rng.choice(names['female' if sex == 'female' else 'male'])}".replace(
                        f"{given} {given}", given)
                fam1 = family_1 if relationship in ("head", "child", "sibling", "grandchild") else rng.choice(
                    names["family"])
                fam2 = "" if nationality == "HT" else (family_2 if relationship in ("head", "sibling")
                                                       else rng.choice(names["family"]))
                estimated = rng.random() < 0.08
                birth = registered - timedelta(days=age * 365 + rng.randint(0, 364))
                if estimated:
                    birth = date(birth.year, 7, 1)
                doc_type, doc_number = ("none", "") if age < 7 and rng.random() < 0.6 else _document(rng, nationality,
                                                                                                     used_docs)
                if nationality == "CO" and age < 18 and doc_type == "co_cedula":
                    doc_type = "birth_certificate"
                person_id = uid()
                head_id = head_id or person_id
                languages = "fr,ht,es" if nationality == "HT" else "es"
                ethnicity = household_ethnicity
                if asked and identity_rng.random() < 0.08:  # mixed households: some members answer otherwise
                    ethnicity = _pick(identity_rng, ETHNICITY_WEIGHTS[nationality])
                lgbtiq = _pick(identity_rng, LGBTIQ_WEIGHTS) if asked and age >= 18 else "not_asked"
                when = stamp(registered)
                people_rows.append(dict(
                    id=person_id, given_names=given, family_name_1=fam1, family_name_2=fam2, sex=sex,
                    gender_identity="", birth_date=birth, birth_date_estimated=estimated, nationality=nationality,
                    document_type=doc_type, document_number=doc_number,
                    document_number_norm=normalize_document(doc_number),
                    phone=f"+57 3{rng.randint(0, 2)}{rng.randint(0, 9)} {rng.randint(100, 999)} "
                          f"{rng.randint(1000, 9999)}"
                    if age >= 16 and rng.random() < 0.8 else "",
                    address=address, municipality=municipality, population_type=population,
                    arrival_date=max(arrival, birth), languages=languages, ethnicity=ethnicity, lgbtiq=lgbtiq,
                    search_name=normalize(" ".join(p for p in (given, fam1, fam2) if p)), anonymized_at=None,
                    merged_into_id=None, created_at=when, created_by=rng.choice(clerks), updated_at=when,
                    updated_by="clerk", version=1, deleted_at=None, deleted_by=None))
                members.append(dict(id=uid(), household_id=household_id, person_id=person_id, relationship=relationship,
                                    joined_on=registered, created_at=when, created_by="clerk", updated_at=when,
                                    updated_by="clerk", version=1))
                registered_on[person_id] = registered
                if rng.random() < 0.22:
                    pool = NEEDS if age >= 18 else ["disability", "chronic_illness", "separated_child", "mental_health"]
                    if 0 < age < 18 and rng.random() < 0.08:
                        pool = ["unaccompanied_child"]
                    if sex != "female":
                        pool = [n for n in pool if n not in ("pregnancy", "lactating")] or ["chronic_illness"]
                    for code in sorted(set(rng.sample(pool, k=min(len(pool), rng.choice([1, 1, 1, 2]))))):
                        needs.append(dict(person_id=person_id, need_code=code))
                        if code == "lgbtiq_at_risk":  # recorded as a need because the person said so
                            people_rows[-1]["lgbtiq"] = "yes"
                method = "signed_form" if rng.random() < 0.8 else "verbal_witness"
                witness = "" if method == "signed_form" else rng.choice(["Sandra Patiño", "Luis Ardila", "Rosa Niño"])
                for scope, share in (("registration", 0.97), ("share_with_services", 0.9), ("follow_up_contact", 0.75)):
                    if rng.random() >= share:
                        continue
                    withdrawn = scope != "registration" and rng.random() < 0.03
                    later = registered + timedelta(days=rng.randint(5, 200))
                    withdrawn_at = stamp(min(later, today)) if withdrawn else None
                    consents.append(dict(id=uid(), person_id=person_id, scope=scope, service_id=None,
                                         given_on=registered, method=method, witness_name=witness, taken_by="clerk",
                                         withdrawn_at=withdrawn_at,
                                         withdrawn_by="clerk" if withdrawn else None,
                                         withdrawal_note="Lo pidió la persona" if withdrawn else "", created_at=when,
                                         created_by="clerk", updated_at=withdrawn_at or when, updated_by="clerk",
                                         version=2 if withdrawn else 1))
                    if scope == "share_with_services" and not withdrawn:
                        sharing.append(person_id)
            if rng.random() < 0.6 and head_id is not None:
                cases.append(dict(id=uid(), person_id=head_id, household_id=household_id, opened_on=registered,
                                  caseworker=rng.choice(["clerk", "clerk", "supervisor"]),
                                  priority=_pick(rng, [("normal", 70), ("high", 20), ("urgent", 5), ("low", 5)]),
                                  created_at=stamp(registered), created_by="clerk", updated_by="clerk", version=1))
            if len(people_rows) >= chunk:
                save_people()
        save_people()

        # Case numbers per office and year, in opening order.
        cases.sort(key=lambda c: (c["opened_on"], c["created_at"]))
        counters: dict[tuple[str, int], int] = {}
        for c in cases:
            year = c["opened_on"].year
            seq = counters[("case", year)] = counters.get(("case", year), 0) + 1
            closed = c["opened_on"] < today - timedelta(days=200) and rng.random() < 0.6
            c.update(number=f"{office_code}-{year}-{seq:05d}", office_code=office_code, year=year, seq=seq,
                     status="closed" if closed else rng.choice(["open", "open", "open", "on_hold"]),
                     closed_on=min(today, c["opened_on"] + timedelta(days=rng.randint(30, 180))) if closed else None,
                     updated_at=c["created_at"])
            for k in range(rng.choice([1, 1, 2, 3]) if demo.size == "small" else 1):
                day = min(today, c["opened_on"] + timedelta(days=k * rng.randint(3, 40)))
                notes.append(dict(id=uid(), case_id=c["id"], noted_on=day, author=c["caseworker"],
                                  text=rng.choice(["Primera entrevista; se explicaron las rutas de atención.",
                                                   "Llamada de seguimiento; la familia sigue en el mismo albergue.",
                                                   "Se entregó información sobre el PPT y requisitos.",
                                                   "Refiere dolor persistente; pendiente cita médica."]),
                                  created_at=stamp(day), created_by=c["caseworker"], updated_at=stamp(day),
                                  updated_by=c["caseworker"], version=1))
        case_of = {c["person_id"]: c["id"] for c in cases}

        demo.progress("referrals")
        person_ids = sharing
        referrals: list[dict] = []
        events: list[dict] = []
        for _i in range(n_referrals):
            person_id = rng.choice(person_ids)
            start = max(registered_on[person_id], today - timedelta(days=364))
            created_day = start + timedelta(days=rng.randint(0, max(0, (today - start).days)))
            created = stamp(created_day)
            if created > now:
                created = now - timedelta(minutes=rng.randint(1, 600))
            final = _pick(rng, FINAL_WEIGHTS)
            if final in ("draft", "sent", "accepted") and (today - created_day).days > 40 and rng.random() < 0.9:
                final = _pick(rng, FINAL_WEIGHTS[:4])  # old referrals have mostly been closed by now
            path = PATHS[final]
            moments = [created]
            for status in path[1:]:
                gap = {"sent": (0, 2), "accepted": (1, 10), "completed": (3, 30), "not_attended": (3, 20),
                       "rejected": (1, 8), "cancelled": (0, 15)}[status]
                moments.append(moments[-1] + timedelta(days=rng.randint(*gap), hours=rng.randint(0, 6),
                                                       minutes=rng.randint(5, 59)))  # always after the last step
            while moments[-1] > now:  # the story so far: later steps have not happened yet
                moments.pop()
            path = path[:len(moments)]
            status = path[-1]
            closed = status in OUTCOMES
            referral_id = uid()
            follow = None if closed else (moments[-1] + timedelta(days=rng.randint(5, 21))).date()
            reason_code = rng.choice(list(REASONS))
            by = rng.choice(clerks)
            referrals.append(dict(
                id=referral_id, office_code=office_code, person_id=person_id, case_id=case_of.get(person_id),
                service_id=rng.choice(services), reason_code=reason_code, reason=REASONS[reason_code],
                urgency=_pick(rng, [("normal", 80), ("high", 15), ("urgent", 5)]), status=status, follow_up_on=follow,
                outcome=rng.choice(OUTCOMES[status]) if closed else "",
                sent_at=moments[1] if len(moments) > 1 and path[1] == "sent" else None,
                closed_at=moments[-1] if closed else None, created_at=created, created_by=by, updated_at=moments[-1],
                updated_by=by, version=len(path)))
            previous = None
            for state, moment in zip(path, moments, strict=True):
                events.append(dict(id=uid(), referral_id=referral_id, from_status=previous, to_status=state, at=moment,
                                   by=by, note=(referrals[-1]["outcome"] if state in OUTCOMES else "")))
                previous = state
        referrals.sort(key=lambda r: r["created_at"])
        for r in referrals:
            year = r["created_at"].year
            seq = counters[("referral", year)] = counters.get(("referral", year), 0) + 1
            r.update(year=year, seq=seq, number=f"{office_code}-REM-{year}-{seq:05d}")

        demo.progress("saving people and referrals")
        tables = [(PersonSearchTerm, [dict(id=i, term=t) for t, i in vocabulary.items()]), (Case, cases),
                  (CaseNote, notes), (Referral, referrals), (ReferralEvent, events),
                  (CaseReferralCounter, [dict(kind=k, office_code=office_code, year=y, last_value=v)
                                         for (k, y), v in counters.items()])]
        for model, rows in tables:
            bulk.insert_rows(conn, model.__table__, rows)
    demo.summary["people"] = saved["people"]
    demo.summary["households"] = saved["households"]
    demo.summary["cases"] = len(cases)
    demo.summary["referrals"] = len(referrals)
