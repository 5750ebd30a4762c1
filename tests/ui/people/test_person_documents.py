"""The person form takes several identity documents, by keyboard, and the record lists them all."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.services import people
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.people.section import PeopleSection
from tests.people.helpers import person_form
from tests.ui.foundation.conftest import click, type_into
from tests.ui.people.test_people_screens import fill_registration, save_button


def test_a_second_document_is_added_typed_and_saved(qtbot, ctx_for, qt_settings) -> None:
    clerk = ctx_for("clerk")
    dialog = PersonDialog(clerk)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    fill_registration(qtbot, dialog)
    dialog.document_number.setFocus()
    qtbot.keyClick(dialog.document_number, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.more_documents.add_button  # Tab reaches it from the number
    qtbot.keyClick(dialog.more_documents.add_button, Qt.Key.Key_Space)
    kind, number, _remove = dialog.more_documents.rows[0]
    assert QApplication.focusWidget() is kind
    kind.setCurrentIndex(kind.findData("co_ppt"))
    qtbot.keyClick(kind, Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is number
    type_into(qtbot, number, "1234567")
    click(qtbot, save_button(dialog))
    saved = dialog.result_record
    assert saved is not None
    assert [(d.document_type, d.number) for d in people.get_person(clerk, saved.id).documents] == [
        ("ve_cedula", "V-12.345.678"), ("co_ppt", "1234567")]


def test_editing_shows_the_documents_and_removing_one_saves_without_it(qtbot, ctx_for, qt_settings) -> None:
    clerk = ctx_for("clerk")
    saved = people.register_person(clerk, person_form(more_documents=[("co_ppt", "1234567"),
                                                                      ("co_salvoconducto", "SC2-00981")]))
    dialog = PersonDialog(clerk, people.get_person(clerk, saved.id))
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.more_documents.documents() == [("co_ppt", "1234567"), ("co_salvoconducto", "SC2-00981")]
    click(qtbot, dialog.more_documents.rows[0][2])
    click(qtbot, save_button(dialog))
    assert [d.number for d in people.get_person(clerk, saved.id).documents] == ["V-12.345.678", "SC2-00981"]


def test_the_record_lists_every_document_and_search_finds_the_second(qtbot, ctx_for, qt_settings) -> None:
    clerk = ctx_for("clerk")
    saved = people.register_person(clerk, person_form(more_documents=[("co_ppt", "1234567")]))
    section = PeopleSection(clerk)
    qtbot.addWidget(section)
    section.show()
    type_into(qtbot, section.search, "1234567")
    qtbot.waitUntil(lambda: section.panel.record is not None or section.model.rowCount() == 1)
    section.show_person(saved.id)
    text = section.panel.details.text()
    assert "Temporary Protection Permit (PPT) 1234567" in text and "V-12.345.678" in text
