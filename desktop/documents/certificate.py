"""Certificates (constancias): landscape pages with a signed QR code. Data in, PDF out.

Speed for bulk printing: everything that is the same on every page of a course (border, logo,
office name, heading, signatures, captions) is drawn once into a form XObject and placed on each
page by reference; the QR code is one vector path (``desktop.documents.qr``, encoded by a compiled
encoder, possibly in another process beforehand: ``Page.qr``), not an image per page; streams
are Flate-compressed without ASCII85.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

NAVY = (0.13, 0.22, 0.36)
GOLD = (0.70, 0.56, 0.25)
FORM_NAME = "enlaceCertificateTemplate"


@dataclass(frozen=True)
class Signatory:
    name: str
    title: str = ""
    signature: bytes | None = None  # PNG or JPEG


@dataclass
class Layout:
    """What every page of a course's certificates shares. ``labels`` are translated captions with
    ``{number}``/``{code}`` placeholders: number, code, verify, revoked."""

    office_name: str
    logo: bytes | None
    heading: str
    signatories: Sequence[Signatory]
    labels: dict[str, str]
    page_size: str = "Letter"


@dataclass
class Page:
    number: str
    verification_code: str
    qr_text: str
    intro: str  # text before the name ("Se certifica que")
    holder_name: str
    body: str  # text after the name
    place_line: str
    revoked: bool = False
    revoked_text: str = ""
    extra: dict[str, str] = field(default_factory=dict)
    qr: object | None = None  # desktop.documents.qr.QrPath of qr_text, when already encoded (in parallel)


def page_size(name: str) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, LETTER, landscape

    return landscape(A4 if (name or "").upper() == "A4" else LETTER)


def qr_path(canvas, text: str, x: float, y: float, size: float) -> None:
    """Draw a full QR code of ``text`` as one vector path filling ``size`` points, quiet zone included."""
    from desktop.documents import qr

    qr.draw(canvas, qr.qr_path(text), x, y, size)


def _image(data: bytes | None):
    if not data:
        return None
    from reportlab.lib.utils import ImageReader

    try:
        reader = ImageReader(io.BytesIO(data))
        reader.getSize()
        return reader
    except Exception:  # a damaged image leaves its place empty rather than stopping the print run
        return None


def image_readable(data: bytes | None) -> bool:
    """Whether a logo or signature image can be drawn (an empty or damaged one leaves its place blank)."""
    return _image(data) is not None


def _fit_font(text: str, font: str, size: float, max_width: float, min_size: float) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    while size > min_size and stringWidth(text, font, size) > max_width:
        size -= 0.5
    return size


def _draw_template(c, layout: Layout, width: float, height: float) -> None:
    from reportlab.lib.units import cm
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from desktop.documents.fonts import BOLD, ITALIC, REGULAR

    # Border: a navy frame with a thin gold rule inside.
    c.setStrokeColorRGB(*NAVY)
    c.setLineWidth(3)
    c.rect(0.9 * cm, 0.9 * cm, width - 1.8 * cm, height - 1.8 * cm)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(0.8)
    c.rect(1.2 * cm, 1.2 * cm, width - 2.4 * cm, height - 2.4 * cm)

    logo = _image(layout.logo)
    if logo is not None:
        iw, ih = logo.getSize()
        h = 2.2 * cm
        w = min(h * iw / ih, 6 * cm)
        h = w * ih / iw
        c.drawImage(logo, 2.0 * cm, height - 2.0 * cm - h, w, h, mask="auto", preserveAspectRatio=True)
    c.setFillColorRGB(*NAVY)
    size = _fit_font(layout.office_name, BOLD, 13, width - 13 * cm, 8)
    c.setFont(BOLD, size)
    c.drawCentredString(width / 2, height - 2.6 * cm, layout.office_name)
    size = _fit_font(layout.heading, BOLD, 26, width - 6 * cm, 14)
    c.setFont(BOLD, size)
    c.drawCentredString(width / 2, height - 4.3 * cm, layout.heading)
    c.setStrokeColorRGB(*GOLD)
    c.setLineWidth(1.2)
    c.line(width / 2 - 5 * cm, height - 4.75 * cm, width / 2 + 5 * cm, height - 4.75 * cm)

    # Signatures along the bottom, leaving the right corner to the QR code.
    signers = list(layout.signatories)[:3]
    if signers:
        usable = width - 2.5 * cm - 6.5 * cm
        slot = usable / len(signers)
        base = 3.6 * cm
        for i, s in enumerate(signers):
            cx = 2.5 * cm + slot * (i + 0.5)
            line_w = min(slot - 0.8 * cm, 7 * cm)
            img = _image(s.signature)
            if img is not None:
                iw, ih = img.getSize()
                h = 1.7 * cm
                w = min(h * iw / ih, line_w)
                h = w * ih / iw
                c.drawImage(img, cx - w / 2, base + 0.05 * cm, w, h, mask="auto")
            c.setStrokeColorRGB(0.2, 0.2, 0.2)
            c.setLineWidth(0.6)
            c.line(cx - line_w / 2, base, cx + line_w / 2, base)
            c.setFillColorRGB(0.1, 0.1, 0.1)
            fs = _fit_font(s.name, BOLD, 10.5, line_w, 7)
            c.setFont(BOLD, fs)
            c.drawCentredString(cx, base - 0.5 * cm, s.name)
            if s.title:
                fs = _fit_font(s.title, ITALIC, 9, line_w, 6.5)
                c.setFont(ITALIC, fs)
                c.drawCentredString(cx, base - 0.95 * cm, s.title)
    c.setFillColorRGB(0.35, 0.35, 0.35)
    c.setFont(REGULAR, 6.5)
    hint = layout.labels.get("verify", "")
    if hint:
        from reportlab.lib.utils import simpleSplit

        # Under the QR code (which starts at 2.15 cm), inside the inner border (1.2 cm).
        for i, line in enumerate(simpleSplit(hint, REGULAR, 6.5, 5.4 * cm)[:3]):
            c.drawCentredString(width - 4.4 * cm, 1.85 * cm - i * 0.26 * cm, line)
    del stringWidth


def _paragraph_style():
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle

    from desktop.documents.fonts import REGULAR

    return ParagraphStyle("certificate-body", fontName=REGULAR, fontSize=14, leading=20.5, alignment=TA_CENTER,
                          textColor=(0.12, 0.12, 0.12))


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _draw_page(c, layout: Layout, page: Page, width: float, height: float, style) -> None:
    from reportlab.lib.units import cm
    from reportlab.lib.utils import simpleSplit

    from desktop.documents.fonts import BOLD, REGULAR

    c.doForm(FORM_NAME)
    margin = 3.0 * cm
    text_w = width - 2 * margin
    y = height - 6.3 * cm
    if page.intro:
        c.setFillColorRGB(0.12, 0.12, 0.12)
        c.setFont(REGULAR, 15)
        c.drawCentredString(width / 2, y, page.intro)
        y -= 1.45 * cm
    # The name: as large as fits on one line; a very long one goes on two lines.
    c.setFillColorRGB(*NAVY)
    size = _fit_font(page.holder_name, BOLD, 28, text_w, 17)
    lines = [page.holder_name]
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(page.holder_name, BOLD, size) > text_w:
        size = 17
        lines = simpleSplit(page.holder_name, BOLD, size, text_w)
    c.setFont(BOLD, size)
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= size * 1.2
    y -= 0.55 * cm
    if page.body:
        # Centred lines with simpleSplit: a Paragraph per page costs more and this text has no markup.
        c.setFillColorRGB(0.12, 0.12, 0.12)
        c.setFont(style.fontName, style.fontSize)
        y -= style.fontSize * 0.4
        for line in simpleSplit(page.body, style.fontName, style.fontSize, text_w - 1.0 * cm):
            c.drawCentredString(width / 2, y, line)
            y -= style.leading
        y -= 0.35 * cm
    if page.place_line:
        c.setFillColorRGB(0.2, 0.2, 0.2)
        c.setFont(REGULAR, 11)
        c.drawCentredString(width / 2, max(y - 0.2 * cm, 5.3 * cm), page.place_line)

    # Number, code and the QR code in the lower right corner.
    qr_size = 3.3 * cm
    qx, qy = width - 4.4 * cm - qr_size / 2, 2.15 * cm
    if page.qr is not None:
        from desktop.documents import qr

        qr.draw(c, page.qr, qx, qy, qr_size)
    else:
        qr_path(c, page.qr_text, qx, qy, qr_size)
    c.setFillColorRGB(0.15, 0.15, 0.15)
    c.setFont(BOLD, 8.5)
    c.drawCentredString(qx + qr_size / 2, qy + qr_size + 0.45 * cm,
                        layout.labels["number"].format(number=page.number))
    c.setFont(REGULAR, 8)
    c.drawCentredString(qx + qr_size / 2, qy + qr_size + 0.1 * cm,
                        layout.labels["code"].format(code=page.verification_code))

    if page.revoked:
        c.saveState()
        c.setFillColorRGB(0.78, 0.1, 0.1)
        c.setFillAlpha(0.55)
        c.translate(width / 2, height / 2)
        c.rotate(24)
        c.setFont(BOLD, 96)
        c.drawCentredString(0, -30, layout.labels["revoked"])
        c.restoreState()
        if page.revoked_text:
            c.setFillColorRGB(0.7, 0.05, 0.05)
            c.setFont(BOLD, 9)
            note = f"{layout.labels['revoked']} — {page.revoked_text}"
            for i, line in enumerate(simpleSplit(note, BOLD, 9, width - 4 * cm)[:2]):
                c.drawCentredString(width / 2, height - 1.65 * cm - i * 0.4 * cm, line)


class CertificateWriter:
    """One PDF of certificates, written page by page: ``add`` each page, then ``close``.

    What every page shares is drawn once as a form XObject. Nothing reaches ``out`` before
    ``close`` (ReportLab keeps the document in memory), so an abandoned writer leaves no file.
    """

    def __init__(self, layout: Layout, out: BinaryIO | str | os.PathLike[str]) -> None:
        from reportlab.pdfgen.canvas import Canvas

        from desktop.documents.fonts import register_fonts

        register_fonts()
        self.layout = layout
        self.width, self.height = page_size(layout.page_size)
        self._out = out
        c = Canvas(io.BytesIO(), pagesize=(self.width, self.height), pageCompression=1)
        c.setTitle(layout.heading)
        c.setAuthor(layout.office_name)
        c.beginForm(FORM_NAME)
        _draw_template(c, layout, self.width, self.height)
        c.endForm()
        self._canvas = c
        self._style = _paragraph_style()
        self.pages = 0

    def add(self, page: Page) -> None:
        _draw_page(self._canvas, self.layout, page, self.width, self.height, self._style)
        self._canvas.showPage()
        self.pages += 1

    def close(self) -> None:
        """Write the PDF to ``out``."""
        from reportlab import rl_config

        # Binary (Flate only) streams: ASCII85 would cost as much as drawing a page, for a bigger file.
        was, rl_config.useA85 = rl_config.useA85, 0
        try:
            data = self._canvas.getpdfdata()
        finally:
            rl_config.useA85 = was
        self._canvas = None
        if isinstance(self._out, (str, os.PathLike)):
            with open(self._out, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        else:
            self._out.write(data)

    def abandon(self) -> None:
        self._canvas = None


def render_certificates(layout: Layout, pages: Iterable[Page], out: BinaryIO,
                        progress: Callable[[int, int], None] | None = None, total: int | None = None) -> int:
    """Write the pages to ``out`` as one PDF; returns the page count. ``progress(done, total)`` after
    each page (it may raise ``Cancelled`` to stop)."""
    pages = list(pages)
    total = total or len(pages)
    writer = CertificateWriter(layout, out)
    for i, page in enumerate(pages, 1):
        writer.add(page)
        if progress:
            progress(i, total)
    writer.close()
    return len(pages)


def render_to_bytes(layout: Layout, pages: Iterable[Page]) -> bytes:
    buf = io.BytesIO()
    render_certificates(layout, pages, buf)
    return buf.getvalue()
