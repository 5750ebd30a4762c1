"""Two seats on one office database: what one creates shows on the other's Home within seconds."""

from __future__ import annotations

from datetime import date

from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.people import consent
from desktop.services.security import auth
from desktop.store.database import open_database
from desktop.ui.referrals.home_panel import FollowUpPanel
from tests.conftest import PASSWORD
from tests.people.helpers import make_service, person_form


def test_a_referral_made_on_one_seat_appears_on_the_other_seats_home_within_5_seconds(
        qtbot, ctx_for, office_db, qt_settings) -> None:
    first = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(first, person_form())
    consent.record_consent(first, person.id, ["share_with_services"], date.today(), "signed_form")
    # The other seat: its own connections to the same database, its own sign-in.
    other_db = open_database(office_db.location)
    other = AppContext(other_db, auth.sign_in(other_db, "admin", PASSWORD))
    try:
        panel = FollowUpPanel(other)
        qtbot.addWidget(panel)
        panel.show()
        assert panel.list.count() == 0
        referrals.create_referral(first, referrals.ReferralForm(person.id, service, "health",
                                                                follow_up_on=date.today()))
        qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
        assert person.family_name_1 in panel.list.item(0).text()
    finally:
        other_db.dispose()


def test_a_referral_made_on_one_seat_joins_the_other_seats_referral_list(qtbot, ctx_for, office_db, qt_settings):
    from desktop.ui.referrals.section import ReferralsSection

    first = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(first, person_form())
    other_db = open_database(office_db.location)
    other = AppContext(other_db, auth.sign_in(other_db, "admin", PASSWORD))
    try:
        section = ReferralsSection(other)
        qtbot.addWidget(section)
        section.show()
        assert section.model.rowCount() == 0
        referrals.create_referral(first, referrals.ReferralForm(person.id, service, "health"))
        qtbot.waitUntil(lambda: section.model.rowCount() == 1, timeout=5000)
    finally:
        other_db.dispose()
