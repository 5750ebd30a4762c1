"""Printable attendance sheet of one training session: data in, PDF bytes out."""

from __future__ import annotations

import io
from dataclasses import dataclass, field


@dataclass(frozen=True)
class SheetRow:
    name: str
    document: str
    institution: str
    position: str


@dataclass
class SheetData:
    office_name: str
    logo: bytes | None
    course_code: str
    course_title: str
    session_label: str
    date: str
    times: str
    hours: float
    venue: str
    trainer: str
    topic: str
    code: str
    rows: list[SheetRow]
    labels: dict[str, str]  # translated captions: name, document, institution, position, signature, …
    page_size: str = "Letter"
    blank_rows: int = 5  # for people who came without being on the list
    extra: dict[str, str] = field(default_factory=dict)


def _hours(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def build_attendance_sheet(data: SheetData) -> bytes:
    """A landscape sheet: header with session details and the sheet code, one numbered row per
    participant with a wide signature column, blank rows at the end, page numbers."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import SimpleDocTemplate

    from desktop.documents.fonts import BOLD, REGULAR, register_fonts

    register_fonts()
    size = landscape(A4 if data.page_size.upper() == "A4" else LETTER)
    lab = data.labels
    small = ParagraphStyle("small", fontName=REGULAR, fontSize=8.5, leading=10.5)
    cell = ParagraphStyle("cell", fontName=REGULAR, fontSize=9, leading=11)
    head = ParagraphStyle("head", fontName=BOLD, fontSize=9, leading=11, textColor=colors.white)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=17)
    sub = ParagraphStyle("sub", fontName=REGULAR, fontSize=10, leading=13)

    def esc(text: str) -> str:
        return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        width, height = size
        if data.logo:
            try:
                reader = ImageReader(io.BytesIO(data.logo))
                iw, ih = reader.getSize()
                h = 1.4 * cm
                canvas.drawImage(reader, width - 1.5 * cm - h * iw / ih, height - 2.1 * cm, h * iw / ih, h,
                                 mask="auto")
            except Exception:  # a damaged logo must not stop the sheet
                pass
        canvas.setFont(REGULAR, 8)
        canvas.drawString(1.5 * cm, 1.0 * cm, f"{lab['code']}: {data.code}")
        canvas.drawRightString(width - 1.5 * cm, 1.0 * cm, lab["page"].format(page=doc.page, pages=doc.total_pages))
        canvas.restoreState()

    def make_story() -> list:
        return _story(data, size, esc, small, cell, head, title, sub)

    def build(pages: int | str) -> tuple[bytes, int]:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=size, leftMargin=1.5 * cm, rightMargin=1.5 * cm, topMargin=1.3 * cm,
                                bottomMargin=1.6 * cm, title=f"{lab['title']} {data.code}", author=data.office_name)
        doc.total_pages = pages
        doc.build(make_story(), onFirstPage=on_page, onLaterPages=on_page)
        return out.getvalue(), doc.page

    # Two passes so every page can say "page n of N".
    _first, pages = build("?")
    pdf, _n = build(pages)
    return pdf


def _story(data: SheetData, size, esc, small, cell, head, title, sub) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, Spacer, Table, TableStyle

    from desktop.documents.fonts import REGULAR

    lab = data.labels
    story = [Paragraph(esc(data.office_name), sub), Paragraph(esc(lab["title"]), title),
             Paragraph(f"<b>{esc(data.course_code)}</b> — {esc(data.course_title)}", sub), Spacer(1, 4)]
    details = [
        [Paragraph(f"<b>{esc(data.session_label)}</b>", small),
         Paragraph(f"<b>{esc(lab['date'])}:</b> {esc(data.date)}", small),
         Paragraph(f"<b>{esc(lab['time'])}:</b> {esc(data.times)}", small),
         Paragraph(f"<b>{esc(lab['hours'])}:</b> {_hours(data.hours)}", small)],
        [Paragraph(f"<b>{esc(lab['venue'])}:</b> {esc(data.venue)}", small),
         Paragraph(f"<b>{esc(lab['trainer'])}:</b> {esc(data.trainer)}", small),
         Paragraph(f"<b>{esc(lab['topic'])}:</b> {esc(data.topic)}", small),
         Paragraph(f"<b>{esc(lab['code'])}:</b> {esc(data.code)}", small)],
    ]
    avail = size[0] - 3 * cm
    dt = Table(details, colWidths=[avail * 0.22, avail * 0.30, avail * 0.30, avail * 0.18])
    dt.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F3F5F8"))]))
    story += [dt, Spacer(1, 8)]
    widths = [0.9 * cm, avail * 0.27, avail * 0.14, avail * 0.2, avail * 0.14]
    widths.append(avail - sum(widths))
    header = [Paragraph("#", head), Paragraph(esc(lab["name"]), head), Paragraph(esc(lab["document"]), head),
              Paragraph(esc(lab["institution"]), head), Paragraph(esc(lab["position"]), head),
              Paragraph(esc(lab["signature"]), head)]
    body = [header]
    for i, row in enumerate(data.rows, 1):
        body.append([str(i), Paragraph(esc(row.name), cell), Paragraph(esc(row.document), cell),
                     Paragraph(esc(row.institution), cell), Paragraph(esc(row.position), cell), ""])
    for i in range(data.blank_rows):
        body.append([str(len(data.rows) + i + 1), "", "", "", "", ""])
    table = Table(body, colWidths=widths, repeatRows=1, rowHeights=[None] + [0.95 * cm] * (len(body) - 1))
    table.setStyle(TableStyle([
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#2F4A6D")),
        ("FONTNAME", (0, 1), (0, -1), REGULAR), ("FONTSIZE", (0, 1), (0, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8A94A6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F7F8FA")]),
    ]))
    story += [table, Spacer(1, 28)]
    story.append(Table([["", ""], [lab["trainer_signature"] + (f": {data.trainer}" if data.trainer else ""), ""]],
                       colWidths=[8 * cm, avail - 8 * cm],
                       style=TableStyle([("LINEABOVE", (0, 1), (0, 1), 0.6, colors.black),
                                         ("FONTNAME", (0, 0), (-1, -1), REGULAR),
                                         ("FONTSIZE", (0, 0), (-1, -1), 9)])))

    return story
