"""One way to find bundled files, in a source checkout, an installed wheel and a PyInstaller bundle."""

from __future__ import annotations

import sys
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


def _roots() -> list[Path]:
    roots: list[Path] = []
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        roots.append(Path(bundle))
    roots.append(_PACKAGE_DIR / "_data")  # built into the wheel: resources/, locale/
    roots.append(_PACKAGE_DIR)
    roots.append(_PACKAGE_DIR.parent)  # source checkout: resources/, i18n/
    return roots


def resource_path(relative: str) -> Path:
    """Return the first existing location of ``relative`` (e.g. ``"resources/fonts"``).

    Falls back to the source-checkout location so callers get a useful path in errors.
    """
    for root in _roots():
        candidate = root / relative
        if candidate.exists():
            return candidate
    return _PACKAGE_DIR.parent / relative
