"""The referral slip (hoja de remisión) the person carries to the service: data in, PDF bytes out."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

from desktop.documents.fonts import BOLD, REGULAR, register_fonts
from desktop.i18n import _, format_date

HALF_LETTER = (5.5 * 72, 8.5 * 72)


@dataclass
class SlipData:
    office_name: str
    office_municipality: str
    logo: bytes | None
    number: str
    issued_on: date
    person_name: str | None  # None: consent does not allow sharing it
    person_document: str | None
    service_name: str
    organization: str
    address: str
    hours: list[str]
    phone: str
    reason: str
    reason_detail: str
    urgency: str
    clerk_name: str
    follow_up_on: date | None
    qr_text: str
    check_code: str
    page: str = "Letter"  # "Letter", "A4" or "half-letter"
    extra: dict = field(default_factory=dict)
    office_phone: str = ""  # "" where the office has set none: the slip prints no empty "Tel.:"
    office_address: str = ""


def office_lines(municipality: str, address: str = "", phone: str = "") -> list[str]:
    """The lines under the office name: its address, municipality and phone, leaving out the empty ones."""
    lines = [address] if address else []
    if municipality and municipality.casefold() not in address.casefold():
        lines.append(municipality)
    if phone:
        lines.append(_("Tel.: {phone}").format(phone=phone))
    return lines


def page_size(name: str) -> tuple[float, float]:
    from reportlab.lib.pagesizes import A4, LETTER

    return {"A4": A4, "half-letter": HALF_LETTER}.get(name, LETTER)


def qr_flowable(text: str, size: float):
    """A full QR code (never micro) drawn as vector squares, so it prints sharp at any size."""
    import segno
    from reportlab.platypus import Flowable

    matrix = [list(row) for row in segno.make(text, micro=False, error="m").matrix]

    class _QR(Flowable):
        def wrap(self, _aw, _ah):
            return size, size

        def draw(self):
            n = len(matrix) + 8  # four modules of quiet zone each side
            cell = size / n
            canvas = self.canv
            canvas.setFillColorRGB(1, 1, 1)
            canvas.rect(0, 0, size, size, stroke=0, fill=1)
            canvas.setFillColorRGB(0, 0, 0)
            for y, row in enumerate(matrix):
                for x, dark in enumerate(row):
                    if dark:
                        canvas.rect((x + 4) * cell, size - (y + 5) * cell, cell, cell, stroke=0, fill=1)

    return _QR()


def _styles(small: bool):
    from reportlab.lib.styles import ParagraphStyle

    base = 8.5 if small else 10
    return {
        "body": ParagraphStyle("body", fontName=REGULAR, fontSize=base, leading=base * 1.3),
        "label": ParagraphStyle("label", fontName=BOLD, fontSize=base - 1, leading=(base - 1) * 1.25,
                                textColor="#37474f"),
        "title": ParagraphStyle("title", fontName=BOLD, fontSize=base + 5, leading=(base + 5) * 1.2),
        "office": ParagraphStyle("office", fontName=BOLD, fontSize=base + 1, leading=(base + 1) * 1.25),
        "section": ParagraphStyle("section", fontName=BOLD, fontSize=base + 0.5, leading=base * 1.4,
                                  textColor="#0d47a1", spaceBefore=base * 0.6, spaceAfter=base * 0.2),
        "small": ParagraphStyle("small", fontName=REGULAR, fontSize=base - 2, leading=(base - 2) * 1.3,
                                textColor="#455a64"),
        "big": ParagraphStyle("big", fontName=BOLD, fontSize=base + 2, leading=(base + 2) * 1.25),
    }


def _p(text: str, style) -> object:
    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), style)


def header(story: list, styles: dict, logo: bytes | None, office_name: str, municipality: str, title: str,
           right_lines: list[str], width: float, contact: list[str] | None = None) -> None:
    """Logo, office name and a title block: shared by the slip and the consent form. ``contact``: the
    lines under the office name (see :func:`office_lines`); by default only the municipality."""
    from reportlab.lib.units import mm
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Image, Table, TableStyle

    logo_cell: object = ""
    if logo:
        try:
            reader = ImageReader(io.BytesIO(logo))
            iw, ih = reader.getSize()
            h = 16 * mm
            logo_cell = Image(io.BytesIO(logo), width=h * iw / ih, height=h)
        except Exception:  # a damaged logo must not stop the slip
            logo_cell = ""
    office = [_p(office_name, styles["office"])]
    for line in (contact if contact is not None else [municipality] if municipality else []):
        office.append(_p(line, styles["small"]))
    right = [_p(title, styles["title"])] + [_p(line, styles["body"]) for line in right_lines]
    logo_w = 22 * mm if logo_cell else 0.1
    table = Table([[logo_cell, office, right]], colWidths=[logo_w, (width - logo_w) * 0.48, (width - logo_w) * 0.52])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("LINEBELOW", (0, 0), (-1, 0), 1.2, "#0d47a1"),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    story.append(table)


def _fields(rows: list[tuple[str, str]], styles: dict, width: float) -> object:
    from reportlab.platypus import Table, TableStyle

    data = [[_p(label, styles["label"]), _p(value, styles["body"])] for label, value in rows if value]
    table = Table(data, colWidths=[width * 0.27, width * 0.73])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5)]))
    return table


def signature_block(labels: list[str], styles: dict, width: float, gap: float) -> object:
    from reportlab.platypus import Table, TableStyle

    cells = [[_p("", styles["body"]) for _l in labels], [_p(label, styles["small"]) for label in labels]]
    table = Table(cells, colWidths=[width / len(labels)] * len(labels), rowHeights=[gap, None])
    style = [("VALIGN", (0, 0), (-1, -1), "TOP")]
    for i in range(len(labels)):
        style.append(("LINEABOVE", (i, 1), (i, 1), 0.8, "#263238"))
        style.append(("LEFTPADDING", (i, 0), (i, -1), 6 if i else 0))
        style.append(("RIGHTPADDING", (i, 0), (i, -1), 12))
    table.setStyle(TableStyle(style))
    return table


def build_referral_slip(data: SlipData) -> bytes:
    """Render the slip on one page (Letter, A4 or half-letter)."""
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    size = page_size(data.page)
    small = data.page == "half-letter"
    margin = (11 if small else 18) * mm
    width = size[0] - 2 * margin - 12  # the frame keeps 6 pt of padding on each side
    styles = _styles(small)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin * 0.8,
                            bottomMargin=margin * 0.8, title=_("Referral slip {number}").format(number=data.number),
                            author=data.office_name, subject=_("Referral slip"))
    story: list = []
    header(story, styles, data.logo, data.office_name, data.office_municipality, _("REFERRAL SLIP"),
           [_("No. {number}").format(number=data.number), format_date(data.issued_on, "long")], width,
           office_lines(data.office_municipality, data.office_address, data.office_phone))
    story.append(Spacer(1, 4))

    story.append(_p(_("Person referred"), styles["section"]))
    if data.person_name:
        story.append(_fields([(_("Name"), data.person_name), (_("Document"), data.person_document or
                                                                _("No document"))], styles, width))
    else:
        story.append(_p(_("The person's name and document are not written on this slip because they have not "
                          "authorized sharing their data with this service. The number of this slip identifies "
                          "the referral."), styles["body"]))

    story.append(_p(_("Where to go"), styles["section"]))
    story.append(_fields([
        (_("Service"), data.service_name),
        (_("Organization"), data.organization),
        (_("Address"), data.address or _("Ask the office for the address")),
        (_("Opening hours"), "\n".join(data.hours) or _("Call before going")),
        (_("Phone"), data.phone),
    ], styles, width))

    story.append(_p(_("Reason for the referral"), styles["section"]))
    urgency = {"urgent": _("Urgent"), "high": _("High priority")}.get(data.urgency, "")
    reason = data.reason + (f". {data.reason_detail}" if data.reason_detail else "")
    rows = [(_("Reason"), reason)]
    if urgency:
        rows.append((_("Priority"), urgency))
    if data.follow_up_on:
        rows.append((_("Follow-up"), _("The office will call to ask how it went from {date}.").format(
            date=format_date(data.follow_up_on, "long"))))
    rows.append((_("Referred by"), data.clerk_name))
    story.append(_fields(rows, styles, width))
    story.append(Spacer(1, 8 if small else 14))
    story.append(signature_block([_("Signature of the person who refers"),
                                  _("Received by the service (name, signature, date)")], styles, width,
                                 (13 if small else 18) * mm))

    qr_size = (30 if small else 36) * mm
    if data.office_phone:
        note_text = _("For the receiving organization: scan this code or call the office at {phone} with the slip "
                      "number, its date and this check code to confirm that the slip is genuine.").format(
            phone=data.office_phone)
    else:
        note_text = _("For the receiving organization: scan this code or call the office with the slip number, "
                      "its date and this check code to confirm that the slip is genuine.")
    note = _p(note_text, styles["small"])
    code = " ".join(data.check_code[i:i + 4] for i in range(0, len(data.check_code), 4))
    info = [note, Spacer(1, 3), _p(_("Check code: {code}").format(code=code), styles["label"]),
            _p(_("Please show this slip at the service. It is free of charge."), styles["small"])]
    table = Table([[info, qr_flowable(data.qr_text, qr_size)]], colWidths=[width - qr_size - 6, qr_size + 6])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                               ("LINEABOVE", (0, 0), (-1, 0), 0.5, "#90a4ae"), ("TOPPADDING", (0, 0), (-1, -1), 6)]))
    story.append(Spacer(1, 6 if small else 12))
    story.append(KeepTogether([table]))
    doc.build(story)
    return buf.getvalue()
