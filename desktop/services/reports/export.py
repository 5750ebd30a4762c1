"""Writing a report as PDF, XLSX or CSV: the one function the window and ``enlace report`` call."""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from desktop.documents.monthly_report import (  # noqa: F401  (cell_text, figure_text: the window shows cells as paper does)
    Cell,
    about_rows,
    cell_text,
    figure_text,
    figure_value,
    round_value,
    table_grid,
)
from desktop.i18n import _
from desktop.services import office as office_service
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.files import keep_text, spreadsheet_text, write_private
from desktop.services.core.permissions import Permission
from desktop.services.reports import (
    PARTNER_METHOD,
    CancelFlag,
    Period,
    Progress,
    Report,
    build_report,
    report_language,
)
from desktop.services.security import audit

FORMATS = ("pdf", "xlsx", "csv")


CSV_DIALECTS = ("excel", "excel-es")


def decimal_comma(locale: str | None) -> bool:
    """True when the locale writes decimals with a comma (es_CO, es_AR…): its spreadsheets read
    ``excel-es`` CSV files."""
    from babel.numbers import get_decimal_symbol

    try:
        return get_decimal_symbol(locale or "es_CO") == ","
    except Exception:  # an unknown locale: the common international form
        return False


def export_report(ctx: AppContext, period: Period, fmt: str, out: str | os.PathLike[str], *,
                  anonymized: bool = False, language: str | None = None, now: datetime | None = None,
                  progress: Progress | None = None, cancelled: CancelFlag | None = None,
                  csv_dialect: str = "excel") -> Path:
    """Build the report for ``period`` and write it to ``out`` (supervisors and administrators).

    The file appears whole or not at all, readable by its owner only. ``csv_dialect``: ``excel``
    (comma, decimal point) or ``excel-es`` (semicolon, decimal comma, as Excel reads it where
    decimals are written with a comma). Every export is an audit event with the period and format.
    """
    ctx.require(Permission.EXPORT_REPORTS)
    if fmt not in FORMATS:
        raise ValidationError(_("Unknown report format {format}: use pdf, xlsx or csv.").format(format=fmt))
    if csv_dialect not in CSV_DIALECTS:
        raise ValidationError(_("Unknown CSV dialect {dialect}: use excel or excel-es.").format(dialect=csv_dialect))
    target = Path(out).expanduser()
    if not target.parent.is_dir():
        raise ValidationError(_("The folder {folder} does not exist.").format(folder=target.parent))
    if target.is_dir():
        raise ValidationError(_("{path} is a folder: give a file name.").format(path=target))
    info = office_service.office_info(ctx.db)
    with report_language(language, info.locale if info else None):
        report = build_report(ctx, period, anonymized=anonymized, now=now, progress=progress, cancelled=cancelled)
        data = render_csv(report, csv_dialect) if fmt == "csv" else render(ctx, report, fmt)
    try:
        write_private(target, data)
    except OSError as exc:
        raise ValidationError(_("The report could not be written to {path}: {reason}").format(
            path=target, reason=exc.strerror or exc)) from exc
    audit.log(ctx, "export", "report", period.key, detail={"period": period.key, "format": fmt,
                                                           "anonymized": anonymized, "language": report.language})
    return target


def render(ctx: AppContext | None, report: Report, fmt: str) -> bytes:
    """The report's bytes in ``fmt``, in the language the report was built in (call inside its language)."""
    if fmt == "csv":
        return render_csv(report)
    if fmt == "xlsx":
        return render_xlsx(report)
    from desktop.documents.monthly_report import render_pdf
    from desktop.services.security import audit

    page_size = office_service.get_setting(ctx.db, "page_size") if ctx else "Letter"
    logo = office_service.office_logo(ctx.db) if ctx else None
    footer = audit.checkpoint_footer(ctx.db) if ctx else ""
    return render_pdf(report, page_size=page_size, logo=logo, audit_footer=footer)


def chart_svg(report: Report, table_key: str, width: float = 500) -> bytes | None:
    """A table's chart as SVG, the very drawing the PDF prints (the window shows it); None if it has none."""
    from desktop.documents.monthly_report_charts import chart_svg as svg

    with report_language(report.language):
        return svg(report, report.table(table_key), width)


def chart_fonts() -> list[Path]:
    """The font files the charts are drawn with, for a screen that must show the same glyphs."""
    from desktop.documents.fonts import font_files

    return font_files()


def preview_pdf(ctx: AppContext, report: Report) -> bytes:
    """The PDF of a report already built (the screen's preview); no file, so no export event."""
    ctx.require(Permission.VIEW_REPORTS)
    info = office_service.office_info(ctx.db)
    with report_language(report.language, info.locale if info else None):
        return render(ctx, report, "pdf")


# -- CSV ---------------------------------------------------------------------------------------


def _csv_rows(report: Report) -> Iterator[list[Cell]]:
    yield [_("Section"), _("Table"), _("Row"), _("Column"), _("Value")]
    for label, text in about_rows(report)[:9]:
        yield [_("About"), "", label, "", text]
    if report.anonymized:
        yield [_("About"), "", _("Partner export"), "", PARTNER_METHOD()]
    for section in report.sections:
        for fig in section.figures:
            value = figure_value(report, fig)
            if fig.kind == "percent" and isinstance(value, float):
                value = f"{value:.1f}%"  # what spreadsheets read as a percentage
            yield [section.title, _("Figures"), fig.label, "", "" if value is None else value]
        for table in section.tables:
            header, rows = table_grid(report, table)
            for row in rows:
                for label, value in zip(header[1:], row[1:], strict=True):
                    yield [section.title, table.title, row[0], label, round_value(value)]


def render_csv(report: Report, dialect: str = "excel") -> bytes:
    """One long table (section, table, row, column, value), UTF-8 with BOM so Excel reads accents.

    ``excel-es``: semicolons between fields and decimal commas, as Excel opens a CSV file where the
    system writes decimals with a comma. Texts a spreadsheet would run as formulas are kept as text.
    """
    comma = dialect == "excel-es"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";" if comma else ",", lineterminator="\r\n")
    for row in _csv_rows(report):
        writer.writerow([_csv_cell(v, comma) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def _csv_cell(value: Cell, comma: bool) -> Cell:
    if isinstance(value, float):
        text = repr(value) if value != int(value) else f"{value:.1f}"
        return text.replace(".", ",") if comma else text
    if isinstance(value, str):
        if comma and re.fullmatch(r"-?\d+\.\d+%", value):  # a rate, "21.6%"
            return value.replace(".", ",")
        return spreadsheet_text(value)
    return value


# -- XLSX --------------------------------------------------------------------------------------


def _sheet_name(title: str, used: set[str]) -> str:
    """A sheet name of at most 31 characters, cut at a word boundary (an ellipsis says so), and
    unique in the book (a number in brackets when two titles start alike)."""
    clean = " ".join("".join(" " if ch in '[]:*?/\\' else ch for ch in title).split()) or "Tabla"

    def shorten(limit: int) -> str:
        if len(clean) <= limit:
            return clean
        cut = clean[: limit - 1].rstrip(" ,;:–—-")
        if " " in cut and not clean[limit - 1].isspace():
            cut = cut[: cut.rfind(" ")].rstrip(" ,;:–—-")
        return cut + "…"

    name, n = shorten(31), 2
    while name.casefold() in used:
        suffix = f" ({n})"
        name = shorten(31 - len(suffix)) + suffix
        n += 1
    used.add(name.casefold())
    return name


def _fit_columns(sheet, rows: list[list[Cell]], first_min: int = 14) -> None:
    from openpyxl.utils import get_column_letter

    widths: dict[int, int] = {}
    for row in rows:
        for j, value in enumerate(row):
            if isinstance(value, float):
                text = f"{value:,.2f}"
            else:
                text = f"{value:,}" if isinstance(value, int) else str(value)
            widths[j] = max(widths.get(j, 0), min(len(text), 60))
    for j, width in widths.items():
        sheet.column_dimensions[get_column_letter(j + 1)].width = max(width + 2, first_min if j == 0 else 9)


def _add_sheet(book, used: set[str], title: str, header: list[str], rows: list[list[Cell]], bold_last: bool) -> str:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = book.create_sheet(_sheet_name(title, used))
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DCE6F1")
    for cell in sheet[1]:
        cell.font = bold
        cell.fill = fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold_last and rows:
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    for row in sheet.iter_rows(min_row=2):
        for cell in row[1:]:
            if isinstance(cell.value, int):
                cell.number_format = "#,##0"
            elif isinstance(cell.value, float):
                cell.number_format = "#,##0.0#"
            else:
                cell.alignment = Alignment(horizontal="right")
    sheet.freeze_panes = "B2"
    _fit_columns(sheet, [header, *rows])
    return sheet.title


def render_xlsx(report: Report) -> bytes:
    """A sheet on the report (office, period, index of sheets), one of definitions, one of figures, and
    one per table (numbers as numbers)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    about = book.active
    about.title = _sheet_name(_("About this report"), used := set())
    about.append([_("Item"), _("Description")])
    for label, text in about_rows(report)[:9]:
        about.append([label, text])
    about.append([])
    about.append([_("Sheet"), _("Table")])
    index_row = about.max_row
    definitions = book.create_sheet(_sheet_name(_("Definitions"), used))
    definitions.append([_("Term"), _("Definition")])
    for label, text in report.definitions:
        definitions.append([label, text])
    definitions["A1"].font = definitions["B1"].font = Font(bold=True)
    definitions.column_dimensions["A"].width = 34
    definitions.column_dimensions["B"].width = 100
    for row in definitions.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    definitions.freeze_panes = "A2"
    figures_rows: list[list[Cell]] = []
    for section in report.sections:
        for fig in section.figures:
            value = figure_value(report, fig)
            figures_rows.append([section.title, fig.label, "" if value is None else value])
    fig_sheet = _add_sheet(book, used, _("Figures"), [_("Section"), _("Figure"), _("Value")], figures_rows, False)
    sheet = book[fig_sheet]
    for i, fig in enumerate(f for s in report.sections for f in s.figures):
        value = figure_value(report, fig)
        if fig.kind == "percent" and isinstance(value, float):
            cell = sheet.cell(row=i + 2, column=3)
            cell.value = value / 100
            cell.number_format = "0.0%"
    for table in report.tables():
        header, rows = table_grid(report, table)
        name = _add_sheet(book, used, table.title, header, rows, bold_last=True)
        about.append([name, table.title + (f" — {table.note}" if table.note else "")])
    bold = Font(bold=True)
    for cell in about[1] + about[index_row]:
        cell.font = bold
    about.column_dimensions["A"].width = 34
    about.column_dimensions["B"].width = 100
    for row in about.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    about.freeze_panes = "A2"
    for sheet in book.worksheets:
        keep_text(sheet)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
