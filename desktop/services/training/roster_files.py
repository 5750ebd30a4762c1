"""Reading the files trainers bring (XLSX, CSV) into a :class:`Table` of cells, within the office's limits."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.services.core.bounded import (
    MB,
    ImportLimits,
    LimitExceeded,
    RowCounter,
    Sheet,
    bounded_lines,
    csv_rows,
    detect_encoding,
    read_file,
    read_xlsx,
    text_stream,
)
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


def read_csv_rows(data: bytes, limits: ImportLimits | None = None, filename: str = "") -> list[list[Any]]:
    """Rows of a delimited text file, whatever its encoding and delimiter, streamed within ``limits``."""
    limits = limits or ImportLimits()
    filename = filename or _("the file")
    encoding = detect_encoding(data)
    head = data[:65536].decode(encoding, errors="replace").lstrip("\ufeff").replace("\x00", "")
    delimiter = sniff_delimiter(head)
    try:
        return list(csv_rows(bounded_lines(text_stream(data, encoding), filename, limits), filename, limits,
                             delimiter))
    except csv.Error:
        # An unbalanced quote: fall back to plain splitting rather than refusing the file.
        counter = RowCounter(filename, limits)
        rows = []
        for number, line in enumerate(bounded_lines(text_stream(data, encoding), filename, limits), 1):
            row = line.rstrip("\r\n").split(delimiter)
            counter.row(number, row)
            rows.append(row)
        return rows


# -- reading files -------------------------------------------------------------------------------


def read_spreadsheet(data: bytes, filename: str, limits: ImportLimits | None = None) -> Table:
    """Cells of an XLSX workbook (the sheet that looks most like a participant list) or a CSV file.

    Raises ValidationError with a message the trainer can act on for protected, damaged or
    unsupported files, and LimitExceeded (naming the limit) for a file past the office's limits.
    """
    from desktop.services.core.errors import ValidationError

    limits = limits or ImportLimits()
    name = filename.lower()
    if len(data) > limits.max_file_mb * MB:
        raise LimitExceeded(filename, "max_file_mb", limits.max_file_mb, f"{-(-len(data) // MB):,} MB")
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
        return _read_xlsx(data, filename, limits)
    if name.endswith((".csv", ".txt", ".tsv")) or not name.rpartition(".")[1]:
        return Table(read_csv_rows(data, limits, filename), sheet="")
    raise ValidationError(_("{name}: only .xlsx and .csv files can be imported.").format(name=filename))


def read_spreadsheet_file(path: Path | str, limits: ImportLimits | None = None) -> Table:
    """:func:`read_spreadsheet` of a file on disk; its size is checked before it is read."""
    from desktop.services.core.errors import ValidationError

    path = Path(path)
    limits = limits or ImportLimits()
    try:
        data = read_file(path, limits)
    except OSError as exc:
        raise ValidationError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
    return read_spreadsheet(data, path.name, limits)


def _read_xlsx(data: bytes, filename: str, limits: ImportLimits) -> Table:
    from desktop.services.core.errors import ValidationError

    best: Table | None = None
    best_score = -1
    for sheet in read_xlsx(data, filename, limits):
        rows = _spread_merged(sheet, limits)
        index = find_header_row(rows)
        score = len(guess_mapping(rows[index])) if index >= 0 else 0
        if score > best_score:
            best, best_score = Table(rows, sheet=sheet.title), score
    if best is None:
        raise ValidationError(_("The file {name} is damaged or is not an Excel workbook. Open it in Excel and save "
                                "it again, or save it as CSV.").format(name=filename))
    return best


def _spread_merged(sheet: Sheet, limits: ImportLimits) -> list[Any]:
    """Every cell of a merged block gets the block's value, within the cells the sheet really has.

    A header spread over two rows is found on whichever row holds the others, and an institution
    merged over rows applies to each. A block reaching past the rows read or the widest row is
    ignored (a range over the whole sheet hides the list, it does not describe it).
    """
    rows = sheet.rows
    width = max((len(r) for r in rows), default=0)
    budget = limits.max_cells
    for min_row, min_col, max_row, max_col in sheet.merged:
        if max_row > len(rows) or max_col > width:
            continue
        budget -= (max_row - min_row + 1) * (max_col - min_col + 1)
        if budget < 0:
            break
        first = rows[min_row - 1]
        value = first[min_col - 1] if min_col <= len(first) else None
        for r in range(min_row, max_row + 1):
            row = list(rows[r - 1])
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            row[min_col - 1:max_col] = [value] * (max_col - min_col + 1)
            rows[r - 1] = row
    return rows
