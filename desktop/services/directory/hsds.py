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
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services import office
from desktop.services.core.bounded import ImportLimits, RowCounter
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.directory import refresh_search_text
from desktop.services.directory.hsds_parse import (  # noqa: F401 (the module's public names)
    DESCRIPTOR_PATH,
    EXTRA_REFERENCES,
    WRITE_ORDER,
    FieldSpec,
    ImportPreview,
    ImportResult,
    Reject,
    TableCounts,
    TableParse,
    TableSpec,
    _convert,
    _converter,
    check_references,
    descriptor_bytes,
    parse_table,
    required_reference,
    standard,
)
from desktop.services.directory.hsds_read import (  # noqa: F401
    MAX_FILE_BYTES,
    PackageError,
    decode_csv,
    read_package,
    read_package_bytes,
    resource_files,
)
from desktop.services.security import audit
from desktop.store.base import utcnow
from desktop.store.models.directory import HSDS_MODELS, Service, ServiceAtLocation

BATCH = 1000

Progress = Callable[[int, int], None]
IsCancelled = Callable[[], bool]


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


def parse_package(path: Path, progress: Progress | None = None, cancelled: IsCancelled | None = None,
                  limits: ImportLimits | None = None) -> tuple[dict[str, TableParse], list[str]]:
    """Read a package from disk and parse every HSDS table in it (no database), within ``limits``."""
    limits = limits or ImportLimits()
    descriptor, files, read_notices = read_package(Path(path), limits)
    mapping, notices = resource_files(descriptor, files)
    notices = read_notices + notices
    counter = RowCounter(Path(path).name, limits)
    parsed: dict[str, TableParse] = {}
    missing = [standard()[t].path for t in standard() if t not in mapping]
    if missing:
        notices.append(_("Tables not in the package (nothing to import for them): {files}").format(
            files=", ".join(missing)))
    for done, (table, file) in enumerate(sorted(mapping.items())):
        if cancelled and cancelled():
            raise Cancelled()
        text, encoding_notices = decode_csv(files.pop(file), file)
        notices.extend(encoding_notices)
        parsed[table] = parse_table(table, text, file, limits, counter)
        del text
        if progress:
            progress(done + 1, len(mapping) * 2)
    return parsed, notices


def preview_import(ctx: AppContext, path: Path | str, progress: Progress | None = None,
                   cancelled: IsCancelled | None = None) -> ImportPreview:
    """Read, validate and compare a package with the directory; change nothing."""
    ctx.require(Permission.IMPORT_DIRECTORY)
    parsed, notices = parse_package(Path(path), progress, cancelled, office.import_limits(ctx.db))
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
