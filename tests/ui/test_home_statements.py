"""Opening Home costs a fixed, small number of SQL statements, however many follow-ups are due."""

from __future__ import annotations

from datetime import date

from desktop.services import people, referrals
from desktop.ui.home import HomeSection
from tests.foundation.test_query_counts import statements
from tests.people.helpers import make_service, person_form


def test_home_opens_and_refreshes_in_five_statements_for_one_follow_up_or_twenty(qtbot, ctx_for, qt_settings):
    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())

    def refer() -> None:
        referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                                follow_up_on=date.today()))

    def open_home() -> tuple[list[str], list[str]]:
        with statements(clerk.db) as opening:
            home = HomeSection(clerk)
            qtbot.addWidget(home)
        with statements(clerk.db) as refreshing:
            home.refresh()  # what showing Home again does
        assert home.panels[0].list.count() == len(referrals.follow_up_due(clerk)[0])
        return opening, refreshing

    refer()
    one = open_home()
    for _n in range(19):
        refer()
    twenty = open_home()
    assert [len(s) for s in twenty] == [len(s) for s in one], (one, twenty)
    assert len(twenty[0]) <= 5 and len(twenty[1]) <= 5, twenty
