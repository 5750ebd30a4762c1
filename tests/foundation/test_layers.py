"""CONTRIBUTING's layer rules are the import-linter contracts, and the code keeps them."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _layers_module():
    spec = importlib.util.spec_from_file_location("layers", ROOT / "scripts" / "layers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def test_contributing_carries_the_layer_rules_of_pyproject() -> None:
    block = _layers_module().render()
    assert block in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8"), \
        "CONTRIBUTING.md is out of date: paste the output of `python scripts/layers.py`"


def test_an_upward_import_breaks_the_contracts(tmp_path: Path) -> None:
    """The contracts have teeth: the store importing a window module is refused."""
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if lint is None:
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    copy = tmp_path / "tree"
    shutil.copytree(ROOT / "desktop", copy / "desktop", ignore=shutil.ignore_patterns("_data", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    ok = subprocess.run([lint], cwd=copy, capture_output=True, text=True, env={"PYTHONPATH": str(copy)},
                        check=False, timeout=300)
    assert ok.returncode == 0, ok.stdout[-2000:]
    with (copy / "desktop" / "store" / "files.py").open("a", encoding="utf-8") as fh:
        fh.write("\nfrom desktop.ui import settings  # noqa: E402, F401\n")
    broken = subprocess.run([lint], cwd=copy, capture_output=True, text=True, env={"PYTHONPATH": str(copy)},
                            check=False, timeout=300)
    assert broken.returncode != 0 and "desktop.store is not allowed to import desktop.ui" in broken.stdout
