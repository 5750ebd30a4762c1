"""Indexes the reports read by. The reports area owns no table; it indexes the dates it selects on.

A month's referrals are found by the day they were sent or closed; without these indexes every
report (and every period filter) reads the whole referral table.
"""

from __future__ import annotations

from sqlalchemy import Index

from desktop.store.models.people import Referral, ReferralEvent

REPORT_INDEXES = (
    Index("ix_referral_sent_at", Referral.sent_at),
    Index("ix_referral_closed_at", Referral.closed_at),
    # "Was it accepted before the period ended?" answered from the index alone.
    Index("ix_referral_event_referral_status_at", ReferralEvent.referral_id, ReferralEvent.to_status,
          ReferralEvent.at),
)
