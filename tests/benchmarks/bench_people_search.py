"""Benchmark: the people search box over the large demo (100,000 people).

    python tests/benchmarks/bench_people_search.py [--db PATH] [--queries N]

Target (issue 5): p95 ≤ 50 ms per query, with accents, case, word order and one typo tolerated.
Queries are made from real records of the demo: plain lower case without accents, surname first
with accents, one typo in a long word, a document number. The same run times the naive way (a
LIKE scan over the names, which finds no typo) for comparison, and checks that the searched
person is found.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.benchmarks._people_demo import DEFAULT_DB, ensure_large_demo, percentile

TARGET_MS = 50.0


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randint(1, len(word) - 2)
    kind = rng.choice(("swap", "drop", "change"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind == "drop":
        return word[:i] + word[i + 1:]
    return word[:i] + rng.choice("aeioulnrs") + word[i + 1:]


def make_queries(rows, rng: random.Random) -> list[tuple[str, object, str]]:
    from desktop.services.people import normalize

    queries = [("jose perez", None, "issue example"), ("Pérez Josué", None, "issue example")]
    for person_id, given, family_1, family_2, document in rows:
        first_given = given.split()[0]
        queries.append((normalize(f"{first_given} {family_1}"), person_id, "plain"))
        queries.append((f"{family_1} {family_2} {first_given}".strip(), person_id, "reordered"))
        words = normalize(f"{first_given} {family_1} {family_2}").split()
        longest = max(range(len(words)), key=lambda k: len(words[k]))
        words[longest] = typo(words[longest], rng)
        queries.append((" ".join(words), person_id, "typo"))
        if document:
            queries.append((document, person_id, "document"))
    rng.shuffle(queries)
    return queries


def naive_search(session, text: str) -> list:
    """What a first attempt does: LIKE on the concatenated name for every word (a full scan, no typos)."""
    from sqlalchemy import func, select

    from desktop.store.models import Person

    name = func.lower(Person.given_names + " " + Person.family_name_1 + " " + Person.family_name_2)
    stmt = select(Person.id)
    for word in text.lower().split():
        stmt = stmt.where(name.like(f"%{word}%") | Person.document_number.like(f"%{word}%"))
    return list(session.scalars(stmt.limit(50)))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--queries", type=int, default=150, help="people to build queries from")
    args = parser.parse_args()
    path = Path(args.db)
    ensure_large_demo(path)

    from sqlalchemy import func, select

    from desktop.services import people, workspace
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.store.models import Person

    ctx = workspace.open_signed_in(path, "clerk", DEMO_PASSWORD)
    rng = random.Random(5)
    with ctx.db.session() as session:
        total = session.scalar(select(func.count()).select_from(Person).where(Person.deleted_at.is_(None)))
        rows = session.execute(select(Person.id, Person.given_names, Person.family_name_1, Person.family_name_2,
                                      Person.document_number).where(Person.deleted_at.is_(None))
                               .order_by(Person.id).offset(rng.randint(0, max(0, total - 5000))).limit(5000)).all()
    sample = rng.sample(rows, min(args.queries, len(rows)))
    queries = make_queries(sample, rng)
    for text, _pid, _kind in queries[:5]:  # warm the caches (vocabulary, pages) as a working session would
        people.search_people(ctx, text)

    times: list[float] = []
    by_kind: dict[str, list[float]] = {}
    found = found_top10 = expected = 0
    recall: dict[str, list[int]] = {}
    for text, person_id, kind in queries:
        started = time.perf_counter()
        hits = people.search_people(ctx, text)
        elapsed = (time.perf_counter() - started) * 1000
        times.append(elapsed)
        by_kind.setdefault(kind, []).append(elapsed)
        if person_id is not None:
            expected += 1
            ids = [h.id for h in hits]
            found += person_id in ids
            found_top10 += person_id in ids[:10]
            recall.setdefault(kind, []).append(person_id in ids)
        elif kind == "issue example":
            assert hits, text

    naive: list[float] = []
    with ctx.db.session() as session:
        for text, _pid, _kind in queries[:30]:
            started = time.perf_counter()
            naive_search(session, text)
            naive.append((time.perf_counter() - started) * 1000)
    ctx.db.dispose()

    p95, p50 = percentile(times, 0.95), statistics.median(times)
    print(f"people: {total:,}; queries: {len(times)}")
    print(f"search p95: {p95:.1f} ms (target {TARGET_MS:.0f} ms; ratio {p95 / TARGET_MS:.2f})")
    print(f"search p50: {p50:.1f} ms; max {max(times):.1f} ms")
    for kind, values in sorted(by_kind.items()):
        hits = recall.get(kind)
        share = f"; person found in {100 * sum(hits) / len(hits):.0f} %" if hits else ""
        print(f"  {kind:<14} p95 {percentile(values, 0.95):6.1f} ms over {len(values)} queries{share}")
    naive_p95 = percentile(naive, 0.95)
    print(f"naive LIKE scan p95: {naive_p95:.1f} ms (baseline; search p95 / baseline = {p95 / naive_p95:.2f}),"
          f" and it finds no typo")
    print(f"searched person found: {100 * found / expected:.1f} % in the results, "
          f"{100 * found_top10 / expected:.1f} % in the first 10")
    return 0 if p95 <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
