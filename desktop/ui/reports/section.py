"""The Reports section: choose a period, read figures, tables and charts, preview, print and export.

Every computation runs in a :class:`~desktop.ui.worker.Worker` (the same service functions the
CLI calls), so the window stays responsive; the screen only shows what the services return.
"""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtSvgWidgets import QSvgWidget
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, current_locale, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.core.permissions import Permission
from desktop.services.reports import Period, Report, build_report
from desktop.services.reports import export as report_export
from desktop.services.reports.export import cell_text, figure_text, table_grid
from desktop.ui import settings
from desktop.ui.common import language_choices, show_error, show_info, shown_if
from desktop.ui.dates import DateField, dates_ok
from desktop.ui.job_status import track
from desktop.ui.worker import Worker

RANGE = "range"


def _month_label(first: date) -> str:
    from babel.dates import format_skeleton

    from desktop.i18n import current_locale

    text = format_skeleton("yMMMM", first, locale=current_locale())
    return text[:1].upper() + text[1:]


def recent_months(today: date, count: int = 36) -> list[date]:
    months, year, month = [], today.year, today.month
    for _i in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months


_fonts_loaded = False


def _load_chart_fonts() -> None:
    """The PDF's font (DejaVu Sans) for the charts on screen, once."""
    global _fonts_loaded
    if not _fonts_loaded:
        for path in report_export.chart_fonts():
            QFontDatabase.addApplicationFont(str(path))
        _fonts_loaded = True


class ExportDialog(QDialog):
    """Format, partner (anonymized) export and language of the file to write."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Export report"))
        form = QFormLayout(self)
        self.format = QComboBox()
        for code, label in (("pdf", _("PDF document")), ("xlsx", _("Excel workbook (XLSX)")),
                            ("csv", _("CSV (UTF-8)"))):
            self.format.addItem(label, code)
        self.anonymized = QCheckBox(_("Partner export: anonymized, small counts suppressed"))
        self.language = QComboBox()
        for code, name in language_choices():
            self.language.addItem(name, code)
        self.csv_dialect = QComboBox()  # the office's locale decides the default (es_CO writes 1,5)
        self.csv_dialect.addItem(_("Semicolons, decimal comma (Excel in Spanish)"), "excel-es")
        self.csv_dialect.addItem(_("Commas, decimal point"), "excel")
        self.csv_dialect.setCurrentIndex(0 if report_export.decimal_comma(current_locale()) else 1)
        self.format.currentIndexChanged.connect(
            lambda: self.csv_dialect.setEnabled(self.format.currentData() == "csv"))
        self.csv_dialect.setEnabled(False)
        form.addRow(_("Format"), self.format)
        form.addRow(_("CSV separators"), self.csv_dialect)
        form.addRow("", self.anonymized)
        form.addRow(_("Language of the report"), self.language)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class ReportsSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.report: Report | None = None
        self.worker: Worker | None = None
        self._pdf_bytes: bytes | None = None

        # Period picker.
        self.month = QComboBox()
        self.month.setObjectName("report_month")
        for first in recent_months(office_today()):
            self.month.addItem(_month_label(first), first)
        self.month.addItem(_("Date range…"), RANGE)
        self.date_from = DateField(office_today() - timedelta(days=30))
        self.date_to = DateField(office_today())
        self.date_from.setObjectName("report_from")
        self.date_to.setObjectName("report_to")
        self.range_box = QWidget()
        rl = QHBoxLayout(self.range_box)
        rl.setContentsMargins(0, 0, 0, 0)
        from_label = QLabel(_("&From:"))
        from_label.setBuddy(self.date_from.edit)
        to_label = QLabel(_("&To:"))
        to_label.setBuddy(self.date_to.edit)
        rl.addWidget(from_label)
        rl.addWidget(self.date_from)
        rl.addWidget(to_label)
        rl.addWidget(self.date_to)
        # "From" after "To": said right under the fields (the row is full at 1024 px), not in a dialog.
        self.range_error = QLabel()
        self.range_error.setObjectName("report_range_error")
        self.range_error.setStyleSheet("color: #c62828;")
        self.range_error.setVisible(False)
        self.range_box.setVisible(False)
        self.month.currentIndexChanged.connect(self._period_kind_changed)
        for field in (self.date_from, self.date_to):
            field.dateChanged.connect(lambda _d: self._check_range())
            field.edit.returnPressed.connect(self.run)  # Enter in a date shows the report

        self.update_button = QPushButton(_("&Show report"))
        self.update_button.setObjectName("report_update")
        self.update_button.clicked.connect(self.run)
        self.preview_button = QPushButton(_("PDF preview"))
        self.preview_button.clicked.connect(self.preview)
        self.print_button = QPushButton(_("Print…"))
        self.print_button.clicked.connect(self.print_report)
        self.export_button = QPushButton(_("Export…"))
        self.export_button.clicked.connect(self.export)
        shown_if(self.export_button, ctx.can(Permission.EXPORT_REPORTS))
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        self.progress.setMaximumWidth(160)
        self.cancel_button = QPushButton(_("Cancel"))
        self.cancel_button.setVisible(False)
        self.cancel_button.clicked.connect(self.cancel)

        top = QHBoxLayout()
        top.addWidget(QLabel(_("Period")))
        top.addWidget(self.month)
        top.addWidget(self.range_box)
        top.addWidget(self.update_button)
        top.addStretch(1)
        top.addWidget(self.preview_button)
        top.addWidget(self.print_button)
        top.addWidget(self.export_button)

        self.status = QLabel(_("Choose a period and press Show report."))
        self.status.setObjectName("report_status")
        self.figures = QTableWidget(0, 2)
        self.figures.setObjectName("report_figures")
        self.figures.setHorizontalHeaderLabels([_("Figure"), _("Value")])
        self.figures.verticalHeader().setVisible(False)
        self.figures.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.figures.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)

        self.tables = QTabWidget()
        self.tables.setObjectName("report_tables")
        self.tables.currentChanged.connect(self._show_chart)
        # The chart is the PDF's own drawing (ReportLab), shown as SVG: screen and paper look the same.
        _load_chart_fonts()
        self.chart_view = QSvgWidget()
        self.chart_view.setObjectName("report_chart")
        self.chart_view.setStyleSheet("background: white")  # as on paper
        self.chart_view.setMinimumHeight(220)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.tables)
        right.addWidget(self.chart_view)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 2)
        right.setSizes([420, 300])
        body = QSplitter()
        body.addWidget(self.figures)
        body.addWidget(right)
        body.setStretchFactor(1, 3)
        body.setSizes([340, 900])

        self.pdf_document = QPdfDocument(self)
        self.pdf_view = QPdfView()
        self.pdf_view.setDocument(self.pdf_document)
        self.pdf_view.setPageMode(QPdfView.PageMode.MultiPage)
        self.pdf_view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.pages = QTabWidget()
        self.pages.addTab(body, _("Figures and tables"))
        self.pages.addTab(self.pdf_view, _("PDF preview"))
        self.pages.currentChanged.connect(self._page_shown)  # the preview renders when shown, not on a button

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.range_error, 0, Qt.AlignmentFlag.AlignLeft)
        # The progress sits on the status line: on the full top row (a date range at 1024 px) it would
        # widen the window while a report runs, and the window would stay wider than the screen.
        status_row = QHBoxLayout()
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.progress)
        status_row.addWidget(self.cancel_button)
        layout.addLayout(status_row)
        layout.addWidget(self.pages, 1)
        self._set_busy(False)

    # -- period --------------------------------------------------------------------------------

    def _period_kind_changed(self, _index: int) -> None:
        is_range = self.month.currentData() == RANGE
        self.range_box.setVisible(is_range)
        if not is_range:
            self.range_error.setVisible(False)

    def _check_range(self) -> bool:
        """From ≤ to, or the message beside the fields (True: the range is usable)."""
        first, last = self.date_from.value(), self.date_to.value()
        wrong = first is not None and last is not None and last < first
        self.range_error.setText(_("The period ends before it starts.") if wrong else "")
        self.range_error.setVisible(wrong)
        return not wrong

    def period(self) -> Period:
        data = self.month.currentData()
        if data == RANGE:
            return Period.between(self.date_from.value(), self.date_to.value())
        return Period.month(f"{data:%Y-%m}")

    def set_month(self, first: date) -> None:
        index = self.month.findData(first)
        if index < 0:
            self.month.insertItem(0, _month_label(first), first)
            index = 0
        self.month.setCurrentIndex(index)

    # -- running jobs --------------------------------------------------------------------------

    def _set_busy(self, busy: bool) -> None:
        self.progress.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.update_button.setEnabled(not busy)
        has = self.report is not None and not busy
        for button in (self.preview_button, self.print_button, self.export_button):
            button.setEnabled(has)

    def _start(self, job, *args, on_done, kind: str | None = None, **kwargs) -> None:
        worker = Worker(job, *args, **kwargs)
        if kind is not None:
            track(worker, self.ctx, kind)
        self.worker = worker
        self._on_done = on_done
        # Bound methods of this widget: Qt delivers them on the GUI thread (queued), never a lambda.
        worker.progress.connect(self._worker_progress)
        worker.finished.connect(self._worker_finished)
        worker.failed.connect(self._worker_failed)
        worker.cancelled.connect(self._worker_cancelled)
        self._set_busy(True)
        worker.start()

    def _worker_progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _end_worker(self) -> None:
        if self.worker is not None:
            self.worker.wait()
        self.worker = None
        self._set_busy(False)

    def _worker_finished(self, result) -> None:
        self._end_worker()
        self._on_done(result)
        self._set_busy(False)

    def _worker_failed(self, message: str) -> None:
        self._end_worker()
        self.status.setText(message)
        show_error(self, message)

    def _worker_cancelled(self) -> None:
        self._end_worker()
        self.status.setText(_("Cancelled."))

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def run(self) -> None:
        if self.month.currentData() == RANGE and not (dates_ok(self.range_box) and self._check_range()):
            if self.range_error.isVisible():
                self.date_to.edit.setFocus()
                self.date_to.edit.selectAll()
            return
        try:
            period = self.period()
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.status.setText(_("Computing the report for {period}…").format(period=period.label()))
        self._start(build_report, self.ctx, period, on_done=self._show)

    # -- showing -------------------------------------------------------------------------------

    def _show(self, report: Report) -> None:
        self.report = report
        self._pdf_bytes = None
        self.pdf_document.close()
        if self.pages.currentIndex() == 1:  # the preview is on screen: it shows the new period at once
            self._with_pdf(lambda: None)
        self.status.setText(_("{office} · {period}").format(office=report.office_name, period=report.period_label))
        rows = []
        for section in report.sections:
            if not section.figures:
                continue
            rows.append((section.title, "", True))
            rows += [(f"   {f.label}", figure_text(report, f), False) for f in section.figures]
        self.figures.setRowCount(len(rows))
        for i, (label, value, heading) in enumerate(rows):
            left, right = QTableWidgetItem(label), QTableWidgetItem(value)
            right.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if heading:
                font = left.font()
                font.setBold(True)
                left.setFont(font)
            self.figures.setItem(i, 0, left)
            self.figures.setItem(i, 1, right)
        self.figures.resizeColumnToContents(1)
        self.tables.blockSignals(True)
        self.tables.clear()
        for table in report.tables():
            header, grid = table_grid(report, table)
            view = QTableWidget(len(grid), len(header) - 1)
            view.setHorizontalHeaderLabels(header[1:])
            view.setVerticalHeaderLabels([str(r[0]) for r in grid])
            view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            for i, row in enumerate(grid):
                for j, value in enumerate(row[1:]):
                    item = QTableWidgetItem(cell_text(value))
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    view.setItem(i, j, item)
            view.setToolTip(table.note)
            view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
            self.tables.addTab(view, table.title)
        self.tables.blockSignals(False)
        self._show_chart(self.tables.currentIndex())

    def _show_chart(self, index: int) -> None:
        tables = list(self.report.tables()) if self.report else []
        svg = None
        if 0 <= index < len(tables) and self.report is not None:
            svg = report_export.chart_svg(self.report, tables[index].key)
        self.chart_view.load(QByteArray(svg or b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>'))
        self.chart_view.renderer().setAspectRatioMode(Qt.AspectRatioMode.KeepAspectRatio)  # load() resets it
        self.chart_view.setToolTip(tables[index].title if svg else "")

    # -- PDF, printing, export -----------------------------------------------------------------

    def _with_pdf(self, then) -> None:
        if self._pdf_bytes is not None:
            then()
            return
        report = self.report

        def job(progress, cancelled):
            return report_export.preview_pdf(self.ctx, report)

        self.status.setText(_("Preparing the PDF…"))
        self._start(job, on_done=lambda data: (self._load_pdf(data), then()))

    def _load_pdf(self, data: bytes) -> None:
        self._pdf_bytes = data
        self._pdf_buffer = QBuffer(self)
        self._pdf_buffer.setData(QByteArray(data))
        self._pdf_buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.pdf_document.load(self._pdf_buffer)
        self.status.setText(_("{office} · {period}").format(office=self.report.office_name,
                                                           period=self.report.period_label))

    def _page_shown(self, index: int) -> None:
        if index == 1 and self.report is not None and self._pdf_bytes is None and self.worker is None:
            self._with_pdf(lambda: None)

    def preview(self) -> None:
        if self.report is not None:
            self._with_pdf(lambda: self.pages.setCurrentIndex(1))

    def print_report(self) -> None:
        if self.report is not None:
            self._with_pdf(self._print)

    def _print(self) -> None:
        """Imprimir: the print preview (Qt's print support), whose Print button opens the system dialog."""
        from desktop.ui.printing import print_document

        print_document(self, self.pdf_document, _("Report {period}").format(period=self.report.period_label),
                       self.ctx)

    def export(self) -> None:
        if self.report is None:
            return
        dialog = ExportDialog(self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        fmt = dialog.format.currentData()
        period = self.report.period
        suggested = f"{self.report.office_code}-{period.key}{'-anon' if dialog.anonymized.isChecked() else ''}.{fmt}"
        folder = settings.LAST_EXPORT_DIR.get()
        path, _filter = QFileDialog.getSaveFileName(self, _("Export report"),
                                                    f"{folder}/{suggested}" if folder else suggested,
                                                    f"{fmt.upper()} (*.{fmt})")
        if not path:
            return
        if not path.lower().endswith(f".{fmt}"):
            path += f".{fmt}"
        from pathlib import Path

        settings.LAST_EXPORT_DIR.set(str(Path(path).parent))
        self.status.setText(_("Writing {path}…").format(path=path))
        self._start(report_export.export_report, self.ctx, period, fmt, path,
                    anonymized=dialog.anonymized.isChecked(), language=dialog.language.currentData(),
                    csv_dialect=dialog.csv_dialect.currentData(), kind="export", on_done=self._written)

    def _written(self, written) -> None:
        self.status.setText(_("Report written: {path}").format(path=written))
        show_info(self, _("Report written: {path}").format(path=written))

    def refresh(self) -> None:
        """Called when the section is shown: nothing runs until the person asks for a period."""


