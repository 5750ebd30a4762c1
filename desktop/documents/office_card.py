"""The printable office card: the office, its signing key's fingerprint in groups to read over the
phone, and a QR code holding the card file itself. Plain data in, PDF bytes out."""

from __future__ import annotations

import io

from desktop.documents.fonts import BOLD, REGULAR, register_fonts
from desktop.documents.recovery_sheet import _qr
from desktop.i18n import _


def render_office_card(office_code: str, office_name: str, municipality: str, key_id: str, fingerprint: str,
                       card_text: str, page_size: str = "Letter") -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4 if page_size == "A4" else LETTER, leftMargin=2 * cm,
                            rightMargin=2 * cm, topMargin=2 * cm, bottomMargin=2 * cm, title=_("Office card"),
                            author=office_name)
    title = ParagraphStyle("title", fontName=BOLD, fontSize=18, leading=23, spaceAfter=6)
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=10.5, leading=14.5, spaceAfter=6)
    big = ParagraphStyle("fingerprint", fontName=BOLD, fontSize=22, leading=30, alignment=1)

    def esc(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    groups = fingerprint.split()
    lines = "<br/>".join("&nbsp;&nbsp;".join(groups[i:i + 4]) for i in range(0, len(groups), 4))
    box = Table([[Paragraph(lines, big)]], colWidths=[doc.width])
    box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1.5, colors.black),
                             ("TOPPADDING", (0, 0), (-1, -1), 12), ("BOTTOMPADDING", (0, 0), (-1, -1), 12)]))
    place = f"{office_name} ({office_code})" + (f" — {municipality}" if municipality else "")
    story = [
        Paragraph(esc(_("Office card")), title),
        Paragraph(esc(place), body),
        Paragraph(esc(_("Before another office trusts this office's bundles and certificates, someone there reads "
                        "these groups aloud over the phone and someone here confirms them. If one group differs, "
                        "the card is not this office's: do not trust it.")), body),
        Spacer(1, 0.3 * cm), box, Spacer(1, 0.5 * cm),
        Paragraph(esc(_("Key {key}, Ed25519. The QR code holds the card file (enlace exchange trust add).").format(
            key=key_id)), body),
        _qr(card_text, 7 * cm),
    ]
    doc.build(story)
    return buf.getvalue()
