"""Benchmark: importing an HSDS 3.0 package of 10,000 services vs. plain csv + SQLAlchemy Core inserts.

    python tests/benchmarks/bench_directory_import.py [--services N] [--repeat N]

Writes a package (organizations, services, locations, addresses, service_at_location, phones,
schedules, attributes; 10,000 services by default) to a temporary folder. Baseline: read the
same CSVs with the ``csv`` module, convert each value to its column type, and insert with Core
``insert()`` in one transaction into a freshly migrated database. Enlace: ``import_package``
(descriptor and type checks, reference rules, comparison with the directory, insert, search
text) into another fresh database. Target: Enlace ≤ 2× the baseline, measured in the same run.
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, datetime
from datetime import time as dtime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

TABLES = ("organization", "service", "location", "address", "service_at_location", "phone", "schedule", "attribute")


def write_package(folder: Path, services: int, seed: int = 7) -> None:
    from desktop.services.directory import CATEGORIES, CATEGORY_TAXONOMY_ID, term_id
    from desktop.services.directory.hsds import descriptor_bytes, standard

    rng = random.Random(seed)
    uid = lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))  # noqa: E731
    spec = standard()
    rows: dict[str, list[dict]] = {t: [] for t in (*TABLES, "taxonomy", "taxonomy_term")}
    rows["taxonomy"].append({"id": str(CATEGORY_TAXONOMY_ID), "name": "Categorías", "description": "Categorías"})
    for code, name, description in CATEGORIES:
        rows["taxonomy_term"].append({"id": str(term_id(CATEGORY_TAXONOMY_ID, code)), "code": code, "name": name,
                                      "description": description, "taxonomy_id": str(CATEGORY_TAXONOMY_ID)})
    cities = ["Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"]
    orgs = []
    for n in range(max(1, services // 10)):
        oid = uid()
        orgs.append(oid)
        rows["organization"].append({"id": oid, "name": f"Fundación Número {n} de Atención al Migrante",
                                     "description": "Servicios para población migrante y de acogida.",
                                     "email": f"contacto{n}@example.org", "website": f"https://example.org/{n}"})
    for n in range(services):
        sid, lid = uid(), uid()
        rows["service"].append({"id": sid, "organization_id": orgs[n % len(orgs)], "status": "active",
                                "name": f"Atención psicológica y orientación jurídica {n}",
                                "description": f"Escucha, orientación y acompañamiento a familias migrantes "
                                               f"en la sede número {n} del área metropolitana.",
                                "email": f"servicio{n}@example.org", "minimum_age": "0", "maximum_age": "99"})
        rows["location"].append({"id": lid, "location_type": "physical", "organization_id": orgs[n % len(orgs)],
                                 "name": f"Sede {n}", "latitude": "7.119", "longitude": "-73.122"})
        rows["address"].append({"id": uid(), "location_id": lid, "address_1": f"Calle {n % 100} # 12-34",
                                "city": cities[n % 4], "state_province": "Santander", "postal_code": "680001",
                                "country": "CO", "address_type": "physical"})
        rows["service_at_location"].append({"id": uid(), "service_id": sid, "location_id": lid})
        rows["phone"].append({"id": uid(), "service_id": sid, "number": f"607 6{n % 100:02d} {n % 10000:04d}",
                              "type": "voice"})
        rows["schedule"].append({"id": uid(), "service_id": sid, "freq": "WEEKLY", "byday": "MO,TU,WE,TH,FR",
                                 "opens_at": "08:00:00", "closes_at": "17:00:00"})
        code = CATEGORIES[n % len(CATEGORIES)][0]
        rows["attribute"].append({"id": uid(), "link_id": sid, "link_type": "service", "link_entity": "service",
                                  "taxonomy_term_id": str(term_id(CATEGORY_TAXONOMY_ID, code))})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "datapackage.json").write_bytes(descriptor_bytes())
    for table, items in rows.items():
        names = [f.name for f in spec[table].fields]
        with (folder / spec[table].path).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.DictWriter(fh, names, lineterminator="\n")
            writer.writeheader()
            writer.writerows(items)


def fresh_db(path: Path):
    """A new ENCRYPTED office database (SQLCipher, as every office has)."""
    from desktop.services import workspace
    from desktop.services.office import OfficeForm
    from desktop.services.security import auth
    from desktop.store import keys

    auth.use_fast_hashing_for_tests()
    keys.use_fast_kdf_for_tests()
    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = workspace.create_office(path, OfficeForm(code="BGA", name="Bench", country="CO"), "admin", "Ana",
                                  "bench-password-1")
    assert ctx.db.key is not None, "the benchmark must run on an encrypted database"
    return ctx.db


SHEET_HEADER = ["Entidad", "Servicio", "Descripción", "Categoría", "Dirección", "Municipio", "Teléfono", "Correo",
                "Horario", "Recibe remisiones"]


def write_sheet(path: Path, services: int) -> None:
    """The directory as offices keep it in a spreadsheet: one row per service."""
    cities = ["Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(SHEET_HEADER)
        for n in range(services):
            writer.writerow([f"Fundación Número {n // 10} de Atención al Migrante", f"Orientación jurídica {n}",
                             "Escucha, orientación y acompañamiento a familias migrantes.", "Salud",
                             f"Calle {n % 100} # 12-34", cities[n % 4], f"607 6{n % 100:02d} {n % 10000:04d}",
                             f"servicio{n}@example.org", "lunes a viernes 8:00-17:00", "sí"])


def sheet_baseline(db, path: Path) -> int:
    """csv.reader + one organization per name and one service per row, Core insert, one transaction."""
    from sqlalchemy import insert

    from desktop.store.base import new_id, utcnow
    from desktop.store.models.directory import Organization, Service

    now = utcnow()
    orgs: dict[str, uuid.UUID] = {}
    org_rows, service_rows = [], []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        for row in reader:
            if row[0] not in orgs:
                orgs[row[0]] = new_id()
                org_rows.append({"id": orgs[row[0]], "name": row[0], "description": "", "created_at": now,
                                 "updated_at": now, "version": 1})
            service_rows.append({"id": new_id(), "organization_id": orgs[row[0]], "name": row[1],
                                 "description": row[2], "email": row[7], "status": "active", "created_at": now,
                                 "updated_at": now, "version": 1})
    with db.transaction() as session:
        session.execute(insert(Organization.__table__), org_rows)
        for i in range(0, len(service_rows), 1000):
            session.execute(insert(Service.__table__), service_rows[i:i + 1000])
    return len(service_rows)


def sheet_enlace(db, path: Path) -> int:
    from desktop.services.core.context import AppContext
    from desktop.services.directory.sheet import import_sheet
    from desktop.services.security import auth
    from desktop.store.models import User

    with db.session() as session:
        ctx = AppContext(db, auth.actor_for(session.query(User).one()))
    preview, _counts = import_sheet(ctx, path)
    assert not preview.rejects, preview.rejects[:3]
    return len(preview.tables["service"])


def baseline(db, folder: Path) -> int:
    """csv.DictReader + per-column type conversion + Core insert, one transaction, FK order."""
    from sqlalchemy import insert

    from desktop.services.directory.hsds import WRITE_ORDER, standard
    from desktop.store.base import utcnow
    from desktop.store.models.directory import HSDS_MODELS

    def converter(field):
        if field.format == "uuid":
            return uuid.UUID
        if field.type == "number":
            return float
        if field.type == "date":
            return date.fromisoformat
        if field.type == "time":
            return dtime.fromisoformat
        if field.type == "datetime":
            return datetime.fromisoformat
        return str

    rows_written = 0
    now = utcnow()
    with db.transaction() as session:
        for table in WRITE_ORDER:
            spec = standard()[table]
            path = folder / spec.path
            if not path.exists():
                continue
            convert = {f.column: converter(f) for f in spec.fields}
            names = {f.name: f.column for f in spec.fields}
            batch = []
            with path.open(encoding="utf-8", newline="") as fh:
                for record in csv.DictReader(fh):
                    row = {names[k]: (convert[names[k]](v) if v != "" else None) for k, v in record.items()}
                    row.update(created_at=now, updated_at=now, version=1)
                    batch.append(row)
            for i in range(0, len(batch), 1000):
                session.execute(insert(HSDS_MODELS[table].__table__), batch[i:i + 1000])
            rows_written += len(batch)
    return rows_written


def enlace(db, folder: Path) -> int:
    from desktop.services.core.context import AppContext
    from desktop.services.directory.hsds import import_package
    from desktop.services.security import auth
    from desktop.store.models import User

    with db.session() as session:
        ctx = AppContext(db, auth.actor_for(session.query(User).one()))
    preview, _result = import_package(ctx, folder)
    assert not preview.rejects, preview.rejects[:3]
    return preview.total_accepted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="enlace-bench-import-"))
    try:
        package = tmp / "package"
        write_package(package, args.services)
        sheet = tmp / "directorio.csv"
        write_sheet(sheet, args.services)
        base_times, enlace_times, sheet_base_times, sheet_times = [], [], [], []
        for n in range(args.repeat):  # alternately: baseline, Enlace, baseline, Enlace…
            db = fresh_db(tmp / f"base{n}" / "enlace.db")
            started = time.perf_counter()
            rows = baseline(db, package)
            base_times.append(time.perf_counter() - started)
            db.dispose()
            db = fresh_db(tmp / f"enlace{n}" / "enlace.db")
            started = time.perf_counter()
            accepted = enlace(db, package)
            enlace_times.append(time.perf_counter() - started)
            db.dispose()
            assert accepted == rows, (accepted, rows)
            db = fresh_db(tmp / f"sheet-base{n}" / "enlace.db")
            started = time.perf_counter()
            sheet_rows = sheet_baseline(db, sheet)
            sheet_base_times.append(time.perf_counter() - started)
            db.dispose()
            db = fresh_db(tmp / f"sheet{n}" / "enlace.db")
            started = time.perf_counter()
            assert sheet_enlace(db, sheet) == sheet_rows
            sheet_times.append(time.perf_counter() - started)
            db.dispose()
        base, mine = statistics.median(base_times), statistics.median(enlace_times)
        print(f"encrypted office database; rows per run: {rows} ({args.services} services); "
              f"median of {args.repeat} alternating runs")
        ratio = mine / base
        print(f"HSDS package: enlace import_package {mine:.2f} s vs csv + Core insert {base:.2f} s: "
              f"ratio {ratio:.2f} (target ≤ 2.00) {'OK' if ratio <= 2 else 'OVER'}")
        sheet_base, sheet_mine = statistics.median(sheet_base_times), statistics.median(sheet_times)
        print(f"spreadsheet ({args.services} services): enlace import_sheet {sheet_mine:.2f} s vs csv + Core insert "
              f"of organizations and services {sheet_base:.2f} s: ratio {sheet_mine / sheet_base:.2f} (no target: "
              f"Enlace also writes locations, addresses, phones, schedules, categories and search text)")
        return 0 if ratio <= 2 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
