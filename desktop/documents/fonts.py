"""Fonts with every Spanish glyph (á é í ó ú ü ñ ¿ ¡) for all PDFs."""

from __future__ import annotations

from pathlib import Path

from desktop.resources import resource_path

REGULAR = "EnlaceSans"
BOLD = "EnlaceSans-Bold"
ITALIC = "EnlaceSans-Oblique"

_CANDIDATES = {
    REGULAR: ["resources/fonts/DejaVuSans.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
    BOLD: ["resources/fonts/DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"],
    ITALIC: ["resources/fonts/DejaVuSans-Oblique.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf"],
}
_registered = False


def _find(candidates: list[str]) -> Path:
    for candidate in candidates:
        path = resource_path(candidate) if not candidate.startswith("/") else Path(candidate)
        if path.is_file():
            return path
    raise FileNotFoundError(candidates[0])


def font_files() -> list[Path]:
    """The font files the PDFs use (for a screen that must draw the same glyphs)."""
    return [_find(_CANDIDATES[name]) for name in (REGULAR, BOLD)]


def register_fonts() -> None:
    """Register the bundled DejaVu fonts with ReportLab (once)."""
    global _registered
    if _registered:
        return
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for name, candidates in _CANDIDATES.items():
        pdfmetrics.registerFont(TTFont(name, str(_find(candidates))))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, ITALIC)
    addMapping(REGULAR, 1, 1, BOLD)
    _registered = True
