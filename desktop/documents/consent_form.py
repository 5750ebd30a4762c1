"""The informed consent form (consentimiento informado), in plain language, with signature lines."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from desktop.documents.fonts import register_fonts
from desktop.documents.referral_slip import _fields, _p, _styles, header, page_size, signature_block
from desktop.i18n import _, format_date


@dataclass
class ConsentFormData:
    office_name: str
    office_municipality: str
    logo: bytes | None
    person_name: str
    document: str
    clerk_name: str
    today: date
    page_size: str = "Letter"


def build_consent_form(data: ConsentFormData) -> bytes:
    """One page: what the office keeps and why, the three things the person may agree to, signatures."""
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate, Spacer, Table, TableStyle

    register_fonts()
    size = page_size(data.page_size if data.page_size != "half-letter" else "Letter")
    margin = 18 * mm
    width = size[0] - 2 * margin - 12  # the frame keeps 6 pt of padding on each side
    styles = _styles(False)
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=margin * 0.8,
                            bottomMargin=margin * 0.8, title=_("Informed consent"), author=data.office_name)
    story: list = []
    header(story, styles, data.logo, data.office_name, data.office_municipality, _("INFORMED CONSENT"),
           [format_date(data.today, "long")], width)
    story.append(Spacer(1, 6))
    story.append(_fields([(_("Name"), data.person_name), (_("Document"), data.document or _("No document"))],
                         styles, width))
    story.append(_p(_("What this paper is about"), styles["section"]))
    for text in (
        _("This office helps people who have arrived from another country, or who are passing through, to find "
          "services: health, documents, legal advice, shelter, food, school, work and protection."),
        _("To help you, we write down some information about you and your family in our computer. Only the "
          "office staff can see it. We do not sell it and we do not give it to the migration authorities."),
        _("You decide. You can say yes or no to each point below. If you say no, we will still attend you. You "
          "can change your mind at any time: just tell us, and we will write it down."),
    ):
        story.append(_p(text, styles["body"]))
        story.append(Spacer(1, 3))
    story.append(_p(_("What you agree to (mark YES or NO)"), styles["section"]))
    items = [
        _("1. Registration: the office keeps my name, document, contact details and the needs I told them "
          "about, to attend me and my family."),
        _("2. Sharing with services: when the office refers me to a service, it may give that service my name, "
          "document and the reason for the referral."),
        _("3. Follow-up: the office may call me or write to me to ask how the referral went."),
    ]
    rows = [[_p(item, styles["body"]), _p(_("YES ☐"), styles["label"]), _p(_("NO ☐"), styles["label"])]
            for item in items]
    table = Table(rows, colWidths=[width * 0.76, width * 0.12, width * 0.12])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 4),
                               ("GRID", (0, 0), (-1, -1), 0.4, "#90a4ae"), ("TOPPADDING", (0, 0), (-1, -1), 5),
                               ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]))
    story.append(table)
    story.append(Spacer(1, 6))
    story.append(_p(_("If you cannot sign, you may give your consent out loud in front of a witness, who signs "
                      "below. Children and adolescents sign together with their parent or guardian."),
                    styles["small"]))
    story.append(Spacer(1, 14))
    story.append(signature_block([_("Signature or fingerprint of the person"),
                                  _("Parent or guardian (for a child)")], styles, width, 20 * mm))
    story.append(Spacer(1, 10))
    story.append(signature_block([_("Witness (name and signature), for verbal consent"),
                                  _("Staff member who took the consent: {name}").format(name=data.clerk_name)],
                                 styles, width, 20 * mm))
    doc.build(story)
    return buf.getvalue()
