"""What the role files cost (issue 18, item 3): the same encrypted demo as one file and as three.

    python tests/benchmarks/bench_role_files.py [--size small|large] [--rounds N]

The demo is built once, encrypted, with every table in the main file (the baseline: one SQLCipher
file, as before role files); a copy is split into the main, people and training files. Alternating
between the two in the same run, one line per figure with the ratio split / one file:

  sign-in            opening the database as the clerk and the first query (the role file attached)
  person search      people.search_people, mixed queries, p50 and p95
  register person    a clerk's save (person, search index line, audit event: two files written)
  monthly report     build_report as the supervisor (joins people, directory and trainings)
  the split itself   the one-time move at the first sign-in (files written aside, VACUUM, swap)
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._people_demo import percentile


def build(folder: Path, size: str) -> Path:
    """An encrypted demo whose tables are all in its main file (nothing split)."""
    from desktop.services import demo as demo_module
    from desktop.services.workspace import open_store, take_recovery_key

    path = folder / "one" / "enlace.db"
    db = open_store(path)  # a new file opened this way is not split
    try:
        demo_module.build_demo(db, size, 1, progress=lambda step: print(f"  … {step}", file=sys.stderr))
        take_recovery_key(db)
    finally:
        db.dispose()
    return path


def open_unsplit(path: Path, username: str):
    """The baseline: the same sign-in, on the file as it was before role files (its split held back)."""
    from desktop.services import workspace
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.store import splitting

    real = splitting.ensure_split
    splitting.ensure_split = lambda db, keys: []
    try:
        return workspace.open_signed_in(path, username, DEMO_PASSWORD)
    finally:
        splitting.ensure_split = real


def open_split(path: Path, username: str):
    from desktop.services import workspace
    from desktop.services.demo import DEMO_PASSWORD

    return workspace.open_signed_in(path, username, DEMO_PASSWORD)


def queries(ctx, n: int, rng: random.Random) -> list[str]:
    from sqlalchemy import select

    from desktop.store.models import Person

    with ctx.db.session() as session:
        rows = session.execute(select(Person.given_names, Person.family_name_1, Person.document_number)
                               .limit(2000)).all()
    picked = [rows[rng.randrange(len(rows))] for _ in range(n)]
    made = []
    for given, family, document in picked:
        made.append(rng.choice([f"{given.split()[0]} {family}", family, document or family]))
    return made


def timed(fn, *args):
    """(milliseconds, result) of ``fn(*args)``."""
    started = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - started) * 1000, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="small", choices=("small", "large"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    from desktop.services import people, reports
    from desktop.store import keys, role_files
    from tests.people.helpers import person_form

    keys.use_fast_kdf_for_tests()  # the password's argon2id is the same for both: leave it out
    folder = Path(tempfile.mkdtemp(prefix="enlace-bench-roles-"))
    started = time.perf_counter()
    one = build(folder, args.size)
    print(f"demo ({args.size}) built in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    split_path = folder / "split" / "enlace.db"
    split_path.parent.mkdir()
    for suffix in ("", ".keys"):
        shutil.copy2(f"{one}{suffix}", f"{split_path}{suffix}")
    started = time.perf_counter()
    ctx = open_split(split_path, "admin")  # the first sign-in splits
    split_ms = (time.perf_counter() - started) * 1000
    assert set(ctx.db.files) == set(role_files.NAMES), ctx.db.files
    ctx.db.dispose()
    started = time.perf_counter()
    ctx = open_split(split_path, "admin")
    again_ms = (time.perf_counter() - started) * 1000
    ctx.db.dispose()

    rng = random.Random(7)
    sign_in = {"one": [], "split": []}
    search = {"one": [], "split": []}
    saves = {"one": [], "split": []}
    report = {"one": [], "split": []}
    opener = {"one": (open_unsplit, one), "split": (open_split, split_path)}
    period = reports.Period.between(date(2025, 1, 1), date.today())
    texts = None
    for round_no in range(args.rounds):
        for kind in (("one", "split") if round_no % 2 == 0 else ("split", "one")):
            open_fn, path = opener[kind]
            ms, clerk = timed(open_fn, path, "clerk")
            sign_in[kind].append(ms)
            try:
                if texts is None:
                    texts = queries(clerk, args.queries, rng)
                for text in texts:
                    search[kind].append(timed(people.search_people, clerk, text)[0])
                for i in range(5):
                    serial = len(saves["one"]) + len(saves["split"])
                    form = person_form(given_names=f"Prueba {round_no} {i}", family_name_1="Banco",
                                       document_number=f"V-{20_000_000 + serial}")
                    saves[kind].append(timed(people.register_person, clerk, form)[0])
            finally:
                clerk.db.dispose()
            supervisor = open_fn(path, "supervisor")
            try:
                report[kind].append(timed(reports.build_report, supervisor, period)[0])
            finally:
                supervisor.db.dispose()

    def line(name: str, values: dict[str, list[float]], stat) -> None:
        a, b = stat(values["one"]), stat(values["split"])
        print(f"{name:<26} one file {a:9.2f} ms   three files {b:9.2f} ms   ratio {b / a:5.2f}x")

    median = statistics.median
    line("sign-in (clerk), median", sign_in, median)
    line("person search p50", search, lambda v: percentile(v, 0.5))
    line("person search p95", search, lambda v: percentile(v, 0.95))
    line("register person, median", saves, median)
    line("monthly report, median", report, median)
    sizes = {name: Path(f"{split_path}.{name}").stat().st_size for name in role_files.NAMES}
    print(f"{'the split itself':<26} {split_ms:9.0f} ms at the first sign-in (the next: {again_ms:.0f} ms); "
          f"files: main {split_path.stat().st_size / 1e6:.1f} MB, "
          + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items())
          + f"; one file {one.stat().st_size / 1e6:.1f} MB")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
