"""Import and export of Open Referral HSDS 3.0 tabular data packages.

A package is a folder or a ``.zip`` holding ``datapackage.json`` and the CSV files the standard
names (``organizations.csv``, ``services.csv``, …). Importing is two steps, so nothing changes
before the user has seen what would:

1. :func:`preview_import` reads and validates everything and compares it with the database:
   per table, how many rows are new, updated, unchanged or rejected, and why each rejected row
   was refused (file, row number, field, reason). It writes nothing.
2. :func:`apply_import` writes the accepted rows in one transaction (new rows inserted, known
   ids updated, so re-importing never duplicates).

The pure pieces are separate so they can be fuzzed: :func:`read_package_bytes` (container →
files), :func:`decode_csv` (bytes → text), :func:`parse_table` (CSV text → typed rows and
rejections) and :func:`check_references` (cross-table rules).

:func:`export_package` writes the standard's descriptor unchanged plus one CSV per table with the
standard's columns, rows sorted by id, values in a canonical form: exporting what was imported
from an export gives the same bytes.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import cache
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop.i18n import _, ngettext
from desktop.resources import resource_path
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.directory import refresh_search_text, valid_email
from desktop.services.directory.hours import validate_rrule
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models.directory import HSDS_COLUMN_RENAMES, HSDS_MODELS, Service, ServiceAtLocation

MAX_FILE_BYTES = 50 * 1000 * 1000  # a "50 MB" CSV is refused before it is read
BATCH = 1000

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]


class PackageError(ValidationError):
    """The package cannot be read at all (no descriptor, broken zip, file too large, …)."""


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


# --- reading the container --------------------------------------------------------------------


def _too_large(name: str, size: int) -> PackageError:
    return PackageError(_("{file} is too large to import ({size} MB; the limit is {limit} MB). Split the "
                          "directory into smaller packages.").format(
        file=name, size=math.ceil(size / 1_000_000), limit=MAX_FILE_BYTES // 1_000_000))


def read_package_bytes(path: Path) -> tuple[bytes, dict[str, bytes]]:
    """Read a package folder or zip: (``datapackage.json`` bytes, {file name: bytes} of its CSVs).

    Raises ``PackageError`` with a clear message for a missing path, a broken zip, a missing
    ``datapackage.json`` or a file over the size limit. A zip may hold the package in one folder.
    """
    path = Path(path)
    if not path.exists():
        raise PackageError(_("{path} does not exist.").format(path=path))
    files: dict[str, bytes] = {}
    if path.is_dir():
        descriptor = path / "datapackage.json"
        if not descriptor.is_file():
            raise PackageError(_("{path} has no datapackage.json: it is not an Open Referral data package "
                                 "(a folder or .zip with datapackage.json and the CSV files).").format(path=path))
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() in (".csv", ".json"):
                size = item.stat().st_size
                if size > MAX_FILE_BYTES:
                    raise _too_large(item.name, size)
                files[item.name] = item.read_bytes()
        return files.pop("datapackage.json"), {k: v for k, v in files.items() if k.lower().endswith(".csv")}
    if path.stat().st_size > 20 * MAX_FILE_BYTES:
        raise _too_large(path.name, path.stat().st_size)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()
                     and not PurePosixPath(i.filename).name.startswith(".") and "__MACOSX" not in i.filename]
            descriptors = [i for i in infos if PurePosixPath(i.filename).name == "datapackage.json"]
            if not descriptors:
                raise PackageError(_("{path} has no datapackage.json: it is not an Open Referral data package "
                                     "(a folder or .zip with datapackage.json and the CSV files).").format(path=path))
            root = PurePosixPath(min(descriptors, key=lambda i: i.filename.count("/")).filename).parent
            for info in infos:
                item = PurePosixPath(info.filename)
                if item.parent != root or item.suffix.lower() not in (".csv", ".json"):
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    raise _too_large(item.name, info.file_size)
                files[item.name] = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise PackageError(_("{path} is not a readable zip file ({reason}). Open it on the computer it came "
                             "from, or ask for the package again.").format(path=path.name, reason=exc)) from exc
    return files.pop("datapackage.json"), {k: v for k, v in files.items() if k.lower().endswith(".csv")}


def decode_csv(data: bytes, file: str) -> tuple[str, list[str]]:
    """Bytes → text. UTF-8 (with or without BOM) is expected; Windows-1252 is read with a notice."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        notice = _("{file} is not UTF-8; it was read as Windows-1252 (Excel's default). Check the accents "
                   "in the preview.").format(file=file)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        notice = _("{file} is not UTF-8; it was read as Latin-1. Check the accents in the preview.").format(file=file)
    return text, [notice]


def resource_files(descriptor: bytes, files: dict[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """Match the package's files to the standard's tables: ({table: file name}, notices)."""
    try:
        data = json.loads(descriptor.decode("utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError(_("it is not a JSON object"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError(_("datapackage.json cannot be read: {reason}").format(reason=exc)) from exc
    spec = standard()
    declared: dict[str, str] = {}
    for resource in data.get("resources") or []:
        if isinstance(resource, dict) and resource.get("name") in spec and isinstance(resource.get("path"), str):
            declared[resource["name"]] = PurePosixPath(resource["path"]).name
    mapping, notices = {}, []
    by_lower = {name.lower(): name for name in files}
    for table, tspec in spec.items():
        for candidate in (declared.get(table), tspec.path):
            if candidate and candidate.lower() in by_lower:
                mapping[table] = by_lower[candidate.lower()]
                break
    unknown = sorted(set(files) - set(mapping.values()))
    if unknown:
        notices.append(_("Files that are not HSDS 3.0 tables were ignored: {files}").format(files=", ".join(unknown)))
    if not mapping:
        raise PackageError(_("The package holds none of the HSDS 3.0 tables (organizations.csv, services.csv, …)."))
    return mapping, notices


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


def parse_table(table: str, text: str, file: str) -> TableParse:
    """Parse one HSDS CSV: typed rows keyed by column name, plus rejected rows and notices.

    Checks the header (a missing required column refuses the whole file; unknown columns are
    ignored with a notice), each value's type and format, required values, duplicate ids, and
    a schedule's RRULE. Pure: no database.
    """
    spec = standard()[table]
    result = TableParse(table, file)
    reader = csv.reader(io.StringIO(text, newline=""))
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


def _existing_ids(session: Session) -> Callable[[str, set[uuid.UUID]], set[uuid.UUID]]:
    def lookup(table: str, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        model = HSDS_MODELS[table]
        found: set[uuid.UUID] = set()
        items = list(ids)
        for i in range(0, len(items), 500):
            found.update(session.scalars(select(model.id).where(model.id.in_(items[i:i + 500]))))
        return found

    return lookup


# --- preview and apply ------------------------------------------------------------------------


def _columns(table: str) -> list[str]:
    return [f.column for f in standard()[table].fields]


def _diff(session: Session, table: str, rows: list[dict[str, Any]]) -> tuple[list[dict], list[dict], int, list]:
    """Split rows into (new, changed, unchanged count, ids of soft-deleted rows to restore)."""
    model = HSDS_MODELS[table]
    cols = _columns(table)
    table_obj = model.__table__
    soft = "deleted_at" in table_obj.c
    current: dict[uuid.UUID, tuple] = {}
    deleted: set[uuid.UUID] = set()
    ids = [r["id"] for r in rows]
    selected = [table_obj.c[c] for c in cols] + ([table_obj.c.deleted_at] if soft else [])
    if not ids or session.execute(select(table_obj.c.id).limit(1)).first() is None:
        return list(rows), [], 0, []  # an empty table (a first import): everything is new
    if len(ids) > 5000:  # a big package: one scan of the table beats many IN lists
        wanted = set(ids)
        records = (r for r in session.execute(select(*selected)) if r[0] in wanted)
    else:
        records = (r for i in range(0, len(ids), 500)
                   for r in session.execute(select(*selected).where(table_obj.c.id.in_(ids[i:i + 500]))))
    for record in records:
        current[record[0]] = tuple(record[: len(cols)])
        if soft and record[-1] is not None:
            deleted.add(record[0])
    new, changed, unchanged, restore = [], [], 0, []
    for row in rows:
        before = current.get(row["id"])
        if before is None:
            new.append(row)
        elif before != tuple(row[c] for c in cols) or row["id"] in deleted:
            changed.append(row)
            if row["id"] in deleted:
                restore.append(row["id"])
        else:
            unchanged += 1
    return new, changed, unchanged, restore


def preview_tables(session: Session, source: str, parsed: dict[str, TableParse], notices: list[str]
                   ) -> ImportPreview:
    """Reference rules and the new/updated/unchanged/rejected comparison, without writing."""
    warnings = check_references(parsed, _existing_ids(session))
    counts, rejects, tables = {}, [], {}
    for table in WRITE_ORDER:
        if table not in parsed:
            continue
        tp = parsed[table]
        new, changed, unchanged, _restore = _diff(session, table, tp.rows)
        counts[table] = TableCounts(len(new), len(changed), unchanged, len(tp.rejects))
        rejects.extend(tp.rejects)
        notices.extend(tp.notices)
        tables[table] = tp.rows
    return ImportPreview(source, counts, rejects, warnings, notices, tables)


def parse_package(path: Path, progress: Progress | None = None, cancelled: IsCancelled | None = None
                  ) -> tuple[dict[str, TableParse], list[str]]:
    """Read a package from disk and parse every HSDS table in it (no database)."""
    descriptor, files = read_package_bytes(Path(path))
    mapping, notices = resource_files(descriptor, files)
    parsed: dict[str, TableParse] = {}
    missing = [standard()[t].path for t in standard() if t not in mapping]
    if missing:
        notices.append(_("Tables not in the package (nothing to import for them): {files}").format(
            files=", ".join(missing)))
    for done, (table, file) in enumerate(sorted(mapping.items())):
        if cancelled and cancelled():
            raise Cancelled()
        text, encoding_notices = decode_csv(files[file], file)
        notices.extend(encoding_notices)
        parsed[table] = parse_table(table, text, file)
        if progress:
            progress(done + 1, len(mapping) * 2)
    return parsed, notices


def preview_import(ctx: AppContext, path: Path | str, progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> ImportPreview:
    """Read, validate and compare a package with the directory; change nothing."""
    ctx.require(Permission.IMPORT_DIRECTORY)
    parsed, notices = parse_package(Path(path), progress, cancelled)
    with ctx.db.session() as session:
        return preview_tables(session, str(path), parsed, notices)


def _write(session: Session, table: str, rows: list[dict[str, Any]], by: str, now: datetime,
           cancelled: IsCancelled | None, tick: Callable[[int], None]) -> TableCounts:
    from sqlalchemy import insert

    model = HSDS_MODELS[table]
    table_obj = model.__table__
    cols = _columns(table)
    new, changed, unchanged, restore = _diff(session, table, rows)
    for i in range(0, len(new), BATCH):
        if cancelled and cancelled():
            raise Cancelled()
        chunk = [{**row, "created_at": now, "updated_at": now, "created_by": by, "updated_by": by, "version": 1}
                 for row in new[i:i + BATCH]]
        session.execute(insert(table_obj), chunk)
        tick(len(chunk))
    if changed:
        stmt = (update(table_obj).where(table_obj.c.id == bindparam("b_id"))
                .values({c: bindparam(f"b_{c}") for c in cols if c != "id"}
                        | {"updated_at": now, "updated_by": by, "version": table_obj.c.version + 1}))
        for i in range(0, len(changed), BATCH):
            if cancelled and cancelled():
                raise Cancelled()
            chunk = [{f"b_{c}": row[c] for c in cols} for row in changed[i:i + BATCH]]
            session.execute(stmt.execution_options(synchronize_session=False), chunk)
            tick(len(chunk))
    if restore:
        session.execute(update(table_obj).where(table_obj.c.id.in_(restore))
                        .values(deleted_at=None, deleted_by=None).execution_options(synchronize_session=False))
    return TableCounts(len(new), len(changed), unchanged, 0)


def apply_tables(session: Session, tables: dict[str, list[dict[str, Any]]], by: str,
                 progress: Progress | None = None, cancelled: IsCancelled | None = None) -> dict[str, TableCounts]:
    """Write accepted rows (insert new ids, update changed ones) inside the caller's transaction."""
    now = utcnow()
    total = sum(len(rows) for rows in tables.values()) or 1
    done = 0

    def tick(n: int) -> None:
        nonlocal done
        done += n
        if progress:
            progress(min(done, total), total)

    counts = {}
    for table in WRITE_ORDER:
        if table in tables:
            counts[table] = _write(session, table, tables[table], by, now, cancelled, tick)
    touched: set[uuid.UUID] = {r["id"] for r in tables.get("service", [])}
    touched |= {r["link_id"] for r in tables.get("attribute", []) if r.get("link_entity") in ("service", None)}
    touched |= {r["service_id"] for r in tables.get("service_at_location", [])}
    location_ids = list({r["location_id"] for r in tables.get("address", []) if r.get("location_id")})
    for i in range(0, len(location_ids), 500):
        touched |= set(session.scalars(select(ServiceAtLocation.service_id)
                                       .where(ServiceAtLocation.location_id.in_(location_ids[i:i + 500]))))
    org_ids = [r["id"] for r in tables.get("organization", [])]
    for i in range(0, len(org_ids), 500):
        touched |= set(session.scalars(select(Service.id).where(Service.organization_id.in_(org_ids[i:i + 500]))))
    if tables.get("taxonomy_term"):
        touched |= set(session.scalars(select(Service.id)))  # a renamed category changes many services' text
    existing_services = touched & set(session.scalars(select(Service.id))) if touched else set()
    if existing_services:
        refresh_search_text(session, existing_services)
    return counts


def apply_import(ctx: AppContext, preview: ImportPreview, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> ImportResult:
    """Write what the preview accepted, in one transaction (cancel rolls everything back)."""
    from sqlalchemy.exc import IntegrityError

    ctx.require(Permission.IMPORT_DIRECTORY)
    try:
        with ctx.db.transaction() as session:
            counts = apply_tables(session, preview.tables, ctx.username, progress, cancelled)
            if cancelled and cancelled():
                raise Cancelled()
            audit.record(session, ctx.username, "import", "directory", None, [],
                         {"format": "hsds-3.0", "rows": preview.total_accepted, "rejected": preview.total_rejected})
    except IntegrityError as exc:  # someone changed the directory between the preview and now
        raise ValidationError(_("The directory changed since the package was checked, so nothing was imported. "
                                "Read and check the package again.")) from exc
    for table, c in counts.items():
        c.rejected = preview.counts.get(table, TableCounts()).rejected
    return ImportResult(counts, preview.total_rejected)


def import_package(ctx: AppContext, path: Path | str, *, dry_run: bool = False, progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> tuple[ImportPreview, ImportResult | None]:
    """Preview, then (unless ``dry_run``) apply: the CLI's one-step import."""
    preview = preview_import(ctx, path, progress, cancelled)
    if dry_run or not preview.tables:
        return preview, None
    return preview, apply_import(ctx, preview, progress, cancelled)


# --- export -----------------------------------------------------------------------------------


def format_value(value: Any) -> str:
    """The canonical text of a stored value in an exported CSV."""
    if value is None:
        return ""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        value = value.astimezone(UTC) if value.tzinfo else value
        text = value.strftime("%Y-%m-%dT%H:%M:%S")
        if value.microsecond:
            text += ("." + f"{value.microsecond:06d}").rstrip("0")
        return text + "Z"
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def deleted_ids(session: Session) -> set[uuid.UUID]:
    """Ids of organizations, services and locations deleted in Enlace (left out of exports)."""
    ids: set[uuid.UUID] = set()
    for table in ("organization", "service", "location"):
        model = HSDS_MODELS[table]
        ids.update(session.scalars(select(model.id).where(model.deleted_at.is_not(None))))
    return ids


def _export_rows(session: Session, table: str, deleted: set[uuid.UUID]) -> Iterable[list[str]]:
    """Rows in id order; rows of deleted records, and rows that point at them, are left out (a deleted
    service's phones would otherwise point at nothing)."""
    model = HSDS_MODELS[table]
    table_obj = model.__table__
    columns = _columns(table)
    query = select(*[table_obj.c[c] for c in columns]).order_by(table_obj.c.id)
    if "deleted_at" in table_obj.c:
        query = query.where(table_obj.c.deleted_at.is_(None))
    watched = [i for i, c in enumerate(columns) if c in ("organization_id", "service_id", "location_id", "link_id")]
    for record in session.execute(query):
        if deleted and any(record[i] in deleted for i in watched):
            continue
        yield [format_value(v) for v in record]


def export_package(ctx: AppContext, out_dir: Path | str, progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> list[Path]:
    """Write the directory as an HSDS 3.0 tabular data package into ``out_dir`` (created if needed).

    ``datapackage.json`` is the standard's descriptor; every table gets its CSV (UTF-8, the
    standard's columns, header only when empty). Local extensions are not exported.
    """
    ctx.require(Permission.VIEW_DIRECTORY)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    tables = list(standard().values())
    with ctx.db.session() as session:
        deleted = deleted_ids(session)
        for done, spec in enumerate(tables):
            if cancelled and cancelled():
                raise Cancelled()
            target = out / spec.path
            with target.open("w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh, lineterminator="\n")
                writer.writerow([f.name for f in spec.fields])
                writer.writerows(_export_rows(session, spec.name, deleted))
            written.append(target)
            if progress:
                progress(done + 1, len(tables) + 1)
    descriptor = out / "datapackage.json"
    descriptor.write_bytes(descriptor_bytes())
    written.insert(0, descriptor)
    audit.log(ctx, "export", "directory", None, [], {"format": "hsds-3.0", "files": len(written)})
    if progress:
        progress(len(tables) + 1, len(tables) + 1)
    return written


def preview_lines(preview: ImportPreview) -> list[str]:
    """The preview as plain text lines (CLI and logs)."""
    lines = []
    for table, c in preview.counts.items():
        lines.append(_("{file}: {new} new, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
            file=standard()[table].path, new=c.new, updated=c.updated, unchanged=c.unchanged, rejected=c.rejected))
    lines.extend(preview.notices)
    lines.extend(preview.warnings)
    lines.extend(r.line() for r in preview.rejects)
    return lines
