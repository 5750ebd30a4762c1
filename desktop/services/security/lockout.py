"""The lockout rule, one place for both sign-ins: with the database open (auth, counted in the
user's row) and while an encrypted database is still shut (workspace, counted in the key file).

Kept apart from :mod:`desktop.services.security.auth` so that the sign-in screen's first step, which runs
before SQLAlchemy is imported, can apply it.
"""

from __future__ import annotations

from datetime import timedelta

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
