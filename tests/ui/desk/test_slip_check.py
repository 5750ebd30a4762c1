"""Check a slip: the date as printed on the slip is understood, and a wrong answer never loses what was typed."""

from __future__ import annotations

import pytest

from desktop.i18n import format_date, set_locale
from desktop.services import people, referrals
from desktop.ui.referrals.slip_check import SlipCheckDialog
from tests.people.helpers import make_service, person_form
from tests.ui.foundation.conftest import click, type_into


@pytest.fixture
def slip(ctx_for):
    set_locale("es_CO")
    clerk = ctx_for("clerk")
    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, make_service(ctx_for("admin")), "health"))
    issued = made.created_at.date()
    with clerk.db.transaction() as session:
        code = referrals.check_code(referrals._slip_secret(session), made.number, issued)
    return clerk, made.number, issued, " ".join(code[i:i + 4] for i in range(0, 16, 4))


def test_the_date_printed_on_the_slip_is_accepted(qtbot, slip, qt_settings) -> None:
    clerk, number, issued, code = slip
    dialog = SlipCheckDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.number, number.lower())
    type_into(qtbot, dialog.issued.edit, format_date(issued, "long"))  # "5 de diciembre de 2026", as printed
    type_into(qtbot, dialog.code, code)
    click(qtbot, dialog.check_button)
    assert dialog.answer.property("genuine") and f"Genuine slip {number}" in dialog.answer.text()
    assert dialog.isVisible()


def test_a_wrong_code_or_date_keeps_everything_typed(qtbot, slip, qt_settings) -> None:
    clerk, number, issued, code = slip
    dialog = SlipCheckDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.number, number)
    type_into(qtbot, dialog.issued.edit, "31/02/2026")
    type_into(qtbot, dialog.code, "AAAA BBBB CCCC DDDD")
    click(qtbot, dialog.check_button)
    assert dialog.isVisible() and not dialog.answer.property("genuine")
    assert "is not a date" in dialog.issued.message.text()
    assert (dialog.number.text(), dialog.issued.text(), dialog.code.text()) == (number, "31/02/2026",
                                                                                 "AAAA BBBB CCCC DDDD")
    type_into(qtbot, dialog.issued.edit, f"{issued:%d/%m/%Y}")
    click(qtbot, dialog.check_button)
    assert dialog.isVisible() and "Not genuine" in dialog.answer.text()
    type_into(qtbot, dialog.code, code)  # only the code corrected
    click(qtbot, dialog.check_button)
    assert dialog.answer.property("genuine")
