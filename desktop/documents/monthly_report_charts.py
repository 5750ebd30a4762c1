"""Charts of the monthly report, drawn with ReportLab graphics (vector, in the PDF's own fonts)."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.piecharts import Pie
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors

from desktop.documents.fonts import BOLD, REGULAR
from desktop.i18n import format_number, format_percent

PALETTE = [colors.HexColor(c) for c in ("#1f5f8b", "#e07b39", "#5a9e4b", "#b8860b", "#8c5a9e", "#4aa3a3",
                                        "#c04a4a", "#7f7f7f", "#2e8b57", "#d4a017")]
MAX_BARS = 10


def _short(text: str, limit: int = 28) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(drawing: Drawing, x: float, y: float, names: Sequence[str], columns: int = 4) -> None:
    legend = Legend()
    legend.x, legend.y = x, y
    legend.fontName, legend.fontSize = REGULAR, 7
    legend.alignment = "right"
    legend.columnMaximum = max(1, -(-len(names) // columns))
    legend.dx = legend.dy = 7
    legend.deltay = 11
    legend.deltax = 120
    legend.colorNamePairs = [(PALETTE[i % len(PALETTE)], _short(n, 24)) for i, n in enumerate(names)]
    drawing.add(legend)


def stacked_bars(title: str, categories: Sequence[str], series: Sequence[str], values: Sequence[Sequence[float]],
                 width: float, height: float = 215) -> Drawing:
    """Vertical bars per category, stacked by series (``values[series][category]``)."""
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=BOLD, fontSize=9))
    chart = VerticalBarChart()
    rows = max(1, -(-len(series) // 4))
    chart.x, chart.y = 34, 48 + 11 * rows + (14 if len(categories) > 5 else 0)
    chart.width, chart.height = width - 44, height - chart.y - 22
    chart.data = [list(v) for v in values] or [[0]]
    chart.categoryAxis.categoryNames = [_short(c, 30 if len(categories) <= 3 else 16) for c in categories] or [""]
    chart.categoryAxis.style = "stacked"
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 25 if len(categories) > 5 else 0
    chart.categoryAxis.labels.boxAnchor = "ne" if len(categories) > 5 else "n"
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
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
    _legend(drawing, 34, 11 * rows + 2, series)
    return drawing


def horizontal_bars(title: str, categories: Sequence[str], values: Sequence[float], width: float) -> Drawing:
    """One bar per category, largest first (the first :data:`MAX_BARS`)."""
    pairs = sorted(zip(categories, values, strict=True), key=lambda p: -p[1])[:MAX_BARS]
    height = 40 + 16 * max(1, len(pairs))
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 11, title, fontName=BOLD, fontSize=9))
    chart = HorizontalBarChart()
    chart.x, chart.y = 130, 10
    chart.width, chart.height = width - 170, height - 30
    chart.data = [[v for _c, v in reversed(pairs)] or [0]]
    chart.categoryAxis.categoryNames = [_short(c, 24) for c, _v in reversed(pairs)] or [""]
    chart.categoryAxis.labels.fontName = REGULAR
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.labels.fontName = REGULAR
    chart.valueAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labelTextFormat = lambda v: format_number(int(v)) if float(v).is_integer() else ""
    if max([v for _c, v in pairs] or [0]) < 5:
        chart.valueAxis.valueMax = 5
        chart.valueAxis.valueStep = 1
    chart.bars[0].fillColor = PALETTE[0]
    chart.bars[0].strokeColor = None
    chart.barLabelFormat = lambda v: format_number(int(v))
    chart.barLabels.fontName = REGULAR
    chart.barLabels.fontSize = 7
    chart.barLabels.boxAnchor = "w"
    chart.barLabels.dx = 3
    drawing.add(chart)
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
                              f"{_short(c, 30)}: {format_number(int(v))} ({format_percent(round(v / total, 3), 1)})")
                             for i, (c, v) in enumerate(pairs)]
    drawing.add(legend)
    return drawing
