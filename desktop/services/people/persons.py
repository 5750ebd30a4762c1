"""Registering, updating, reading and listing people."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.core.records import apply_changes, check_version, guard_stale
from desktop.services.people.catalogs import NOT_ASKED, SENSITIVE_FIELDS
from desktop.services.people.documents import store_documents
from desktop.services.people.households import _join_household
from desktop.services.people.names import age_on
from desktop.services.people.records import (
    PersonForm,
    PersonRecord,
    _load,
    _record,
    _self_identification,
    _values,
    validate_person,
)
from desktop.services.people.search import _ROW_COLUMNS, PersonRow, _row, index_person
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models import (
    Person,
    PersonNeed,
)


def get_person(ctx: AppContext, person_id: uuid.UUID, *, log_view: bool = True) -> PersonRecord:
    """Open a person's record. Writes a "view" audit event; specific needs and the self-declared ethnic and
    LGBTIQ+ identification only for clerks and supervisors."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.transaction() as session:
        person = _load(session, person_id)
        sensitive = ctx.can(Permission.VIEW_SENSITIVE)
        if log_view:  # the event names the sensitive fields shown (never their values)
            audit.record(session, ctx.username, "view", "person", person.id, SENSITIVE_FIELDS if sensitive else ())
        return _record(session, person, sensitive)


def count_people(ctx: AppContext) -> int:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return session.scalar(select(func.count()).select_from(Person).where(Person.deleted_at.is_(None))) or 0


def people_page(ctx: AppContext, offset: int, limit: int, *, self_identification: bool = False) -> list[PersonRow]:
    """Rows ``offset``… of the register in alphabetical order (family names first): for lazy tables.
    With ``self_identification``, rows carry the ethnic and LGBTIQ+ codes when the role may see them."""
    ctx.require(Permission.VIEW_PEOPLE)
    identity = self_identification and ctx.can(Permission.VIEW_SENSITIVE)
    with ctx.db.session() as session:
        # The page's ids come from the ix_person_list_order index alone (fast at any offset); then their rows.
        ids = list(session.scalars(select(Person.id).where(Person.deleted_at.is_(None))
                                   .order_by(Person.family_name_1, Person.family_name_2, Person.given_names,
                                             Person.id).offset(offset).limit(limit)))
        if not ids:
            return []
        extra = (Person.ethnicity, Person.lgbtiq) if identity else ()
        rows = {v[0]: _row(v) if not identity else replace(_row(v), ethnicity=v[11], lgbtiq=v[12])
                for v in session.execute(select(*_ROW_COLUMNS, *extra).where(Person.id.in_(ids)))}
        return [rows[i] for i in ids if i in rows]


def with_self_identification(ctx: AppContext, rows: list[PersonRow]) -> list[PersonRow]:
    """The same rows carrying their ethnic and LGBTIQ+ codes; unchanged when the role may not see them."""
    ctx.require(Permission.VIEW_PEOPLE)
    if not rows or not ctx.can(Permission.VIEW_SENSITIVE):
        return rows
    with ctx.db.session() as session:
        found = {pid: (e, g) for pid, e, g in session.execute(
            select(Person.id, Person.ethnicity, Person.lgbtiq).where(Person.id.in_([r.id for r in rows])))}
    return [replace(r, ethnicity=found[r.id][0], lgbtiq=found[r.id][1]) if r.id in found else r for r in rows]


def iter_people(ctx: AppContext, batch: int = 2000, *, self_identification: bool = False) -> Iterable[PersonRow]:
    """Every person in the register, alphabetically, in batches (CLI export); ``self_identification`` as in
    :func:`people_page`."""
    ctx.require(Permission.VIEW_PEOPLE)
    offset = 0
    while True:
        rows = people_page(ctx, offset, batch, self_identification=self_identification)
        yield from rows
        if len(rows) < batch:
            return
        offset += batch


def _set_needs(session: Session, person_id: uuid.UUID, needs: list[str]) -> bool:
    current = set(session.scalars(select(PersonNeed.need_code).where(PersonNeed.person_id == person_id)))
    if current == set(needs):
        return False
    session.execute(delete(PersonNeed).where(PersonNeed.person_id == person_id))
    if needs:
        session.execute(insert(PersonNeed), [{"person_id": person_id, "need_code": n} for n in needs])
    return True


def register_person(ctx: AppContext, form: PersonForm, household_id: uuid.UUID | None = None,
                    relationship: str = "head") -> PersonRecord:
    """Register a new person (optionally into a household). Raises ValidationError naming each wrong field."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        clean = validate_person(session, form)
        identity = _self_identification(clean, ctx.can(Permission.VIEW_SENSITIVE))
        person = Person(**_values(clean), **identity, created_by=ctx.username, updated_by=ctx.username)
        session.add(person)
        session.flush()
        fields = [k for k, v in {**_values(clean), **identity}.items() if v not in ("", None, False, NOT_ASKED)]
        if clean.needs and ctx.can(Permission.VIEW_SENSITIVE):
            _set_needs(session, person.id, clean.needs)
            fields.append("needs")
        if store_documents(session, person, clean.more_documents or [], ctx.username) and clean.more_documents:
            fields.append("documents")
        index_person(session, person)
        if household_id is not None:
            _join_household(session, ctx.username, person.id, household_id, relationship)
        audit.record(session, ctx.username, "create", "person", person.id, fields)
        return _record(session, person, ctx.can(Permission.VIEW_SENSITIVE))


def update_person(ctx: AppContext, person_id: uuid.UUID, form: PersonForm,
                  expected_version: int | None) -> PersonRecord:
    """Save changes; refuses (ConflictError) when someone saved the record after ``expected_version``."""
    ctx.require(Permission.EDIT_PEOPLE)

    def fresh():
        with ctx.db.session() as s:
            return s.get(Person, person_id)

    with guard_stale(fresh), ctx.db.transaction() as session:
        person = _load(session, person_id)
        check_version(person, expected_version)
        if person.anonymized_at is not None:
            raise ValidationError(_("This record was anonymized and can no longer be edited."))
        clean = validate_person(session, form, person_id)
        values = {**_values(clean), **_self_identification(clean, ctx.can(Permission.VIEW_SENSITIVE))}
        if person.birth_date_estimated and clean.birth_date is None and clean.estimated_age is not None \
                and age_on(person.birth_date) == clean.estimated_age:
            values["birth_date"] = person.birth_date  # unchanged estimate: keep the stored date
        changed = apply_changes(person, values, ctx.username)
        if clean.needs is not None and ctx.can(Permission.VIEW_SENSITIVE) and _set_needs(session, person.id,
                                                                                         clean.needs):
            if not changed:  # only the needs changed: touch the row so its version moves (stale forms refused)
                person.updated_by = ctx.username
                person.updated_at = utcnow()
            changed.append("needs")
        if store_documents(session, person, clean.more_documents, ctx.username):
            if not changed:  # only the documents changed: the row's version moves all the same
                person.updated_by = ctx.username
                person.updated_at = utcnow()
            changed.append("documents")
        if {"given_names", "family_name_1", "family_name_2", "document_number", "documents"} & set(changed):
            index_person(session, person)
        if changed:
            audit.record(session, ctx.username, "update", "person", person.id, changed)
        session.flush()
        return _record(session, person, ctx.can(Permission.VIEW_SENSITIVE))
