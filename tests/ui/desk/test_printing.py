"""Imprimir: every document goes through Qt's print preview to the printer chosen in the system dialog.

No printer in CI: the printer writes a PDF file (QPrinter's PdfFormat), whose pages are counted."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog, QPrintPreviewWidget
from PySide6.QtWidgets import QDialog

from desktop.services import people, referrals, training
from desktop.services.people import consent
from desktop.ui import printing
from tests.people.helpers import make_service, person_form
from tests.ui.foundation.conftest import click, modal


class _Signal:
    def __init__(self) -> None:
        self.slots = []

    def connect(self, slot) -> None:
        self.slots.append(slot)


def pdf_printer(monkeypatch, target: Path, *, accept: bool = True) -> list:
    """The person presses Print in the preview and chooses a PDF printer writing ``target``."""
    opened = []

    class PreviewThenPrint:
        def __init__(self, printer, parent=None):
            self.printer, self.paintRequested = printer, _Signal()
            opened.append(self)

        def setWindowTitle(self, title):
            self.title = title

        def exec(self):
            self.printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
            self.printer.setOutputFileName(str(target))
            if accept:
                for slot in self.paintRequested.slots:
                    slot(self.printer)
            return QDialog.DialogCode.Accepted if accept else QDialog.DialogCode.Rejected

    monkeypatch.setattr(printing, "QPrintPreviewDialog", PreviewThenPrint)
    return opened


def pages(path: Path) -> int:
    data = path.read_bytes()
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def pages_of(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.fixture
def clerk(ctx_for):
    return ctx_for("clerk")


def test_the_referral_slip_prints_from_the_preview(qtbot, clerk, ctx_for, tmp_path, monkeypatch,
                                                   qt_settings) -> None:
    from desktop.ui.referrals.section import ReferralPanel

    person = people.register_person(clerk, person_form())
    made = referrals.create_referral(clerk, referrals.ReferralForm(person.id, make_service(ctx_for("admin")),
                                                                   "health"))
    panel = ReferralPanel(clerk)
    qtbot.addWidget(panel)
    panel.show()
    panel.show_referral(made.id)
    target = tmp_path / "slip.pdf"
    opened = pdf_printer(monkeypatch, target)
    saved = []
    monkeypatch.setattr("desktop.ui.referrals.section.save_pdf", lambda *a: saved.append(a))
    click(qtbot, panel.slip_button)
    assert opened and opened[0].title == f"Print: Referral slip {made.number}"
    assert pages(target) == 1 and not saved  # printed, nothing asked about saving
    assert panel.save_slip_button.isVisible()


def test_the_consent_form_prints(qtbot, clerk, tmp_path, monkeypatch, qt_settings) -> None:
    from desktop.ui.people.section import PersonPanel

    person = people.register_person(clerk, person_form())
    panel = PersonPanel(clerk)
    qtbot.addWidget(panel)
    panel.show_person(person.id)
    target = tmp_path / "consent.pdf"
    pdf_printer(monkeypatch, target)
    panel.print_consent_form()
    assert pages(target) == pages_of(consent.consent_form_pdf(clerk, person.id)) >= 1


def test_the_attendance_sheet_prints(qtbot, ctx_for, tmp_path, monkeypatch, qt_settings) -> None:
    from desktop.ui.training.attendance import AttendancePanel
    from tests.training.helpers import make_course

    trainer = ctx_for("trainer")
    course = make_course(trainer, people=[("Ana", "Gómez", "1000", "F", "alcaldia", "")], sessions=1)
    panel = AttendancePanel(trainer)
    qtbot.addWidget(panel)
    panel.load(course.course_id)
    target = tmp_path / "sheet.pdf"
    pdf_printer(monkeypatch, target)
    assert panel.print_sheet()
    assert pages(target) == pages_of(training.attendance_sheet_pdf(trainer, course.course_id, 1))


def test_one_certificate_and_all_of_a_course_print(qtbot, ctx_for, tmp_path, monkeypatch, qt_settings) -> None:
    from desktop.services.training import certificates
    from desktop.ui.training.certificates import CertificatesPanel, IssueDialog
    from tests.training.helpers import give_office_logo, make_course

    trainer = ctx_for("trainer")
    people_ = [(f"Persona {i}", "Pérez", str(2_000 + i), "F", "alcaldia", "") for i in range(3)]
    course = make_course(trainer, people=people_, sessions=1)
    give_office_logo(trainer.db)
    all_target = tmp_path / "all.pdf"
    pdf_printer(monkeypatch, all_target)
    dialog = IssueDialog(trainer, course.course_id, course.code)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "constancias.pdf"))
    assert dialog.print_after.isChecked()
    with qtbot.waitSignal(dialog.finished, timeout=30_000):
        click(qtbot, dialog.start_button)
    assert pages(all_target) == 3

    panel = CertificatesPanel(trainer)
    qtbot.addWidget(panel)
    panel.load(course.course_id, course.code)
    panel.table.selectRow(0)
    one_target = tmp_path / "one.pdf"
    pdf_printer(monkeypatch, one_target)
    assert panel.print_selected()
    assert pages(one_target) == 1
    assert certificates.list_certificates(trainer, course.course_id)[0].print_count >= 2


def test_a_printer_that_refuses_is_said_and_kept_in_the_status_bar(qtbot, clerk, admin_ctx, monkeypatch,
                                                                  qt_settings) -> None:
    from desktop.services.security import audit
    from desktop.ui.job_status import job_monitor

    job_monitor().clear()
    said = []
    monkeypatch.setattr("desktop.ui.common.show_error", lambda parent, message: said.append(str(message)))

    def refuses(document, printer):
        raise printing.PrintError("The printer could not be used.")

    monkeypatch.setattr(printing, "render_pages", refuses)
    pdf_printer(monkeypatch, Path("/nonexistent/never.pdf"))
    person = people.register_person(clerk, person_form())
    assert not printing.print_pdf(None, consent.consent_form_pdf(clerk, person.id), "x", clerk)
    assert said == ["The printer could not be used."] and "print" in job_monitor().failures
    assert '"job": "print"' in audit.list_events(admin_ctx, audit.AuditFilter(action="job_failed"))[0].detail
    job_monitor().clear()


def test_the_real_preview_shows_every_page(qtbot, clerk, qt_settings) -> None:
    """Qt's own preview dialog, with its pages drawn by QtPdf (closed instead of printing)."""
    person = people.register_person(clerk, person_form())
    pdf = consent.consent_form_pdf(clerk, person.id)
    seen = []

    def look(dialog) -> None:
        assert isinstance(dialog, QPrintPreviewDialog)
        preview = dialog.findChild(QPrintPreviewWidget)
        qtbot.waitUntil(lambda: preview.pageCount() > 0, timeout=5000)
        seen.append(preview.pageCount())
        dialog.reject()

    modal(qtbot, look, lambda: printing.print_pdf(None, pdf, "consent", clerk))
    assert seen == [pages_of(pdf)]


def test_the_report_preview_tab_renders_when_shown(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.reports.section import ReportsSection
    from tests.reports import factories as f

    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        who = f.person(s, registered=f.local(date(2026, 11, 3)), birth_date=date(1990, 1, 3))
        f.referral(s, who, f.service(s), created=f.local(date(2026, 11, 3)), sent=f.local(date(2026, 11, 3)))
    screen = ReportsSection(ctx)
    qtbot.addWidget(screen)
    screen.show()
    screen.set_month(date(2026, 11, 1))
    click(qtbot, screen.update_button)
    qtbot.waitUntil(lambda: screen.worker is None and screen.report is not None, timeout=20_000)
    screen.pages.setCurrentIndex(1)  # the person clicks the "PDF preview" tab; no button
    qtbot.waitUntil(lambda: screen.pdf_document.pageCount() > 0, timeout=30_000)
