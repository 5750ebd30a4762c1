"""Setting up a new office on an empty database: the office, its first administrator and the
catalogs every section needs from its first screen.

It sits above the feature packages (it seeds their catalogs), which is why it lives here and not in
``office``, which they all use."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services import people, training
from desktop.services.core.context import SYSTEM
from desktop.services.core.errors import ValidationError
from desktop.services.office import OfficeForm, OfficeInfo, _info, validate_office
from desktop.services.security import audit, auth
from desktop.store import key_sessions
from desktop.store.database import Database
from desktop.store.models import Office


def setup_office(db: Database, form: OfficeForm, admin_username: str, admin_full_name: str,
                 admin_password: str, *, is_demo: bool = False, language: str = "es") -> OfficeInfo:
    """First run: create the office and its first administrator in one transaction."""
    form = validate_office(form)
    with db.transaction() as session:
        if session.scalar(select(func.count()).select_from(Office)):
            raise ValidationError(_("This database already has an office."))
        office = Office(code=form.code, name=form.name, country=form.country, municipality=form.municipality,
                        region=form.region, locale=form.locale, timezone=form.timezone, logo=form.logo,
                        is_demo=is_demo, created_by=admin_username, updated_by=admin_username)
        session.add(office)
        session.flush()
        audit.record(session, SYSTEM.username, "setup", "office", office.id, ["code", "name", "country"])
        auth.add_user(session, SYSTEM.username, admin_username, admin_full_name or admin_username, "admin",
                      admin_password, language)
        # the sign-in screen shows the office before the database is open
        key_sessions.publish_office(session, code=office.code, name=office.name, is_demo=is_demo)
        _seed_catalogs(session, admin_username)
        return _info(office)


def _seed_catalogs(session: Session, by: str) -> None:
    """The people and training catalogs (document types, needs, institutions), so that their lists
    are full from the first screen; each seeding adds only what is missing. The directory's own
    taxonomies are HSDS data and arrive with the first service saved or imported."""
    people.seed_catalogs(session, by)
    training.seed_catalogs(session)
