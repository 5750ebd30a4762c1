"""Charts of the monthly report, drawn once with ReportLab graphics for paper (PDF) and screen (SVG).

No label is cut: category names wrap at word boundaries to the room they have; where even one
word does not fit, the axis shows letters and a key under the chart gives the full names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from desktop.documents.fonts import BOLD, REGULAR, register_fonts
from desktop.i18n import format_number, format_percent

PALETTE = [colors.HexColor(c) for c in ("#1f5f8b", "#e07b39", "#5a9e4b", "#b8860b", "#8c5a9e", "#4aa3a3",
                                        "#c04a4a", "#7f7f7f", "#2e8b57", "#d4a017")]
MAX_BARS = 10
LABEL_SIZE = 7
LEADING = 8.5


def wrap(text: str, width: float, size: float = LABEL_SIZE, font: str = REGULAR) -> list[str] | None:
    """``text`` in lines no wider than ``width`` (points), broken between words; None when a single
    word is wider than that."""
    lines: list[str] = []
    for word in str(text).split():
        if stringWidth(word, font, size) > width:
            return None
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _keys(n: int) -> list[str]:
    return [chr(ord("A") + i) if i < 26 else f"A{i - 25}" for i in range(n)]


def _legend(drawing: Drawing, x: float, top: float, names: Sequence[str], width: float, *,
            swatches: bool = True) -> float:
    """A legend of full names in as many columns as fit ``width``; returns the height it takes."""
    if not names:
        return 0
    swatch = 12 if swatches else 0
    widest = max(stringWidth(n, REGULAR, LABEL_SIZE) for n in names) + swatch + 14
    columns = max(1, min(len(names), int(width // widest)))
    rows = -(-len(names) // columns)
    legend = Legend()
    legend.x, legend.y = x, top
    legend.fontName, legend.fontSize = REGULAR, LABEL_SIZE
    legend.alignment = "right"
    legend.columnMaximum = rows
    legend.dx = legend.dy = 7 if swatches else 0.01
    legend.deltay = 11
    legend.deltax = widest
    legend.dxTextSpace = 5 if swatches else 0
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)] if swatches else colors.white, n)
                             for i, n in enumerate(names)]
    if not swatches:
        legend.strokeColor = colors.white
    drawing.add(legend)
    return rows * 11 + 4


def stacked_bars(title: str, categories: Sequence[str], series: Sequence[str], values: Sequence[Sequence[float]],
                 width: float) -> Drawing:
    """Vertical bars per category, stacked by series (``values[series][category]``)."""
    n = max(1, len(categories))
    plot_width = width - 44
    slot = plot_width / n - 4
    wrapped = [wrap(c, slot) for c in categories]
    keyed = any(w is None or len(w) > 3 for w in wrapped)
    labels = _keys(len(categories)) if keyed else ["\n".join(w or []) for w in wrapped]
    label_lines = 1 if keyed else max((len(w or []) for w in wrapped), default=1)
    series_rows = -(-len(series) // max(1, int(width // (max((stringWidth(s, REGULAR, LABEL_SIZE)
                                                               for s in series), default=0) + 26))))
    key_names = [f"{k}: {c}" for k, c in zip(labels, categories, strict=True)] if keyed else []
    key_rows = -(-len(key_names) // max(1, int(width // (max((stringWidth(s, REGULAR, LABEL_SIZE)
                                                             for s in key_names), default=1) + 14)))) \
        if key_names else 0
    below = 24 + 11 * series_rows + 11 * key_rows + LEADING * label_lines
    plot_height = 130
    height = below + plot_height + 26
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=BOLD, fontSize=9))
    chart = VerticalBarChart()
    chart.x, chart.y = 34, below
    chart.width, chart.height = plot_width, plot_height
    chart.data = [list(v) for v in values] or [[0]]
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.leading = LEADING
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = LABEL_SIZE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v)) if float(v).is_integer() else ""
    chart.valueAxis.forceZero = True
    top = max([sum(col) for col in zip(*values, strict=True)] or [0])
    if top < 5:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    chart.barWidth = 10
    chart.groupSpacing = 8
    for i in range(len(values)):
        chart.bars[i].fillColor = PALETTE[i % len(PALETTE)]
        chart.bars[i].strokeColor = None
    drawing.add(chart)
    _legend(drawing, 34, 11 * (series_rows + key_rows) + 10, series, width - 34)
    if key_names:
        _legend(drawing, 34, 11 * key_rows + 6, key_names, width - 34, swatches=False)
    return drawing


def horizontal_bars(title: str, categories: Sequence[str], values: Sequence[float] | Sequence[Sequence[float]],
                    width: float, series: Sequence[str] = ()) -> Drawing:
    """One bar per category, largest first (the first :data:`MAX_BARS`); stacked by ``series`` when
    ``values`` is a list per series (``values[series][category]``)."""
    stacked = bool(series)
    per_series = [list(v) for v in values] if stacked else [list(values)]  # type: ignore[arg-type]
    totals = [sum(col) for col in zip(*per_series, strict=True)]
    order = sorted(range(len(categories)), key=lambda i: -totals[i])[:MAX_BARS]
    order.reverse()  # drawn bottom up: the largest on top
    label_width = min(width * 0.34, max((stringWidth(c, REGULAR, LABEL_SIZE) for c in categories), default=0) + 4)
    wrapped = [wrap(categories[i], label_width) or [categories[i]] for i in order]
    lines = max((len(w) for w in wrapped), default=1)
    bar_room = max(16, LEADING * lines + 6)
    legend_rows = -(-len(series) // max(1, int((width - 10) // (max((stringWidth(s, REGULAR, LABEL_SIZE)
                                                                    for s in series), default=0) + 26)))) \
        if stacked else 0
    below = 22 + 11 * legend_rows
    height = below + 24 + bar_room * max(1, len(order))
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=BOLD, fontSize=9))
    chart = HorizontalBarChart()
    chart.x, chart.y = label_width + 10, below
    chart.width, chart.height = width - label_width - 40, height - below - 22
    chart.data = [[row[i] for i in order] or [0] for row in per_series]
    chart.categoryAxis.categoryNames = ["\n".join(w) for w in wrapped] or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.leading = LEADING
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = LABEL_SIZE
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v)) if float(v).is_integer() else ""
    if max(totals or [0]) < 5:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    if stacked:
        chart.categoryAxis.style = "stacked"
    for k in range(len(per_series)):
        chart.bars[k].fillColor = PALETTE[k % len(PALETTE)]
        chart.bars[k].strokeColor = None
    if not stacked:
        chart.barLabelFormat = lambda v: format_number(int(v))
        chart.barLabels.fontName = REGULAR
        chart.barLabels.fontSize = LABEL_SIZE
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
    drawing.add(chart)
    if stacked:
        _legend(drawing, chart.x, 11 * legend_rows + 4, series, width - chart.x)
    return drawing


def pie(title: str, categories: Sequence[str], values: Sequence[float], width: float) -> Drawing:
    """Shares of a whole; empty slices are left out."""
    pairs = [(c, v) for c, v in zip(categories, values, strict=True) if v > 0]
    height = 170
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=BOLD, fontSize=9))
    if not pairs:
        return drawing
    chart = Pie()
    chart.x, chart.y = 20, 10
    chart.width = chart.height = 130
    chart.data = [v for _c, v in pairs]
    chart.labels = None
    chart.sideLabels = False
    chart.slices.strokeColor = colors.white
    for i in range(len(pairs)):
        chart.slices[i].fillColor = PALETTE[i % len(PALETTE)]
    drawing.add(chart)
    total = sum(v for _c, v in pairs)
    legend = Legend()
    legend.x, legend.y = 180, height - 30
    legend.fontName, legend.fontSize = REGULAR, 8
    legend.alignment = "right"
    legend.columnMaximum = 10
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)],
                              f"{c}: {format_number(int(v))} ({format_percent(round(v / total, 3), 1)})")
                             for i, (c, v) in enumerate(pairs)]
    drawing.add(legend)
    return drawing


def chart_for(report: Any, table: Any, width: float) -> Drawing | None:
    """The table's chart (never of a partner export's suppressed counts), the same on paper and screen."""
    if not table.chart or report.anonymized or table.total == 0:
        return None
    register_fonts()
    rows = [r.label for r in table.rows]
    if table.chart == "pie":
        return pie(table.title, rows, [r[0] for r in table.cells], width)
    keep = [j for j in range(len(table.columns)) if any(r[j] for r in table.cells)]
    if table.single_column or (table.chart == "bar" and len(keep) <= 1):
        return horizontal_bars(table.title, rows, table.row_totals, width)
    series = [table.columns[j].label for j in keep]
    values = [[r[j] for r in table.cells] for j in keep]
    if table.chart == "bar":  # many categories (nationalities): horizontal, split by the columns (sex)
        return horizontal_bars(table.title, rows, values, width, series)
    return stacked_bars(table.title, rows, series, values, width)


def chart_svg(report: Any, table: Any, width: float = 500) -> bytes | None:
    """The same drawing as SVG, for the window."""
    from reportlab.graphics import renderSVG

    drawing = chart_for(report, table, width)
    if drawing is None:
        return None
    svg = renderSVG.drawToString(drawing)
    # What Qt's SVG renderer needs to draw it as the PDF does: no clip path (it would paint the
    # whole chart black), and the PDF's font (DejaVu Sans) by its family name.
    svg = re.sub(r"<clipPath id=\"clip\">.*?</clipPath>", "", svg, flags=re.S)
    svg = svg.replace(' style="clip-path: url(#clip)"', "")
    svg = svg.replace(f"font-family: {BOLD};", "font-family: DejaVu Sans; font-weight: bold;")
    svg = svg.replace(f"font-family: {REGULAR};", "font-family: DejaVu Sans;")
    return svg.encode("utf-8")
