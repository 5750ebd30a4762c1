"""A lost password or key file, a new recovery key, encrypting a plain database (all in
:mod:`desktop.services.workspace.encryption`, loaded only when used), and the printable recovery sheet."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime

from desktop.i18n import utc_now
from desktop.services.core.context import AppContext


def recover_access(location: str | os.PathLike[str], recovery_key: str, username: str,
                   new_password: str) -> list[str]:
    """Forgotten administrator password, or a lost key file: see :func:`encryption.recover_access`."""
    from desktop.services.workspace import encryption

    return encryption.recover_access(location, recovery_key, username, new_password)


def new_recovery_key(ctx: AppContext) -> str:
    """Replace the recovery key (the old sheet stops working). Administrators only."""
    from desktop.services.workspace import encryption

    return encryption.new_recovery_key(ctx)


def encrypt_in_place(location: str | os.PathLike[str], username: str, password: str,
                     show_recovery_key: Callable[[str], None] | None = None):
    """Convert an unencrypted database to SQLCipher: see :func:`encryption.encrypt_in_place`."""
    from desktop.services.workspace import encryption

    return encryption.encrypt_in_place(location, username, password, show_recovery_key)


def _office_now(timezone: str | None) -> datetime:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return utc_now().astimezone(ZoneInfo(timezone)) if timezone else utc_now()
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return utc_now()


def recovery_sheet(ctx: AppContext, recovery_key: str) -> bytes:
    """The printable recovery sheet (PDF bytes) for this office's recovery key."""
    from desktop.documents.recovery_sheet import RecoverySheet, build_recovery_sheet
    from desktop.services import office

    info = office.office_info(ctx.db)
    path = ctx.db.path
    return build_recovery_sheet(RecoverySheet(
        office_name=info.name if info else "", office_code=info.code if info else "",
        database=str(path) if path else str(ctx.db.url), recovery_key=recovery_key,
        created_at=_office_now(info.timezone if info else None), created_by=ctx.actor.full_name,
        page_size=office.get_setting(ctx.db, "page_size")))
