"""Hostile files are imported or refused within 10 s and 500 MB, with a translated message, never a traceback.

Each shape runs in its own process under ``RLIMIT_AS`` (500 MB of address space) and a timeout;
the fuzz corpus (seeded mutations of the shapes and of a valid list, CSV and HSDS package)
runs in one process under the same limit. After every refusal the database holds exactly what
it held before (no partial import). See ``tests/safety/hostile.py`` for the files.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from desktop.services import training
from tests.safety import hostile

# No Qt here: a leftover worker thread of an earlier UI test that the garbage collector happens to finish while
# these tests allocate must not fail them.
pytestmark = pytest.mark.no_qt_log

MEMORY_MB = 500
SECONDS = 10
RUNNER = Path(hostile.__file__)
REPO = RUNNER.parents[2]


@pytest.fixture
def office_with_course(office_db, ctx_for):
    training.create_course(ctx_for("admin"), training.CourseForm(code="HOSTIL", title="Curso", total_hours=4))
    return office_db


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_MB << 20, MEMORY_MB << 20))


def run_imports(db_path: Path, files: list[Path], timeout: float) -> tuple[list[dict], int]:
    """Run the importers on ``files`` in a child process; (one result per import, child's peak RSS in MB)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "MALLOC_ARENA_MAX": "2"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, str(RUNNER), str(db_path), *map(str, files)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, preexec_fn=_limit_memory, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"importing {[f.name for f in files]} took over {timeout:.0f} s")
    elapsed = time.perf_counter() - started
    assert proc.returncode == 0, f"the runner died ({proc.returncode}) after {elapsed:.1f} s:\n{err}"
    assert "Traceback" not in err, err
    results = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return results, max((r["peak_mb"] for r in results), default=0)


def check(results: list[dict]) -> None:
    for r in results:
        assert r["outcome"] != "crashed", f"{r['file']} ({r['importer']}):\n{r['message']}"
        assert not r["partial"], f"{r['file']} ({r['importer']}) was half imported: {r['message']}"
        assert r["seconds"] < SECONDS, f"{r['file']} ({r['importer']}) took {r['seconds']} s"
        assert r["peak_mb"] < MEMORY_MB, f"{r['file']} ({r['importer']}) reached {r['peak_mb']} MB"
        assert "Traceback" not in r["message"]


REFUSED_FOR = {  # shape → words of the message that must say why
    "cell at XFD1048576": "rows",
    "one 40 MB shared string": "characters in one cell",
    "shared strings unpacking to 300 MB": "unpacked size",
    "2 million rows (XLSX)": "rows",
    "a shared string of a million runs": "damaged",
    "a cell of a million runs": "damaged",
    "entity bomb in shared strings": "damaged",
    "entity bomb in the sheet": "damaged",
    "200 MB CSV": "file size",
    "45 MB CSV past the row limit": "rows",
    "one 40 MB CSV line": "characters in one cell",
    "HSDS zip of 250 MB of non-HSDS members": "unpacked size of all files",
    "HSDS zip with a 120 MB table": "unpacked size of one file",
    "HSDS zip with 45 MB of rows": "rows",
    "HSDS zip with a lying size": "not a readable zip",
    "HSDS folder with a linked descriptor": "no datapackage.json",
}


@pytest.mark.slow
@pytest.mark.parametrize("shape", list(hostile.SHAPES))
def test_a_hostile_file_is_refused_or_imported_within_its_limits(office_with_course, db_path, tmp_path, shape,
                                                                 capsys) -> None:
    built = time.perf_counter()
    path = hostile.SHAPES[shape](tmp_path)
    built = time.perf_counter() - built
    results, _peak = run_imports(db_path, [path], timeout=60)
    check(results)
    assert results, "nothing was run"
    for r in results:
        if shape in REFUSED_FOR:
            assert r["outcome"] == "refused", r
            assert REFUSED_FOR[shape] in r["message"], r["message"]
    if shape == "merged A1:XFD1048576":  # a merge past the cells that exist is ignored, the list imported
        assert [r["outcome"] for r in results] == ["imported", "imported"], results
    if shape == "HSDS folder with symlinks":  # imported without following services.csv to /dev/zero
        assert results[0]["outcome"] == "imported", results[0]
        assert "Links to other files were not followed: locations.csv, services.csv" in results[0]["message"]
    with capsys.disabled():
        for r in results:
            print(f"\n  {shape:<40} {r['importer']:<7} {r['outcome']:<9} {r['seconds']:6.2f} s "
                  f"{r['peak_mb']:4d} MB peak  ({_on_disk(path) / 1000:,.0f} KB on disk, built in {built:.1f} s)",
                  end="")


def _on_disk(path: Path) -> int:
    paths = [path] if path.is_file() else list(path.iterdir())
    return sum(p.lstat().st_blocks * 512 for p in paths)


@pytest.mark.slow
def test_a_fuzz_corpus_of_damaged_files_never_crashes_or_half_imports(office_with_course, db_path, tmp_path) -> None:
    files = hostile.mutations(tmp_path / "corpus", 48)
    results, _peak = run_imports(db_path, files, timeout=300)
    check(results)
    assert len(results) == sum(len(hostile.importers_for(f)) for f in files)
    assert {r["outcome"] for r in results} <= {"imported", "refused"}


def test_openpyxl_parses_workbooks_with_defusedxml() -> None:
    import openpyxl

    assert openpyxl.DEFUSEDXML  # a dependency: DTDs and entity declarations are refused, not expanded
