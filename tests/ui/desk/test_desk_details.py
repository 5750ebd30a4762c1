"""The desk's details on screen: one follow-up date everywhere, referring from the directory, the service
search by relevance."""

from __future__ import annotations

from desktop.ui.people.widgets import to_date

from desktop.services import people, referrals
from desktop.ui.referrals.referral_dialog import ReferralDialog
from desktop.ui.referrals.section import ReferralsSection
from tests.people.helpers import make_service, person_form


def test_the_referral_form_and_the_referral_show_the_same_follow_up_date(qtbot, ctx_for, qt_settings) -> None:
    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())
    dialog = ReferralDialog(clerk, person.id)
    qtbot.addWidget(dialog)
    proposed = to_date(dialog.follow_up.date())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    assert made.follow_up_on == proposed
    section = ReferralsSection(clerk)
    qtbot.addWidget(section)
    section.show_referral(made.id)
    assert to_date(section.panel.follow_up.date()) == made.follow_up_on
