"""Files that leave Enlace: written for their owner only, and spreadsheets that never run a formula.

- :func:`write_private` writes a file with personal data (a slip, an attendance sheet, a consent
  form, a certificate, an export, a recovery sheet) readable and writable by its owner only (mode
  0600 on POSIX), whole or not at all (``desktop.store.keys.write_private`` does the writing).
- :func:`spreadsheet_text` (CSV) and :func:`keep_text` (XLSX) make a text that begins with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return show as that text in Excel and LibreOffice, never
  as a formula. Data packages (HSDS) keep their values verbatim: they are data, not spreadsheets.
"""

from __future__ import annotations

import os
from pathlib import Path

from desktop.store import keys

__all__ = ["FORMULA_STARTS", "is_formula_like", "keep_text", "spreadsheet_text", "write_private"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def write_private(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` for its owner only (0600), atomically (a reader never sees half a file)."""
    target = Path(path)
    keys.write_private(target, data)
    return target


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def spreadsheet_text(value: object) -> object:
    """A CSV cell: text that a spreadsheet would read as a formula gets a leading apostrophe, which
    Excel and LibreOffice take as "this is text"; anything else is unchanged."""
    return "'" + value if is_formula_like(value) else value  # type: ignore[operator]


def keep_text(sheet) -> None:
    """Store every text of an openpyxl sheet as text: openpyxl stores a text beginning with ``=`` as
    a formula, which Excel and LibreOffice would run."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
