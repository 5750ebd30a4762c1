"""Reading files nobody vouches for (spreadsheets, CSV, zips) within stated limits.

Every importer reads through here, so a small hostile file cannot take the memory or the time
of the office PC: a 5 KB workbook with one cell at XFD1048576, a merged range over the whole
sheet, one enormous shared string, two million empty rows, a zip whose members unpack to
gigabytes, an XML entity bomb. The rules:

* sizes are checked before reading: the file on disk, and every zip member's name and
  unpacked size (per member and in total) from the zip's directory, before anything is
  unpacked (Python's zip reader never returns more than the size declared there);
* workbooks are streamed row by row (openpyxl's own cell parser, our loop): the declared
  dimensions are never read, missing rows are not materialised, merged ranges are only
  reported (callers clip them to the cells that exist), and every XML part is parsed by
  defusedxml (no DTDs, no entities);
* CSV is decoded and split as a stream, line length bounded before the csv module sees it;
* rows, columns, cells and characters per cell are counted as they come and the read stops
  at the first limit passed with a :class:`LimitExceeded` whose translated message says which.

The limits are office settings (``office.import_limits``); :class:`ImportLimits` holds safe
defaults for callers without a database.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from desktop.i18n import N_, _
from desktop.services.core.errors import ValidationError

MB = 1_000_000
XLSX_MAX_COLUMNS = 16_384  # Excel's own last column (XFD); no row of a real workbook has more cells
XML_PART_BYTES = 10 * MB  # workbook, styles, relationships…: parsed whole by openpyxl, so kept small
XML_OTHER_ELEMENTS = 200_000  # elements of a sheet outside its rows (column widths, formats, merges…)
XML_INNER_ELEMENTS = 20_000  # elements inside one row, or inside one shared string (real ones hold dozens)
MERGES_KEPT = 1_000
CSV_LINE_CHARS = 2 * MB


@dataclass(frozen=True)
class ImportLimits:
    """What an import may read; each field is the office setting ``import_<field>``."""

    max_file_mb: int = 50
    max_rows: int = 100_000
    max_columns: int = 200
    max_cells: int = 2_000_000
    max_cell_chars: int = 32_767
    max_member_mb: int = 50
    max_unzipped_mb: int = 200
    max_members: int = 1_000

    @classmethod
    def setting_names(cls) -> dict[str, str]:
        """Field → office setting name."""
        return {f.name: f"import_{f.name}" for f in fields(cls)}

    @classmethod
    def defaults(cls) -> dict[str, int]:
        """Office setting name → default value."""
        base = cls()
        return {f"import_{f.name}": getattr(base, f.name) for f in fields(cls)}


LIMIT_LABELS = {
    "max_file_mb": N_("file size"),
    "max_rows": N_("rows"),
    "max_columns": N_("columns"),
    "max_cells": N_("filled cells"),
    "max_cell_chars": N_("characters in one cell"),
    "max_member_mb": N_("unpacked size of one file inside the zip"),
    "max_unzipped_mb": N_("unpacked size of all files inside the zip"),
    "max_members": N_("files inside the zip"),
}


class LimitExceeded(ValidationError):
    """A file goes past one of the office's import limits; nothing was imported."""

    def __init__(self, file: str, limit: str, allowed: int, found: str | int | None = None) -> None:
        self.file, self.limit, self.allowed = file, limit, allowed
        unit = " MB" if limit.endswith("_mb") else ""
        what = _(LIMIT_LABELS[limit])
        if found is None:
            text = _("{file} was not imported: it goes past the import limit for {what} ({allowed}).")
        else:
            text = _("{file} was not imported: it has {found} {what}; the import limit is {allowed}.")
        text += " " + _("Split it into smaller files, or ask an administrator to raise the limit "
                        "(office setting “{setting}”).")
        super().__init__(text.format(file=file, what=what, allowed=f"{allowed:,}{unit}", found=found,
                                     setting=f"import_{limit}"))


def damaged(file: str, kind: str = "file") -> ValidationError:
    if kind == "xlsx":
        return ValidationError(_("The file {name} is damaged or is not an Excel workbook. Open it in Excel and save "
                                 "it again, or save it as CSV.").format(name=file))
    return ValidationError(_("{name} is damaged or cannot be read safely. Open it where it was made and save it "
                             "again.").format(name=file))


# --- files and zips -----------------------------------------------------------------------------


def check_file_size(path: Path, limits: ImportLimits) -> int:
    """The size of a file, refused past ``max_file_mb`` before a byte is read."""
    size = os.stat(path).st_size
    if size > limits.max_file_mb * MB:
        raise LimitExceeded(path.name, "max_file_mb", limits.max_file_mb, f"{-(-size // MB):,} MB")
    return size


def read_file(path: Path, limits: ImportLimits) -> bytes:
    """A whole file, after :func:`check_file_size` (and never more than the limit, even if it grows)."""
    check_file_size(path, limits)
    with open(path, "rb") as fh:
        data = fh.read(limits.max_file_mb * MB + 1)
    if len(data) > limits.max_file_mb * MB:
        raise LimitExceeded(path.name, "max_file_mb", limits.max_file_mb)
    return data


def safe_member_name(name: str) -> bool:
    """No absolute paths, no ``..``, no drive letters, no control characters (backslashes read as ``/``)."""
    name = name.replace("\\", "/")
    if not name or name.startswith("/") or name[1:3] == ":/" or any(ord(c) < 32 for c in name):
        return False
    return ".." not in PurePosixPath(name).parts


def open_zip(source: Path | bytes | BinaryIO, limits: ImportLimits, file: str,
             wanted: set[str] | None = None, kind: str = "file") -> zipfile.ZipFile:
    """Open a zip after checking its directory: member count, names, encryption and unpacked sizes.

    ``wanted``: the members that will be read (default: all) must each fit ``max_member_mb``;
    the declared total of every member must fit ``max_unzipped_mb``. Raises LimitExceeded, or
    ValidationError for a damaged or encrypted zip.
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        archive = zipfile.ZipFile(source)
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
        raise damaged(file, kind) from exc
    try:
        check_zip_members(infos, limits, file, wanted, kind)
    except BaseException:
        archive.close()
        raise
    return archive


def check_zip_members(infos: list[zipfile.ZipInfo], limits: ImportLimits, file: str,
                      wanted: set[str] | None = None, kind: str = "file") -> None:
    if len(infos) > limits.max_members:
        raise LimitExceeded(file, "max_members", limits.max_members, f"{len(infos):,}")
    total = 0
    for info in infos:
        if not safe_member_name(info.filename) or info.flag_bits & 0x1:
            raise damaged(file, kind)
        total += info.file_size
        if (wanted is None or info.filename in wanted) and info.file_size > limits.max_member_mb * MB:
            raise LimitExceeded(file, "max_member_mb", limits.max_member_mb,
                                f"{-(-info.file_size // MB):,} MB")
    if total > limits.max_unzipped_mb * MB:
        raise LimitExceeded(file, "max_unzipped_mb", limits.max_unzipped_mb, f"{-(-total // MB):,} MB")


def read_member(archive: zipfile.ZipFile, member: str | zipfile.ZipInfo) -> bytes:
    """A member's bytes, unpacked 1 MB at a time.

    ``ZipFile.read`` hands the whole compressed member to zlib at once, so a member whose real
    size is far above the size its directory entry declares is unpacked in full before the
    declared size cuts it; in steps, the declared size (checked beforehand) is the bound.
    """
    parts = []
    with zipfile.ZipFile.open(archive, member) as fh:
        while True:
            chunk = fh.read(1 << 20)
            if not chunk:
                break
            parts.append(chunk)
    return b"".join(parts)


class _Stepped(io.RawIOBase):
    """A member stream whose ``read()`` without a size still unpacks in 1 MB steps."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self._raw.read(1 << 20):
                parts.append(chunk)
            return b"".join(parts)
        return self._raw.read(min(size, 1 << 20))

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()


class SteppedZipFile(zipfile.ZipFile):
    """A ZipFile whose every read unpacks in bounded steps (see :func:`read_member`)."""

    def read(self, name: Any, pwd: bytes | None = None) -> bytes:
        return read_member(self, name)

    def open(self, name: Any, mode: str = "r", pwd: bytes | None = None, **kwargs: Any) -> Any:
        raw = super().open(name, mode, pwd, **kwargs)
        return _Stepped(raw) if mode == "r" else raw


# --- text and CSV -------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """``utf-8-sig``/``utf-16`` by BOM, ``utf-8`` when every byte decodes, else ``cp1252``; no copy is kept."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), 1 << 20):
            decoder.decode(view[start:start + (1 << 20)], final=start + (1 << 20) >= len(view))
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")


def bounded_lines(stream: io.TextIOBase, file: str, limits: ImportLimits) -> Iterator[str]:
    """Physical lines of a text stream; a line longer than any real row could be refuses the file."""
    longest = min(CSV_LINE_CHARS, limits.max_columns * (limits.max_cell_chars + 3))
    while True:
        line = stream.readline(longest + 1)
        if not line:
            return
        if len(line) > longest and not line.endswith(("\n", "\r")):
            raise LimitExceeded(file, "max_cell_chars", limits.max_cell_chars)
        yield line.replace("\x00", "")


def text_lines(text: str, file: str, limits: ImportLimits) -> Iterator[str]:
    """:func:`bounded_lines` over text already in memory, without copying it into a stream."""
    longest = min(CSV_LINE_CHARS, limits.max_columns * (limits.max_cell_chars + 3))
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start, start + longest + 1)
        if end < 0:
            if size - start > longest:
                raise LimitExceeded(file, "max_cell_chars", limits.max_cell_chars)
            end = size - 1
        yield text[start:end + 1].replace("\x00", "")
        start = end + 1


@dataclass
class RowCounter:
    """Counts what a reader has taken, refusing past the limits (shared by CSV and XLSX)."""

    file: str
    limits: ImportLimits
    cells: int = 0

    def row(self, number: int, values: list[Any]) -> None:
        limits = self.limits
        if number > limits.max_rows:
            raise LimitExceeded(self.file, "max_rows", limits.max_rows)
        filled = 0
        for index, value in enumerate(values):
            if value is None or value == "":
                continue
            filled += 1
            if index >= limits.max_columns:
                raise LimitExceeded(self.file, "max_columns", limits.max_columns)
            if isinstance(value, str) and len(value) > limits.max_cell_chars:
                raise LimitExceeded(self.file, "max_cell_chars", limits.max_cell_chars, f"{len(value):,}")
        self.cells += filled
        if self.cells > limits.max_cells:
            raise LimitExceeded(self.file, "max_cells", limits.max_cells)


def csv_rows(lines: Iterator[str], file: str, limits: ImportLimits, delimiter: str = ",",
             counter: RowCounter | None = None) -> Iterator[list[str]]:
    """Records of a CSV stream (trailing empty cells dropped), each checked against the limits.

    Raises csv.Error for a malformed file (the caller decides what that means).
    """
    counter = counter or RowCounter(file, limits)
    try:
        for number, record in enumerate(csv.reader(lines, delimiter=delimiter), 1):
            while record and not record[-1]:
                record.pop()
            counter.row(number, record)
            yield record
    except csv.Error as exc:  # the csv module's own bound (128 K characters a field) is the first guard
        if "field larger than field limit" in str(exc):
            raise LimitExceeded(file, "max_cell_chars", limits.max_cell_chars) from exc
        raise


# --- XLSX ---------------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet as read: ``rows[i]`` is spreadsheet row i+1 (a tuple or list; missing rows are
    ``()``); ``merged`` the first merged ranges as (min_row, min_col, max_row, max_col), 1-based."""

    title: str
    rows: list[Any]
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _bounded_strings(src: BinaryIO, file: str, limits: ImportLimits) -> list[str]:
    """The shared strings table, each string within ``max_cell_chars``, at most ``max_cells`` of them."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    ns = SHEET_MAIN_NS
    tag = f"{{{ns}}}si"
    strings: list[str] = []
    root = None
    inner = 0  # elements of the string being read (rich-text runs): a string of a million runs is not a list
    for event, node in iterparse(src, events=("start", "end")):
        if root is None:
            root = node
            continue
        if event == "end" and node.tag != tag:
            inner += 1
            if inner > XML_INNER_ELEMENTS:
                raise damaged(file, "xlsx")
        elif event == "end":
            inner = 0
            text = Text.from_tree(node).content.replace("x005F_", "")
            if len(text) > limits.max_cell_chars:
                raise LimitExceeded(file, "max_cell_chars", limits.max_cell_chars, f"{len(text):,}")
            strings.append(text)
            root.clear()  # the parsed string's element goes; nothing accumulates
            if len(strings) > limits.max_cells:
                raise LimitExceeded(file, "max_cells", limits.max_cells)
    return strings


def _sheet(archive: zipfile.ZipFile, path: str, title: str, workbook: Any, shared: list[str], file: str,
           limits: ImportLimits, counter: RowCounter) -> Sheet:
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    ns = SHEET_MAIN_NS
    row_tag, cell_tag = f"{{{ns}}}row", f"{{{ns}}}c"
    merge_tag = f"{{{ns}}}mergeCell"
    inside_row = {cell_tag, f"{{{ns}}}v", f"{{{ns}}}f", f"{{{ns}}}is",
                  f"{{{ns}}}t", f"{{{ns}}}r", f"{{{ns}}}rPr"}
    rows: list[Any] = []
    merged: list[tuple[int, int, int, int]] = []
    cells_in_row = in_row = other = 0
    with archive.open(path) as src:
        parser = WorkSheetParser(src, shared, data_only=True, epoch=workbook.epoch,
                                 date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
        for _event, element in iterparse(src):
            tag = element.tag
            if tag == row_tag:
                number, cells = parser.parse_row(element)
                element.clear()
                cells_in_row = in_row = 0
                if number > limits.max_rows:
                    raise LimitExceeded(file, "max_rows", limits.max_rows)
                values = [c for c in cells if c["value"] is not None]
                if not values:
                    continue
                width = max(c["column"] for c in values)
                if width > limits.max_columns:
                    raise LimitExceeded(file, "max_columns", limits.max_columns)
                row: list[Any] = [None] * width
                for c in values:
                    row[c["column"] - 1] = c["value"]
                counter.row(number, row)
                if number <= len(rows):  # rows out of order: a damaged sheet
                    raise damaged(file, "xlsx")
                rows.extend([()] * (number - 1 - len(rows)))
                rows.append(row)
            elif tag in inside_row:
                if tag == cell_tag:
                    cells_in_row += 1
                    if cells_in_row > XLSX_MAX_COLUMNS:
                        raise LimitExceeded(file, "max_columns", limits.max_columns)
                in_row += 1
                if in_row > XML_INNER_ELEMENTS:  # a row's cells, values and rich-text runs, held until the row ends
                    if cells_in_row > limits.max_columns:
                        raise LimitExceeded(file, "max_columns", limits.max_columns)
                    raise damaged(file, "xlsx")
            else:
                if tag == merge_tag and len(merged) < MERGES_KEPT:
                    merged.append(_merge_bounds(element.get("ref", "")))
                element.clear()
                other += 1
                if other > XML_OTHER_ELEMENTS:
                    raise damaged(file, "xlsx")
    return Sheet(title, rows, [m for m in merged if m])


def _merge_bounds(ref: str) -> tuple[int, int, int, int] | None:
    from openpyxl.utils.cell import range_boundaries

    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref)
    except (ValueError, TypeError):
        return None
    if None in (min_col, min_row, max_col, max_row):
        return None
    return min_row, min_col, max_row, max_col


def read_xlsx(source: Path | bytes, file: str, limits: ImportLimits, first_only: bool = False) -> list[Sheet]:
    """The worksheets of a workbook (values only), streamed and bounded; see the module's rules.

    Raises LimitExceeded past a limit and ValidationError for a damaged, encrypted or unsafe file.
    """
    from openpyxl.reader.excel import ExcelReader

    data = read_file(source, limits) if isinstance(source, Path) else source
    if len(data) > limits.max_file_mb * MB:
        raise LimitExceeded(file, "max_file_mb", limits.max_file_mb, f"{-(-len(data) // MB):,} MB")
    checked = open_zip(data, limits, file, kind="xlsx")
    infos = checked.infolist()
    checked.close()
    archive = None
    try:
        sheets_paths = {i.filename for i in infos if i.filename.startswith("xl/worksheets/")}
        for info in infos:
            if info.filename not in sheets_paths and not info.filename.endswith("sharedStrings.xml") \
                    and info.filename.endswith((".xml", ".rels")) and info.file_size > XML_PART_BYTES:
                raise LimitExceeded(file, "max_member_mb", XML_PART_BYTES // MB, f"{-(-info.file_size // MB):,} MB")
        counter = RowCounter(file, limits)

        class BoundedReader(ExcelReader):
            def read_strings(self) -> None:
                from openpyxl.xml.constants import SHARED_STRINGS

                ct = self.package.find(SHARED_STRINGS)
                if ct is not None:
                    with self.archive.open(ct.PartName[1:]) as src:
                        self.shared_strings = _bounded_strings(src, file, limits)

            def read_worksheets(self) -> None:
                # Only where each sheet is: openpyxl's read-only sheet would scan the whole sheet for its size.
                self.sheet_paths = [(sheet.name, rel.target) for sheet, rel in self.parser.find_sheets()
                                    if rel.target in self.valid_files and "chartsheet" not in rel.Type]

            def read(self) -> None:
                from openpyxl.styles.stylesheet import apply_stylesheet

                self.read_manifest()
                self.read_strings()
                self.read_workbook()
                apply_stylesheet(self.archive, self.wb)  # which number formats are dates
                self.read_worksheets()

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about parts it drops and odd dates
            reader = BoundedReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
            reader.archive.close()
            archive = reader.archive = SteppedZipFile(io.BytesIO(data))
            reader.read()
            workbook = reader.wb
            result = []
            for title, path in reader.sheet_paths:
                result.append(_sheet(archive, path, title, workbook, reader.shared_strings, file, limits, counter))
                if first_only:
                    break
        return result
    except ValidationError:
        raise
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl and defusedxml raise many kinds of errors on malformed or unsafe XML
        raise damaged(file, "xlsx") from exc
    finally:
        if archive is not None:
            archive.close()
