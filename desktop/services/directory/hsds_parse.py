"""The HSDS 3.0 standard as Enlace reads it, and the pure parsing of its tables (no database, no files).

:func:`standard` reads the standard's own descriptor; :func:`parse_table` turns one CSV's rows
into typed rows and rejections; :func:`check_references` applies the cross-table rules. The
report types (:class:`Reject`, :class:`TableCounts`, :class:`ImportPreview`, …) live here too.
"""

from __future__ import annotations

import csv
import json
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any

from desktop.i18n import _, ngettext
from desktop.resources import resource_path
from desktop.services.core.bounded import ImportLimits, LimitExceeded, RowCounter, csv_rows, text_lines
from desktop.services.directory import valid_email
from desktop.services.directory.hours import validate_rrule
from desktop.store.models.directory import HSDS_COLUMN_RENAMES

# --- the standard -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    name: str
    column: str
    type: str  # string, number, date, time, datetime
    format: str | None
    required: bool
    enum: tuple[str, ...] | None


@dataclass(frozen=True)
class TableSpec:
    name: str
    path: str
    fields: tuple[FieldSpec, ...]
    references: dict[str, str]  # field → referenced table (every *_id uuid field we know the target of)

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]


DESCRIPTOR_PATH = "resources/hsds/hsds-3.0-datapackage.json"
# Table order for writing: every table after the tables its required references point at.
WRITE_ORDER = ("organization", "program", "taxonomy", "taxonomy_term", "attribute", "service", "location",
               "service_at_location", "cost_option", "organization_identifier", "address", "contact", "phone",
               "schedule", "funding", "service_area", "required_document", "language", "accessibility",
               "metadata", "meta_table_description")
# Optional references whose target is not declared as a foreign key in the descriptor.
EXTRA_REFERENCES = {("organization", "parent_organization_id"): "organization",
                    ("taxonomy_term", "parent_id"): "taxonomy_term",
                    ("taxonomy_term", "taxonomy_id"): "taxonomy"}


@cache
def descriptor_bytes() -> bytes:
    return resource_path(DESCRIPTOR_PATH).read_bytes()


@cache
def standard() -> dict[str, TableSpec]:
    """The HSDS 3.0 tables, read from the standard's own descriptor."""
    data = json.loads(descriptor_bytes())
    tables = {}
    for resource in data["resources"]:
        name = resource["name"]
        refs = {fk["fields"]: fk["reference"]["resource"] for fk in resource["schema"].get("foreignKeys") or []}
        refs.update({f: t for (tbl, f), t in EXTRA_REFERENCES.items() if tbl == name})
        fields = []
        for f in resource["schema"]["fields"]:
            constraints = f.get("constraints", {})
            fields.append(FieldSpec(f["name"], HSDS_COLUMN_RENAMES.get((name, f["name"]), f["name"]), f["type"],
                                    f.get("format"), bool(constraints.get("required")),
                                    tuple(constraints["enum"]) if "enum" in constraints else None))
        tables[name] = TableSpec(name, resource["path"], tuple(fields), refs)
    return tables


def required_reference(table: str, field_name: str) -> bool:
    spec = standard()[table]
    return field_name in spec.references and any(f.name == field_name and f.required for f in spec.fields)


# --- reports ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reject:
    """One refused row: ``row`` is the spreadsheet row number (the header is row 1; 0: the whole file)."""

    file: str
    row: int
    field: str
    reason: str

    def line(self) -> str:
        if self.row == 0:
            return _("{file}: {reason}").format(file=self.file, reason=self.reason)
        return _("{file}, row {row}, field {field}: {reason}").format(
            file=self.file, row=self.row, field=self.field or "—", reason=self.reason)


@dataclass
class TableParse:
    table: str
    file: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)


@dataclass
class TableCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0


@dataclass
class ImportPreview:
    """What an import would do. ``tables`` holds the accepted rows, ready for :func:`apply_import`."""

    source: str
    counts: dict[str, TableCounts]
    rejects: list[Reject]
    warnings: list[str]
    notices: list[str]
    tables: dict[str, list[dict[str, Any]]]

    @property
    def total_rejected(self) -> int:
        return len(self.rejects)

    @property
    def total_accepted(self) -> int:
        return sum(len(rows) for rows in self.tables.values())

    @property
    def changes(self) -> int:
        return sum(c.new + c.updated for c in self.counts.values())


@dataclass(frozen=True)
class ImportResult:
    counts: dict[str, TableCounts]
    rejected: int


# --- parsing one table ------------------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME_RE = re.compile(r"^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")


def _convert(spec: FieldSpec, raw: str) -> Any:
    """Raw CSV text → typed value; raises ValueError with a translated reason."""
    return _converter(spec)(raw)


@cache
def _converter(spec: FieldSpec) -> Callable[[str], Any]:
    """The conversion function for one field, built once (parsing calls it for every value)."""
    if spec.format == "uuid":
        def to_uuid(raw: str) -> uuid.UUID:
            try:
                return uuid.UUID(raw.strip())
            except ValueError:
                raise ValueError(_("“{value}” is not a valid id (HSDS 3.0 ids are UUIDs)").format(value=raw)) from None
        return to_uuid
    if spec.type == "string":
        if spec.enum is not None:
            allowed = spec.enum

            def to_enum(raw: str) -> str:
                value = raw.strip()
                if value not in allowed:
                    raise ValueError(_("“{value}” is not one of: {allowed}").format(value=raw,
                                                                                   allowed=", ".join(allowed)))
                return value
            return to_enum
        if spec.format == "email":
            def to_email(raw: str) -> str:
                if not valid_email(raw.strip()):
                    raise ValueError(_("“{value}” is not an email address").format(value=raw))
                return raw
            return to_email
        if spec.format == "uri":
            def to_uri(raw: str) -> str:
                if not _URI_RE.match(raw.strip()):
                    raise ValueError(_("“{value}” is not a web address (URI)").format(value=raw))
                return raw
            return to_uri
        return str
    if spec.type == "number":
        def to_number(raw: str) -> float:
            try:
                value = float(raw.strip())
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise ValueError(_("“{value}” is not a number").format(value=raw))
            return value
        return to_number
    if spec.type == "date":
        def to_date(raw: str) -> date:
            try:
                if not _DATE_RE.match(raw.strip()):
                    raise ValueError
                return date.fromisoformat(raw.strip())
            except ValueError:
                raise ValueError(_("“{value}” is not a date (use YYYY-MM-DD)").format(value=raw)) from None
        return to_date
    if spec.type == "time":
        def to_time(raw: str) -> time:
            match = _TIME_RE.match(raw.strip())
            try:
                if not match:
                    raise ValueError
                return time(int(match.group(1)), int(match.group(2)), int(match.group(3) or 0))
            except ValueError:
                raise ValueError(_("“{value}” is not a time of day (use HH:MM:SS)").format(value=raw)) from None
        return to_time
    if spec.type == "datetime":
        def to_datetime(raw: str) -> datetime:
            try:
                value = datetime.fromisoformat(raw.strip())
            except ValueError:
                raise ValueError(_("“{value}” is not a date and time (use ISO 8601, e.g. "
                                   "2024-03-15T10:30:00Z)").format(value=raw)) from None
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return to_datetime
    return str


def parse_table(table: str, text: str, file: str, limits: ImportLimits | None = None,
                counter: RowCounter | None = None) -> TableParse:
    """Parse one HSDS CSV: typed rows keyed by column name, plus rejected rows and notices.

    Checks the header (a missing required column refuses the whole file; unknown columns are
    ignored with a notice), each value's type and format, required values, duplicate ids, and
    a schedule's RRULE. Pure: no database. Past ``limits`` (rows, columns, cells, characters in
    a cell; ``counter`` counts cells across the tables of one package) it raises LimitExceeded.
    """
    spec = standard()[table]
    result = TableParse(table, file)
    limits = limits or ImportLimits()
    if text.count("\n") > limits.max_rows:  # maybe too many rows: count them before converting any
        try:
            for number, _record in enumerate(csv.reader(text_lines(text, file, limits)), 1):
                if number > limits.max_rows:
                    raise LimitExceeded(file, "max_rows", limits.max_rows)
        except csv.Error:
            pass  # reported below, with its row number
    reader = csv_rows(text_lines(text, file, limits), file, limits, ",", counter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        result.rejects.append(Reject(file, 0, "", _("the file is not a readable CSV ({reason})").format(reason=exc)))
        return result
    if header is None:
        return result
    header = [h.strip().lstrip("\ufeff") for h in header]
    known = {f.name for f in spec.fields}
    missing = [name for name in spec.required_fields if name not in header]
    if missing:
        result.rejects.append(Reject(file, 0, missing[0], ngettext(
            "the required column “{columns}” is missing, so none of its rows can be read",
            "the required columns “{columns}” are missing, so none of its rows can be read",
            len(missing)).format(columns="”, “".join(missing))))
        return result
    unknown = [h for h in header if h and h not in known]
    if unknown:
        result.notices.append(_("{file}: unknown columns were ignored: {columns}").format(
            file=file, columns=", ".join(unknown)))
    positions = [(f, header.index(f.name), _converter(f)) for f in spec.fields if f.name in header]
    absent = [f.column for f in spec.fields if f.name not in header]
    seen: dict[uuid.UUID, int] = {}
    row_number = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            result.rejects.append(Reject(file, row_number + 1, "", _("the file is not a readable CSV ({reason})")
                                         .format(reason=exc)))
            break
        row_number += 1
        if not any(v.strip() for v in values):
            continue
        row: dict[str, Any] = dict.fromkeys(absent)
        problem: Reject | None = None
        width = len(values)
        for fspec, index, convert in positions:
            raw = values[index] if index < width else ""
            if not raw or raw.isspace():
                if fspec.required:
                    problem = Reject(file, row_number, fspec.name, _("a value is required"))
                    break
                row[fspec.column] = None
                continue
            try:
                row[fspec.column] = convert(raw)
            except ValueError as exc:
                problem = Reject(file, row_number, fspec.name, str(exc))
                break
        if problem is None and row["id"] in seen:
            problem = Reject(file, row_number, "id", _("duplicate id: row {row} already has it").format(
                row=seen[row["id"]]))
        if problem is None and table == "schedule":
            issues = validate_rrule(row)
            if issues:
                name, reason = next(iter(issues.items()))
                problem = Reject(file, row_number, name, reason)
        if problem is not None:
            result.rejects.append(problem)
            continue
        seen[row["id"]] = row_number
        result.rows.append(row)
        result.row_numbers.append(row_number)
    return result


# --- cross-table rules ------------------------------------------------------------------------


def check_references(parsed: dict[str, TableParse], existing: Callable[[str, set[uuid.UUID]], set[uuid.UUID]]
                     ) -> list[str]:
    """Apply the reference rules across tables, in place; return warnings.

    A row whose *required* reference (a service's organization, a service_at_location's service
    or location, …) is neither in the package nor in the directory is rejected, and so in turn
    are rows that needed it. A dangling *optional* reference is kept, with a warning.
    ``existing(table, ids)`` says which of ``ids`` the database already holds.
    """
    warnings: list[str] = []
    spec = standard()
    available: dict[str, set[uuid.UUID]] = {}

    def ids_of(table: str) -> set[uuid.UUID]:
        if table not in available:
            available[table] = {r["id"] for r in parsed[table].rows} if table in parsed else set()
        return available[table]

    for table in WRITE_ORDER:
        if table not in parsed:
            continue
        tp = parsed[table]
        tspec = spec[table]
        dangling: dict[str, set[uuid.UUID]] = {}
        keep_rows, keep_numbers = [], []
        wanted: dict[str, set[uuid.UUID]] = {}
        for fname, target in tspec.references.items():
            column = HSDS_COLUMN_RENAMES.get((table, fname), fname)
            refs = {r[column] for r in tp.rows if r.get(column) is not None} - ids_of(target)
            if refs:
                wanted[fname] = existing(target, refs)
        for row, number in zip(tp.rows, tp.row_numbers, strict=True):
            problem = None
            for fname, target in tspec.references.items():
                value = row.get(fname)
                if value is None or value in ids_of(target) or value in wanted.get(fname, set()):
                    continue
                if required_reference(table, fname):
                    problem = Reject(tp.file, number, fname, _(
                        "refers to {table} {id}, which is neither in the package (or was rejected there) nor in "
                        "the directory").format(table=target, id=value))
                    break
                dangling.setdefault(fname, set()).add(value)
            if problem:
                tp.rejects.append(problem)
                continue
            keep_rows.append(row)
            keep_numbers.append(number)
        tp.rows, tp.row_numbers = keep_rows, keep_numbers
        available.pop(table, None)
        for fname, values in sorted(dangling.items()):
            target = tspec.references[fname]
            warnings.append(ngettext(
                "{file}: {count} row refers through {field} to a record of {table} that is not in the package; "
                "it is kept as is and will be exported unchanged ({ids})",
                "{file}: {count} rows refer through {field} to records of {table} that are not in the package; "
                "they are kept as is and will be exported unchanged ({ids})", len(values)).format(
                file=tp.file, count=sum(1 for r in tp.rows if r.get(fname) in values), field=fname, table=target,
                ids=", ".join(sorted(str(v) for v in values)[:3]) + ("…" if len(values) > 3 else "")))
    return warnings
