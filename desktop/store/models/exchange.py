"""Offices exchanging signed ``.enlace`` bundles: the bundle log, row histories, the review queue,
other offices' revocation lists, and referrals received from or answered to other offices.

None of these tables has a foreign key into another area's tables: a bundle may name records this
database has never seen (a service of a third office, a referral of another office), and they are
kept as plain UUIDs.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.store.base import Base, Entity, new_id, utcnow


class ExchangeBundle(Base):
    """One bundle made here (``direction`` "out") or imported here ("in"); the id is the bundle's UUID."""

    __tablename__ = "exchange_bundle"
    __table_args__ = (Index("ix_exchange_bundle_sender_seq", "direction", "sender_office", "seq"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    sender_office: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str] = mapped_column(String(16))  # an office code or "any"
    seq: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    previous_sha256: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[str] = mapped_column(String(64))
    contents: Mapped[str] = mapped_column(Text, default="{}")  # JSON: what it held (counts)


class ExchangeRowHistory(Base):
    """Which versions (short content hashes) of a directory row this office has had, oldest first,
    and which office owns the row ("" for this office). Decides fast-forward, stale or conflict."""

    __tablename__ = "exchange_row_history"

    table_name: Mapped[str] = mapped_column(String(48), primary_key=True)
    row_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    owner_office: Mapped[str] = mapped_column(String(16), default="")
    hashes: Mapped[str] = mapped_column(Text, default="")  # space-separated, newest last


class ExchangeConflict(Entity):
    """A directory row changed here and at another office since they last agreed: the review queue."""

    __tablename__ = "exchange_conflict"
    __table_args__ = (Index("ix_exchange_conflict_status", "status", "created_at"),)

    table_name: Mapped[str] = mapped_column(String(48))
    row_id: Mapped[uuid.UUID] = mapped_column()
    sender_office: Mapped[str] = mapped_column(String(16))
    bundle_id: Mapped[uuid.UUID] = mapped_column()
    local_values: Mapped[str] = mapped_column(Text)  # JSON {column: text}
    remote_values: Mapped[str] = mapped_column(Text)  # JSON {column: text}
    remote_history: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open, kept_local, took_remote
    resolved_at: Mapped[datetime | None] = mapped_column(default=None)
    resolved_by: Mapped[str | None] = mapped_column(String(64), default=None)


class ExchangePeer(Base):
    """What this office knows of another office's bundles and revocation list (and its own counters)."""

    __tablename__ = "exchange_peer"

    office_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[str] = mapped_column(Text, default="")  # space-separated sequence numbers not yet seen
    revocation_seq: Mapped[int] = mapped_column(Integer, default=0)
    revocation_sha256: Mapped[str] = mapped_column(String(64), default="")
    revocation_issued_at: Mapped[datetime | None] = mapped_column(default=None)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class RemoteRevocation(Base):
    """A certificate another office revoked, from its latest signed revocation list."""

    __tablename__ = "exchange_revocation"

    office_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    number: Mapped[str] = mapped_column(String(32), primary_key=True)
    revoked_at: Mapped[datetime] = mapped_column()
    list_seq: Mapped[int] = mapped_column(Integer)


class InboundReferral(Entity):
    """A referral another office sent to one of this office's services (the id is the sender's referral id).

    ``person_data`` holds only what the person's consent lets travel (JSON); the person is registered
    here only when a clerk decides (``person_id``)."""

    __tablename__ = "exchange_inbound_referral"
    __table_args__ = (Index("ix_exchange_inbound_referral_status", "status", "received_at"),)

    sender_office: Mapped[str] = mapped_column(String(16))
    number: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[uuid.UUID] = mapped_column()
    reason: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    person_data: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="received")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    person_id: Mapped[uuid.UUID | None] = mapped_column(default=None)


class ReferralOutcomeEvent(Base):
    """A status change of a referral between offices: made here for an inbound referral (travels back),
    or received for one of this office's referrals. Append-only; the id is the same at both offices."""

    __tablename__ = "exchange_referral_event"
    __table_args__ = (Index("ix_exchange_referral_event_referral", "referral_id", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column()
    office_code: Mapped[str] = mapped_column(String(16))  # the office where it happened
    to_office: Mapped[str] = mapped_column(String(16))  # the office whose referral it is
    status: Mapped[str] = mapped_column(String(16))  # received, accepted, attended, not_attended, rejected
    at: Mapped[datetime] = mapped_column()
    note: Mapped[str] = mapped_column(Text, default="")


class TrustList(Base):
    """The coordinator's trust list this office follows (its signed version and validity), one row per coordinator."""

    __tablename__ = "exchange_trust_list"

    coordinator_key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    coordinator_name: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer)
    issued_at: Mapped[datetime] = mapped_column()
    valid_until: Mapped[datetime] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)
    imported_by: Mapped[str] = mapped_column(String(64))


class TrustListMember(Base):
    """An office key named in the coordinator's current trust list (whether or not this office took it)."""

    __tablename__ = "exchange_trust_list_member"

    coordinator_key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(16))
    office_name: Mapped[str] = mapped_column(String(200), default="")
    public_key: Mapped[bytes] = mapped_column(LargeBinary)


__all__ = ["ExchangeBundle", "ExchangeConflict", "ExchangePeer", "ExchangeRowHistory", "InboundReferral",
           "ReferralOutcomeEvent", "RemoteRevocation", "TrustList", "TrustListMember"]
