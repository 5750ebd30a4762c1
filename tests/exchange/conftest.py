"""Two offices, two databases: BGA (the usual test office) and CUC, each with one user per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.services import exchange
from desktop.services.core.context import AppContext
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from desktop.services.workspace.setup import setup_office
from desktop.store.database import Database, open_database
from desktop.store.models import User
from tests.conftest import PASSWORD, ROLES


@dataclass
class Office:
    code: str
    db: Database
    ctx: Callable[[str], AppContext]

    @property
    def admin(self) -> AppContext:
        return self.ctx("admin")

    @property
    def clerk(self) -> AppContext:
        return self.ctx("clerk")


def _contexts(db: Database) -> Callable[[str], AppContext]:
    def make(role: str) -> AppContext:
        with db.session() as session:
            user = session.query(User).filter_by(username=role).one()
            return AppContext(db, auth.actor_for(user))

    return make


@pytest.fixture
def office_a(office_db: Database) -> Office:
    return Office("BGA", office_db, _contexts(office_db))


@pytest.fixture
def office_b(tmp_path: Path) -> Iterator[Office]:
    db = open_database(tmp_path / "cucuta.db")
    setup_office(db, OfficeForm(code="CUC", name="Oficina de Cúcuta", country="CO", municipality="Cúcuta"),
                 "admin", "Ana Admin", PASSWORD)
    with db.transaction() as session:
        for role in ROLES[1:]:
            auth.add_user(session, "admin", role, f"{role.title()} Gómez", role, PASSWORD)
    yield Office("CUC", db, _contexts(db))
    db.dispose()


def trust_each_other(a: Office, b: Office) -> None:
    for one, other in ((a, b), (b, a)):
        card = exchange.office_card(one.admin)
        exchange.trust_office(other.admin, card.to_bytes(), card.fingerprint)


@pytest.fixture
def partners(office_a: Office, office_b: Office) -> tuple[Office, Office]:
    """BGA and CUC trusting each other."""
    trust_each_other(office_a, office_b)
    return office_a, office_b


def send(sender: Office, receiver: Office, tmp_path: Path, include: str = "", dry_run: bool = False,
         name: str = "bundle.enlace"):
    path = tmp_path / name
    exchange.export_bundle(sender.admin, receiver.code, path, exchange.parse_include(include))
    return exchange.import_bundle(receiver.admin, path.read_bytes(), dry_run=dry_run)
