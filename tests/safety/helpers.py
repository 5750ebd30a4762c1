"""Shared checks for the data-safety tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from sqlalchemy import String, Text, select

from desktop.store.base import Base
from desktop.store.database import Database

ROOT = Path(__file__).resolve().parents[2]


def printable_strings(path: Path, min_len: int = 4) -> str:
    """What ``strings`` shows of a file (the tool when installed, else the same rule in Python)."""
    if shutil.which("strings"):
        return subprocess.run(["strings", "-n", str(min_len), str(path)], capture_output=True, text=True,
                              errors="replace", check=True).stdout
    runs = re.findall(rb"[\x20-\x7e]{%d,}" % min_len, path.read_bytes())
    return "\n".join(r.decode("ascii") for r in runs)


def stored_texts(db: Database, min_len: int = 8) -> set[str]:
    """Every text value of at least ``min_len`` characters stored in any table (names, places, notes…)."""
    import desktop.store.models  # noqa: F401  (registers every table)

    values: set[str] = set()
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, String | Text):
                    try:
                        found = session.scalars(select(column).where(column.is_not(None)).distinct().limit(500))
                        values.update(v for v in found if isinstance(v, str) and len(v) >= min_len)
                    except Exception:  # a table another area has not migrated yet
                        session.rollback()
    return values


def readable_by_sqlite3(path: Path) -> bool:
    """Whether the stock sqlite3 tool (or module) can read the file's tables."""
    if shutil.which("sqlite3"):
        result = subprocess.run(["sqlite3", str(path), ".tables"], capture_output=True, text=True)
        return result.returncode == 0
    import sqlite3

    try:
        with sqlite3.connect(path) as conn:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        return True
    except sqlite3.DatabaseError:
        return False


def run_cli(*args: str, env: dict[str, str] | None = None, stdin: str = "", timeout: float = 120):
    """``python -m desktop`` in a subprocess (the real CLI, as an office's script would run it)."""
    import os

    full_env = {**os.environ, "ENLACE_LANG": "en", "QT_QPA_PLATFORM": "offscreen", **(env or {})}
    for var in ("ENLACE_USER", "ENLACE_PASSWORD", "ENLACE_RECOVERY_KEY"):
        if env is None or var not in env:
            full_env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "desktop", "--lang", "en", *args], input=stdin, capture_output=True,
                          text=True, env=full_env, cwd=ROOT, timeout=timeout)
