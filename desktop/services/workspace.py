"""Opening an office database for a person: the entry the window and the CLI share.

Everything that turns (database location, user, password) into a signed-in :class:`AppContext`
goes through here, so that database encryption (the key is unwrapped with the password) lives
in one place.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.services import auth, office
from desktop.services.context import AppContext
from desktop.store.database import Database, open_database


def open_store(location: str | os.PathLike[str]) -> Database:
    """Open (and migrate) a database without signing in: setup checks, ``audit verify``."""
    return open_database(location)


def needs_setup(location: str | os.PathLike[str]) -> bool:
    """True when there is no office yet at ``location`` (first run)."""
    path = Path(location)
    if "://" not in str(location) and not path.exists():
        return True
    db = open_store(location)
    try:
        return not office.is_set_up(db)
    finally:
        db.dispose()


def is_demo(location: str | os.PathLike[str]) -> bool:
    """A demo database shows its demo accounts on the sign-in screen."""
    db = open_store(location)
    try:
        info = office.office_info(db)
        return bool(info and info.is_demo)
    finally:
        db.dispose()


def create_office(location: str | os.PathLike[str], form: office.OfficeForm, admin_username: str,
                  admin_full_name: str, password: str, *, language: str = "es", is_demo: bool = False) -> AppContext:
    """First run: create the database, the office and its administrator; return them signed in."""
    db = open_store(location)
    try:
        office.setup_office(db, form, admin_username, admin_full_name, password, is_demo=is_demo,
                            language=language)
        return AppContext(db, auth.sign_in(db, admin_username, password))
    except Exception:
        db.dispose()
        raise


def open_signed_in(location: str | os.PathLike[str], username: str, password: str) -> AppContext:
    """Open the database and sign in. Raises AuthError (translated) on a refused sign-in."""
    db = open_store(location)
    try:
        return AppContext(db, auth.sign_in(db, username, password))
    except Exception:
        db.dispose()
        raise
