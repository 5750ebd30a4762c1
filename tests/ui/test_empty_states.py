"""An empty list says why it is empty and what to do, instead of showing a blank table."""

from __future__ import annotations

import pytest

from desktop.i18n import set_language
from desktop.services import people, training
from desktop.ui.admin.backups import BackupsTab
from desktop.ui.directory.section import DirectorySection
from desktop.ui.people.section import PeopleSection
from desktop.ui.referrals.home_panel import FollowUpPanel
from desktop.ui.referrals.section import ReferralsSection
from desktop.ui.training.section import TrainingSection
from tests.people.helpers import person_form


def _shown(qtbot, widget_class, ctx):
    widget = widget_class(ctx)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def test_an_empty_register_invites_the_clerk_to_register_the_first_person(qtbot, ctx_for, qt_settings) -> None:
    section = _shown(qtbot, PeopleSection, ctx_for("clerk"))
    assert "Register a person" in section.empty_state.text()
    section.search.setText("Pérez")
    section.run_search()
    assert "No one matches “Pérez”" in section.empty_state.text()
    people.register_person(ctx_for("clerk"), person_form())
    section.search.setText("")
    section.run_search()
    assert section.model.rowCount() == 1
    assert section.empty_state.text() == ""


def test_a_supervisor_is_not_told_to_register_anyone(qtbot, ctx_for, qt_settings) -> None:
    section = _shown(qtbot, PeopleSection, ctx_for("supervisor"))
    assert section.empty_state.text() == "No one is registered yet."


def test_a_persons_record_says_when_there_are_no_cases_or_referrals(qtbot, ctx_for, qt_settings) -> None:
    clerk = ctx_for("clerk")
    record = people.register_person(clerk, person_form())
    section = _shown(qtbot, PeopleSection, clerk)
    section.show_person(record.id)
    panel = section.panel
    assert panel.cases.item(0).text() == "No case opened yet."
    assert panel.referrals.item(0).text() == "No referrals yet."
    assert panel.consents.item(0).text() == "No consent recorded yet."
    assert "Spanish" in panel.details.text()  # language names, not codes


def test_empty_referrals_explain_where_referrals_are_made(qtbot, ctx_for, qt_settings) -> None:
    section = _shown(qtbot, ReferralsSection, ctx_for("clerk"))
    assert "person's record" in section.empty_state.text()
    assert section.panel.hint.isVisible() and not section.panel.slip_button.isVisible()
    section.search.setText("XYZ")
    section.reload()
    assert section.empty_state.text() == "No referral matches this number or state."


def test_an_empty_directory_points_to_new_service_and_import(qtbot, ctx_for, qt_settings) -> None:
    section = _shown(qtbot, DirectorySection, ctx_for("admin"))
    assert "New service" in section.empty_state.text() and "import" in section.empty_state.text()
    section.open_now.setChecked(True)
    assert section.empty_state.text() == "No service matches the search and filters."


def test_trainings_without_courses_participants_or_certificates_say_so(qtbot, ctx_for, qt_settings) -> None:
    trainer = ctx_for("trainer")
    section = _shown(qtbot, TrainingSection, trainer)
    assert "New course" in section.course_empty.text()
    assert section.participants.empty_state.text() == ""  # no course chosen: the title already says so
    training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa migratoria", total_hours=20))
    section.refresh()
    assert section.course_empty.text() == ""
    assert "Add participant" in section.participants.empty_state.text()
    assert "Add session" in section.sessions.empty_state.text()
    assert "Issue certificates" in section.certificates.empty_state.text()


def test_backups_tab_without_backups_says_how_to_make_one(qtbot, ctx_for, qt_settings) -> None:
    tab = _shown(qtbot, BackupsTab, ctx_for("admin"))
    assert "Back up now" in tab.empty_state.text()


def test_home_shows_no_empty_list_when_nothing_needs_a_follow_up(qtbot, ctx_for, qt_settings) -> None:
    panel = _shown(qtbot, FollowUpPanel, ctx_for("clerk"))
    assert panel.summary.text() == "No referral needs a follow-up call today."
    assert not panel.list.isVisible()


@pytest.mark.parametrize("language", ["es"])
def test_empty_states_are_in_spanish(qtbot, ctx_for, qt_settings, language) -> None:
    set_language(language)
    section = _shown(qtbot, PeopleSection, ctx_for("clerk"))
    assert section.empty_state.text().startswith("Todavía no hay personas registradas")
