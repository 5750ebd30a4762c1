"""Fixtures for encrypted databases (the shared ``db``/``office_db`` fixtures stay plain SQLite)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from desktop.services import workspace
from desktop.services.core.context import AppContext
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from tests.conftest import PASSWORD, ROLES

OFFICE_NAME = "Oficina Cifrada de Cúcuta"


@dataclass
class EncryptedOffice:
    path: Path
    recovery_key: str

    def sign_in(self, username: str = "admin", password: str = PASSWORD) -> AppContext:
        return workspace.open_signed_in(self.path, username, password)


@pytest.fixture
def encrypted_office(tmp_path: Path) -> Iterator[EncryptedOffice]:
    """An encrypted database with office CUC and one user per role (password PASSWORD), closed."""
    path = tmp_path / "data" / "enlace.db"
    ctx = workspace.create_office(path, OfficeForm(code="CUC", name=OFFICE_NAME, country="CO",
                                                   municipality="Cúcuta"), "admin", "Ana Admin", PASSWORD)
    recovery = workspace.take_recovery_key(ctx)
    assert recovery
    for role in ROLES[1:]:
        auth.create_user(ctx, role, f"{role.title()} Peñaranda", role, PASSWORD)
    ctx.db.dispose()
    yield EncryptedOffice(path, recovery)


@pytest.fixture
def admin_enc(encrypted_office: EncryptedOffice) -> Iterator[AppContext]:
    """The administrator signed in to the encrypted office."""
    ctx = encrypted_office.sign_in()
    yield ctx
    ctx.db.dispose()

