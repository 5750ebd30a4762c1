"""The Directory screen as a clerk uses it: type to search, filter, read, edit, verify, import."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from desktop.i18n import set_language
from desktop.services import directory
from desktop.ui.directory.dialogs import ServiceDialog
from desktop.ui.directory.import_dialog import HsdsImportDialog, SheetImportDialog
from desktop.ui.directory.section import DirectorySection
from tests.directory.helpers import add_service, category, organization
from tests.ui.foundation.conftest import answer_message_box, click, modal, type_into

EXAMPLE = Path(__file__).parents[2] / "directory" / "data" / "hsds_example"


@pytest.fixture
def clerk(ctx_for):
    return ctx_for("clerk")


@pytest.fixture
def section(qtbot, clerk, qt_settings):
    org = organization(clerk, "Fundación Ayuda Mutua")
    add_service(clerk, org, "Atención psicológica")
    add_service(clerk, org, "Comedor comunitario", category_ids=[category("food")], city="Girón",
                accepts_referrals=False, description="Almuerzo diario")
    widget = DirectorySection(clerk)
    qtbot.addWidget(widget)
    widget.resize(1200, 700)
    widget.show()
    return widget


def shown(section) -> list[str]:
    return [row.name for row in section.model.rows]


def test_typing_narrows_the_list_without_accents_and_the_detail_reads_in_spanish(qtbot, clerk) -> None:
    set_language("es")
    org = organization(clerk)
    add_service(clerk, org, "Atención psicológica")
    add_service(clerk, org, "Orientación jurídica", category_ids=[category("legal")], description="Asesoría")
    widget = DirectorySection(clerk)
    qtbot.addWidget(widget)
    widget.show()
    assert shown(widget) == ["Atención psicológica", "Orientación jurídica"]
    type_into(qtbot, widget.search, "psicologico")
    qtbot.waitUntil(lambda: shown(widget) == ["Atención psicológica"], timeout=2000)
    html = widget.detail.toPlainText()
    assert "lunes a viernes, 8:00–12:00 y 14:00–17:00" in html
    assert "Calle 35 # 12-45" in html and "607 634 5678 (ext. 12)" in html
    assert "Por confirmar" in html
    assert widget.status.text() == "1 servicio; 1 por confirmar"


def test_filters_by_municipality_category_and_referrals(qtbot, section) -> None:
    section.municipality.setCurrentIndex(section.municipality.findText("Girón"))
    assert shown(section) == ["Comedor comunitario"]
    section.municipality.setCurrentIndex(0)
    click(qtbot, section.accepts)
    assert shown(section) == ["Atención psicológica"]
    click(qtbot, section.accepts)
    section.category.setCurrentIndex(section.category.findText("Alimentación"))
    assert shown(section) == ["Comedor comunitario"]


def test_mark_as_verified_clears_the_flag(qtbot, section) -> None:
    assert section.model.rows[0].stale
    click(qtbot, section.verify_button)
    assert not section.model.rows[0].stale
    assert "Verified on" in section.detail.toPlainText()


def test_new_service_dialog_validates_then_saves(qtbot, section, clerk) -> None:
    dialog = ServiceDialog(clerk, None, section)
    qtbot.addWidget(dialog)
    dialog.organization.setCurrentIndex(dialog.organization.findText("Fundación Ayuda Mutua"))
    type_into(qtbot, dialog.name, "Asesoría legal")
    type_into(qtbot, dialog.email, "correo-malo@")
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, lambda: click(qtbot, dialog.save_button))
    assert "correct the highlighted" in box.text
    assert dialog.email.property("invalid")
    assert dialog.result() == 0
    type_into(qtbot, dialog.email, "legal@ayuda.org")
    click(qtbot, dialog.save_button)
    assert dialog.saved_id is not None
    section.refresh()
    assert "Asesoría legal" in shown(section)


def test_editing_a_service_someone_else_changed_is_refused(qtbot, section, clerk, ctx_for) -> None:
    sid = section.model.rows[0].id
    dialog = ServiceDialog(clerk, sid, section)
    qtbot.addWidget(dialog)
    form, version = directory.load_service_form(ctx_for("admin"), sid)
    form.name = "Cambio de otra persona"
    directory.save_service(ctx_for("admin"), form, sid, version)
    type_into(qtbot, dialog.name, "Mi cambio")
    box = answer_message_box(QMessageBox.StandardButton.Ok)
    modal(qtbot, box, lambda: click(qtbot, dialog.save_button))
    assert "changed by admin" in box.text
    assert directory.service_summary(clerk, sid).name == "Cambio de otra persona"


def test_hsds_import_shows_a_preview_and_imports_only_when_asked(qtbot, section, clerk) -> None:
    dialog = HsdsImportDialog(clerk, str(EXAMPLE), section)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.read_button)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert dialog.view.rejects.rowCount() == 1
    assert dialog.view.rejects.item(0, 0).text() == "service_at_location.csv"
    assert dialog.view.rejects.item(0, 1).text() == "2"
    assert "taxonomy_detail" in dialog.view.messages.toPlainText()
    assert directory.search(clerk, "counselling") == []
    assert dialog.import_button.isEnabled()
    modal(qtbot, answer_message_box(QMessageBox.StandardButton.Ok), lambda: click(qtbot, dialog.import_button),
          timeout=10_000)
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=5000)
    assert [r.name for r in directory.search(clerk, "counselling")] == ["Community Counselling"]


def test_spreadsheet_import_guesses_columns_and_remembers_the_mapping(qtbot, section, clerk, tmp_path) -> None:
    from desktop.ui import settings

    sheet = tmp_path / "oferta.csv"
    sheet.write_text("Nombre de la entidad,Servicio,Teléfono,Horario\n"
                     "Cruz Roja,Primeros auxilios psicológicos,607 634 5678,Lunes a viernes 8 a 12\n",
                     encoding="utf-8")
    dialog = SheetImportDialog(clerk, str(sheet), section)
    qtbot.addWidget(dialog)
    dialog.show()
    click(qtbot, dialog.open_button)
    assert dialog.combos["service"].currentText() == "Servicio"
    assert dialog.combos["organization"].currentData() == -1  # "Nombre de la entidad" is not a known header
    dialog.combos["organization"].setCurrentIndex(dialog.combos["organization"].findText("Nombre de la entidad"))
    click(qtbot, dialog.check_button)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    assert settings.DIRECTORY_IMPORT_MAPPING.get()["organization"] == "Nombre de la entidad"
    modal(qtbot, answer_message_box(QMessageBox.StandardButton.Ok), lambda: click(qtbot, dialog.import_button),
          timeout=10_000)
    qtbot.waitUntil(lambda: dialog.result() == 1, timeout=5000)
    assert [r.organization_name for r in directory.search(clerk, "auxilios")] == ["Cruz Roja"]
    # Next time the same sheet opens with the remembered column.
    again = SheetImportDialog(clerk, str(sheet), section)
    qtbot.addWidget(again)
    click(qtbot, again.open_button)
    assert again.combos["organization"].currentText() == "Nombre de la entidad"


def test_booklet_and_export_run_in_the_background(qtbot, section, tmp_path) -> None:
    section.print_booklet(str(tmp_path / "directorio.pdf"))
    qtbot.waitUntil(lambda: not section.jobs.busy, timeout=20_000)
    assert (tmp_path / "directorio.pdf").read_bytes().startswith(b"%PDF")
    section.export_package(str(tmp_path / "paquete"))
    qtbot.waitUntil(lambda: not section.jobs.busy, timeout=20_000)
    assert (tmp_path / "paquete" / "services.csv").is_file()
    assert "Exported 22 files" in section.status.text()


def test_trainers_see_the_list_without_edit_buttons(qtbot, ctx_for, section) -> None:
    widget = DirectorySection(ctx_for("trainer"))
    qtbot.addWidget(widget)
    assert not widget.new_button.isVisibleTo(widget) and not widget.verify_button.isVisibleTo(widget)
    assert len(shown(widget)) == 2


def test_the_list_loads_further_pages_as_it_scrolls(qtbot, section, clerk, monkeypatch) -> None:
    from desktop.ui.directory import section as section_module

    monkeypatch.setattr(section_module, "PAGE", 1)
    section.hide()  # a visible view fetches on its own to fill its height
    section.run_search()
    assert len(section.model.rows) == 1 and section.model.total == 2
    assert section.model.canFetchMore(section.model.index(-1, -1))
    section.model.fetchMore(section.model.index(-1, -1))
    assert shown(section) == ["Atención psicológica", "Comedor comunitario"]


def test_the_directory_is_a_main_window_section_for_whoever_may_view_it() -> None:
    import importlib

    from desktop.services.core.permissions import Permission
    from desktop.ui.sections import SECTIONS

    [spec] = [s for s in SECTIONS if s.key == "directory"]
    assert spec.permission == Permission.VIEW_DIRECTORY
    module, name = spec.widget.split(":")
    assert getattr(importlib.import_module(module), name) is DirectorySection


def test_removing_a_service_asks_first_and_takes_it_off_the_list(qtbot, section, clerk) -> None:
    assert shown(section) == ["Atención psicológica", "Comedor comunitario"]
    section.table.selectRow(1)
    box = answer_message_box(QMessageBox.StandardButton.No)
    modal(qtbot, box, section.remove_action.trigger)
    assert "Comedor comunitario" in box.text and "keep it in their history" in box.text
    assert shown(section) == ["Atención psicológica", "Comedor comunitario"]
    section.table.selectRow(1)
    modal(qtbot, answer_message_box(QMessageBox.StandardButton.Yes), section.remove_action.trigger)
    assert shown(section) == ["Atención psicológica"]
    assert [row.name for row in directory.search(clerk, "comedor")] == []


def test_trainers_cannot_remove_services(qtbot, ctx_for) -> None:
    widget = DirectorySection(ctx_for("trainer"))
    qtbot.addWidget(widget)
    assert not hasattr(widget, "remove_action")
