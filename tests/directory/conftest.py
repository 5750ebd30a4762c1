"""Directory fixtures: a signed-in clerk, and paths to the standard's example package."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.services.core.context import AppContext

DATA = Path(__file__).parent / "data"


@pytest.fixture
def clerk(ctx_for: Callable[[str], AppContext]) -> AppContext:
    return ctx_for("clerk")


@pytest.fixture
def example_package() -> Path:
    return DATA / "hsds_example"
