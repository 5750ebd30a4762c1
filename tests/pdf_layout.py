"""Where the words of a PDF sit: boxes from poppler's ``pdftotext -bbox-layout``, and layout checks on them.

``assert_clean_layout(pdf)`` fails when two words overlap (text running out of a cell onto its
neighbour, a wrapped line drawn over the next row) or a word leaves the page (or its margin). Use
``page_lines(pdf)`` to check that a value was printed whole on one line (a code never split).
"""

from __future__ import annotations

import html
import re
import subprocess
from dataclasses import dataclass

_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_LINE = re.compile(r"<line[^>]*>(.*?)</line>", re.S)
_WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', re.S)


@dataclass(frozen=True)
class Box:
    """A word (or a line) on a page, in points from the top-left corner."""

    page: int
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    def overlaps(self, other: Box, tolerance: float) -> bool:
        return (self.page == other.page and self.x0 + tolerance < other.x1 and other.x0 + tolerance < self.x1
                and self.y0 + tolerance < other.y1 and other.y0 + tolerance < self.y1)


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float
    words: list[Box]
    lines: list[Box]  # a line's text is its words joined by one space


def pages(pdf: bytes) -> list[Page]:
    out = subprocess.run(["pdftotext", "-q", "-bbox-layout", "-", "-"], input=pdf, capture_output=True,
                         check=True).stdout.decode("utf-8")
    result = []
    for number, (width, height, body) in enumerate(_PAGE.findall(out), 1):
        words, lines = [], []
        for line in _LINE.findall(body):
            found = [Box(number, float(a), float(b), float(c), float(d), html.unescape(t))
                     for a, b, c, d, t in _WORD.findall(line)]
            if found:
                words += found
                lines.append(Box(number, min(w.x0 for w in found), min(w.y0 for w in found),
                                 max(w.x1 for w in found), max(w.y1 for w in found),
                                 " ".join(w.text for w in found)))
        result.append(Page(number, float(width), float(height), words, lines))
    return result


def page_lines(pdf: bytes) -> list[list[str]]:
    """Each page's lines of text, top to bottom as poppler reads them."""
    return [[line.text for line in page.lines] for page in pages(pdf)]


def layout_problems(pdf: bytes, *, tolerance: float = 0.75, margin: float = 0.0) -> list[str]:
    """Words that overlap another word, or that lie outside the page less ``margin`` points on each side."""
    problems = []
    for page in pages(pdf):
        for w in page.words:
            if w.x0 < margin - tolerance or w.y0 < margin - tolerance or w.x1 > page.width - margin + tolerance \
                    or w.y1 > page.height - margin + tolerance:
                problems.append(f"page {page.number}: {w.text!r} at ({w.x0:.1f}, {w.y0:.1f})–({w.x1:.1f}, "
                                f"{w.y1:.1f}) is outside the page ({page.width:.0f} × {page.height:.0f}, "
                                f"margin {margin:g})")
        ordered = sorted(page.words, key=lambda b: b.y0)
        for i, a in enumerate(ordered):  # sweep down the page: only words whose heights meet can overlap
            for b in ordered[i + 1:]:
                if b.y0 >= a.y1 - tolerance:
                    break
                if a.overlaps(b, tolerance):
                    problems.append(f"page {page.number}: {a.text!r} ({a.x0:.1f}, {a.y0:.1f})–({a.x1:.1f}, "
                                    f"{a.y1:.1f}) overlaps {b.text!r} ({b.x0:.1f}, {b.y0:.1f})–({b.x1:.1f}, "
                                    f"{b.y1:.1f})")
    return problems


def assert_clean_layout(pdf: bytes, *, tolerance: float = 0.75, margin: float = 0.0) -> None:
    problems = layout_problems(pdf, tolerance=tolerance, margin=margin)
    assert not problems, f"{len(problems)} layout problems:\n" + "\n".join(problems[:20])
