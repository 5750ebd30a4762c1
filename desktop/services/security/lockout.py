"""The lockout rule, one place for both sign-ins: with the database open (auth, counted in the
user's row) and while an encrypted database is still shut (workspace, counted in the key file).

Kept apart from :mod:`desktop.services.security.auth` so that the sign-in screen's first step, which runs
before SQLAlchemy is imported, can apply it.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, tzinfo

from desktop.i18n import format_time, ngettext, office_timezone
from desktop.services.core.errors import AuthError

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)


def locked_error(until: datetime, now: datetime | None = None, zone: tzinfo | None = None) -> AuthError:
    """The refusal of a locked account: when it opens again on the office's clock (not this PC's, which may
    be set to another zone) and how many minutes remain."""
    now = now or datetime.now(UTC)
    zone = zone or office_timezone()
    local = until.astimezone(zone) if zone is not None else until.astimezone()
    minutes = max(1, math.ceil((until - now).total_seconds() / 60))
    return AuthError(ngettext(
        "This account is locked until {time} (in {n} minute) after too many failed attempts. "
        "An administrator can unlock it.",
        "This account is locked until {time} (in {n} minutes) after too many failed attempts. "
        "An administrator can unlock it.", minutes).format(time=format_time(local), n=minutes))
