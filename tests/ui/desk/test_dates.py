"""Every date field of every form is typed as people type dates, and what was typed is what the database keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from desktop.i18n import set_locale
from desktop.services import people, referrals, training
from desktop.services.people import cases, consent
from desktop.store.models import Consent, Person, Referral
from desktop.ui.dates import DateField
from tests.people.helpers import make_service, person_form
from tests.ui.foundation.conftest import click, type_into

TODAY = date.today()


@pytest.fixture(autouse=True)
def colombian_office():
    """The office writes dates as in Colombia (day first), whatever the interface language."""
    set_locale("es_CO")
    yield


@pytest.fixture
def clerk(ctx_for):
    return ctx_for("clerk")


def typed(qtbot, field: DateField, text: str) -> None:
    """Type into a date field as a person does: click in, select what is there, type, leave with Tab."""
    window = field.window()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=2000)
    field.edit.setFocus()
    field.edit.selectAll()
    qtbot.keyClicks(field.edit, text)
    qtbot.keyClick(field.edit, Qt.Key.Key_Tab)


def dmy(day: date, sep: str = "/", short_year: bool = False) -> str:
    year = f"{day.year % 100:02d}" if short_year else f"{day.year}"
    return f"{day.day}{sep}{day.month}{sep}{year}" if short_year else f"{day.day:02d}{sep}{day.month:02d}{sep}{year}"


def test_a_typed_birth_and_arrival_date_are_saved_as_typed(qtbot, clerk, office_db, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ask_consent_answer = lambda: "not_asked"
    type_into(qtbot, dialog.given_names, "Ana")
    type_into(qtbot, dialog.family_name_1, "Gómez")
    dialog.sex.setCurrentIndex(dialog.sex.findData("female"))
    dialog.population_type.setCurrentIndex(dialog.population_type.findData("destination"))
    typed(qtbot, dialog.birth_date, "17/5/90")  # d/m/aa
    assert dialog.birth_date.text() == "17/05/1990"  # read back in full on leaving the field
    arrival = TODAY - timedelta(days=40)
    typed(qtbot, dialog.arrival_date, dmy(arrival, "-"))  # dd-mm-aaaa
    click(qtbot, dialog.buttons.button(dialog.buttons.StandardButton.Save))
    assert dialog.result_record is not None
    with office_db.session() as session:
        row = session.get(Person, dialog.result_record.id)
        assert (row.birth_date, row.arrival_date) == (date(1990, 5, 17), arrival)


def test_an_optional_date_left_empty_stays_empty_never_1900(qtbot, clerk, office_db, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.ask_consent_answer = lambda: "not_asked"
    assert dialog.arrival_date.text() == "" and dialog.birth_date.text() == ""
    assert dialog.arrival_date.edit.placeholderText() == "dd/mm/yyyy"
    type_into(qtbot, dialog.given_names, "Luis")
    type_into(qtbot, dialog.family_name_1, "Mora")
    dialog.sex.setCurrentIndex(dialog.sex.findData("male"))
    dialog.population_type.setCurrentIndex(dialog.population_type.findData("transit"))
    dialog.estimated_age.setValue(30)
    dialog.save()
    with office_db.session() as session:
        row = session.get(Person, dialog.result_record.id)
        assert row.arrival_date is None and row.birth_date_estimated and people.age_on(row.birth_date) == 30


def test_a_future_arrival_and_an_implausible_birth_are_said_beside_the_field(qtbot, clerk, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    asked = []
    dialog.ask_consent_answer = lambda: asked.append(1) or "not_asked"
    type_into(qtbot, dialog.given_names, "Ana")
    typed(qtbot, dialog.arrival_date, dmy(TODAY + timedelta(days=3)))
    assert dialog.arrival_date.message.isVisible()
    assert dialog.arrival_date.message.text() == "The arrival date cannot be in the future."
    typed(qtbot, dialog.birth_date, "01/01/1850")
    assert "not plausible" in dialog.birth_date.message.text()
    typed(qtbot, dialog.birth_date, "31/02/1990")
    assert "is not a date" in dialog.birth_date.message.text()
    dialog.save()  # refused before anything is asked or written: everything typed stays
    assert dialog.isVisible() and dialog.result_record is None and not asked
    assert dialog.given_names.text() == "Ana" and dialog.birth_date.text() == "31/02/1990"
    assert QApplication.focusWidget() is dialog.birth_date.edit or QApplication.focusWidget() is \
        dialog.arrival_date.edit


@pytest.mark.qt_log_ignore("does not support grabbing the keyboard")  # the offscreen platform; a popup grabs it
def test_alt_down_opens_the_calendar_at_the_value_and_changes_nothing(qtbot, clerk, qt_settings) -> None:
    from desktop.ui.people.dialogs import ConsentDialog

    person = people.register_person(clerk, person_form())
    dialog = ConsentDialog(clerk, person.id)
    qtbot.addWidget(dialog)
    dialog.show()
    field = dialog.given_on
    before = field.text()
    field.edit.setFocus()
    for key in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp):
        qtbot.keyClick(field.edit, key)
    qtbot.keyClick(field.edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
    popup = field._popup
    assert popup is not None and popup.isVisible()
    assert popup.calendar.selectedDate().toPython() == TODAY  # at the field's value, not January 1900
    qtbot.keyClick(popup.calendar, Qt.Key.Key_Escape)
    assert not popup.isVisible() and field.text() == before and field.value() == TODAY
    field.set_value(None)
    field.open_calendar()
    assert popup.calendar.selectedDate().toPython() == TODAY  # empty: at today
    popup.calendar.clicked.emit(popup.calendar.selectedDate().addDays(-2))
    assert field.value() == TODAY - timedelta(days=2) and not popup.isVisible()


def test_consent_and_note_dates_are_typed_and_saved(qtbot, clerk, office_db, qt_settings) -> None:
    from desktop.ui.people.dialogs import ConsentDialog, NoteDialog

    person = people.register_person(clerk, person_form())
    given = TODAY - timedelta(days=3)
    dialog = ConsentDialog(clerk, person.id)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.scope_boxes["registration"].setChecked(True)
    typed(qtbot, dialog.given_on, dmy(given, short_year=True))
    dialog.save()
    with office_db.session() as session:
        assert session.scalar(select(Consent.given_on).where(Consent.person_id == person.id)) == given

    case = cases.open_case(clerk, person.id)
    note = NoteDialog(clerk, case)
    qtbot.addWidget(note)
    note.show()
    noted = TODAY - timedelta(days=1)
    typed(qtbot, note.noted_on, dmy(noted))
    note.text.setPlainText("Llamó para confirmar la cita")
    note.save()
    assert [n.noted_on for n in cases.get_case(clerk, case.id).notes] == [noted]


def test_referral_follow_up_dates_are_typed_and_saved(qtbot, clerk, ctx_for, office_db, qt_settings) -> None:
    from desktop.ui.referrals.referral_dialog import ReferralDialog
    from desktop.ui.referrals.section import ReferralPanel, TransitionDialog

    make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())
    dialog = ReferralDialog(clerk, person.id)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.service_search, "salud")
    qtbot.waitUntil(lambda: dialog.services.count() == 1, timeout=3000)
    dialog.services.setCurrentRow(0)
    dialog.reason_code.setCurrentIndex(1)
    first = TODAY + timedelta(days=10)
    typed(qtbot, dialog.follow_up, dmy(first))
    dialog.save(send=False)
    assert dialog.created is not None
    with office_db.session() as session:
        assert session.scalar(select(Referral.follow_up_on).where(Referral.id == dialog.created.id)) == first

    panel = ReferralPanel(clerk)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_referral(dialog.created.id)
    second = TODAY + timedelta(days=12)
    typed(qtbot, panel.follow_up, dmy(second, "-"))
    click(qtbot, panel.follow_up_button)
    info = referrals.get_referral(clerk, dialog.created.id)
    assert info.follow_up_on == second

    consent.record_consent(clerk, person.id, ["share_with_services"], TODAY, "signed_form")
    step = TransitionDialog(clerk, info, "send")
    qtbot.addWidget(step)
    step.show()
    third = TODAY + timedelta(days=14)
    typed(qtbot, step.follow_up, dmy(third))
    step.save()
    with office_db.session() as session:
        assert session.scalar(select(Referral.follow_up_on).where(Referral.id == info.id)) == third


def test_a_training_session_date_is_typed_and_saved(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.training.dialogs import SessionDialog

    trainer = ctx_for("trainer")
    course = training.create_course(trainer, training.CourseForm(code="GOB-01", title="Gobernanza migratoria",
                                                                    total_hours=8))
    dialog = SessionDialog(trainer, course.id)
    qtbot.addWidget(dialog)
    dialog.show()
    typed(qtbot, dialog.date, "3/2/27")
    dialog.topic.setText("Marco normativo")
    dialog.accept()
    assert [s.date for s in training.list_sessions(trainer, course.id)] == [date(2027, 2, 3)]


def test_the_audit_log_range_is_typed(qtbot, admin_ctx, qt_settings) -> None:
    from desktop.ui.admin.audit_log import AuditTab

    tab = AuditTab(admin_ctx)
    qtbot.addWidget(tab)
    tab.show()
    tab.use_since.setChecked(True)
    typed(qtbot, tab.since, dmy(TODAY - timedelta(days=1)))
    assert tab.current_filter().since is not None and tab.model.rows


def test_report_range_is_typed(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.reports.section import RANGE, ReportsSection

    screen = ReportsSection(ctx_for("supervisor"))
    qtbot.addWidget(screen)
    screen.show()
    screen.month.setCurrentIndex(screen.month.findData(RANGE))
    typed(qtbot, screen.date_from, "01/11/2026")
    typed(qtbot, screen.date_to, "30-11-2026")
    period = screen.period()
    assert (period.first_day, period.last_day) == (date(2026, 11, 1), date(2026, 11, 30))


def test_every_date_field_in_the_ui_is_the_one_date_field() -> None:
    from pathlib import Path

    import desktop.ui

    root = Path(desktop.ui.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "QDateEdit" in p.read_text() or "QDateTimeEdit" in p.read_text()]
    assert offenders == []
