"""The small demo: realistic people and households, referrals in every state over the last year."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from desktop.services import auth, people, referrals
from desktop.services.context import AppContext
from desktop.services.demo import DEMO_PASSWORD, DemoBuild
from desktop.store.models import Consent, HouseholdMember, Person, Referral, ReferralEvent


def test_small_demo_people_and_referrals_hold_together(db) -> None:
    demo = DemoBuild(db, "small", 1, datetime.now(UTC))
    for part in ("office", "directory", "people"):
        importlib.import_module(f"desktop.services.demo.{part}").build(demo)
    assert 280 <= demo.summary["people"] <= 320 and demo.summary["households"] == 120
    assert demo.summary["referrals"] == 400
    with db.session() as session:
        counted = select(Person.nationality, func.count()).group_by(Person.nationality)
        nationalities = dict(session.execute(counted).all())
        assert set(nationalities) == {"VE", "CO", "HN", "GT", "HT"}
        assert session.scalar(select(func.count()).select_from(HouseholdMember)) == demo.summary["people"]
        statuses = set(session.scalars(select(Referral.status).distinct()))
        assert statuses == set(referrals.STATUSES)
        oldest = session.scalar(select(func.min(Referral.created_at)))
        assert oldest >= demo.now - timedelta(days=366)
        # every referral's last event is its status; every sent one had consent to share
        for referral in session.scalars(select(Referral)):
            last = session.scalar(select(ReferralEvent.to_status).where(ReferralEvent.referral_id == referral.id)
                                  .order_by(ReferralEvent.at.desc()).limit(1))
            assert last == referral.status
            if referral.sent_at is not None:
                assert session.scalar(select(Consent.id).where(Consent.person_id == referral.person_id,
                                                               Consent.scope == "share_with_services").limit(1))
        person = session.scalars(select(Person).limit(1)).one()
    clerk = AppContext(db, auth.sign_in(db, "clerk", DEMO_PASSWORD))
    assert person.id in [h.id for h in people.search_people(clerk, f"{person.family_name_1} {person.given_names}")]
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, _any_service(db), "health"))
    assert int(made.number.rsplit("-", 1)[1]) > 1  # numbering continues after the demo's referrals
    assert referrals.follow_up_due(clerk)[1] > 0


def _any_service(db):
    with db.session() as session:
        return session.scalar(select(Referral.service_id).limit(1))
