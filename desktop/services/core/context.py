"""Who is acting, on which database: what every service function receives first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desktop.services.core.permissions import Permission, has_permission, require

if TYPE_CHECKING:  # the sign-in screen imports this before SQLAlchemy is loaded
    import uuid

    from desktop.store.database import Database


@dataclass(frozen=True)
class Actor:
    user_id: uuid.UUID | None
    username: str
    full_name: str
    role: str
    language: str = "es"


SYSTEM = Actor(user_id=None, username="system", full_name="Enlace", role="admin")


@dataclass
class AppContext:
    """A signed-in user on an open database. Services check permissions against ``actor``."""

    db: Database
    actor: Actor

    def require(self, permission: Permission) -> None:
        require(self.actor.role, permission)

    def can(self, permission: Permission) -> bool:
        return has_permission(self.actor.role, permission)

    @property
    def username(self) -> str:
        return self.actor.username
