"""Demo trainings: three courses modelled on real programs for municipal public servants, about
200 participants from municipal institutions of Santander, attendance that leaves some below the
completion rule, and the certificates already issued for finished courses."""

from __future__ import annotations

import io
import math
import random
from datetime import date, time, timedelta

from sqlalchemy import insert, select

from desktop.services import training
from desktop.services.demo import DemoBuild
from desktop.services.training import certificates
from desktop.store.models import Attendance, Enrollment, Participant, TrainingSession
from desktop.store.models.training import Course

GIVEN_F = ["María", "Ana", "Luisa", "Carolina", "Diana", "Paola", "Andrea", "Claudia", "Sandra", "Laura", "Yolanda",
           "Marcela", "Natalia", "Ángela", "Lucía", "Sofía", "Valentina", "Daniela", "Gloria", "Liliana", "Johana",
           "Mónica", "Adriana", "Yesenia", "Ximena", "Rocío", "Nelly", "Beatriz", "Milena", "Fernanda"]
GIVEN_M = ["Juan", "Carlos", "José", "Luis", "Andrés", "Jorge", "Fabián", "Óscar", "Diego", "Sergio", "Camilo",
           "Julián", "Mauricio", "Hernán", "Édgar", "Wilson", "Jhon", "Iván", "Alejandro", "Sebastián", "Germán",
           "Rubén", "Álvaro", "Nicolás", "Felipe", "Héctor", "Ramón", "Esteban", "Tomás", "David"]
SURNAMES = ["Rueda", "Martínez", "Gómez", "Pérez", "Rodríguez", "Suárez", "Villamizar", "Ortiz", "Peña", "Díaz",
            "Castellanos", "Jaimes", "Quintero", "Sarmiento", "Ardila", "Mantilla", "Carreño", "Serrano", "Ramírez",
            "Niño", "Ordóñez", "Patiño", "Téllez", "Muñoz", "Hernández", "Gutiérrez", "Cáceres", "Beltrán", "Duarte",
            "Vargas", "Acevedo", "Galvis", "Uribe", "Prada", "Moreno", "Delgado", "León", "Báez", "Ibáñez", "Zambrano"]
MUNICIPALITIES = ["Bucaramanga", "Floridablanca", "Girón", "Piedecuesta", "Barrancabermeja", "Lebrija", "Rionegro",
                  "San Gil", "Socorro", "Málaga", "Barbosa", "Sabana de Torres", "Los Santos", "Puerto Wilches"]
# (institution code, how it reads in a list, positions)
INSTITUTIONS = [
    ("alcaldia", "Alcaldía de {m}", ["Enlace municipal de migración", "Profesional universitario(a)",
                                     "Técnico(a) administrativo(a)", "Contratista de atención al migrante"]),
    ("secretaria_desarrollo_social", "Secretaría de Desarrollo Social de {m}", ["Profesional de apoyo",
                                                                              "Coordinador(a) de programas"]),
    ("secretaria_gobierno", "Secretaría de Gobierno de {m}", ["Inspector(a) de policía", "Profesional jurídico(a)"]),
    ("personeria", "Personería de {m}", ["Personero(a) delegado(a)", "Auxiliar administrativo(a)"]),
    ("defensoria", "Defensoría del Pueblo — Regional Santander", ["Defensor(a) comunitario(a)", "Profesional"]),
    ("icbf", "ICBF — Centro Zonal {m}", ["Defensor(a) de familia", "Trabajador(a) social", "Psicólogo(a)"]),
    ("secretaria_salud", "Secretaría de Salud de {m}", ["Enfermero(a) jefe", "Referente de salud migrante",
                                                        "Epidemiólogo(a)"]),
    ("secretaria_educacion", "Secretaría de Educación de {m}", ["Profesional de cobertura", "Docente orientador(a)"]),
    ("comisaria_familia", "Comisaría de Familia de {m}", ["Comisario(a) de familia", "Psicólogo(a)"]),
    ("migracion_colombia", "Migración Colombia — Regional Oriente", ["Oficial de migración", "Analista"]),
    ("hospital", "ESE Hospital de {m}", ["Trabajador(a) social", "Facturador(a)"]),
    ("sena", "SENA — Regional Santander", ["Instructor(a)", "Orientador(a) ocupacional"]),
]

COURSES = [
    dict(code="MESA-2026", title="Caja de herramientas para mesas migratorias municipales",
         description="Cómo instalar y sostener una mesa migratoria municipal: actores, plan de acción, "
                     "rutas de atención y seguimiento de compromisos.",
         modules="Marco normativo del Estatuto Temporal de Protección\nInstalación de la mesa migratoria\n"
                 "Plan de acción y presupuesto\nRutas de atención y remisiones\nSeguimiento y rendición de cuentas",
         organizer="Alcaldía de Bucaramanga — Oficina de Atención al Migrante",
         partners="Organización Internacional para las Migraciones (OIM)\nGobernación de Santander",
         modality="in_person", sessions=5, hours=4.0, share=0.8, evaluation=False, months_ago=4, size=70,
         venue="Salón de la Mesa Migratoria, Centro Administrativo Municipal"),
    dict(code="GOB-MIG-2026", title="Gobernanza migratoria local con enfoque de derechos",
         description="Diplomado para servidores públicos municipales sobre integración socioeconómica, "
                     "acceso a derechos y coordinación interinstitucional.",
         modules="Flujos migratorios en Colombia\nEnfoque de derechos y diferencial\nAcceso a salud y educación\n"
                 "Regularización y documentación\nIntegración socioeconómica\nCoordinación interinstitucional\n"
                 "Prevención de la xenofobia\nEvaluación final",
         organizer="Gobernación de Santander", partners="ACNUR\nEscuela Superior de Administración Pública (ESAP)",
         modality="hybrid", sessions=8, hours=3.0, share=0.8, evaluation=True, months_ago=2, size=90,
         venue="Aula virtual y auditorio de la Gobernación"),
    dict(code="EMPR-2026", title="Acompañamiento a emprendimientos de población migrante y de acogida",
         description="Herramientas para orientar a personas migrantes y de la comunidad de acogida hacia el "
                     "emprendimiento y el acceso a servicios financieros.",
         modules="Diagnóstico de emprendimientos\nFormalización y requisitos\nEducación financiera\n"
                 "Rutas de empleabilidad\nComercialización y redes",
         organizer="Alcaldía de Bucaramanga — Secretaría de Desarrollo Social",
         partners="SENA Regional Santander\nCámara de Comercio de Bucaramanga",
         modality="virtual", sessions=6, hours=4.0, share=0.8, evaluation=False, months_ago=0, size=60,
         venue="Sesión virtual (Meet)"),
]


def signature_image(rng: random.Random, width: int = 360, height: int = 120) -> bytes:
    """A scribble that stands in for a scanned signature."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (width, height), (255, 255, 255, 0))
    draw = ImageDraw.Draw(img)
    a, b, phase = rng.uniform(6, 11), rng.uniform(15, 30), rng.uniform(0, 3)
    points = [(20 + t / 119 * (width - 40),
               height / 2 + math.sin(t / 119 * a + phase) * height * 0.3 * (1 - t / 240) + math.cos(t / 119 * b) * 7)
              for t in range(120)]
    draw.line(points, fill=(22, 32, 95, 255), width=4, joint="curve")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def build(demo: DemoBuild) -> None:
    assert demo.ctx is not None
    demo.progress("trainings")
    rng = demo.rng("training")
    ctx = demo.ctx
    scale = 10 if demo.size == "large" else 1
    today = demo.now.date()
    with demo.db.transaction() as session:
        training.seed_catalogs(session)

    # Participants: public servants of municipal institutions; a few take more than one course.
    used_docs: set[str] = set()
    people: list[dict] = []
    total = sum(c["size"] for c in COURSES) * scale - 20 * scale
    for _i in range(total):
        female = rng.random() < 0.62
        given = rng.choice(GIVEN_F if female else GIVEN_M)
        if rng.random() < 0.45:
            second = rng.choice(GIVEN_F if female else GIVEN_M)
            if second != given:
                given += " " + second
        family = f"{rng.choice(SURNAMES)} {rng.choice(SURNAMES)}"
        while True:
            doc = str(rng.choice([rng.randint(63_000_000, 63_999_999), rng.randint(91_000_000, 91_999_999),
                                  rng.randint(1_095_000_000, 1_102_999_999), rng.randint(13_000_000, 13_999_999)]))
            if doc not in used_docs:
                used_docs.add(doc)
                break
        municipality = rng.choice(MUNICIPALITIES[:6] * 3 + MUNICIPALITIES)
        code, label, positions = rng.choice(INSTITUTIONS)
        ascii_ = str.maketrans("áéíóúñ", "aeioun")
        plain = given.split()[0].lower().translate(ascii_)
        domain = municipality.lower().replace(" ", "").translate(ascii_)
        people.append(dict(
            id=DemoBuild.uuid(rng), given_names=given, family_names=family, document_type="CC", document_number=doc,
            sex="F" if female else "M", institution=code, institution_detail=label.format(m=municipality),
            position=rng.choice(positions), municipality=municipality,
            email=f"{plain}.{family.split()[0].lower().translate(ascii_)}{rng.randint(1, 99)}@{domain}.gov.co",
            phone=f"3{rng.randint(0, 2)}{rng.randint(0, 9)}{rng.randint(1_000_000, 9_999_999)}",
            created_by="admin", updated_by="admin"))
    with demo.db.transaction() as session:
        for start in range(0, len(people), 500):
            session.execute(insert(Participant), people[start:start + 500])

    course_ids = []
    for n_round in range(scale):
        for spec in COURSES:
            code = spec["code"] if n_round == 0 else f"{spec['code']}-{n_round + 1:02d}"
            first_day = today - timedelta(days=30 * spec["months_ago"] + 21 * n_round + 7 * (spec["sessions"] - 1))
            if spec["months_ago"] == 0 and n_round == 0:
                first_day = today - timedelta(days=7 * 3)  # ongoing: three sessions held, the rest ahead
            first_day -= timedelta(days=(first_day.weekday() - 2) % 7)  # sessions on Wednesdays
            course_ids.append(_build_course(demo, rng, spec, code, first_day, people, today))
    with demo.db.transaction() as session:
        issued = 0
        for index, course_id in enumerate(course_ids):
            course = session.get(Course, course_id)
            last = session.scalar(select(TrainingSession.date).where(TrainingSession.course_id == course_id)
                                  .order_by(TrainingSession.date.desc()).limit(1))
            if last is not None and last < today:
                from datetime import UTC, datetime

                when = datetime.combine(last + timedelta(days=10), time(15, 0), tzinfo=UTC)
                created = certificates.record_certificates(session, ctx, course.id, when)
                issued += len(created)
                if index == 0 and created:
                    created[-1].revoked_at = when + timedelta(days=3)
                    created[-1].revoked_by = ctx.username
                    created[-1].revoke_reason = "Expedida por error: la persona asistió en representación de otra."
    demo.summary["courses"] = len(course_ids)
    demo.summary["participants"] = len(people)
    demo.summary["certificates"] = issued


def _build_course(demo: DemoBuild, rng: random.Random, spec: dict, code: str, first_day: date, people: list[dict],
                  today: date):
    ctx = demo.ctx
    course = training.create_course(ctx, training.CourseForm(
        code=code, title=spec["title"], description=spec["description"], modules=spec["modules"],
        organizer=spec["organizer"], partners=spec["partners"], modality=spec["modality"],
        total_hours=spec["sessions"] * spec["hours"], completion_share=spec["share"],
        requires_evaluation=spec["evaluation"], municipality="Bucaramanga"))
    trainers = ["Tomás Gómez Peña", "Liliana Quintero Ardila", "Hernán Mantilla Serrano"]
    modules = spec["modules"].split("\n")
    session_rows = []
    for i in range(spec["sessions"]):
        day = first_day + timedelta(days=7 * i)
        start = time(8, 0) if spec["hours"] == 4 else time(14, 0)
        end = time(start.hour + int(spec["hours"]), 0)
        session_rows.append(dict(id=DemoBuild.uuid(rng), course_id=course.id, number=i + 1, date=day, start_time=start,
                                 end_time=end, hours=spec["hours"], topic=modules[i % len(modules)],
                                 venue=spec["venue"], trainer=trainers[i % len(trainers)], created_by="trainer",
                                 updated_by="trainer"))
    chosen = rng.sample(people, min(spec["size"], len(people)))
    enrollments = [dict(id=DemoBuild.uuid(rng), course_id=course.id, participant_id=p["id"],
                        enrolled_on=first_day - timedelta(days=rng.randint(3, 20)),
                        evaluation_passed=(rng.random() < 0.9) if spec["evaluation"] and first_day
                        + timedelta(days=7 * spec["sessions"]) < today else None,
                        created_by="trainer", updated_by="trainer") for p in chosen]
    attendance = []
    for e in enrollments:
        # Most people come to almost everything; about one in six drifts away.
        reliability = rng.choice([0.97] * 10 + [0.9] * 3 + [0.6, 0.45, 0.3])
        for s in session_rows:
            if s["date"] > today:
                continue
            roll = rng.random()
            if roll < reliability:
                status = "late" if rng.random() < 0.07 else "present"
            else:
                status = "excused" if rng.random() < 0.35 else "absent"
            attendance.append(dict(id=DemoBuild.uuid(rng), session_id=s["id"], enrollment_id=e["id"], status=status,
                                   created_by="trainer", updated_by="trainer"))
    with demo.db.transaction() as session:
        session.execute(insert(TrainingSession), session_rows)
        session.execute(insert(Enrollment), enrollments)
        for start in range(0, len(attendance), 1000):
            session.execute(insert(Attendance), attendance[start:start + 1000])
    certificates.save_template(ctx, course.id, certificates.TemplateForm(signatories=[
        certificates.SignatoryForm("Adriana Rueda Martínez", "Jefe de la Oficina de Atención al Migrante",
                                   signature_image(rng)),
        certificates.SignatoryForm(trainers[0], "Capacitador", signature_image(rng)),
    ]))
    return course.id
