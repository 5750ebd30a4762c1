"""Indexes the reports read by. The reports area owns no table; it indexes the dates it selects on.

A month's referrals are found by the day they were sent or closed; without these indexes every
report (and every period filter) reads the whole referral table. Each index also holds the columns
its report query reads, so the query never visits the (wide) referral rows.
"""

from __future__ import annotations

from sqlalchemy import Index

from desktop.store.models.people import Referral, ReferralEvent

REPORT_INDEXES = (
    # Referrals made: who, status then, service; id for the "accepted before the end?" look-up.
    Index("ix_referral_sent_report", Referral.sent_at, Referral.person_id, Referral.status, Referral.closed_at,
          Referral.service_id, Referral.id),
    # Days from sent to closed, and referrals closed after a moment (overdue follow-ups).
    Index("ix_referral_closed_report", Referral.closed_at, Referral.sent_at, Referral.follow_up_on),
    # Open referrals whose follow-up date has passed (overdue follow-ups).
    Index("ix_referral_open_follow_up", Referral.status, Referral.follow_up_on, Referral.sent_at),
    # "Was it accepted before the period ended?" answered from the index alone.
    Index("ix_referral_event_referral_status_at", ReferralEvent.referral_id, ReferralEvent.to_status,
          ReferralEvent.at),
)
