"""Households (grupos familiares): creating one, adding and removing members."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.people.catalogs import RELATIONSHIPS
from desktop.services.people.names import age_on, full_name
from desktop.services.people.records import HouseholdMemberInfo, _load
from desktop.services.security import audit
from desktop.store.models import (
    Household,
    HouseholdMember,
    Person,
)


@dataclass(frozen=True)
class HouseholdInfo:
    id: uuid.UUID
    name: str
    address: str
    municipality: str
    members: list[HouseholdMemberInfo]
    version: int


def _household_info(session: Session, household: Household) -> HouseholdInfo:
    members = [HouseholdMemberInfo(p.id, full_name(p.given_names, p.family_name_1, p.family_name_2),
                                   m.relationship, age_on(p.birth_date))
               for m, p in session.execute(select(HouseholdMember, Person)
                                           .join(Person, Person.id == HouseholdMember.person_id)
                                           .where(HouseholdMember.household_id == household.id)
                                           .order_by(Person.birth_date))]
    return HouseholdInfo(household.id, household.name, household.address, household.municipality, members,
                         household.version)


def _join_household(session: Session, by: str, person_id: uuid.UUID, household_id: uuid.UUID,
                    relationship: str) -> None:
    if relationship not in RELATIONSHIPS:
        raise ValidationError(_("Choose the relationship to the household."), {"relationship": _("Required")})
    household = session.get(Household, household_id)
    if household is None or household.deleted_at is not None:
        raise NotFound(_("That household no longer exists."))
    membership = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person_id))
    if membership is not None:  # one household at a time: moving leaves the previous one
        if membership.household_id == household_id and membership.relationship == relationship:
            return
        audit.record(session, by, "update", "household", membership.household_id, ["members"])
        session.delete(membership)
        session.flush()
    session.add(HouseholdMember(household_id=household_id, person_id=person_id, relationship=relationship,
                                joined_on=office_today(), created_by=by, updated_by=by))
    audit.record(session, by, "update", "household", household_id, ["members"])
    session.flush()


def create_household(ctx: AppContext, head_id: uuid.UUID, name: str = "", address: str = "",
                     municipality: str = "") -> HouseholdInfo:
    """A new household with ``head_id`` as its head (who leaves any previous household)."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        head = _load(session, head_id)
        household = Household(name=name.strip() or _("Household {family}").format(
            family=full_name(head.family_name_1, head.family_name_2)), address=address.strip() or head.address,
            municipality=municipality.strip() or head.municipality, created_by=ctx.username,
            updated_by=ctx.username)
        session.add(household)
        session.flush()
        audit.record(session, ctx.username, "create", "household", household.id, ["name", "address"])
        _join_household(session, ctx.username, head.id, household.id, "head")
        return _household_info(session, household)


def add_to_household(ctx: AppContext, household_id: uuid.UUID, person_id: uuid.UUID,
                     relationship: str) -> HouseholdInfo:
    """Put a person in a household (leaving any other: one household at a time)."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        _load(session, person_id)
        _join_household(session, ctx.username, person_id, household_id, relationship)
        return _household_info(session, session.get(Household, household_id))  # type: ignore[arg-type]


def remove_from_household(ctx: AppContext, person_id: uuid.UUID) -> None:
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        membership = session.scalar(select(HouseholdMember).where(HouseholdMember.person_id == person_id))
        if membership is not None:
            audit.record(session, ctx.username, "update", "household", membership.household_id, ["members"])
            session.delete(membership)


def get_household(ctx: AppContext, household_id: uuid.UUID) -> HouseholdInfo:
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        household = session.get(Household, household_id)
        if household is None or household.deleted_at is not None:
            raise NotFound(_("That household no longer exists."))
        return _household_info(session, household)
