"""Benchmark: directory search over 5,000 services, as a clerk types.

    python tests/benchmarks/bench_directory_search.py [--services N] [--rounds N]

Builds a directory of N services (5,000 by default; organizations, addresses in four
municipalities, weekly hours, categories, populations, languages) and then replays typing:
every prefix of several words ("p", "ps", "psi", … "psicologico"), alone and with filters
(municipality, category, open now, accepts referrals). Each keystroke is one
``directory.search_page`` call (the first 50 rows in name order and the match count), the same
the screen makes. Target: p95 ≤ 30 ms. The baseline printed alongside is a bare SQL ``LIKE``
count over the search column for the same keystrokes (no filters, no order, no row objects).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

WORDS = ["psicologico", "atencion juridica", "comedor", "defensoria", "salud mental", "albergue bucaramanga",
         "educacion", "migracion colombia"]
NAMES = ["Atención psicológica", "Orientación jurídica", "Comedor comunitario", "Albergue temporal",
         "Salud mental", "Matrícula escolar", "Formación para el empleo", "Registro civil", "Mercados",
         "Restablecimiento de derechos"]
ORGS = ["Defensoría del Pueblo", "Personería", "ICBF", "Migración Colombia", "Secretaría de Salud", "SENA",
        "Pastoral Social", "Cruz Roja", "Fundación Mujer y Futuro", "Consejo Noruego para Refugiados"]


def build(db, services: int, seed: int = 3) -> None:
    from desktop.services.directory import (
        CATEGORIES,
        CATEGORY_TAXONOMY_ID,
        POPULATION_TAXONOMY_ID,
        POPULATIONS,
        seed_catalogs,
        term_id,
    )
    from desktop.services.directory.hsds import apply_tables, standard

    rng = random.Random(seed)
    uid = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)  # noqa: E731

    def row(table: str, **values):
        out = {f.column: None for f in standard()[table].fields}
        out.update(values)
        return out

    tables: dict[str, list[dict]] = {t: [] for t in ("organization", "service", "location", "address",
                                                     "service_at_location", "schedule", "attribute", "language")}
    cities = ["Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"]
    orgs = []
    for n in range(services // 10):
        oid = uid()
        orgs.append(oid)
        tables["organization"].append(row("organization", id=oid, name=f"{rng.choice(ORGS)} {n}",
                                          description="Servicios para población migrante."))
    for n in range(services):
        sid, lid = uid(), uid()
        tables["service"].append(row("service", id=sid, organization_id=orgs[n % len(orgs)], status="active",
                                     name=f"{rng.choice(NAMES)} {n}",
                                     description="Escucha, orientación y acompañamiento a familias migrantes y "
                                                 "de la comunidad de acogida."))
        tables["location"].append(row("location", id=lid, location_type="physical"))
        tables["address"].append(row("address", id=uid(), location_id=lid, address_1="Calle 1 # 2-3",
                                     city=cities[n % 4], state_province="Santander", postal_code="680001",
                                     country="CO", address_type="physical"))
        tables["service_at_location"].append(row("service_at_location", id=uid(), service_id=sid, location_id=lid))
        for opens, closes in ((dtime(8), dtime(12)), (dtime(14), dtime(17))):
            tables["schedule"].append(row("schedule", id=uid(), service_id=sid, freq="WEEKLY",
                                          byday="MO,TU,WE,TH,FR", opens_at=opens, closes_at=closes))
        tables["attribute"].append(row("attribute", id=uid(), link_id=sid, link_entity="service",
                                       taxonomy_term_id=term_id(CATEGORY_TAXONOMY_ID, rng.choice(CATEGORIES)[0])))
        tables["attribute"].append(row("attribute", id=uid(), link_id=sid, link_entity="service",
                                       taxonomy_term_id=term_id(POPULATION_TAXONOMY_ID, rng.choice(POPULATIONS)[0])))
        tables["language"].append(row("language", id=uid(), service_id=sid, code="es", name="español"))
    with db.transaction() as session:
        seed_catalogs(session)
        apply_tables(session, tables, "admin")


def keystrokes() -> list[str]:
    out = []
    for phrase in WORDS:
        out.extend(phrase[:i] for i in range(1, len(phrase) + 1))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from sqlalchemy import text

    from desktop.services import directory
    from desktop.services.core.context import AppContext
    from desktop.services.directory import SearchFilters, query_stems
    from desktop.services.office import OfficeForm
    from desktop.services.security import auth
    from desktop.services.workspace.setup import setup_office
    from desktop.store.database import open_database
    from desktop.store.models import User

    auth.use_fast_hashing_for_tests()
    tmp = Path(tempfile.mkdtemp(prefix="enlace-bench-search-"))
    try:
        db = open_database(tmp / "bench.db")
        setup_office(db, OfficeForm(code="BGA", name="Bench", country="CO"), "admin", "Ana", "bench-password-1")
        build(db, args.services)
        with db.session() as session:
            ctx = AppContext(db, auth.actor_for(session.query(User).one()))
        food = directory.term_id(directory.CATEGORY_TAXONOMY_ID, "food")
        monday_10 = datetime(2026, 11, 23, 10, 0)
        variants = [
            lambda t: SearchFilters(text=t),
            lambda t: SearchFilters(text=t, municipality="Girón"),
            lambda t: SearchFilters(text=t, category_id=food, accepts_referrals=True),
            lambda t: SearchFilters(text=t, open_now=True),
        ]
        directory.search_page(ctx, SearchFilters())  # warm caches
        timings, base, sizes = [], [], []
        for _round in range(args.rounds):
            for typed in keystrokes():
                for variant in variants:
                    started = time.perf_counter()
                    page = directory.search_page(ctx, variant(typed), now=monday_10)
                    timings.append((time.perf_counter() - started) * 1000)
                    sizes.append(page.total)
                stems = query_stems(typed)
                sql = "SELECT count(*) FROM service_extension" + (" WHERE " + " AND ".join(
                    f"search_text LIKE :t{i}" for i in range(len(stems))) if stems else "")
                params = {f"t{i}": f"%{stem}%" for i, stem in enumerate(stems)}
                started = time.perf_counter()
                with db.engine.connect() as conn:
                    conn.execute(text(sql), params).fetchall()
                base.append((time.perf_counter() - started) * 1000)
        db.dispose()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    p95 = statistics.quantiles(timings, n=100)[94]
    base95 = statistics.quantiles(base, n=100)[94]
    print(f"services: {args.services}; keystrokes timed: {len(timings)}; matches per answer (count capped at "
          f"{directory.COUNT_CAP + 1}): median {statistics.median(sizes):.0f}, max {max(sizes)}")
    print(f"baseline bare LIKE p95: {base95:.1f} ms")
    print(f"directory.search_page p95: {p95:.1f} ms (median {statistics.median(timings):.1f} ms, "
          f"max {max(timings):.1f} ms)"
          f"; ratio to baseline {p95 / base95:.1f}")
    print(f"target p95 ≤ 30 ms: {'OK' if p95 <= 30 else 'OVER'}")
    return 0 if p95 <= 30 else 1


if __name__ == "__main__":
    sys.exit(main())
