"""The Reports screen: pick a month, see the figures, preview the PDF and export without freezing."""

from __future__ import annotations

import json
import tempfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtWidgets import QDialog, QFileDialog

from desktop.services.security.audit import list_events
from desktop.ui.reports import section as reports_ui
from desktop.ui.reports.section import ExportDialog, ReportsSection
from tests.reports import factories as f


@pytest.fixture
def screen(qtbot, ctx_for, qt_settings):
    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        svc = f.service(s)
        for day in (3, 4, 5):
            who = f.person(s, registered=f.local(date(2026, 11, day)), birth_date=date(1990, 1, day))
            f.referral(s, who, svc, created=f.local(date(2026, 11, day)), sent=f.local(date(2026, 11, day)))
    widget = ReportsSection(ctx)
    qtbot.addWidget(widget)
    widget.set_month(date(2026, 11, 1))
    return widget


def _run(qtbot, widget: ReportsSection) -> None:
    qtbot.mouseClick(widget.update_button, reports_ui.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: widget.worker is None and widget.report is not None, timeout=20_000)


def test_showing_a_month_fills_figures_and_tables(qtbot, screen):
    _run(qtbot, screen)
    texts = {screen.figures.item(i, 0).text().strip(): screen.figures.item(i, 1).text()
             for i in range(screen.figures.rowCount())}
    assert texts["People served"] == "3" and texts["Referrals made"] == "3"
    assert screen.tables.count() == len(list(screen.report.tables()))
    assert screen.tables.tabText(0) == "People served: new and returning, by sex"
    assert screen.export_button.isEnabled() and screen.preview_button.isEnabled()
    # The chart is the PDF's own ReportLab drawing, shown as SVG.
    assert screen.chart_view.renderer().isValid() and screen.chart_view.renderer().defaultSize().width() > 100
    screen.chart_view.resize(600, 300)
    image = screen.chart_view.grab().toImage()
    colours = {image.pixelColor(x, y).getRgb()[:3] for x in range(0, image.width(), 5)
               for y in range(0, image.height(), 5)}
    assert any(abs(r - 0x1F) + abs(g - 0x5F) + abs(b - 0x8B) < 24 for r, g, b in colours)  # the PDF's first blue


def test_pdf_preview_loads_in_the_window(qtbot, screen):
    _run(qtbot, screen)
    screen.preview()
    qtbot.waitUntil(lambda: screen.pdf_document.pageCount() > 1, timeout=30_000)
    assert screen.pages.currentIndex() == 1


def test_export_writes_the_file_and_an_audit_event(qtbot, screen, tmp_path, monkeypatch, ctx_for):
    _run(qtbot, screen)
    target = tmp_path / "noviembre.xlsx"

    def accept(dialog):
        dialog.format.setCurrentIndex(dialog.format.findData("xlsx"))
        dialog.anonymized.setChecked(True)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(ExportDialog, "exec", accept)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    monkeypatch.setattr(reports_ui, "show_info", lambda *a, **k: None)
    screen.export()
    qtbot.waitUntil(lambda: screen.worker is None and target.exists(), timeout=30_000)
    book = openpyxl.load_workbook(target)
    assert "Figures" in book.sheetnames or "Cifras" in book.sheetnames
    event = list_events(ctx_for("admin"))[0]
    assert event.action == "export" and json.loads(event.detail)["format"] == "xlsx"
    assert json.loads(event.detail)["anonymized"] is True


def test_a_range_that_ends_before_it_starts_is_refused_beside_the_fields(qtbot, screen, monkeypatch):
    shown = []
    monkeypatch.setattr(reports_ui, "show_error", lambda parent, error: shown.append(str(error)))
    screen.show()
    screen.month.setCurrentIndex(screen.month.findData(reports_ui.RANGE))
    screen.date_from.set_value(date(2026, 11, 20))
    screen.date_to.set_value(date(2026, 11, 1))
    screen.run()
    assert not shown and screen.worker is None  # no dialog, no job
    assert screen.range_error.isVisible() and "ends before it starts" in screen.range_error.text()
    screen.date_to.set_value(date(2026, 11, 30))
    assert not screen.range_error.isVisible()


def test_a_custom_range_typed_by_keyboard_sets_the_figures_period(qtbot, screen):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    from desktop.i18n import set_language

    set_language("es", "es_CO")  # dd/mm/aaaa, "&Desde:" and "&Hasta:"
    screen = ReportsSection(screen.ctx)
    qtbot.addWidget(screen)
    screen.resize(1024, 700)
    screen.show()
    screen.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is screen.window(), timeout=2000)
    screen.month.setFocus()
    qtbot.keyClick(screen.month, Qt.Key.Key_End)  # the last choice: "Date range…"
    assert screen.range_box.isVisible()
    qtbot.keyClick(screen.month, Qt.Key.Key_D, Qt.KeyboardModifier.AltModifier)  # "&Desde:"
    assert screen.date_from.edit.hasFocus()
    screen.date_from.edit.selectAll()
    qtbot.keyClicks(screen.date_from.edit, "04/11/2026")
    qtbot.keyClick(screen.date_from.edit, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)  # "&Hasta:"
    assert screen.date_to.edit.hasFocus()
    screen.date_to.edit.selectAll()
    qtbot.keyClicks(screen.date_to.edit, "05/11/2026")
    qtbot.keyClick(screen.date_to.edit, Qt.Key.Key_Return)  # Enter shows the report
    qtbot.waitUntil(lambda: screen.worker is None and screen.report is not None, timeout=20_000)
    assert (screen.report.period.first_day, screen.report.period.last_day) == (date(2026, 11, 4), date(2026, 11, 5))
    texts = {screen.figures.item(i, 0).text().strip(): screen.figures.item(i, 1).text()
             for i in range(screen.figures.rowCount())}
    assert texts["Personas atendidas"] == "2" and texts["Remisiones realizadas"] == "2"  # the 4th and 5th only
    screen.resize(1024, 768)
    screen.grab().save(str(Path(tempfile.gettempdir()) / "desk_report_range.png"))
    assert screen.width() <= 1024


def test_a_running_report_does_not_widen_the_window_past_1024(qtbot, screen):
    """The progress bar and Cancel appear while a report runs: with a date range in Spanish (the fullest
    top row) they must not push the section past 1024 px, or the window grows off the screen and stays so."""
    from desktop.i18n import set_language

    set_language("es", "es_CO")
    screen = ReportsSection(screen.ctx)
    qtbot.addWidget(screen)
    screen.month.setCurrentIndex(screen.month.findData(reports_ui.RANGE))
    screen.resize(1024, 768)
    screen.show()
    screen._set_busy(True)
    assert screen.progress.isVisibleTo(screen) and screen.cancel_button.isVisibleTo(screen)
    assert screen.minimumSizeHint().width() <= 1024
    screen.layout().activate()
    assert screen.width() <= 1024
    screen._set_busy(False)


def test_printing_sends_every_page_to_the_chosen_printer(qtbot, screen, tmp_path, monkeypatch):
    from tests.ui.desk.test_printing import pdf_printer

    _run(qtbot, screen)
    target = tmp_path / "printed.pdf"
    pdf_printer(monkeypatch, target)
    screen.print_report()
    qtbot.waitUntil(lambda: target.exists() and target.stat().st_size > 10_000, timeout=30_000)
    assert target.read_bytes().count(b"/Type /Page") - target.read_bytes().count(b"/Type /Pages") == \
        screen.pdf_document.pageCount()
