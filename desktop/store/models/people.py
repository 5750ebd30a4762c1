"""People (personas atendidas), households, consent, cases, referrals and the name search index.

Codes stored in these tables (the reports read them; labels live in ``desktop.services.people``):

- ``Person.sex``: ``female``, ``male``, ``intersex``.
- ``Person.population_type``: ``destination``, ``transit``, ``pendular``, ``returnee``, ``host_community``.
- ``Person.nationality`` and ``Consent``/``Office`` countries: ISO 3166-1 alpha-2 (``VE``, ``CO``, …);
  ``None`` when unknown.
- ``Person.document_type``: a ``CatalogItem.code`` of catalog ``document_type`` (``none`` = sin documento).
  It and ``Person.document_number`` are the person's first identity document; every document (the first at
  ``position`` 0) is a :class:`PersonDocument` row, which search reads.
- ``Person.languages``: comma-separated ISO 639-1 codes (``es,ht``).
- ``Person.birth_date``: the real date, or a date derived from an estimated age when
  ``birth_date_estimated`` is true. Age is always computed from it, never stored.
- ``PersonNeed.need_code``: a ``CatalogItem.code`` of catalog ``specific_need`` (one row per need).
- ``Person.ethnicity`` (self-declared, sensitive): ``not_asked`` (default, never assumed) or a ``CatalogItem.code``
  of catalog ``ethnicity``: ``indigenous``, ``afro_descendant``, ``raizal``, ``palenquero``, ``rrom``, ``none``,
  ``declined`` (no responde / prefiere no decir).
- ``Person.lgbtiq`` (self-declared, sensitive): ``not_asked`` (default), ``yes``, ``no``, ``declined``.
- ``HouseholdMember.relationship``: ``head``, ``spouse``, ``child``, ``parent``, ``sibling``,
  ``grandchild``, ``grandparent``, ``other_relative``, ``non_relative``.
- ``Consent.scope``: ``registration``, ``share_with_services``, ``follow_up_contact``;
  ``Consent.method``: ``signed_form``, ``verbal_witness``.
- ``Case.status``: ``open``, ``on_hold``, ``closed``; ``Case.priority``: ``low``, ``normal``, ``high``, ``urgent``.
- ``Referral.status``: ``draft``, ``sent``, ``accepted``, ``completed``, ``not_attended``, ``rejected``,
  ``cancelled``; ``Referral.urgency``: ``normal``, ``high``, ``urgent``; ``Referral.reason_code``: a
  ``CatalogItem.code`` of catalog ``referral_reason``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from desktop.store.base import Base, Entity, SoftDelete, new_id, utcnow


class Household(Entity, SoftDelete):
    """A household (grupo familiar / hogar). Members are :class:`HouseholdMember` rows."""

    __tablename__ = "household"

    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(255), default="")
    municipality: Mapped[str] = mapped_column(String(120), default="")


class Person(Entity, SoftDelete):
    """A person attended by the office. See the module docstring for the codes."""

    __tablename__ = "person"
    __table_args__ = (
        # The register's alphabetical order, with deleted_at: a lazy table's page is read from this index alone.
        Index("ix_person_list_order", "family_name_1", "family_name_2", "given_names", "id", "deleted_at"),
        Index("ix_person_document", "document_type", "document_number_norm"),
    )

    given_names: Mapped[str] = mapped_column(String(120))
    family_name_1: Mapped[str] = mapped_column(String(80))
    family_name_2: Mapped[str] = mapped_column(String(80), default="")
    sex: Mapped[str] = mapped_column(String(16))
    gender_identity: Mapped[str] = mapped_column(String(80), default="")
    birth_date: Mapped[date | None] = mapped_column(Date, default=None)
    birth_date_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    nationality: Mapped[str | None] = mapped_column(String(2), default=None, index=True)
    document_type: Mapped[str] = mapped_column(String(64), default="none")
    document_number: Mapped[str] = mapped_column(String(40), default="")
    # Upper-case letters and digits only: duplicate checks and search ("V-12.345.678" == "V12345678").
    document_number_norm: Mapped[str] = mapped_column(String(40), default="", index=True)
    phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    municipality: Mapped[str] = mapped_column(String(120), default="", index=True)
    population_type: Mapped[str] = mapped_column(String(24), index=True)
    arrival_date: Mapped[date | None] = mapped_column(Date, default=None)
    languages: Mapped[str] = mapped_column(String(120), default="")
    # Self-declared and sensitive (VIEW_SENSITIVE): "not_asked" until the person answers; never inferred.
    ethnicity: Mapped[str] = mapped_column(String(64), default="not_asked", server_default="not_asked")
    lgbtiq: Mapped[str] = mapped_column(String(16), default="not_asked", server_default="not_asked")
    # Saved without registration consent: "refused" or "not_asked", as the clerk answered; "" otherwise.
    registration_consent_answer: Mapped[str] = mapped_column(String(16), default="", server_default="")
    # Accent-free, lower-case "given family1 family2", for ranking search results.
    search_name: Mapped[str] = mapped_column(String(320), default="")
    anonymized_at: Mapped[datetime | None] = mapped_column(default=None)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("person.id"), default=None)


class PersonDocument(Entity):
    """One identity document of a person (a Colombian office often sees a passport, a PPT and a salvoconducto
    for the same person). ``position`` 0 is the first document, the one mirrored on :class:`Person`."""

    __tablename__ = "person_document"
    __table_args__ = (Index("ix_person_document_number", "number_norm"),)

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    document_type: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(40), default="")
    # Upper-case letters and digits only, as Person.document_number_norm.
    number_norm: Mapped[str] = mapped_column(String(40), default="")


class PersonNeed(Base):
    """One specific need of a person (disability, pregnancy, …): queryable, one row per need."""

    __tablename__ = "person_need"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), primary_key=True)
    need_code: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class HouseholdMember(Entity):
    """A person's current household; ``person_id`` is unique: one household at a time."""

    __tablename__ = "household_member"

    household_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("household.id"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), unique=True)
    relationship: Mapped[str] = mapped_column(String(24), default="other_relative")
    joined_on: Mapped[date | None] = mapped_column(Date, default=None)


class PersonSearchTerm(Base):
    """Vocabulary of normalized name words (accent-free, lower case): where a mistyped word finds its near
    spellings (see ``desktop.services.people.search``). Words are only added. A derived index, not an entity."""

    __tablename__ = "person_search_term"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    term: Mapped[str] = mapped_column(String(80), unique=True)


class PersonNameIndex(Base):
    """One line of the person word index: the person's names and document numbers, normalized (accent-free,
    lower case, space-separated). ``desktop.store.name_index`` builds the database's own full-text index over
    it (FTS5 on SQLite, GIN on PostgreSQL); ``id`` is the FTS5 row id. A derived index, not an entity."""

    __tablename__ = "person_name_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), unique=True)
    names: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[str] = mapped_column(Text, default="")


class Consent(Entity):
    """Informed consent for one scope. Withdrawal keeps the row (``withdrawn_at``): history stays.

    ``service_id`` None on a ``share_with_services`` consent means any service the person is referred to.
    """

    __tablename__ = "consent"

    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    scope: Mapped[str] = mapped_column(String(32))
    service_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("service.id"), default=None)
    given_on: Mapped[date] = mapped_column(Date)
    method: Mapped[str] = mapped_column(String(24))
    witness_name: Mapped[str] = mapped_column(String(200), default="")
    taken_by: Mapped[str] = mapped_column(String(64))  # username of who took it
    withdrawn_at: Mapped[datetime | None] = mapped_column(default=None)
    withdrawn_by: Mapped[str | None] = mapped_column(String(64), default=None)
    withdrawal_note: Mapped[str] = mapped_column(Text, default="")


class CaseReferralCounter(Base):
    """Last number given per kind (``case``/``referral``), office and year; rows are locked to number."""

    __tablename__ = "case_referral_counter"

    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    office_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class Case(Entity):
    """A case (``BGA-2026-00042``) for a person, optionally their household."""

    __tablename__ = "case_file"

    number: Mapped[str] = mapped_column(String(32), unique=True)
    office_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    household_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("household.id"), default=None)
    caseworker: Mapped[str] = mapped_column(String(64))  # username
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date, default=None)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # why the case was opened


class CaseNote(Entity):
    """A dated note on a case (sensitive: clerks and supervisors only)."""

    __tablename__ = "case_note"

    case_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("case_file.id"), index=True)
    noted_on: Mapped[date] = mapped_column(Date)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)


class Referral(Entity):
    """A referral (remisión) of a person to a directory service; status changes are ReferralEvents."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_followup", "status", "follow_up_on"),
        # Newest first, all or by status: a lazy table's page of ids is read from these indexes alone.
        Index("ix_referral_list_order", "created_at", "id"),
        Index("ix_referral_status_list_order", "status", "created_at", "id"),
    )

    number: Mapped[str] = mapped_column(String(32), unique=True)
    office_code: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_file.id"), default=None, index=True)
    service_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("service.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(64), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[str] = mapped_column(String(16), default="normal")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    follow_up_on: Mapped[date | None] = mapped_column(Date, default=None)
    outcome: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)


class ReferralEvent(Base):
    """One status change of a referral: from, to, who, when, note. Append-only."""

    __tablename__ = "referral_event"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    referral_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), default=None)
    to_status: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str] = mapped_column(Text, default="")


__all__ = ["Case", "CaseNote", "CaseReferralCounter", "Consent", "Household", "HouseholdMember", "Person",
           "PersonDocument", "PersonNameIndex", "PersonNeed", "PersonSearchTerm", "Referral", "ReferralEvent"]
