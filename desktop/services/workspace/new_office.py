"""A new office: its database, created encrypted beside its place and moved there only when the office and
its administrator exist, and the recovery key shown once."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.workspace.opening import (
    _create_encrypted,
    _is_new,
    _open_keyed,
    _path,
    open_store,
    prepare_location,
)
from desktop.store import keys
from desktop.store.files import is_plain_sqlite

if TYPE_CHECKING:
    from desktop.services import office
    from desktop.store.database import Database


def _is_blank_plain(path: Path) -> bool:
    """An unencrypted file with Enlace's tables (or none) and not one office, user or audit event."""
    from desktop.store.files import counts_of_plain_file

    if _is_new(path) or not is_plain_sqlite(path) or keys.key_file_for(path).exists():
        return False
    counts = counts_of_plain_file(path, ("office", "user_account", "audit_event"))
    return counts is not None and not any(counts.values())


def _discard_new(path: Path | None) -> None:
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", ".keys"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def create_office(location: str | os.PathLike[str], form: office.OfficeForm, admin_username: str,
                  admin_full_name: str, password: str, *, language: str = "es", is_demo: bool = False,
                  encrypt: bool = True) -> AppContext:
    """First run: create the database, the office and its administrator; return them signed in.

    The new database is encrypted; :func:`take_recovery_key` gives its recovery key once, for the
    recovery sheet. It is built beside its place and moved there only when the office and its
    administrator exist, so a crash leaves nothing at ``location`` (and never a half-made office).
    """
    from desktop.services.security import auth
    from desktop.services.workspace import setup

    path = _path(location)
    if path is None or not encrypt:
        db = open_store(location, encrypt=encrypt)
        try:
            setup.setup_office(db, form, admin_username, admin_full_name, password, is_demo=is_demo,
                              language=language)
            return AppContext(db, auth.sign_in(db, admin_username, password))
        except Exception:
            db.dispose()
            raise
    from desktop.store import swap

    prepare_location(path)
    if _is_blank_plain(path):
        _discard_new(path)  # an empty, unencrypted file left by an earlier command: start it encrypted
    kf = keys.KeyFile(keys.key_file_for(path))
    if not _is_new(path) or kf.exists():
        raise ValidationError(_("{path} already holds a database (or its key file): nothing was changed.").format(
            path=path))
    staged = swap.aside(path, "creating")
    staged_kf = keys.KeyFile(swap.aside(path, "keys-new"))
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        db = _create_encrypted(staged, staged_kf)
        try:
            setup.setup_office(db, form, admin_username, admin_full_name, password, is_demo=is_demo,
                              language=language)
            recovery = take_recovery_key(db)
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            db.dispose()
        swap.commit_swap(path, db_from=staged, keys_from=staged_kf.path)
    except BaseException:
        for leftover in (staged, Path(f"{staged}-wal"), Path(f"{staged}-shm"), staged_kf.path):
            leftover.unlink(missing_ok=True)
        raise
    db = _open_keyed(path, kf, db.key, master=db.keyring.master)  # type: ignore[arg-type, union-attr]
    try:
        db.keyring.new_recovery_key = recovery  # type: ignore[union-attr]
        return AppContext(db, auth.sign_in(db, admin_username, password))
    except Exception:
        db.dispose()
        raise


def take_recovery_key(ctx_or_db: AppContext | Database) -> str | None:
    """The recovery key of a database created in this process, once; None afterwards or when plain."""
    db = ctx_or_db.db if isinstance(ctx_or_db, AppContext) else ctx_or_db
    keyring = db.keyring
    value = getattr(keyring, "new_recovery_key", None)
    if keyring is not None and value:
        keyring.new_recovery_key = None  # type: ignore[attr-defined]
    return value
