"""Demo data: a realistic Colombian municipal migration office, deterministic for a seed.

Each feature area adds its part as a module listed in :data:`PARTS` with a function
``build(demo: DemoBuild) -> None``. Every part gets its own random generator derived from the
seed and its name, so adding a part does not change what the others produce.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the sign-in screen reads the demo accounts before SQLAlchemy is loaded
    import random
    import uuid

    from desktop.services.core.context import AppContext
    from desktop.store.database import Database

DEMO_PASSWORD = "enlace-demo"
DEMO_USERS = (
    ("admin", "Adriana Rueda Martínez", "admin"),
    ("supervisor", "Sergio Téllez Villamizar", "supervisor"),
    ("clerk", "Claudia Patiño Ordóñez", "clerk"),
    ("trainer", "Tomás Gómez Peña", "trainer"),
)
SIZES = ("small", "large")

# Feature parts, built in this order (later parts may use earlier ones' records).
PARTS: list[str] = [
    "desktop.services.demo.office",
    "desktop.services.demo.directory",
    "desktop.services.demo.people",
    "desktop.services.demo.training",
]


@dataclass
class DemoBuild:
    db: Database
    size: str
    seed: int
    now: datetime
    ctx: AppContext | None = None  # the demo administrator, once the office exists
    progress: Callable[[str], None] = lambda message: None
    summary: dict[str, int] = field(default_factory=dict)

    def rng(self, part: str) -> random.Random:
        import random

        return random.Random(f"{self.seed}:{part}")

    @staticmethod
    def uuid(rng: random.Random) -> uuid.UUID:
        import uuid

        return uuid.UUID(int=rng.getrandbits(128), version=4)


def build_demo(db: Database, size: str = "small", seed: int = 1, *, now: datetime | None = None,
               progress: Callable[[str], None] | None = None) -> DemoBuild:
    """Fill an empty, migrated database with the demo office. Returns the build with a summary."""
    if size not in SIZES:
        raise ValueError(size)
    demo = DemoBuild(db, size, seed, now or datetime.now(UTC))
    if progress:
        demo.progress = progress
    for name in PARTS:
        importlib.import_module(name).build(demo)
    return demo
