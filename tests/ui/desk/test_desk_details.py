"""The desk's details on screen: one follow-up date everywhere, referring from the directory, the service
search by relevance."""

from __future__ import annotations

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
    proposed = dialog.follow_up.value()
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    assert made.follow_up_on == proposed
    section = ReferralsSection(clerk)
    qtbot.addWidget(section)
    section.show_referral(made.id)
    assert section.panel.follow_up.value() == made.follow_up_on


def test_refer_to_this_service_from_the_directory_opens_the_form_with_the_service_chosen(
        qtbot, window_for, ctx_for) -> None:
    from desktop.ui.referrals.refer_from_directory import ChoosePersonDialog

    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"), "Orientación jurídica gratuita")
    person = people.register_person(clerk, person_form())
    session = window_for("clerk")
    window = session.window
    window.show_section("people")
    window.section("people").show_person(person.id)  # the person at the desk
    window.show_section("directory")
    directory = window.section("directory")
    directory.table.selectRow(0)
    assert directory.refer_button.isVisible() and directory.refer_button.isEnabled()
    chooser = ChoosePersonDialog(clerk, referrals.get_service(clerk, service), person.id, window)
    qtbot.addWidget(chooser)
    assert chooser.chosen() == person.id  # the person open in "People and cases" is offered first
    form = ReferralDialog(clerk, chooser.chosen(), window, service_id=service)
    qtbot.addWidget(form)
    assert form.chosen_service().id == service
    form.reason_code.setCurrentIndex(form.reason_code.findData("legal"))
    form.save(send=False)
    made = form.created
    assert made is not None and made.service.id == service and made.person_id == person.id
