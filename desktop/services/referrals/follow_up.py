"""The one rule for the follow-up date a screen proposes (the new-referral form, a state change, the
"next follow-up" field), so that every screen shows the same date for the same referral."""

from __future__ import annotations

from datetime import date, timedelta

from desktop.i18n import office_today

FOLLOW_UP_DAYS = 7


def suggested_follow_up(current: date | None = None, today: date | None = None) -> date:
    """The referral's own follow-up date while it is still ahead; otherwise (a new referral, or one due or
    overdue, whose call is being made now) a week from today."""
    today = today or office_today()
    if current is not None and current > today:
        return current
    return today + timedelta(days=FOLLOW_UP_DAYS)
