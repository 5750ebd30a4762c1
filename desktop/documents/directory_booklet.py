"""The printed service directory (booklet): grouped by category, then municipality.

Plain data in, PDF bytes out. The cover carries the office logo, name and print date; a table of
contents lists each category and municipality with its page; every page is numbered "Page X of Y".
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from desktop.documents.fonts import BOLD, ITALIC, REGULAR, register_fonts
from desktop.i18n import _, ngettext


@dataclass(frozen=True)
class BookletEntry:
    category: str
    municipality: str
    name: str
    organization: str
    description: str = ""
    address: str = ""
    hours: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    email: str = ""
    website: str = ""
    eligibility: str = ""
    documents: list[str] = field(default_factory=list)
    cost: str = ""
    languages: list[str] = field(default_factory=list)
    accepts_referrals: bool = True
    stale: bool = False


@dataclass(frozen=True)
class Booklet:
    office_name: str
    printed_on: str  # already formatted in the office locale
    entries: list[BookletEntry]
    logo: bytes | None = None
    page_size: str = "Letter"  # or "A4"
    title: str = ""


def _page_size(name: str):
    from reportlab.lib.pagesizes import A4, LETTER

    return A4 if name.upper() == "A4" else LETTER


def render_booklet(booklet: Booklet) -> bytes:
    """Build the booklet PDF. Entries must already be sorted by category, municipality and name."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        Image,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
    )
    from reportlab.platypus.tableofcontents import TableOfContents

    register_fonts()
    size = _page_size(booklet.page_size)
    title = booklet.title or _("Service directory")
    base = ParagraphStyle("base", fontName=REGULAR, fontSize=9, leading=12)
    styles = {
        "cover_title": ParagraphStyle("ct", parent=base, fontName=BOLD, fontSize=26, leading=32, alignment=TA_CENTER),
        "cover_sub": ParagraphStyle("cs", parent=base, fontSize=14, leading=18, alignment=TA_CENTER),
        "cover_small": ParagraphStyle("csm", parent=base, fontSize=10, leading=14, alignment=TA_CENTER,
                                      textColor=colors.HexColor("#555555")),
        "h1": ParagraphStyle("h1", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceBefore=6,
                             spaceAfter=8, textColor=colors.HexColor("#1F4E79")),
        "h2": ParagraphStyle("h2", parent=base, fontName=BOLD, fontSize=12, leading=15, spaceBefore=8,
                             spaceAfter=4, textColor=colors.HexColor("#2E75B6")),
        "name": ParagraphStyle("nm", parent=base, fontName=BOLD, fontSize=10.5, leading=13, spaceBefore=6),
        "org": ParagraphStyle("og", parent=base, fontName=ITALIC, textColor=colors.HexColor("#444444")),
        "body": base,
        "detail": ParagraphStyle("dt", parent=base, leftIndent=8),
        "toc_title": ParagraphStyle("tt", parent=base, fontName=BOLD, fontSize=16, leading=20, spaceAfter=10),
    }

    class Doc(BaseDocTemplate):
        def afterFlowable(self, flowable):
            kind = getattr(flowable, "toc_level", None)
            if kind is not None:
                key = f"k{id(flowable)}"
                self.canv.bookmarkPage(key)
                self.canv.addOutlineEntry(flowable.getPlainText(), key, level=kind)
                self.notify("TOCEntry", (kind, flowable.getPlainText(), self.page, key))

    buffer = io.BytesIO()
    margin = 1.8 * cm
    doc = Doc(buffer, pagesize=size, leftMargin=margin, rightMargin=margin, topMargin=2.2 * cm,
              bottomMargin=2 * cm, title=title, author=booklet.office_name, subject=title)
    frame = Frame(doc.leftMargin, doc.bottomMargin, doc.width, doc.height, id="body")

    def decorate(canvas, document):
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        width, height = size
        canvas.drawString(margin, height - 1.3 * cm, f"{booklet.office_name} · {title}")
        canvas.drawRightString(width - margin, height - 1.3 * cm, _("Printed on {date}").format(
            date=booklet.printed_on))
        canvas.setStrokeColor(colors.HexColor("#BBBBBB"))
        canvas.line(margin, height - 1.45 * cm, width - margin, height - 1.45 * cm)
        canvas.drawCentredString(width / 2, 1.1 * cm, _("Page {page}").format(page=document.page))
        canvas.restoreState()

    def cover_page(canvas, document):
        canvas.saveState()
        canvas.setFont(REGULAR, 8)
        canvas.setFillColor(colors.HexColor("#555555"))
        canvas.drawCentredString(size[0] / 2, 1.1 * cm, _("Page {page}").format(page=document.page))
        canvas.restoreState()

    doc.addPageTemplates([PageTemplate("cover", [frame], onPage=cover_page),
                          PageTemplate("body", [frame], onPage=decorate)])

    story: list = []
    story.append(Spacer(1, 3 * cm))
    if booklet.logo:
        try:
            from reportlab.lib.utils import ImageReader

            reader = ImageReader(io.BytesIO(booklet.logo))
            w, h = reader.getSize()
            scale = min(5 * cm / w, 4 * cm / h)
            story.append(Image(io.BytesIO(booklet.logo), width=w * scale, height=h * scale))
            story.append(Spacer(1, 1 * cm))
        except Exception:  # an unreadable logo must not stop the booklet
            pass
    story.append(Paragraph(escape(title), styles["cover_title"]))
    story.append(Spacer(1, 0.6 * cm))
    story.append(Paragraph(escape(booklet.office_name), styles["cover_sub"]))
    story.append(Spacer(1, 0.4 * cm))
    story.append(Paragraph(escape(_("Printed on {date}").format(date=booklet.printed_on)), styles["cover_small"]))
    services = len({(e.name, e.organization) for e in booklet.entries})
    story.append(Paragraph(escape(ngettext("{count} service", "{count} services", services).format(count=services)),
                           styles["cover_small"]))
    story.append(Spacer(1, 1.5 * cm))
    story.append(Paragraph(escape(_("Before referring a person, call to confirm hours and requirements: "
                                    "entries marked “to be confirmed” have not been verified recently.")),
                           styles["cover_small"]))
    story.append(NextPageTemplate("body"))
    story.append(PageBreak())

    toc = TableOfContents()
    toc.levelStyles = [
        ParagraphStyle("toc1", parent=base, fontName=BOLD, fontSize=11, leading=15, leftIndent=0, firstLineIndent=0),
        ParagraphStyle("toc2", parent=base, fontSize=9.5, leading=13, leftIndent=14, firstLineIndent=0),
    ]
    toc.dotsMinLevel = 0
    story.append(Paragraph(escape(_("Contents")), styles["toc_title"]))
    story.append(toc)
    story.append(PageBreak())

    if not booklet.entries:
        story.append(Paragraph(escape(_("The directory has no services to print.")), styles["body"]))

    def heading(text: str, style: str, level: int) -> Paragraph:
        para = Paragraph(escape(text), styles[style])
        para.toc_level = level  # type: ignore[attr-defined]
        return para

    current_category = current_city = None
    for entry in booklet.entries:
        if entry.category != current_category:
            if current_category is not None:
                story.append(PageBreak())
            story.append(heading(entry.category, "h1", 0))
            current_category, current_city = entry.category, None
        if entry.municipality != current_city:
            story.append(heading(entry.municipality or _("Municipality not given"), "h2", 1))
            current_city = entry.municipality
        confirm = _("to be confirmed")
        block = [Paragraph(escape(entry.name) + (
            f' <font name="{ITALIC}" color="#B45F06" size="8">({escape(confirm)})</font>'
            if entry.stale else ""), styles["name"]),
                 Paragraph(escape(entry.organization), styles["org"])]
        if entry.description:
            block.append(Paragraph(escape(entry.description), styles["body"]))
        lines = [
            (_("Address"), entry.address),
            (_("Hours"), "; ".join(entry.hours)),
            (_("Phone"), "; ".join(entry.phones)),
            (_("Email"), entry.email),
            (_("Website"), entry.website),
            (_("Who can use it"), entry.eligibility),
            (_("Documents to bring"), "; ".join(entry.documents)),
            (_("Cost"), entry.cost),
            (_("Languages"), ", ".join(entry.languages)),
            (_("Referrals"), _("receives referrals") if entry.accepts_referrals else _("does not receive referrals")),
        ]
        for label, value in lines:
            if value:
                block.append(Paragraph(f'<font name="{BOLD}">{escape(label)}:</font> {escape(value)}',
                                       styles["detail"]))
        story.append(KeepTogether(block))

    doc.multiBuild(story)
    return buffer.getvalue()
