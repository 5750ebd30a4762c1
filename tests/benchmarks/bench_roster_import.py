"""Benchmark: a trainer's 10,000-row roster (CSV and XLSX), preview + import, vs. reading it plainly + Core insert.

    python tests/benchmarks/bench_roster_import.py [--rows N] [--repeat N]

On an ENCRYPTED office database (SQLCipher, as every office has), a fresh one per run. Measured
alternately in one run, median of ``--repeat``:

* CSV: Enlace reads the file (bounded, streamed), previews (parses and checks every row, looks
  participants up by document in batches, matches institutions) and imports (Core executemany,
  one statement of audit events per batch, enrollment in the course), against a baseline that
  reads the rows with ``csv`` and inserts them into ``participant`` with a Core ``insert()`` in
  one transaction. Target: ≤ 5×.
* XLSX: the same against ``openpyxl`` (read-only, values only) + the same Core insert. Target: ≤ 2×.
* The preview alone (what the trainer waits for before seeing the rows): target under 1 s.

One line per figure, with the ratio.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

HEADER = ["No.", "Nombres", "Apellidos", "Tipo de documento", "Número de documento", "Sexo", "Entidad", "Cargo",
          "Municipio", "Correo electrónico", "Celular", "Fecha de inscripción"]
GIVEN = ["María José", "José Luis", "Ana Lucía", "Carlos Andrés", "Luz Marina", "Jhon Fredy", "Yuliana", "Óscar",
         "Ángela María", "Wilmer", "Daniela", "Néstor Iván"]
FAMILY = ["Pérez Gómez", "Rodríguez", "Ñañez Ortiz", "Martínez Díaz", "Gómez", "Suárez Peña", "Castro", "Rincón Ávila"]
INSTITUTIONS = ["Alcaldía de Girón", "ICBF Regional Santander", "Personería Municipal de Bucaramanga",
                "FUNDACIÓN ÁNGELES DE LA CALLE – SEDE NORTE", "Secretaría de Salud", "Defensoría del Pueblo",
                "Migración Colombia", "Policía Nacional", "Corporación Nuevo Arco Iris", "Hospital Local del Norte"]
POSITIONS = ["Enlace de migración", "Profesional universitario", "Trabajadora social", "Psicólogo", "Contratista"]
TOWNS = ["Bucaramanga", "Floridablanca", "Girón", "Piedecuesta"]


def roster_rows(count: int, seed: int = 17) -> list[list[object]]:
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        given, family = rng.choice(GIVEN), rng.choice(FAMILY)
        rows.append([n + 1, given.upper() if n % 3 == 0 else given, family, "CC", f"{1_000_000_000 + n:,}".replace(
            ",", "."), rng.choice("FM"), rng.choice(INSTITUTIONS), rng.choice(POSITIONS), rng.choice(TOWNS),
            f"persona{n}@example.org", f"3{rng.randrange(10**9):09d}", f"{1 + n % 28:02d}/03/2026"])
    return rows


def write_files(folder: Path, count: int) -> tuple[Path, Path]:
    from openpyxl import Workbook

    rows = roster_rows(count)
    csv_path = folder / "lista.csv"
    with csv_path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([HEADER, *rows])
    xlsx_path = folder / "lista.xlsx"
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Asistentes")
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(xlsx_path)
    return csv_path, xlsx_path


def fresh_office(path: Path):
    """An encrypted office with one course; (context, course id)."""
    from desktop.services import training, workspace
    from desktop.services.office import OfficeForm
    from desktop.services.security import auth
    from desktop.store import keys

    auth.use_fast_hashing_for_tests()
    keys.use_fast_kdf_for_tests()
    ctx = workspace.create_office(path, OfficeForm(code="BGA", name="Bench", country="CO"), "admin", "Ana",
                                  "bench-password-1")
    assert ctx.db.key is not None, "the benchmark must run on an encrypted database"
    course = training.create_course(ctx, training.CourseForm(code="MESA", title="Mesa", total_hours=20))
    return ctx, course.id


def _participant_row(values: dict, now, who: str) -> dict:
    from desktop.store.base import new_id

    return {"id": new_id(), **values, "created_at": now, "created_by": who, "updated_at": now, "updated_by": who,
            "version": 1}


def _insert(ctx, rows: list[dict]) -> None:
    from sqlalchemy import insert

    from desktop.store.models import Participant

    with ctx.db.transaction() as session:
        for i in range(0, len(rows), 1000):
            session.execute(insert(Participant.__table__), rows[i:i + 1000])


def baseline_csv(ctx, path: Path) -> int:
    """csv.reader + one dict per row + Core insert, one transaction."""
    from desktop.store.base import utcnow

    now = utcnow()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=";")
        next(reader)
        rows = [_participant_row({"given_names": r[1], "family_names": r[2], "document_type": r[3],
                                  "document_number": r[4], "sex": r[5], "institution_detail": r[6],
                                  "position": r[7], "municipality": r[8], "email": r[9], "phone": r[10]}, now, "admin")
                for r in reader]
    _insert(ctx, rows)
    return len(rows)


def baseline_xlsx(ctx, path: Path) -> int:
    """openpyxl read-only, values only + one dict per row + Core insert, one transaction."""
    from openpyxl import load_workbook

    from desktop.store.base import utcnow

    now = utcnow()
    wb = load_workbook(path, read_only=True, data_only=True)
    it = wb.worksheets[0].iter_rows(values_only=True)
    next(it)
    rows = [_participant_row({"given_names": r[1], "family_names": r[2], "document_type": r[3],
                              "document_number": str(r[4]), "sex": r[5], "institution_detail": r[6],
                              "position": r[7], "municipality": r[8], "email": r[9], "phone": str(r[10])},
                             now, "admin") for r in it]
    wb.close()
    _insert(ctx, rows)
    return len(rows)


def enlace(ctx, course_id, path: Path) -> tuple[int, float]:
    """(participants created, seconds until the preview was ready)."""
    from desktop.services import office
    from desktop.services.training import roster_import as pi

    started = time.perf_counter()
    table = pi.read_spreadsheet_file(path, office.import_limits(ctx.db))
    preview = pi.preview_import(ctx, table, path.name, course_id)
    previewed = time.perf_counter() - started
    assert preview.count(pi.REJECTED) == 0, [r.reasons for r in preview.rows if r.reasons][:3]
    result = pi.apply_import(ctx, preview)
    return result.created, previewed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    from desktop.services.security import audit

    tmp = Path(tempfile.mkdtemp(prefix="enlace-bench-roster-"))
    times: dict[str, list[float]] = {k: [] for k in ("base_csv", "enlace_csv", "preview_csv", "base_xlsx",
                                                     "enlace_xlsx", "preview_xlsx")}
    try:
        csv_path, xlsx_path = write_files(tmp, args.rows)
        for n in range(args.repeat):
            for kind, path, base in (("csv", csv_path, baseline_csv), ("xlsx", xlsx_path, baseline_xlsx)):
                ctx, _course = fresh_office(tmp / f"base-{kind}-{n}" / "enlace.db")
                started = time.perf_counter()
                count = base(ctx, path)
                times[f"base_{kind}"].append(time.perf_counter() - started)
                ctx.db.dispose()
                ctx, course = fresh_office(tmp / f"enlace-{kind}-{n}" / "enlace.db")
                started = time.perf_counter()
                created, previewed = enlace(ctx, course, path)
                times[f"enlace_{kind}"].append(time.perf_counter() - started)
                times[f"preview_{kind}"].append(previewed)
                assert created == count == args.rows, (created, count)
                assert audit.verify_chain(ctx.db).ok
                ctx.db.dispose()
        med = {k: statistics.median(v) for k, v in times.items()}
        print(f"{args.rows:,} rows, encrypted office database, median of {args.repeat} alternating runs")
        ok = True
        for kind, target in (("csv", 5.0), ("xlsx", 2.0)):
            ratio = med[f"enlace_{kind}"] / med[f"base_{kind}"]
            ok &= ratio <= target
            base_name = "csv + Core insert" if kind == "csv" else "openpyxl + Core insert"
            print(f"{kind.upper():<4} preview + import {med[f'enlace_{kind}']:.2f} s vs {base_name} "
                  f"{med[f'base_{kind}']:.2f} s: ratio {ratio:.2f} (target ≤ {target:.0f}) "
                  f"{'OK' if ratio <= target else 'OVER'}")
        for kind in ("csv", "xlsx"):
            preview = med[f"preview_{kind}"]
            ok &= kind == "xlsx" or preview < 1.0
            print(f"{kind.upper():<4} preview shown after {preview:.2f} s (read + check every row)"
                  + (f" (target < 1 s) {'OK' if preview < 1.0 else 'OVER'}" if kind == "csv" else ""))
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
