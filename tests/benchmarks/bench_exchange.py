"""Benchmark: importing a 5,000-service directory bundle vs. importing the same rows as an HSDS package.

    python tests/benchmarks/bench_exchange.py [--services N] [--repeat N]

Writes an HSDS package of 5,000 services (the directory-import benchmark's generator), imports it
into office BGA and makes a signed bundle of BGA's directory for office CUC. Baseline: a fresh CUC
database imports the HSDS package (``hsds.import_package``: parse, checks, comparison, insert).
Enlace: another fresh CUC database, trusting BGA, imports the bundle (``exchange.import_bundle``:
container and signature checks, resource hashes, the same parsing and reference rules, the per-row
version comparison, insert, row histories, audit). Target: bundle ≤ 2× HSDS, same run.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))


def _directory_bench():
    spec = importlib.util.spec_from_file_location("bench_directory_import",
                                                  Path(__file__).with_name("bench_directory_import.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def office(path: Path, code: str):
    from desktop.services.core.context import AppContext
    from desktop.services.office import OfficeForm
    from desktop.services.security import auth
    from desktop.services.workspace.setup import setup_office
    from desktop.store.database import open_database
    from desktop.store.models import User

    auth.use_fast_hashing_for_tests()
    db = open_database(path)
    setup_office(db, OfficeForm(code=code, name=f"Oficina {code}", country="CO"), "admin", "Ana", "bench-password-1")
    with db.session() as session:
        return AppContext(db, auth.actor_for(session.query(User).one()))


def main() -> int:
    from desktop.services import exchange
    from desktop.services.directory.hsds import import_package

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="enlace-bench-exchange-"))
    try:
        package = tmp / "package"
        _directory_bench().write_package(package, args.services)
        source = office(tmp / "bga.db", "BGA")
        import_package(source, package)
        card = exchange.office_card(source)
        receiver_card = exchange.office_card(office(tmp / "card.db", "CUC"))
        exchange.trust_office(source, receiver_card.to_bytes(), receiver_card.fingerprint)
        bundle = tmp / "bga.enlace"
        exchange.export_bundle(source, "any", bundle, ("directory",))
        data = bundle.read_bytes()
        hsds_times, bundle_times = [], []
        for n in range(args.repeat):
            ctx = office(tmp / f"hsds{n}.db", "CUC")
            started = time.perf_counter()
            preview, _result = import_package(ctx, package)
            hsds_times.append(time.perf_counter() - started)
            ctx.db.dispose()
            ctx = office(tmp / f"bundle{n}.db", "CUC")
            exchange.trust_office(ctx, card.to_bytes(), card.fingerprint)
            started = time.perf_counter()
            report = exchange.import_bundle(ctx, data)
            bundle_times.append(time.perf_counter() - started)
            ctx.db.dispose()
            assert report.directory["service"].new == args.services, report.directory["service"]
        base, mine = statistics.median(hsds_times), statistics.median(bundle_times)
        print(f"services per run: {args.services}; bundle {len(data) / 1e6:.1f} MB; HSDS rows {preview.total_accepted}")
        print(f"baseline HSDS import_package: {base:.2f} s (median of {args.repeat})")
        print(f"enlace import_bundle:         {mine:.2f} s (median of {args.repeat})")
        ratio = mine / base
        print(f"ratio bundle/HSDS: {ratio:.2f} (target ≤ 2.00) {'OK' if ratio <= 2 else 'OVER'}")
        return 0 if ratio <= 2 else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
