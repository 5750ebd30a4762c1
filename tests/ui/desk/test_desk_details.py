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


def test_refer_to_this_service_from_the_directory_opens_the_form_with_the_service_chosen(
        qtbot, window_for, ctx_for) -> None:
    from PySide6.QtCore import Qt

    from tests.ui.foundation.conftest import modal, type_into

    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"), "Orientación jurídica gratuita")
    person = people.register_person(clerk, person_form())
    session = window_for("clerk")
    window = session.window
    window.show_section("people")
    window.section("people").show_person(person.id)  # the person at the desk
    window.show_section("directory")
    directory = window.section("directory")
    type_into(qtbot, directory.search, "juridica gratuita")
    qtbot.waitUntil(lambda: directory.model.rowCount() == 1)
    directory.table.selectRow(0)
    assert directory.refer_button.isEnabled()
    forms = []

    def choose(dialog) -> None:
        assert dialog.chosen() == person.id  # offered first
        qtbot.keyClick(dialog.picker.search, Qt.Key.Key_Return)

    def refer(dialog) -> None:
        forms.append(dialog)
        assert dialog.chosen_service().id == service
        dialog.save(send=False)

    modal(qtbot, choose, lambda: directory.refer_button.click(), refer)
    made = forms[0].created
    assert made is not None and made.service.id == service and made.person_id == person.id
    assert window.current_key() == "referrals"
    assert window.section("referrals").panel.info.id == made.id
