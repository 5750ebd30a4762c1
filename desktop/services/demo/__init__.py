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
SIZES = ("small", "large", "xlarge")

# Feature parts, built in this order (later parts may use earlier ones' records).
PARTS: list[str] = [
    "desktop.services.demo.office",
    "desktop.services.demo.directory",
    "desktop.services.demo.people",
    "desktop.services.demo.training",
    "desktop.services.demo.exchange",
]
DEMO_OFFICE_CODE = "BGA"
DEMO_OFFICE_NAME = "Oficina de Atención al Migrante de Bucaramanga"


@dataclass
class DemoBuild:
    db: Database
    size: str
    seed: int
    now: datetime
    ctx: AppContext | None = None  # the demo administrator, once the office exists
    progress: Callable[[str], None] = lambda message: None
    summary: dict[str, int] = field(default_factory=dict)
    office_code: str = DEMO_OFFICE_CODE  # another code makes a partner office (see demo/exchange.py)
    office_name: str = DEMO_OFFICE_NAME

    def rng(self, part: str) -> random.Random:
        import random

        return random.Random(f"{self.seed}:{part}")

    @staticmethod
    def uuid(rng: random.Random) -> uuid.UUID:
        import uuid

        return uuid.UUID(int=rng.getrandbits(128), version=4)


def demo_state(location: str) -> str:
    """What is at ``location``: "missing" (nothing yet), "demo" (a demo office) or "office" (anything else,
    never touched by the demo command)."""
    import os

    from desktop.services import workspace

    if "://" in location:  # an office server: empty until an office is set up on it
        try:
            if workspace.needs_setup(location):
                return "missing"
        except Exception:  # unreachable, or refused: not ours to replace
            return "office"
    elif not os.path.exists(location) or os.path.getsize(location) == 0:
        return "missing"
    try:
        return "demo" if workspace.is_demo(location) else "office"
    except Exception:  # unreadable, or locked with a key we do not have: not ours to replace
        return "office"


def reset_demo(location: str) -> str:
    """Back up an existing demo database (a checked safety copy in its backup folder), then remove it so a
    new demo can be built in its place. Returns the backup's path. Refuses anything but a demo office."""
    import os

    from desktop.i18n import _
    from desktop.services.core.errors import ValidationError
    from desktop.services.workspace import Unlock, open_store
    from desktop.services.workspace.backup import safety_copy
    from desktop.store.keys import key_file_for

    if demo_state(location) != "demo":
        raise ValidationError(_("{path} is not a demo database: nothing was changed.").format(path=location))
    db = open_store(location, Unlock("admin", DEMO_PASSWORD))
    try:
        copy = safety_copy(db, "pre-reset")
    finally:
        db.dispose()
    role_files = [f"{location}.{name}{suffix}" for name in ("people", "training") for suffix in ("", "-wal", "-shm")]
    for leftover in (location, f"{location}-wal", f"{location}-shm", str(key_file_for(location)), *role_files):
        if os.path.exists(leftover):
            os.remove(leftover)
    return str(copy.path)


def build_demo(db: Database, size: str = "small", seed: int = 1, *, now: datetime | None = None,
               progress: Callable[[str], None] | None = None, office_code: str = DEMO_OFFICE_CODE,
               office_name: str | None = None) -> DemoBuild:
    """Fill an empty, migrated database with the demo office (``office_code``: a partner demo office,
    whose directory belongs to the Bucaramanga office). Returns the build with a summary."""
    if size not in SIZES:
        raise ValueError(size)
    office_code = office_code.strip().upper() or DEMO_OFFICE_CODE
    if office_name is None:
        office_name = (DEMO_OFFICE_NAME if office_code == DEMO_OFFICE_CODE
                       else f"Oficina de Atención al Migrante {office_code}")
    demo = DemoBuild(db, size, seed, now or datetime.now(UTC), office_code=office_code, office_name=office_name)
    if progress:
        demo.progress = progress
    for name in PARTS:
        importlib.import_module(name).build(demo)
    return demo
