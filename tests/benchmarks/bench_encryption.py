"""Encrypted store (SQLCipher) against plain SQLite, in the same run, on the same schema.

    python tests/benchmarks/bench_encryption.py [--rows 20000]

Figures (one line each, with the ratio encrypted / plain time; the target is under 2×):
  bulk insert        Core INSERTs in batches of 500 (demo generation, imports)
  single saves       one small write transaction each (a clerk pressing Save)
  lookups by id      ORM ``session.get`` of random rows in one session
  text search        ``LIKE '%…%'`` scans over the whole table (a person search without index)
  open + sign-in     opening the file and the first query (the raw key: no passphrase KDF)
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from sqlalchemy import func, insert, select

from desktop.store.base import new_id, utcnow
from desktop.store.database import Database, open_database, sqlcipher_module
from desktop.store.keys import new_database_key
from desktop.store.models import CatalogItem

WORDS = ["Bucaramanga", "Cúcuta", "Girón", "Floridablanca", "Piedecuesta", "Pamplona", "salud", "educación",
         "vivienda", "empleo", "regularización", "asesoría", "jurídica", "niñez", "alimentación", "albergue"]


def _rows(n: int, rng: random.Random, tag: str) -> list[dict]:
    now = utcnow()
    return [{"id": new_id(), "catalog": "bench", "code": f"{tag}-{i}",
             "label_es": " ".join(rng.choice(WORDS) for _ in range(4)) + f" {i}",
             "label_en": f"Item {i}", "country": "CO", "sort_order": i, "active": True,
             "created_at": now, "updated_at": now, "created_by": "bench", "updated_by": "bench", "version": 1}
            for i in range(n)]


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(db: Database, rows: int, seed: int) -> dict[str, float]:
    rng = random.Random(seed)
    data = _rows(rows, rng, "b")
    times: dict[str, float] = {}

    def bulk() -> None:
        for start in range(0, rows, 500):
            with db.transaction() as session:
                session.execute(insert(CatalogItem), data[start:start + 500])

    times["bulk insert"] = _timed(bulk)

    saves = _rows(300, rng, "s")

    def single() -> None:
        for row in saves:
            with db.transaction() as session:
                session.execute(insert(CatalogItem), [row])

    times["single saves"] = _timed(single)

    ids = [d["id"] for d in rng.sample(data, min(3000, rows))]

    def lookups() -> None:
        with db.session() as session:
            for item_id in ids:
                session.get(CatalogItem, item_id)
                session.expunge_all()

    times["lookups by id"] = _timed(lookups)

    terms = [rng.choice(WORDS)[:5] for _ in range(30)]

    def search() -> None:
        with db.session() as session:
            for term in terms:
                session.scalar(select(func.count()).select_from(CatalogItem)
                               .where(CatalogItem.label_es.like(f"%{term}%")))

    times["text search"] = _timed(search)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    kinds = ("plain", "same-library", "encrypted")  # same-library: SQLCipher's SQLite without a key
    results: dict[str, dict[str, list[float]]] = {kind: {} for kind in kinds}
    open_times: dict[str, list[float]] = {kind: [] for kind in kinds}
    with tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.repeat):
            for kind in kinds:  # alternate, so all see the same machine load
                key = new_database_key() if kind == "encrypted" else None
                path = Path(tmp) / f"{kind}-{round_}.db"
                factory = (lambda url: Database(url, module=sqlcipher_module())) if kind == "same-library" else None
                db = open_database(path, key=key, factory=factory)
                for name, seconds in run(db, args.rows, round_).items():
                    results[kind].setdefault(name, []).append(seconds)
                db.dispose()

                def reopen(path: Path = path, key: bytes | None = key, factory=factory) -> None:
                    again = open_database(path, key=key, factory=factory)
                    with again.session() as session:
                        session.scalar(select(func.count()).select_from(CatalogItem))
                    again.dispose()

                open_times[kind].append(_timed(reopen))
    import sqlite3

    cipher = sqlcipher_module()
    version = cipher.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0]
    print(f"encrypted store vs plain SQLite, {args.rows} rows, median of {args.repeat} runs "
          f"(plain: Python's sqlite3, SQLite {sqlite3.sqlite_version}; encrypted: SQLCipher {version}, "
          f"SQLite {cipher.sqlite_version})")
    units = {"bulk insert": args.rows, "single saves": 300, "lookups by id": min(3000, args.rows), "text search": 30}
    worst = 0.0
    for name, count in units.items():
        plain = statistics.median(results["plain"][name])
        same = statistics.median(results["same-library"][name])
        enc = statistics.median(results["encrypted"][name])
        ratio = enc / plain
        worst = max(worst, ratio)
        print(f"{name:<14} plain {count / plain:>9,.0f}/s   encrypted {count / enc:>9,.0f}/s   "
              f"ratio {ratio:.2f}x slower   (SQLCipher's SQLite without a key {count / same:>9,.0f}/s: "
              f"cost of encryption alone {enc / same:.2f}x)")
    plain_open = statistics.median(open_times["plain"])
    enc_open = statistics.median(open_times["encrypted"])
    print(f"{'open + query':<14} plain {plain_open * 1000:>9.1f} ms   encrypted {enc_open * 1000:>9.1f} ms   "
          f"ratio {enc_open / plain_open:.2f}x slower")
    print(f"worst throughput ratio {worst:.2f}x (target < 2x): {'OK' if worst < 2 else 'TOO SLOW'}")
    return 0 if worst < 2 else 1


if __name__ == "__main__":
    sys.exit(main())
