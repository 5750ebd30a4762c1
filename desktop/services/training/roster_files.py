"""Reading the files trainers bring (XLSX, CSV) into a :class:`Table` of cells, within the office's limits."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from desktop.i18n import _
from desktop.services.training.roster_cells import find_header_row, guess_mapping


@dataclass
class Table:
    """Cells of one sheet, as read: ``rows[i][j]`` is a str, number, date or None."""

    rows: list[list[Any]]
    sheet: str = ""
    notes: list[str] = field(default_factory=list)


# -- text files ------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 with or without BOM, UTF-16 with BOM (Excel "Unicode text"), else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The delimiter (``,`` ``;`` or tab) that splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:40] if line.strip()]
    best, best_score = ",", (-1, -1)
    for delimiter in (";", ",", "\t"):
        try:
            counts = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        except csv.Error:
            continue
        if not counts:
            continue
        mode, freq = Counter(counts).most_common(1)[0]
        score = (freq if mode > 1 else 0, mode)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_csv_rows(data: bytes) -> list[list[Any]]:
    """Rows of a delimited text file, whatever its encoding and delimiter."""
    text = decode_text(data).replace("\x00", "")
    delimiter = sniff_delimiter(text)
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error:
        # An unbalanced quote: fall back to plain splitting rather than refusing the file.
        return [line.split(delimiter) for line in text.splitlines()]


# -- reading files -------------------------------------------------------------------------------


def read_spreadsheet(data: bytes, filename: str) -> Table:
    """Cells of an XLSX workbook (the sheet that looks most like a participant list) or a CSV file.

    Raises ValidationError with a message the trainer can act on for protected, damaged or
    unsupported files.
    """
    from desktop.services.core.errors import ValidationError

    name = filename.lower()
    if not data.strip():
        raise ValidationError(_("The file {name} is empty.").format(name=filename))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        if "EncryptionInfo".encode("utf-16-le") in data or b"EncryptedPackage" in data \
                or "EncryptedPackage".encode("utf-16-le") in data:
            raise ValidationError(_("The workbook {name} is protected with a password. Open it in Excel, remove the "
                                    "password (File › Info › Protect workbook), save it and try again.").format(
                name=filename))
        raise ValidationError(_("{name} is in the old Excel 97–2003 format. Open it in Excel or LibreOffice and "
                                "save it as .xlsx or CSV.").format(name=filename))
    if data.startswith(b"PK") or name.endswith((".xlsx", ".xlsm")):
        return _read_xlsx(data, filename)
    if name.endswith((".csv", ".txt", ".tsv")) or not name.rpartition(".")[1]:
        return Table(read_csv_rows(data), sheet="")
    raise ValidationError(_("{name}: only .xlsx and .csv files can be imported.").format(name=filename))


def _read_xlsx(data: bytes, filename: str) -> Table:
    import warnings

    from openpyxl import load_workbook

    from desktop.services.core.errors import ValidationError

    damaged = _("The file {name} is damaged or is not an Excel workbook. Open it in Excel and save it again, "
                "or save it as CSV.").format(name=filename)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation and styles it drops
            workbook = load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise ValidationError(damaged) from exc
    except Exception as exc:  # openpyxl raises many kinds of errors on malformed XML
        raise ValidationError(damaged) from exc
    best: Table | None = None
    best_score = -1
    for sheet in workbook.worksheets:
        rows = [list(r) for r in sheet.iter_rows(values_only=True)]
        for merged in list(sheet.merged_cells.ranges):
            # Every cell of a merged block gets the block's value: a header spread over two rows is
            # found on whichever row holds the others, and an institution merged over rows applies to each.
            value = sheet.cell(merged.min_row, merged.min_col).value
            for r in range(merged.min_row, min(merged.max_row, len(rows)) + 1):
                row = rows[r - 1]
                if len(row) < merged.max_col:
                    row.extend([None] * (merged.max_col - len(row)))
                for c in range(merged.min_col, merged.max_col + 1):
                    row[c - 1] = value
        index = find_header_row(rows)
        score = len(guess_mapping(rows[index])) if index >= 0 else 0
        if score > best_score:
            best, best_score = Table(rows, sheet=sheet.title), score
    workbook.close()
    if best is None:
        raise ValidationError(damaged)
    return best
