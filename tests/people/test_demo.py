"""The small demo: realistic people and households, referrals in every state over the last year."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.demo import DEMO_PASSWORD, DemoBuild
from desktop.services.security import auth
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


def test_small_demo_records_self_identification_as_a_border_office_would(db) -> None:
    from desktop.services.demo import people as demo_people
    from desktop.store.models import PersonNeed

    demo = DemoBuild(db, "small", 1, datetime.now(UTC))
    for part in ("office", "directory", "people"):
        importlib.import_module(f"desktop.services.demo.{part}").build(demo)
    with db.session() as session:
        rows = session.execute(select(Person.id, Person.birth_date, Person.ethnicity, Person.lgbtiq)).all()
        at_risk = set(session.scalars(select(PersonNeed.person_id).where(PersonNeed.need_code == "lgbtiq_at_risk")))
    total = len(rows)
    ethnicities = {e for _i, _b, e, _g in rows}
    assert {"not_asked", "none", "indigenous", "afro_descendant", "declined"} <= ethnicities
    assert 0.15 * total < sum(e == "not_asked" for _i, _b, e, _g in rows) < 0.6 * total  # many were asked
    assert sum(e == "none" for _i, _b, e, _g in rows) > sum(e == "indigenous" for _i, _b, e, _g in rows)
    assert ethnicities <= {"not_asked", *(code for code, *_rest in people.ETHNICITIES)}
    today = demo.now.date()
    for person_id, born, _e, lgbtiq in rows:
        assert lgbtiq in ("not_asked", "yes", "no", "declined")
        if lgbtiq != "not_asked" and person_id not in at_risk:
            assert people.age_on(born, today) >= 17  # adults are asked (birth dates are set at registration)
        if person_id in at_risk:
            assert lgbtiq == "yes"
    assert {"yes", "no"} <= {g for *_rest, g in rows}
    assert demo_people.ETHNICITY_WEIGHTS.keys() == {"VE", "CO", "HN", "GT", "HT"}
