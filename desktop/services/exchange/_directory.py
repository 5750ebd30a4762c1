"""Directory rows in a bundle: the HSDS 3.0 CSVs (the same files as an HSDS export) plus
``enlace_row_versions.csv`` (table, id, owning office, the row's version history).

Merging by id decides per row with the histories, never with clocks:

- the same content here and there: unchanged;
- our version is in the sender's history: the sender's is newer, it is taken;
- the sender's version is in our history: it is older (a replayed or late bundle), ours stays;
- neither: both changed since they last agreed, the row goes to the review queue.

A version is the first 16 hex digits of the SHA-256 of the row's canonical HSDS values.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.directory import hsds
from desktop.services.exchange._bundle import Resource
from desktop.store.models import ExchangeConflict, ExchangeRowHistory
from desktop.store.models.directory import HSDS_MODELS

VERSIONS = "enlace_row_versions"
VERSIONS_PATH = "directory/enlace_row_versions.csv"
HISTORY_CAP = 32
_CHUNK = 500


def row_hash(values: list[str]) -> str:
    return hashlib.sha256("\x1f".join(values).encode("utf-8")).hexdigest()[:16]


def _columns(table: str) -> list[str]:
    return [f.column for f in hsds.standard()[table].fields]


def _histories(session: Session, table: str, ids: list[uuid.UUID] | None) -> dict[uuid.UUID, tuple[str, list[str]]]:
    stmt = select(ExchangeRowHistory.row_id, ExchangeRowHistory.owner_office, ExchangeRowHistory.hashes).where(
        ExchangeRowHistory.table_name == table)
    if ids is None or len(ids) > 5000:
        wanted = None if ids is None else set(ids)
        return {r[0]: (r[1], r[2].split()) for r in session.execute(stmt) if wanted is None or r[0] in wanted}
    out = {}
    for i in range(0, len(ids), _CHUNK):
        out.update({r[0]: (r[1], r[2].split())
                    for r in session.execute(stmt.where(ExchangeRowHistory.row_id.in_(ids[i:i + _CHUNK])))})
    return out


def _save_histories(session: Session, table: str, rows: dict[uuid.UUID, tuple[str, list[str]]],
                    known: set[uuid.UUID]) -> None:
    stale = [i for i in rows if i in known]
    for i in range(0, len(stale), _CHUNK):
        session.execute(delete(ExchangeRowHistory).where(ExchangeRowHistory.table_name == table,
                                                         ExchangeRowHistory.row_id.in_(stale[i:i + _CHUNK])))
    items = [{"table_name": table, "row_id": k, "owner_office": owner, "hashes": " ".join(hashes[-HISTORY_CAP:])}
             for k, (owner, hashes) in rows.items()]
    for i in range(0, len(items), 2000):
        session.execute(insert(ExchangeRowHistory.__table__), items[i:i + 2000])  # Core: no ORM bulk bookkeeping


def owner_of(session: Session, table: str, row_id: uuid.UUID) -> str:
    """The office that owns a directory row ("" when it is this office's)."""
    return session.scalar(select(ExchangeRowHistory.owner_office).where(
        ExchangeRowHistory.table_name == table, ExchangeRowHistory.row_id == row_id)) or ""


def set_owner(session: Session, table: str, row_ids: list[uuid.UUID], office_code: str) -> None:
    """Mark rows as another office's (the demo's services of a partner office)."""
    histories = _histories(session, table, row_ids)
    _save_histories(session, table, {i: (office_code, histories.get(i, ("", []))[1]) for i in row_ids},
                    set(histories))


# -- export ------------------------------------------------------------------------------------


def export_resources(session: Session, own_code: str) -> tuple[list[Resource], dict[str, int]]:
    """The directory as bundle resources, and rows per table. Records each exported version in the histories."""
    descriptor = {r["name"]: r for r in json.loads(hsds.descriptor_bytes())["resources"]}
    deleted = hsds.deleted_ids(session)
    resources, counts = [], {}
    versions = io.StringIO()
    vwriter = csv.writer(versions, lineterminator="\n")
    vwriter.writerow(["table", "id", "owner", "history"])
    for table, spec in hsds.standard().items():
        table_obj = HSDS_MODELS[table].__table__
        columns = _columns(table)
        query = select(*[table_obj.c[c] for c in columns]).order_by(table_obj.c.id)
        if "deleted_at" in table_obj.c:
            query = query.where(table_obj.c.deleted_at.is_(None))
        watched = [i for i, c in enumerate(columns) if c in ("organization_id", "service_id", "location_id", "link_id")]
        histories = _histories(session, table, None)
        changed: dict[uuid.UUID, tuple[str, list[str]]] = {}
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow([f.name for f in spec.fields])
        n = 0
        for record in session.execute(query):
            if deleted and any(record[i] in deleted for i in watched):
                continue
            values = [hsds.format_value(v) for v in record]
            writer.writerow(values)
            n += 1
            owner, history = histories.get(record[0], ("", []))
            digest = row_hash(values)
            if not history or history[-1] != digest:
                history = [h for h in history if h != digest] + [digest]
                changed[record[0]] = (owner, history)
            vwriter.writerow([table, values[0], owner or own_code, " ".join(history[-HISTORY_CAP:])])
        _save_histories(session, table, changed, set(histories))
        counts[table] = n
        extra = {k: v for k, v in descriptor[table].items() if k not in ("name", "path")}
        resources.append(Resource(table, "directory/" + spec.path, text.getvalue().encode("utf-8"), extra))
    resources.append(Resource(VERSIONS, VERSIONS_PATH, versions.getvalue().encode("utf-8"),
                              {"format": "csv", "mediatype": "text/csv", "description":
                               "Enlace: owning office and version history (short SHA-256) of each directory row"}))
    return resources, counts


# -- import ------------------------------------------------------------------------------------


@dataclass
class TableMerge:
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    older: int = 0
    conflicts: int = 0


@dataclass
class DirectoryMerge:
    tables: dict[str, TableMerge] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    write: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    histories: dict[str, dict[uuid.UUID, tuple[str, list[str]]]] = field(default_factory=dict)
    known: dict[str, set[uuid.UUID]] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)

    def total(self, what: str) -> int:
        return sum(getattr(t, what) for t in self.tables.values())


def _read_versions(data: bytes | None) -> dict[tuple[str, str], tuple[str, list[str]]]:
    out: dict[tuple[str, str], tuple[str, list[str]]] = {}
    if not data:
        return out
    reader = csv.reader(io.StringIO(data.decode("utf-8")))
    next(reader, None)
    for row in reader:
        if len(row) == 4:
            out[(row[0], row[1])] = (row[2][:16], row[3].split()[-HISTORY_CAP:])
    return out


def _local_rows(session: Session, table: str, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    table_obj = HSDS_MODELS[table].__table__
    cols = [table_obj.c[c] for c in _columns(table)]
    if not ids or session.execute(select(table_obj.c.id).limit(1)).first() is None:
        return {}
    found: dict[uuid.UUID, list[str]] = {}
    if len(ids) > 5000:
        wanted = set(ids)
        records = (r for r in session.execute(select(*cols)) if r[0] in wanted)
    else:
        records = (r for i in range(0, len(ids), _CHUNK)
                   for r in session.execute(select(*cols).where(table_obj.c.id.in_(ids[i:i + _CHUNK]))))
    for record in records:
        found[record[0]] = [hsds.format_value(v) for v in record]
    return found


def _existing(session: Session):
    def lookup(table: str, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        model = HSDS_MODELS[table]
        items, found = list(ids), set()
        for i in range(0, len(items), _CHUNK):
            found.update(session.scalars(select(model.id).where(model.id.in_(items[i:i + _CHUNK]))))
        return found

    return lookup


def plan_merge(session: Session, resources: dict[str, bytes], sender: str, own_code: str) -> DirectoryMerge:
    """Compare the bundle's directory with this one, row by row; writes nothing."""
    merge = DirectoryMerge()
    spec = hsds.standard()
    parsed = {}
    for table in spec:
        if table in resources:
            text, _notices = hsds.decode_csv(resources[table], spec[table].path)
            parsed[table] = hsds.parse_table(table, text, spec[table].path)
    if not parsed:
        return merge
    merge.notes.extend(hsds.check_references(parsed, _existing(session)))
    for tp in parsed.values():
        merge.notes.extend(r.line() for r in tp.rejects)
    versions = _read_versions(resources.get(VERSIONS))
    for table in hsds.WRITE_ORDER:
        if table not in parsed or not parsed[table].rows:
            continue
        columns = _columns(table)
        rows = parsed[table].rows
        ids = [r["id"] for r in rows]
        local = _local_rows(session, table, ids)
        histories = _histories(session, table, ids) if local else {}
        counts, write, updates = TableMerge(), [], {}
        for row in rows:
            values = [hsds.format_value(row[c]) for c in columns]
            remote = row_hash(values)
            owner, remote_history = versions.get((table, values[0]), (sender, []))
            owner = "" if owner == own_code else owner
            remote_history = [h for h in remote_history if h != remote] + [remote]
            mine = local.get(row["id"])
            local_owner, local_history = histories.get(row["id"], ("", []))
            if mine is None:
                counts.new += 1
                write.append(row)
                updates[row["id"]] = (owner, remote_history)
                continue
            current = row_hash(mine)
            if current == remote or current in remote_history:
                if current == remote:
                    counts.unchanged += 1
                else:
                    counts.changed += 1
                    write.append(row)
                merged = [h for h in local_history if h not in remote_history] + remote_history
                if merged != local_history or owner != local_owner:
                    updates[row["id"]] = (owner or local_owner, merged)
            elif remote in local_history:
                counts.older += 1
            else:
                counts.conflicts += 1
                merge.conflicts.append({"table_name": table, "row_id": row["id"], "sender_office": sender,
                                        "local_values": json.dumps(dict(zip(columns, mine, strict=True)),
                                                                   ensure_ascii=False),
                                        "remote_values": json.dumps(dict(zip(columns, values, strict=True)),
                                                                    ensure_ascii=False),
                                        "remote_history": " ".join(remote_history)})
        merge.tables[table] = counts
        if write:
            merge.write[table] = write
        merge.histories[table] = updates
        merge.known[table] = set(histories)
    return merge


def apply_merge(session: Session, merge: DirectoryMerge, bundle_id: uuid.UUID, by: str) -> None:
    """Write a planned merge inside the caller's transaction (rows, histories, review queue)."""
    if merge.write:
        hsds.apply_tables(session, merge.write, by)
    for table, rows in merge.histories.items():
        _save_histories(session, table, rows, merge.known.get(table, set()))
    for item in merge.conflicts:
        already = session.scalar(select(ExchangeConflict.id).where(
            ExchangeConflict.table_name == item["table_name"], ExchangeConflict.row_id == item["row_id"],
            ExchangeConflict.status == "open", ExchangeConflict.remote_values == item["remote_values"]).limit(1))
        if already is None:
            session.add(ExchangeConflict(bundle_id=bundle_id, created_by=by, updated_by=by, **item))


def take_remote(session: Session, conflict: ExchangeConflict, by: str) -> None:
    """Write the other office's version of a row in the review queue."""
    table = conflict.table_name
    spec = hsds.standard()[table]
    values = json.loads(conflict.remote_values)
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow([f.name for f in spec.fields])
    writer.writerow([values.get(f.column, "") for f in spec.fields])
    parsed = hsds.parse_table(table, text.getvalue(), spec.path)
    if not parsed.rows:
        raise ValueError(_("The other office's version can no longer be read."))
    hsds.apply_tables(session, {table: parsed.rows}, by)
    _agree(session, conflict)


def _agree(session: Session, conflict: ExchangeConflict) -> None:
    """After a decision both versions are known here, so neither comes back as a conflict."""
    histories = _histories(session, conflict.table_name, [conflict.row_id])
    owner, history = histories.get(conflict.row_id, ("", []))
    remote = conflict.remote_history.split()
    columns = _columns(conflict.table_name)
    local = json.loads(conflict.local_values)
    merged = [*history, row_hash([local.get(c, "") for c in columns]), *remote]  # the remote version is current
    ordered = list(dict.fromkeys(reversed(merged)))[::-1]
    _save_histories(session, conflict.table_name, {conflict.row_id: (owner, ordered)}, set(histories))


def keep_local(session: Session, conflict: ExchangeConflict) -> None:
    """Keep this office's version; the other office's becomes an older version here."""
    histories = _histories(session, conflict.table_name, [conflict.row_id])
    owner, history = histories.get(conflict.row_id, ("", []))
    remote = conflict.remote_history.split()
    ordered = list(dict.fromkeys([h for h in remote if h not in history] + history))
    _save_histories(session, conflict.table_name, {conflict.row_id: (owner, ordered)}, set(histories))
