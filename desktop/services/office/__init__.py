"""The office profile, office-wide settings and first-run setup."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.bounded import ImportLimits
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit
from desktop.store import key_sessions
from desktop.store.database import Database
from desktop.store.models import Office, OfficeSetting, User

# Office-wide settings: name -> default. Values are JSON-serialisable.
SETTINGS_DEFAULTS: dict[str, Any] = {
    "idle_lock_minutes": 10,
    "stale_after_months": 6,
    "page_size": "Letter",  # or "A4"
    "age_bands": [[0, 5], [6, 11], [12, 17], [18, 59], [60, None]],
    "completion_share": 0.8,
    "backup_dir": None,
    # Printed on the referral slip's office block, so a partner can call or find the office.
    "office_phone": "",
    "office_address": "",
    # What an import may read (rows, columns, cells, sizes): see services/core/bounded.py.
    **ImportLimits.defaults(),
}

LOCALES = ("es_CO", "es_MX", "es_GT", "es_HN", "es_SV", "es_PE", "es_EC", "es_CL", "es_AR", "es_CR",
           "es_PA", "es_DO", "es_US", "en_US")


@dataclass(frozen=True)
class OfficeInfo:
    id: Any
    code: str
    name: str
    municipality: str
    region: str
    country: str
    locale: str
    timezone: str
    has_logo: bool
    is_demo: bool
    version: int


def _info(office: Office) -> OfficeInfo:
    return OfficeInfo(office.id, office.code, office.name, office.municipality, office.region, office.country,
                      office.locale, office.timezone, office.logo is not None, office.is_demo, office.version)


def is_set_up(db: Database) -> bool:
    with db.session() as session:
        return bool(session.scalar(select(func.count()).select_from(Office)))


def current_office(session: Session) -> Office:
    office = session.scalar(select(Office).limit(1))
    if office is None:
        raise ValidationError(_("This database has no office yet: run the first-run setup."))
    return office


def office_info(db: Database) -> OfficeInfo | None:
    with db.session() as session:
        office = session.scalar(select(Office).limit(1))
        return _info(office) if office else None


def office_logo(db: Database) -> bytes | None:
    with db.session() as session:
        office = session.scalar(select(Office).limit(1))
        return office.logo if office else None


@dataclass
class OfficeForm:
    code: str
    name: str
    country: str
    municipality: str = ""
    region: str = ""
    locale: str = "es_CO"
    timezone: str = "America/Bogota"
    logo: bytes | None = None
    clear_logo: bool = False  # on update: remove the stored logo


def validate_office(form: OfficeForm) -> OfficeForm:
    errors: dict[str, str] = {}
    code = form.code.strip().upper()
    if not re.fullmatch(r"[A-Z0-9]{2,10}", code):
        errors["code"] = _("Use 2 to 10 letters or digits, e.g. BGA.")
    if not form.name.strip():
        errors["name"] = _("Required")
    country = form.country.strip().upper()
    if not re.fullmatch(r"[A-Z]{2}", country):
        errors["country"] = _("Use a two-letter ISO country code, e.g. CO.")
    if form.locale not in LOCALES:
        errors["locale"] = _("Unknown locale")
    try:
        ZoneInfo(form.timezone)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a name too long for a file
        errors["timezone"] = _("Unknown time zone")
    if form.logo is not None and not (form.logo.startswith(b"\x89PNG") or form.logo.startswith(b"\xff\xd8")):
        errors["logo"] = _("The logo must be a PNG or JPEG image.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    return OfficeForm(code, form.name.strip(), country, form.municipality.strip(), form.region.strip(),
                      form.locale, form.timezone, form.logo, form.clear_logo)


def update_office(ctx: AppContext, form: OfficeForm, expected_version: int | None = None) -> OfficeInfo:
    from desktop.services.core.records import apply_changes, check_version

    ctx.require(Permission.MANAGE_OFFICE)
    form = validate_office(form)
    with ctx.db.transaction() as session:
        office = current_office(session)
        check_version(office, expected_version)
        values = {k: getattr(form, k) for k in ("code", "name", "country", "municipality", "region", "locale",
                                                "timezone")}
        if form.logo is not None:
            values["logo"] = form.logo
        elif form.clear_logo:
            values["logo"] = None
        changed = apply_changes(office, values, ctx.username)
        if changed:
            audit.record(session, ctx.username, "update", "office", office.id, changed)
            key_sessions.publish_office(session, code=office.code, name=office.name, is_demo=office.is_demo)
        return _info(office)


def get_setting(db_or_session: Database | Session, key: str) -> Any:
    default = SETTINGS_DEFAULTS[key]
    if isinstance(db_or_session, Database):
        with db_or_session.session() as session:
            row = session.get(OfficeSetting, key)
            return json.loads(row.value) if row else default
    row = db_or_session.get(OfficeSetting, key)
    return json.loads(row.value) if row else default


def import_limits(db_or_session: Database | Session) -> ImportLimits:
    """The office's import limits (safe defaults where an administrator set none)."""
    names = ImportLimits.setting_names()
    if isinstance(db_or_session, Database):
        with db_or_session.session() as session:
            return import_limits(session)
    stored = {row.key: row.value for row in db_or_session.scalars(
        select(OfficeSetting).where(OfficeSetting.key.in_(list(names.values()))))}
    values = {}
    for name, key in names.items():
        try:
            value = json.loads(stored[key]) if key in stored else SETTINGS_DEFAULTS[key]
        except ValueError:
            value = SETTINGS_DEFAULTS[key]
        values[name] = value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
            else SETTINGS_DEFAULTS[key]
    return ImportLimits(**values)


def _check_setting(key: str, value: Any) -> None:
    """Refuse values a screen or a command could not use (wrong type, out of range)."""
    ranges = {"idle_lock_minutes": (1, 240), "stale_after_months": (1, 120),
              **dict.fromkeys(ImportLimits.defaults(), (1, 10**9))}
    if key in ranges:
        low, high = ranges[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValidationError(_("Enter a whole number from {low} to {high}.").format(low=low, high=high),
                                  {key: _("Out of range")})
    elif key == "page_size" and value not in ("Letter", "A4"):
        raise ValidationError(_("The page size must be Letter or A4."), {key: _("Unknown page size")})
    elif key in TEXT_SETTINGS:
        if not isinstance(value, str):
            raise ValidationError(_("Please correct the highlighted fields."), {key: _("Enter text")})
        limit = TEXT_SETTINGS[key]
        if len(value) > limit:
            raise ValidationError(_("Use at most {limit} characters.").format(limit=limit),
                                  {key: _("Too long")})
        if key == "office_phone" and value and not any(ch.isdigit() for ch in value):
            raise ValidationError(_("Please correct the highlighted fields."),
                                  {key: _("A phone number has digits, e.g. +57 607 123 4567.")})


# Free-text settings and their longest value.
TEXT_SETTINGS = {"office_phone": 40, "office_address": 200}


def office_contact(db_or_session: Database | Session) -> tuple[str, str]:
    """The office's phone and address for printed documents ("" where an administrator set none)."""
    values = []
    for key in ("office_phone", "office_address"):
        try:
            value = get_setting(db_or_session, key)
        except ValueError:  # a damaged stored value prints nothing rather than stopping the document
            value = ""
        values.append(" ".join(value.split()) if isinstance(value, str) else "")
    return values[0], values[1]


def set_setting(ctx: AppContext, key: str, value: Any) -> None:
    ctx.require(Permission.MANAGE_OFFICE)
    if key not in SETTINGS_DEFAULTS:
        raise ValidationError(_("Unknown setting: {key}").format(key=key))
    if key in TEXT_SETTINGS and isinstance(value, str):
        value = value.strip()
    _check_setting(key, value)
    with ctx.db.transaction() as session:
        row = session.get(OfficeSetting, key)
        if row is None:
            session.add(OfficeSetting(key=key, value=json.dumps(value), updated_by=ctx.username))
        else:
            row.value = json.dumps(value)
            row.updated_by = ctx.username
        audit.record(session, ctx.username, "update", "office_setting", key, [key])


def admin_exists(db: Database) -> bool:
    with db.session() as session:
        return bool(session.scalar(select(func.count()).select_from(User).where(User.role == "admin")))
