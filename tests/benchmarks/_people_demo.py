"""The large demo the people benchmarks run on (shared with the other benchmarks' default file)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

DEFAULT_DB = "/tmp/enlace-bench-large.db"


def ensure_large_demo(path: Path) -> None:
    """Build the large demo at ``path`` unless it is there already (with people in it)."""
    if path.exists():
        return
    from desktop.services import demo as demo_module
    from desktop.store.database import open_database

    print(f"building the large demo at {path} (once)…", file=sys.stderr)
    started = time.perf_counter()
    db = open_database(path)
    try:
        demo_module.build_demo(db, "large", 1, progress=lambda step: print(f"  … {step}", file=sys.stderr))
    finally:
        db.dispose()
    print(f"  built in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
