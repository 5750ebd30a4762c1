"""The recovery sheet: the encrypted database's recovery key, as text and as a full QR code.

Printed once at setup (and whenever the key is replaced) for the administrator to keep locked
away from the PC. Plain data in, PDF bytes out.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from desktop.documents.fonts import BOLD, REGULAR, register_fonts
from desktop.i18n import _, format_datetime


@dataclass(frozen=True)
class RecoverySheet:
    office_name: str
    office_code: str
    database: str  # where the database file is, to find it again
    recovery_key: str  # XXXX-XXXX-… (8 groups of 4)
    created_at: datetime
    created_by: str
    page_size: str = "Letter"


def _qr(text: str, size: float):
    import segno
    from reportlab.platypus import Flowable

    matrix = [list(row) for row in segno.make(text, micro=False, error="q").matrix]

    class _QR(Flowable):
        def wrap(self, _aw, _ah):
            return size, size

        def draw(self):
            n = len(matrix) + 8  # quiet zone of four modules
            cell = size / n
            canvas = self.canv
            canvas.setFillColorRGB(0, 0, 0)
            for y, row in enumerate(matrix):
                for x, dark in enumerate(row):
                    if dark:
                        canvas.rect((x + 4) * cell, size - (y + 5) * cell, cell, cell, stroke=0, fill=1)

    return _QR()


def build_recovery_sheet(sheet: RecoverySheet) -> bytes:
    """One page: what the key is for, the key in large type, its QR code, and where to keep it."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    size = A4 if sheet.page_size == "A4" else LETTER
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=2 * cm, rightMargin=2 * cm, topMargin=2 * cm,
                            bottomMargin=2 * cm, title=_("Recovery sheet"), author=sheet.office_name)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=18, leading=23, spaceAfter=6)
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10.5, leading=14.5, spaceAfter=6)
    small = ParagraphStyle("small", fontName=REGULAR, fontSize=9, leading=12, textColor="#37474f")
    key_style = ParagraphStyle("key", fontName=BOLD, fontSize=19, leading=26, alignment=1)
    warn = ParagraphStyle("warn", fontName=BOLD, fontSize=10.5, leading=14.5, textColor="#b71c1c")

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    groups = sheet.recovery_key.split("-")
    key_lines = "<br/>".join(" - ".join(groups[i:i + 4]) for i in range(0, len(groups), 4))
    story = [
        Paragraph(esc(_("Recovery sheet")), title),
        Paragraph(esc(_("{office} ({code})").format(office=sheet.office_name, code=sheet.office_code)), body),
        Paragraph(esc(_("Enlace keeps this office's data encrypted. This recovery key opens the database and its "
                        "backups if every administrator password is forgotten, and gives a new password to an "
                        "administrator account.")), body),
        Spacer(1, 0.3 * cm),
    ]
    key_box = Table([[Paragraph(key_lines, key_style)]], colWidths=[doc.width])
    key_box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                                 ("TOPPADDING", (0, 0), (-1, -1), 12), ("BOTTOMPADDING", (0, 0), (-1, -1), 12)]))
    story += [key_box, Spacer(1, 0.5 * cm)]
    qr_size = 5.5 * cm
    steps = [
        _("To use it, press “Forgot the password?” in the sign-in window, or run: enlace recover --db FILE "
          "--user NAME. Either asks for this key, then for the administrator's new password."),
        _("Letters may be typed in upper or lower case; dashes and spaces are ignored."),
        _("Database: {path}").format(path=sheet.database),
        _("Printed on {when} by {who}.").format(when=format_datetime(sheet.created_at, "long"), who=sheet.created_by),
    ]
    side = [Paragraph(esc(text), small) for text in steps]
    layout = Table([[_qr(sheet.recovery_key, qr_size), side]], colWidths=[qr_size + 0.5 * cm, None])
    layout.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    story += [layout, Spacer(1, 0.6 * cm)]
    notes = [
        (_("Keep this sheet in a locked place, away from the computer and from the backup drive."), body),
        (_("Anyone holding this sheet and a copy of the database can read all of its data."), warn),
        (_("Do not photograph it or keep it in a file on the computer. If it is lost or seen by someone else, "
           "an administrator makes a new one (Administration → Backups → New recovery key): the old one then "
           "stops working."), body),
    ]
    story += [Paragraph(esc(text), style) for text, style in notes]
    doc.build(story)
    return buf.getvalue()
