"""The clerk's daily work on screen: find or register, duplicates, consent, a referral through every state,
the slip; and what each role sees."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from desktop.i18n import office_today
from desktop.services import people, referrals
from desktop.services.people import consent
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.people.section import PeopleSection
from desktop.ui.referrals.home_panel import FollowUpPanel
from desktop.ui.referrals.section import ReferralsSection
from tests.people.helpers import make_service, person_form
from tests.ui.foundation.conftest import answer_message_box, click, modal, select_combo, type_into


@pytest.fixture
def clerk(ctx_for):
    return ctx_for("clerk")


@pytest.fixture
def service(ctx_for):
    return make_service(ctx_for("admin"))


@pytest.fixture
def no_viewer(monkeypatch, tmp_path):
    """Saving a PDF: the file dialog answers a path in tmp_path and no viewer opens."""
    from PySide6.QtGui import QDesktopServices
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "out.pdf"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    opened: list = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url) or True)
    return target


def fill_registration(qtbot, dialog: PersonDialog, document: str = "V-12.345.678") -> None:
    type_into(qtbot, dialog.given_names, "José")
    type_into(qtbot, dialog.family_name_1, "Pérez")
    type_into(qtbot, dialog.family_name_2, "Rodríguez")
    select_combo(dialog.sex, "male")
    dialog.birth_date.set_value(date(1990, 5, 17))
    select_combo(dialog.nationality, "VE")
    select_combo(dialog.document_type, "ve_cedula")
    type_into(qtbot, dialog.document_number, document)
    type_into(qtbot, dialog.phone, "+57 310 555 1234")
    select_combo(dialog.population_type, "destination")
    type_into(qtbot, dialog.languages, "es")


def save_button(dialog):
    return dialog.buttons.button(QDialogButtonBox.StandardButton.Save)


def test_clerk_registers_a_person_and_the_age_shows_as_typed(qtbot, clerk, qt_settings) -> None:
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_registration(qtbot, dialog)
    assert dialog.age_label.text() == f"{people.age_on(date(1990, 5, 17))} years old"
    dialog.needs.item(0).setCheckState(Qt.CheckState.Checked)
    click(qtbot, save_button(dialog))
    saved = dialog.result_record
    assert saved is not None and saved.name == "José Pérez Rodríguez" and saved.needs == ["disability"]
    assert people.search_people(clerk, "perez jose")[0].id == saved.id


def test_a_wrong_document_is_marked_and_nothing_typed_is_lost(qtbot, clerk, qt_settings) -> None:
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_registration(qtbot, dialog, document="12-AB")
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, lambda: click(qtbot, save_button(dialog)))
    assert "does not look like" in box.text
    assert dialog.isVisible() and dialog.result_record is None
    assert dialog.document_number.property("invalid")
    assert (dialog.given_names.text(), dialog.family_name_2.text(), dialog.phone.text()) == (
        "José", "Rodríguez", "+57 310 555 1234")
    type_into(qtbot, dialog.document_number, "V-12.345.678")
    assert not dialog.document_number.property("invalid")
    click(qtbot, save_button(dialog))
    assert dialog.result_record is not None


def test_likely_duplicates_appear_while_typing(qtbot, clerk, qt_settings) -> None:
    existing = people.register_person(clerk, person_form())
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.duplicate_box.isVisible()
    type_into(qtbot, dialog.given_names, "Jose")
    type_into(qtbot, dialog.family_name_1, "Perez")
    qtbot.waitUntil(dialog.duplicate_box.isVisible, timeout=3000)
    assert "José Pérez Rodríguez" in dialog.duplicates.item(0).text()
    opened = []
    dialog.open_existing.connect(opened.append)
    dialog.duplicates.itemActivated.emit(dialog.duplicates.item(0))
    assert opened == [existing.id] and not dialog.isVisible()


def test_consent_is_recorded_from_the_record_and_shows_at_a_glance(qtbot, clerk, qt_settings) -> None:
    person = people.register_person(clerk, person_form())
    section = PeopleSection(clerk)
    qtbot.addWidget(section)
    section.show()
    type_into(qtbot, section.search, "perez jose")
    qtbot.keyClick(section.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: section.panel.record is not None, timeout=3000)
    assert section.panel.record.id == person.id
    badges = section.panel.badges.labels
    assert not badges["share_with_services"].property("given")

    def give(dialog) -> None:
        dialog.scope_boxes["registration"].setChecked(True)
        dialog.scope_boxes["share_with_services"].setChecked(True)
        select_combo(dialog.method, "verbal_witness")
        type_into(qtbot, dialog.witness, "Rosa Niño")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Save).click()

    modal(qtbot, give, lambda: click(qtbot, section.panel.buttons["consent"]))
    assert badges["registration"].property("given") and badges["share_with_services"].property("given")
    assert not badges["follow_up_contact"].property("given")
    assert section.panel.consents.count() == 2


def test_a_referral_goes_through_every_state_and_prints_its_slip(qtbot, clerk, service, no_viewer,
                                                                 qt_settings) -> None:
    person = people.register_person(clerk, person_form())
    section = PeopleSection(clerk)
    qtbot.addWidget(section)
    section.show()
    section.show_person(person.id)

    def refer(dialog) -> None:
        type_into(qtbot, dialog.service_search, "salud")
        qtbot.waitUntil(lambda: dialog.services.count() == 1, timeout=3000)
        dialog.services.setCurrentRow(0)
        select_combo(dialog.reason_code, "health")
        dialog.reason.setPlainText("Dolor de muela")
        dialog.save_send.click()  # no consent yet: saved as a draft, sending refused

    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, refer, lambda: click(qtbot, section.panel.buttons["referral"]), box)
    assert "saved as a draft" in box.text and "consent" in box.text
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")

    screen = ReferralsSection(clerk)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.model.rowCount() == 1
    screen.table.selectRow(0)
    panel = screen.panel
    assert panel.info is not None and panel.info.status == "draft"

    def step(action: str, outcome: str = "") -> None:
        def act(dialog) -> None:
            if outcome:
                dialog.outcome.setPlainText(outcome)
            else:
                dialog.follow_up.set_value(dialog.follow_up.value() + timedelta(days=3))
                dialog.note.setText("Llamada de control")
            dialog.save()
        assert panel.action_buttons[action].isVisible()
        modal(qtbot, act, lambda: click(qtbot, panel.action_buttons[action]))

    step("send")
    assert [b for b, w in panel.action_buttons.items() if w.isVisible()] == ["accept", "reject", "cancel"]
    step("accept")
    step("complete", "Recibió la atención")
    assert panel.info.status == "completed"
    assert [e.to_status for e in panel.info.events] == ["draft", "sent", "accepted", "completed"]
    assert not any(w.isVisible() for w in panel.action_buttons.values())
    assert panel.events.count() == 4 and "Recibió la atención" in panel.events.item(3).text()

    select_combo(panel.page, "half-letter")
    click(qtbot, panel.save_slip_button)  # "Guardar PDF"; printing is tested in tests/ui/desk/test_printing.py
    assert no_viewer.read_bytes().startswith(b"%PDF")

    for final, actions in {"not_attended": ["send", "accept", "no_show"], "rejected": ["send", "reject"],
                           "cancelled": ["cancel"]}.items():
        made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
        screen.reload()
        panel.show_referral(made.id)
        for action in actions:
            closing = referrals.TRANSITIONS[action][1] in referrals.CLOSED_STATUSES
            step(action, "Resultado" if closing else "")
        assert panel.info.status == final


def test_a_transition_without_outcome_is_refused_and_the_dialog_stays(qtbot, clerk, service, qt_settings) -> None:
    from desktop.ui.referrals.section import TransitionDialog

    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    dialog = TransitionDialog(clerk, referrals.get_referral(clerk, made.id), "cancel")
    qtbot.addWidget(dialog)
    dialog.show()
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, dialog.save)
    assert "outcome" in box.text and dialog.outcome.property("invalid") and dialog.result_info is None


def test_home_panel_lists_due_referrals_newest_risk_first(qtbot, clerk, service, qt_settings) -> None:
    person = people.register_person(clerk, person_form())
    for _days in (0, 1):
        referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                                follow_up_on=date.today()))
    referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                            follow_up_on=date.today() + timedelta(days=9)))
    panel = FollowUpPanel(clerk)
    qtbot.addWidget(panel)
    assert panel.list.count() == 2 and "due today" in panel.list.item(0).text()
    assert panel.summary.text() == "2 referrals need a follow-up."


def test_what_each_role_sees(window_for, ctx_for, qtbot) -> None:
    people.register_person(ctx_for("clerk"), person_form())
    trainer = window_for("trainer").window
    assert trainer.section("people") is None and trainer.section("referrals") is None
    clerk = window_for("clerk").window
    with qtbot.waitActive(clerk):
        clerk.activateWindow()
    section = clerk.section("people")
    clerk.show_section("people")
    qtbot.keyClick(clerk.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is section.search
    clerk.show_section("referrals")
    qtbot.keyClick(clerk.nav, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.focusWidget() is clerk.section("referrals").search
    assert "merge" not in section.panel.buttons and "anonymize" not in section.panel.buttons
    assert section.new_button.isVisibleTo(section)
    supervisor = window_for("supervisor").window.section("people")
    assert "merge" in supervisor.panel.buttons and "edit" not in supervisor.panel.buttons
    assert not supervisor.new_button.isVisibleTo(supervisor)
    admin = window_for("admin").window.section("people")
    assert "anonymize" in admin.panel.buttons
    admin.show_person(people.search_people(ctx_for("admin"), "jose")[0].id)
    assert not admin.panel.needs.isVisibleTo(admin.panel)


def test_ui_strings_read_in_spanish(qtbot, clerk, qt_settings) -> None:
    from desktop.i18n import set_language

    set_language("es")
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Registrar una persona"
    assert dialog.sex.itemText(1) == "Mujer"


def test_a_stale_edit_from_a_second_window_keeps_what_was_typed(qtbot, clerk, qt_settings) -> None:
    record = people.register_person(clerk, person_form())
    first, second = PersonDialog(clerk, record), PersonDialog(clerk, record)
    for dialog in (first, second):
        qtbot.addWidget(dialog)
        dialog.show()
    type_into(qtbot, first.phone, "+57 300 111 2222")
    click(qtbot, save_button(first))
    assert first.result_record is not None
    type_into(qtbot, second.address, "Calle 45 # 9-30")
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, lambda: click(qtbot, save_button(second)))
    assert "changed by clerk" in box.text
    assert second.isVisible() and second.address.text() == "Calle 45 # 9-30"
    assert people.get_person(clerk, record.id).phone == "+57 300 111 2222"


def test_a_household_member_is_registered_from_the_record(qtbot, clerk, qt_settings) -> None:
    mother = people.register_person(clerk, person_form(given_names="Ana", sex="female", document_type="none"))
    section = PeopleSection(clerk)
    qtbot.addWidget(section)
    section.show()
    section.show_person(mother.id)

    def register_child(dialog) -> None:
        select_combo(dialog.relationship, "child")
        type_into(qtbot, dialog.given_names, "Luis")
        type_into(qtbot, dialog.family_name_1, "Pérez")
        select_combo(dialog.sex, "male")
        dialog.estimated_age.setValue(6)
        select_combo(dialog.population_type, "destination")
        click(qtbot, save_button(dialog))

    modal(qtbot, register_child, lambda: click(qtbot, section.panel.buttons["new_member"]))
    record = section.panel.record
    assert [(m.name, m.relationship) for m in record.household_members] == [
        ("Ana Pérez Rodríguez", "head"), ("Luis Pérez", "child")]  # oldest first
    assert section.panel.household.count() == 2
    child = next(m for m in record.household_members if m.relationship == "child")
    assert people.get_person(clerk, child.person_id).age == 6


def test_a_scanned_slip_is_checked_from_the_referrals_screen(qtbot, clerk, service, monkeypatch, tmp_path,
                                                             qt_settings) -> None:
    import subprocess

    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    pdf = referrals.slip_pdf(clerk, made.number)
    (tmp_path / "slip.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "slip.pdf"),
                    str(tmp_path / "slip")], check=True)
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(tmp_path / "slip.png")], capture_output=True,
                             text=True).stdout.strip()
    assert scanned.startswith("ENLACE-REM|")
    screen = ReferralsSection(clerk)
    qtbot.addWidget(screen)
    said = []

    def check(dialog) -> None:
        type_into(qtbot, dialog.scanned, scanned)
        click(qtbot, dialog.check_button)
        said.append(dialog.answer.text())
        dialog.reject()

    modal(qtbot, check, lambda: click(qtbot, screen.verify_button))
    assert "Genuine slip" in said[0] and made.number in said[0]


def test_supervisor_merges_and_administrator_anonymizes_from_the_record(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.people.dialogs import AnonymizeDialog, MergeDialog
    from tests.conftest import PASSWORD

    clerk, supervisor, admin = ctx_for("clerk"), ctx_for("supervisor"), ctx_for("admin")
    keep = people.register_person(clerk, person_form())
    other = people.register_person(clerk, person_form(given_names="Josè", document_type="none"))
    dialog = MergeDialog(supervisor, people.get_person(supervisor, keep.id))
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.picker.search, "jose perez")
    qtbot.waitUntil(lambda: not dialog.picker.search.pending())
    assert dialog.picker.results.count() == 1  # the record itself is not offered
    modal(qtbot, answer_message_box(QMessageBox.StandardButton.Yes), dialog.save)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert [h.id for h in people.search_people(clerk, "jose perez")] == [keep.id]
    assert other.id not in [h.id for h in people.search_people(clerk, "jose")]

    dialog = AnonymizeDialog(admin, people.get_person(admin, keep.id))
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.password, "wrong-password")
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, dialog.save)
    assert "Wrong password" in box.text and people.search_people(clerk, "jose perez")
    type_into(qtbot, dialog.password, PASSWORD)
    dialog.save()
    assert people.search_people(clerk, "jose perez") == []


def test_a_referral_opens_from_the_person_and_from_home(window_for, ctx_for, qtbot) -> None:
    window = window_for("clerk").window  # on the office's clock from here: Home's "today" is the office's
    clerk = ctx_for("clerk")
    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, make_service(ctx_for("admin")),
                                                                   "health", follow_up_on=office_today()))
    section = window.section("people")
    section.show_person(person.id)
    listing = section.panel.referrals
    listing.itemActivated.emit(listing.item(0))
    assert window.current_key() == "referrals" and window.section("referrals").panel.info.id == made.id
    window.show_section("home")
    panel = next(p for p in window.section("home").panels if isinstance(p, FollowUpPanel))
    window.section("referrals").panel.show_referral(None)
    panel.list.itemActivated.emit(panel.list.item(0))
    assert window.current_key() == "referrals" and window.section("referrals").panel.info.id == made.id


def test_next_follow_up_is_set_from_the_referral(qtbot, clerk, service, qt_settings) -> None:
    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                                   follow_up_on=date.today()))
    screen = ReferralsSection(clerk)
    qtbot.addWidget(screen)
    screen.show()
    screen.show_referral(made.id)
    assert screen.panel.follow_up_button.isVisible()
    click(qtbot, screen.panel.follow_up_button)
    assert referrals.get_referral(clerk, made.id).follow_up_on == date.today() + timedelta(days=7)
    assert referrals.follow_up_due(clerk)[1] == 0


def test_clerk_records_how_the_person_identifies_and_it_is_saved(qtbot, clerk, qt_settings) -> None:
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    dialog.show()
    fill_registration(qtbot, dialog)
    assert dialog.ethnicity.currentData() == "not_asked" and dialog.lgbtiq.currentData() == "not_asked"
    assert dialog.ethnicity.currentText() == "Not asked" and dialog.identity_hint.isVisible()
    dialog.ethnicity.setFocus()
    qtbot.keyClicks(dialog.ethnicity, "Indig")  # typing on a closed list picks the matching answer
    assert dialog.ethnicity.currentData() == "indigenous"
    select_combo(dialog.lgbtiq, "declined")
    click(qtbot, save_button(dialog))
    saved = dialog.result_record
    assert saved is not None and (saved.ethnicity, saved.lgbtiq) == ("indigenous", "declined")
    again = PersonDialog(clerk, people.get_person(clerk, saved.id))
    qtbot.addWidget(again)
    assert again.ethnicity.currentData() == "indigenous" and again.lgbtiq.currentText() == "Prefers not to say"
    select_combo(again.ethnicity, "not_asked")
    click(qtbot, save_button(again))
    assert people.get_person(clerk, saved.id).ethnicity == "not_asked"


def test_the_record_shows_self_identification_only_to_who_may_see_it(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.people.section import PersonPanel

    record = people.register_person(ctx_for("clerk"), person_form(ethnicity="afro_descendant", lgbtiq="yes"))
    panel = PersonPanel(ctx_for("supervisor"))
    qtbot.addWidget(panel)
    panel.show_person(record.id)
    assert panel.identity.isVisibleTo(panel)
    assert panel.identity.text() == ("Ethnic group (self-identified): Afro-descendant, Black or Afro-Colombian\n"
                                     "LGBTIQ+ person (self-identified): Yes")
    admin_panel = PersonPanel(ctx_for("admin"))
    qtbot.addWidget(admin_panel)
    admin_panel.show_person(record.id)
    assert not admin_panel.identity.isVisibleTo(admin_panel) and "Afro" not in admin_panel.identity.text()
    admin_dialog = PersonDialog(ctx_for("admin"), people.get_person(ctx_for("admin"), record.id))
    qtbot.addWidget(admin_dialog)
    admin_dialog.show()
    assert not admin_dialog.ethnicity.isVisible() and not admin_dialog.identity_hint.isVisible()
    click(qtbot, save_button(admin_dialog))  # the administrator saves other fields: the answers stay
    assert people.get_person(ctx_for("clerk"), record.id).lgbtiq == "yes"


def test_the_referral_form_shows_a_service_warning_before_its_long_name(qtbot, clerk, ctx_for, qt_settings) -> None:
    from desktop.ui.referrals.referral_dialog import ReferralDialog

    make_service(ctx_for("admin"), "Orientación y acompañamiento jurídico para la regularización migratoria "
                                   "de familias con niñas y niños", accepts=False)
    person = people.register_person(clerk, person_form())
    dialog = ReferralDialog(clerk, person.id)
    qtbot.addWidget(dialog)
    dialog.show()
    type_into(qtbot, dialog.service_search, "regularizacion")
    qtbot.waitUntil(lambda: dialog.services.count() == 1, timeout=3000)
    item = dialog.services.item(0)
    assert item.text().startswith("⚠ does not accept referrals · Orientación")
    dialog.services.setCurrentRow(0)
    assert "does not accept referrals" in dialog.warnings.text()
