"""Printing, one way for every document: the PDF Enlace makes, shown in Qt's print preview, sent to the printer
chosen in the system print dialog.

``print_pdf(parent, pdf, title, ctx)`` opens the preview (pages rendered with QtPdf) whose Print button opens
the system print dialog; "Guardar PDF" stays a separate action (``save_pdf``). A failure (no printer, a
printer that refuses the job) is said, kept in the status bar and audited like any failed job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, QSize
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QDialog, QWidget

from desktop.i18n import _
from desktop.services.core.context import AppContext

PRINT_DPI = 300  # pages are drawn as images at this resolution: sharp text, fast enough for a 20-page report


class PrintError(Exception):
    pass


class PdfPages:
    """A PDF held in memory as a QPdfDocument (the buffer must live as long as the document)."""

    def __init__(self, pdf: bytes, parent: QWidget | None = None) -> None:
        self.buffer = QBuffer(parent)
        self.buffer.setData(QByteArray(pdf))
        self.buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document = QPdfDocument(parent)
        self.document.load(self.buffer)

    def page_count(self) -> int:
        return self.document.pageCount()


def render_pages(document: QPdfDocument, printer: QPrinter) -> int:
    """Draw every page of ``document`` on ``printer``, scaled to the printable area. Returns the pages drawn."""
    painter = QPainter()
    if not painter.begin(printer):
        raise PrintError(_("The printer could not be used. Check that it is switched on and connected, or choose "
                           "another printer."))
    try:
        area = printer.pageLayout().paintRectPixels(printer.resolution())
        count = document.pageCount()
        for page in range(count):
            if page:
                printer.newPage()
            size = document.pagePointSize(page)  # in points (1/72 inch)
            scale = min(area.width() / size.width(), area.height() / size.height())
            target = QRectF(0, 0, size.width() * scale, size.height() * scale)
            pixels = QSize(int(size.width() / 72 * PRINT_DPI), int(size.height() / 72 * PRINT_DPI))
            painter.drawImage(target, document.render(page, pixels))
        return count
    finally:
        painter.end()


def _fail(parent: QWidget | None, ctx: AppContext | None, message: str) -> None:
    from desktop.ui.common import show_error
    from desktop.ui.job_status import job_monitor

    job_monitor().failed(ctx, "print", message)
    show_error(parent, message)


def print_document(parent: QWidget | None, document: QPdfDocument, title: str,
                   ctx: AppContext | None = None) -> bool:
    """The print preview of an open QPdfDocument; True when it was sent to a printer."""
    if document.pageCount() == 0:
        _fail(parent, ctx, _("There is nothing to print: the document has no pages."))
        return False
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setDocName(title)
    first = document.pagePointSize(0)
    if first.width() > first.height():
        from PySide6.QtGui import QPageLayout

        printer.setPageOrientation(QPageLayout.Orientation.Landscape)  # certificates are landscape
    dialog = QPrintPreviewDialog(printer, parent)
    dialog.setWindowTitle(_("Print: {title}").format(title=title))
    problems: list[str] = []
    printed: list[int] = []

    def paint(target: QPrinter) -> None:
        try:
            printed.append(render_pages(document, target))
        except PrintError as exc:
            problems.append(str(exc))

    dialog.paintRequested.connect(paint)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    if problems:
        _fail(parent, ctx, problems[-1])
        return False
    if accepted:
        from desktop.ui.job_status import job_monitor

        job_monitor().succeeded("print")
    return accepted


def print_pdf(parent: QWidget | None, pdf: bytes | Callable[[], bytes | None] | None, title: str,
              ctx: AppContext | None = None) -> bool:
    """Print PDF bytes (or what ``pdf()`` returns; None: nothing, its error was already shown)."""
    data = pdf() if callable(pdf) else pdf
    if data is None:
        return False
    pages = PdfPages(data, parent)
    try:
        return print_document(parent, pages.document, title, ctx)
    finally:
        pages.document.close()


def print_pdf_file(parent: QWidget | None, path: str | Path, title: str, ctx: AppContext | None = None) -> bool:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        _fail(parent, ctx, _("Cannot read {path}: {reason}").format(path=path, reason=exc.strerror))
        return False
    return print_pdf(parent, data, title, ctx)
