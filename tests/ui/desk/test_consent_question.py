"""Saving a person without consent to register asks why, in plain words, and the answer is kept."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from desktop.services import people
from desktop.services.core.errors import ValidationError
from desktop.services.people import consent
from desktop.store.models import Consent, Person
from tests.people.helpers import make_service, person_form
from tests.ui.foundation.conftest import click, modal, type_into


@pytest.fixture
def clerk(ctx_for):
    return ctx_for("clerk")


def _fill(qtbot, dialog) -> None:
    type_into(qtbot, dialog.given_names, "Ana")
    type_into(qtbot, dialog.family_name_1, "Gómez")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    dialog.population_type.setCurrentIndex(dialog.population_type.findData("destination"))


def _answer(name: str):
    def act(box) -> None:
        assert isinstance(box, QMessageBox)
        assert "Ana Gómez has not given consent to register their personal data." == box.text()
        box.findChild(type(box.buttons()[0]), name).click()
    return act


def _save(qtbot, dialog):
    return dialog.buttons.button(dialog.buttons.StandardButton.Save)


@pytest.mark.parametrize("answer", ["refused", "not_asked"])
def test_saving_without_consent_asks_and_records_the_answer(qtbot, clerk, office_db, qt_settings, answer) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog)
    modal(qtbot, _answer(f"consent_{answer}"), lambda: click(qtbot, _save(qtbot, dialog)))
    assert dialog.result_record is not None
    with office_db.session() as session:
        assert session.get(Person, dialog.result_record.id).registration_consent_answer == answer
        assert session.scalar(select(Consent.id).where(Consent.person_id == dialog.result_record.id)) is None
    assert consent.no_consent_answer(clerk, dialog.result_record.id) == answer
    from desktop.ui.people.section import PersonPanel

    panel = PersonPanel(clerk)
    qtbot.addWidget(panel)
    panel.show_person(dialog.result_record.id)
    assert panel.consents.item(0).text() == {"refused": "The person refused consent to register their data",
                                              "not_asked": "Consent to register has not been asked yet"}[answer]


def test_going_back_to_the_form_saves_nothing_and_keeps_what_was_typed(qtbot, clerk, office_db, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog)
    modal(qtbot, _answer("consent_back"), lambda: click(qtbot, _save(qtbot, dialog)))
    assert dialog.isVisible() and dialog.result_record is None and dialog.given_names.text() == "Ana"
    with office_db.session() as session:
        assert session.scalar(select(Person.id)) is None


def test_the_person_agrees_and_consent_is_recorded_right_away(qtbot, clerk, office_db, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog)

    def consent_form(form) -> None:
        assert form.scope_boxes["registration"].isChecked()
        form.save()

    modal(qtbot, _answer("consent_given"), lambda: click(qtbot, _save(qtbot, dialog)), consent_form)
    record = dialog.result_record
    assert record is not None and record.consent.registration and not record.consent.share_with_services
    assert consent.no_consent_answer(clerk, record.id) == ""


def test_an_edit_asks_once_then_never_again(qtbot, clerk, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    person = people.register_person(clerk, person_form())
    consent.record_no_consent_answer(clerk, person.id, "not_asked")
    dialog = PersonDialog(clerk, people.get_person(clerk, person.id))
    qtbot.addWidget(dialog)
    assert not dialog.needs_consent_answer()


def test_an_answer_never_opens_sharing(clerk, ctx_for) -> None:
    from desktop.services import referrals

    service = make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())
    consent.record_no_consent_answer(clerk, person.id, "refused")
    referral = referrals.create_referral(clerk, referrals.ReferralForm(
        person_id=person.id, service_id=service, reason_code="health", follow_up_on=date.today()))
    with pytest.raises(ValidationError, match="consent"):
        referrals.transition(clerk, referral.id, "send")
    with pytest.raises(ValidationError):
        consent.record_no_consent_answer(clerk, person.id, "maybe")
