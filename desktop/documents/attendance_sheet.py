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


def fit_size(text: str, font: str, size: float, width: float, smallest: float = 6.0) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width`` on one line (``smallest`` at least)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    natural = stringWidth(text, font, size)
    return size if natural <= width else max(smallest, size * width / natural)


def ellipsize(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" so that it fits ``width`` on one line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _esc(text: str) -> str:
    return (text or "").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def build_attendance_sheet(data: SheetData) -> bytes:
    """A landscape sheet: header with session details and the sheet code, one numbered row per
    participant with a wide signature column, blank rows at the end, page numbers. Every text wraps
    inside its cell (long values in a smaller type); the sheet code is always printed on one line;
    a long list flows onto more pages, each with the column headings, the course and the code."""
    from reportlab.lib.pagesizes import A4, LETTER, landscape
    from reportlab.lib.units import cm
    from reportlab.platypus import SimpleDocTemplate

    from desktop.documents.fonts import REGULAR, register_fonts

    register_fonts()
    size = landscape(A4 if data.page_size.upper() == "A4" else LETTER)
    lab = data.labels
    margin = 1.5 * cm

    def on_page(canvas, doc) -> None:
        canvas.saveState()
        width, height = size
        canvas.setFont(REGULAR, 8)
        page_text = lab["page"].format(page=doc.page, pages=doc.total_pages)
        page_w = canvas.stringWidth(page_text, REGULAR, 8)
        canvas.drawRightString(width - margin, 1.0 * cm, page_text)
        code_text = f"{lab['code']}: {data.code}"
        room = width - 2 * margin - page_w - 12
        canvas.setFont(REGULAR, fit_size(code_text, REGULAR, 8, room, 4))
        canvas.drawString(margin, 1.0 * cm, code_text)
        if doc.page > 1:  # which course these rows belong to, in full on the first page
            running = f"{data.session_label} · {data.course_code} — {data.course_title}"
            canvas.setFont(REGULAR, 8)
            canvas.drawString(margin, height - 0.85 * cm, ellipsize(running, REGULAR, 8, width - 2 * margin))
        canvas.restoreState()

    def build(pages: int | str) -> tuple[bytes, int]:
        out = io.BytesIO()
        doc = SimpleDocTemplate(out, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=1.3 * cm,
                                bottomMargin=1.6 * cm, title=f"{lab['title']} {data.code}", author=data.office_name)
        doc.total_pages = pages
        doc.build(_story(data, size[0] - 2 * margin - 12), onFirstPage=on_page, onLaterPages=on_page)
        return out.getvalue(), doc.page

    # Two passes so every page can say "page n of N".
    _first, pages = build("?")
    pdf, _n = build(pages)
    return pdf


def _styles():
    from reportlab.lib import colors
    from reportlab.lib.styles import ParagraphStyle

    from desktop.documents.fonts import BOLD, REGULAR

    return {
        "small": ParagraphStyle("small", fontName=REGULAR, fontSize=8.5, leading=10.5),
        "cells": [ParagraphStyle(f"cell{size}", fontName=REGULAR, fontSize=size, leading=size * 1.22)
                  for size in (9, 8, 7)],
        "num": ParagraphStyle("num", fontName=REGULAR, fontSize=8, leading=10, alignment=1),
        "head": ParagraphStyle("head", fontName=BOLD, fontSize=9, leading=11, textColor=colors.white),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=14, leading=17),
        "sub": ParagraphStyle("sub", fontName=REGULAR, fontSize=10, leading=13),
        "extra": ParagraphStyle("extra", fontName=BOLD, fontSize=8.5, leading=10.5, textColor="#2F4A6D"),
    }


CELL_PADDING = 3  # ReportLab's default left/right padding of a table cell


def _cell(text: str, width: float, styles: list, max_lines: int = 3):
    """A wrapped cell; a value that would take more than ``max_lines`` lines goes in a smaller type."""
    from reportlab.platypus import Paragraph

    inner = width - 2 * CELL_PADDING
    for style in styles:
        para = Paragraph(_esc(text), style)
        _w, height = para.wrap(inner, 10_000)
        if height <= style.leading * max_lines + 0.1:
            return para
    return para


def _logo(logo: bytes | None, height: float):
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image

    if not logo:
        return None
    try:
        iw, ih = ImageReader(io.BytesIO(logo)).getSize()
        return Image(io.BytesIO(logo), width=height * iw / ih, height=height)
    except Exception:  # a damaged logo must not stop the sheet
        return None


def _story(data: SheetData, avail: float) -> list:
    from reportlab.lib import colors
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, Spacer, Table, TableStyle

    from desktop.documents.fonts import BOLD

    lab, st = data.labels, _styles()
    esc = _esc
    texts = [Paragraph(esc(data.office_name), st["sub"]), Paragraph(esc(lab["title"]), st["title"]),
             Paragraph(f"<b>{esc(data.course_code)}</b> — {esc(data.course_title)}", st["sub"])]
    logo = _logo(data.logo, 1.4 * cm)
    if logo is not None:
        logo_w = min(logo.drawWidth, 6 * cm) + 8
        top = Table([[texts, logo]], colWidths=[avail - logo_w, logo_w])
        top.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                 ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                                 ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        story: list = [top]
    else:
        story = list(texts)
    story.append(Spacer(1, 4))

    def detail(label: str, value: str) -> object:
        return Paragraph(f"<b>{esc(label)}:</b> {esc(value)}", st["small"])

    code_text = f"{lab['code']}: {data.code}"
    code_size = fit_size(code_text, BOLD, 10, avail - 2 * CELL_PADDING)
    details = [
        [Paragraph(f"<b>{esc(data.session_label)}</b>", st["small"]), detail(lab["date"], data.date),
         detail(lab["time"], data.times), detail(lab["hours"], _hours(data.hours))],
        [detail(lab["venue"], data.venue), detail(lab["trainer"], data.trainer), detail(lab["topic"], data.topic),
         ""],
        # The code on a line of its own, the whole width: it is never split.
        [Paragraph(f"<font name='{BOLD}' size='{code_size:.2f}'>{esc(code_text)}</font>", st["small"]), "", "", ""],
    ]
    dt = Table(details, colWidths=[avail * 0.22, avail * 0.30, avail * 0.30, avail * 0.18])
    dt.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                            ("SPAN", (2, 1), (3, 1)), ("SPAN", (0, 2), (3, 2)),
                            ("LINEABOVE", (0, 2), (-1, 2), 0.3, colors.grey),
                            ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F3F5F8"))]))
    story += [dt, Spacer(1, 8)]

    widths = [0.9 * cm, avail * 0.25, avail * 0.14, avail * 0.21, avail * 0.15]
    widths.append(avail - sum(widths))
    header = [Paragraph("#", st["head"])] + [Paragraph(esc(lab[key]), st["head"]) for key in
                                             ("name", "document", "institution", "position", "signature")]
    row_min = Spacer(1, 0.95 * cm - 6)  # room to sign, however short the row's texts
    body = [header]
    for i, row in enumerate(data.rows, 1):
        values = (row.name, row.document, row.institution, row.position)
        body.append([Paragraph(str(i), st["num"])]
                    + [_cell(value, width, st["cells"]) for value, width in zip(values, widths[1:5], strict=True)]
                    + [row_min])
    style = [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#2F4A6D")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8A94A6")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#F7F8FA")]),
    ]
    if data.blank_rows:
        caption = len(body)
        body.append([Paragraph(esc(lab.get("extra", "")), st["extra"]), "", "", "", "", ""])
        style += [("SPAN", (0, caption), (-1, caption)),
                  ("BACKGROUND", (0, caption), (-1, caption), colors.HexColor("#E4E9F0"))]
        for i in range(data.blank_rows):
            body.append([Paragraph(str(len(data.rows) + i + 1), st["num"]), "", "", "", "", row_min])
    table = Table(body, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle(style))
    story += [table, Spacer(1, 28)]
    signer = lab["trainer_signature"] + (f": {data.trainer}" if data.trainer else "")
    story.append(KeepTogether([Table([["", ""], [Paragraph(esc(signer), st["cells"][0]), ""]],
                                     colWidths=[9 * cm, avail - 9 * cm],
                                     style=TableStyle([("LINEABOVE", (0, 1), (0, 1), 0.6, colors.black),
                                                       ("LEFTPADDING", (0, 0), (-1, -1), 0)]))]))
    return story
