"""Office, users, catalogs, office settings and the audit log."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from desktop.store.base import Base, Entity, new_id, utcnow

ROLES = ("clerk", "trainer", "supervisor", "admin")


class Office(Entity):
    __tablename__ = "office"

    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    municipality: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    country: Mapped[str] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    locale: Mapped[str] = mapped_column(String(16), default="es_CO")
    timezone: Mapped[str] = mapped_column(String(64), default="America/Bogota")
    logo: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class User(Entity):
    __tablename__ = "user_account"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)
    preferred_language: Mapped[str] = mapped_column(String(8), default="es")
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)


class OfficeSetting(Base):
    """Office-wide settings (idle lock minutes, stale-entry months, age bands, …) as JSON text."""

    __tablename__ = "office_setting"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str | None] = mapped_column(String(64))


class CatalogItem(Entity):
    """An entry of an admin-editable lookup list (document types, institutions, …).

    ``catalog`` names the list; ``country`` limits an entry to one country (None: all).
    """

    __tablename__ = "catalog_item"
    __table_args__ = (UniqueConstraint("catalog", "code", "country", name="uq_catalog_item_code"),)

    catalog: Mapped[str] = mapped_column(String(48), index=True)
    code: Mapped[str] = mapped_column(String(64))
    label_es: Mapped[str] = mapped_column(String(200))
    label_en: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    pattern: Mapped[str | None] = mapped_column(String(200), default=None)  # format check, a regex
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class AuditEvent(Base):
    """Append-only, hash-chained log entry (bitácora).

    ``hash`` = SHA-256(previous hash + canonical JSON of this event); ``seq`` orders the chain.
    """

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_entity", "entity", "entity_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    seq: Mapped[int] = mapped_column(Integer, unique=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    username: Mapped[str | None] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(32), index=True)
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    fields: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of changed field names
    detail: Mapped[str] = mapped_column(Text, default="{}")  # JSON object, never sensitive values
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
