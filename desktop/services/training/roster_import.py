"""Importing participant lists from the spreadsheets trainers already have (XLSX, CSV).

Three modules, one responsibility each; every public name stays importable from here:

* :mod:`~desktop.services.training.roster_files`: files → a :class:`Table` of cells, bounded by
  the office's import limits (:func:`read_spreadsheet`, :func:`read_spreadsheet_file`).
* :mod:`~desktop.services.training.roster_cells`: pure functions (no database, never raise on bad
  cell values): headers → mapping, cells → values, :func:`parse_rows`. They are what a fuzzer exercises.
* this module: :func:`preview_import` (new / matched / rejected rows, nothing written) and
  :func:`apply_import` (one transaction).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from desktop.i18n import N_, _
from desktop.services.training.roster_cells import (  # noqa: F401 (the module's public names)
    DOCUMENT_TYPE_WORDS,
    FIELDS,
    MAX_HEADER_SCAN,
    SYNONYMS,
    ParsedRow,
    _text,
    find_header_row,
    guess_field,
    guess_mapping,
    mapping_problem,
    normalize_header,
    normalize_name,
    parse_date,
    parse_document,
    parse_document_type,
    parse_email,
    parse_phone,
    parse_rows,
    parse_sex,
    split_full_name,
)
from desktop.services.training.roster_files import (  # noqa: F401
    Table,
    decode_text,
    read_csv_rows,
    read_spreadsheet,
    read_spreadsheet_file,
    sniff_delimiter,
)

# -- preview and import ------------------------------------------------------------------------------

NEW, MATCHED, ENROLLED, REJECTED = "new", "matched", "enrolled", "rejected"
BATCH = 1000  # rows per lookup query, insert and audit statement

STATUS_LABELS = {NEW: N_("New person"), MATCHED: N_("Already registered"), ENROLLED: N_("Already in the course"),
                 REJECTED: N_("Rejected row")}


@dataclass
class PreviewRow:
    row_number: int
    status: str  # NEW, MATCHED (participant exists, will be enrolled), ENROLLED (nothing to do), REJECTED
    values: dict[str, Any]
    reasons: list[str]
    participant_id: uuid.UUID | None = None
    institution: str = ""  # catalog code; values["institution_text"] is the name as written


@dataclass
class ImportPreview:
    filename: str
    sheet: str
    header_index: int
    headers: list[str]
    mapping: dict[int, str]
    rows: list[PreviewRow]
    course_id: uuid.UUID | None
    unmapped: list[str] = field(default_factory=list)  # columns with data that will not be imported

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def importable(self) -> int:
        return self.count(NEW) + self.count(MATCHED)

    def unmapped_lines(self) -> list[str]:
        """One translated line per column of the file that will not be imported."""
        return [_("Column “{column}” will not be imported.").format(column=name) for name in self.unmapped]


@dataclass(frozen=True)
class ImportResult:
    created: int
    enrolled: int
    rejected: int


def unmapped_columns(rows: Sequence[Sequence[Any]], header_index: int, mapping: dict[int, str]) -> list[str]:
    """Names of the columns that hold a header or data but are mapped to no field, in file order.

    A column without a header is named by its letter ("column G").
    """
    from openpyxl.utils import get_column_letter

    header = rows[header_index] if 0 <= header_index < len(rows) else ()
    used: set[int] = {i for i, h in enumerate(header) if _text(h)}
    for raw in rows[header_index + 1:]:
        for i, value in enumerate(raw):
            if i not in used and value is not None and _text(value):
                used.add(i)
    names = []
    for index in sorted(used - set(mapping)):
        text = _text(header[index]) if index < len(header) else ""
        names.append(text or _("column {letter}").format(letter=get_column_letter(index + 1)))
    return names


def preview_import(ctx, table: Table, filename: str, course_id: uuid.UUID | None = None,
                   mapping: dict[int, str] | None = None, header_index: int | None = None,
                   remembered: dict[str, str] | None = None) -> ImportPreview:
    """Classify every row as new, matched (existing participant), already enrolled or rejected.

    Nothing is written. ``mapping``/``header_index`` come from the mapping step; when None they
    are guessed (``remembered`` holds the user's earlier choices by header text). Existing
    participants are looked up by document in batches (one query per batch, not per row);
    columns mapped to no field are listed in ``unmapped``.
    """
    from sqlalchemy import select

    from desktop.services import training
    from desktop.services.core.errors import ValidationError
    from desktop.services.core.permissions import Permission
    from desktop.store.models import Enrollment, Participant

    ctx.require(Permission.EDIT_TRAININGS)
    if header_index is None:
        header_index = find_header_row(table.rows, remembered)
    if header_index < 0 or header_index >= len(table.rows):
        raise ValidationError(_("No header row was found in the first {n} rows of {name}. The list needs a row "
                                "with column names such as Nombres, Apellidos, Cédula.").format(
            n=MAX_HEADER_SCAN, name=filename))
    headers = [_text(h) for h in table.rows[header_index]]
    if mapping is None:
        mapping = guess_mapping(table.rows[header_index], remembered)
    problem = mapping_problem(mapping)
    if problem:
        raise ValidationError(problem)
    parsed = parse_rows(table.rows, header_index, mapping)
    with ctx.db.session() as session:
        matcher = training.InstitutionMatcher(training.institution_choices(session))
        docs = sorted({r.values["document_number"] for r in parsed if r.values.get("document_number")})
        existing: dict[tuple[str, str], uuid.UUID] = {}
        by_number: dict[str, list[tuple[str, uuid.UUID]]] = {}
        for chunk_start in range(0, len(docs), BATCH):
            chunk = docs[chunk_start:chunk_start + BATCH]
            for pid, dtype, dnum in session.execute(
                    select(Participant.id, Participant.document_type, Participant.document_number)
                    .where(Participant.document_number.in_(chunk))):
                existing[(dtype, dnum)] = pid
                by_number.setdefault(dnum, []).append((dtype, pid))
        enrolled: set[uuid.UUID] = set()
        if course_id is not None:
            enrolled = set(session.scalars(select(Enrollment.participant_id).where(Enrollment.course_id == course_id)))
    institutions: dict[str, str] = {}  # a list names a handful of institutions many times
    typed = "document_type" in mapping.values()
    rows: list[PreviewRow] = []
    for row in parsed:
        reasons = row.problems + row.notes
        if row.problems:
            rows.append(PreviewRow(row.row_number, REJECTED, row.values, reasons))
            continue
        key = (row.values["document_type"], row.values["document_number"])
        pid = existing.get(key)
        if pid is None and not typed and len(by_number.get(key[1], ())) == 1:
            pid = by_number[key[1]][0][1]  # the file gives no type: the number alone identifies them
        text = row.values["institution_text"]
        institution = institutions.get(text)
        if institution is None:
            institution = institutions[text] = matcher.match(text)
        status = NEW if pid is None else ENROLLED if pid in enrolled else MATCHED
        rows.append(PreviewRow(row.row_number, status, row.values, reasons, pid, institution))
    return ImportPreview(filename, table.sheet, header_index, headers, dict(mapping), rows, course_id,
                         unmapped_columns(table.rows, header_index, mapping))


BLANK_FILLED = ("sex", "position", "municipality", "email", "phone")


def apply_import(ctx, preview: ImportPreview, progress=None, cancelled=None) -> ImportResult:
    """Write an accepted preview in one transaction: create new participants, fill blanks of
    matched ones (the institution's name as written included), enroll both in the course.
    Rejected rows are left out.

    In batches of :data:`BATCH` rows: one query finds who exists now, Core ``executemany``
    inserts and updates, and one statement appends the batch's audit events. ``cancelled`` is
    asked before every batch and before the commit; when it says stop, nothing is written.
    """
    from sqlalchemy import bindparam, insert, select, update

    from desktop.services import training
    from desktop.services.core.errors import Cancelled, ValidationError
    from desktop.services.core.permissions import Permission
    from desktop.services.security import audit
    from desktop.store.base import new_id, utcnow
    from desktop.store.models import Course, Enrollment, Participant

    ctx.require(Permission.EDIT_TRAININGS)
    todo = [r for r in preview.rows if r.status in (NEW, MATCHED)]
    typed = "document_type" in preview.mapping.values()
    created = enrolled = 0
    participants, enrollments = Participant.__table__, Enrollment.__table__
    who, now = ctx.username, utcnow()
    fill = (update(participants).where(participants.c.id == bindparam("b_id"))
            .values({name: bindparam(f"b_{name}") for name in (*BLANK_FILLED, "institution", "institution_detail")}
                    | {"updated_at": now, "updated_by": who, "version": participants.c.version + 1}))
    with ctx.db.transaction() as session:
        training.seed_catalogs(session)
        already: set[uuid.UUID] = set()
        if preview.course_id is not None:
            course = session.get(Course, preview.course_id)
            if course is None or course.deleted_at is not None:
                raise ValidationError(_("The course no longer exists."))
            already = set(session.scalars(select(Enrollment.participant_id)
                                          .where(Enrollment.course_id == preview.course_id)))
        for start in range(0, len(todo), BATCH):
            if cancelled and cancelled():
                raise Cancelled()
            batch = todo[start:start + BATCH]
            current = {}  # (type, number) → the participant's fillable columns, as they are now
            numbers = list({r.values["document_number"] for r in batch})
            for record in session.execute(
                    select(participants.c.id, participants.c.document_type, participants.c.document_number,
                           *[participants.c[n] for n in (*BLANK_FILLED, "institution", "institution_detail")])
                    .where(participants.c.document_number.in_(numbers))):
                current[(record.document_type, record.document_number)] = record
            by_number: dict[str, list] = {}
            for (_dtype, dnum), record in current.items():
                by_number.setdefault(dnum, []).append(record)
            new_rows, fills, enroll_rows, events = [], [], [], []
            for row in batch:
                v = row.values
                record = current.get((v["document_type"], v["document_number"]))
                if record is None and not typed and len(by_number.get(v["document_number"], ())) == 1:
                    record = by_number[v["document_number"]][0]
                if record is None:
                    pid = new_id()
                    new_rows.append({
                        "id": pid, "given_names": v["given_names"], "family_names": v["family_names"],
                        "document_type": v["document_type"], "document_number": v["document_number"],
                        "sex": v["sex"], "institution": row.institution, "institution_detail": v["institution_text"],
                        "position": v["position"], "municipality": v["municipality"], "email": v["email"],
                        "phone": v["phone"], "created_at": now, "created_by": who, "updated_at": now,
                        "updated_by": who, "version": 1, "deleted_at": None, "deleted_by": None})
                    events.append(("import", "participant", pid, ("given_names", "family_names", "document_number")))
                else:
                    pid = record.id
                    values = {name: getattr(record, name) for name in (*BLANK_FILLED, "institution",
                                                                       "institution_detail")}
                    changed = [name for name in BLANK_FILLED if not values[name] and v[name]]
                    if not values["institution"] and row.institution:
                        changed.append("institution")
                    if not values["institution_detail"] and v["institution_text"]:
                        changed.append("institution_detail")
                    if changed:
                        for name in changed:
                            values[name] = v["institution_text"] if name == "institution_detail" else \
                                row.institution if name == "institution" else v[name]
                        fills.append({"b_id": pid, **{f"b_{k}": value for k, value in values.items()}})
                        events.append(("update", "participant", pid, changed))
                if preview.course_id is not None and pid not in already:
                    enroll_rows.append({"id": new_id(), "course_id": preview.course_id, "participant_id": pid,
                                        "enrolled_on": v.get("enrolled_on"), "evaluation_passed": None,
                                        "created_at": now, "created_by": who, "updated_at": now, "updated_by": who,
                                        "version": 1})
                    already.add(pid)
            if new_rows:
                session.execute(insert(participants), new_rows)
            if fills:
                session.execute(fill.execution_options(synchronize_session=False), fills)
            if enroll_rows:
                session.execute(insert(enrollments), enroll_rows)
            audit.record_many(session, who, events)
            created += len(new_rows)
            enrolled += len(enroll_rows)
            if progress:
                progress(min(start + BATCH, len(todo)), len(todo))
        if cancelled and cancelled():
            raise Cancelled()
        audit.record(session, who, "import", "course", preview.course_id, [],
                     {"created": created, "enrolled": enrolled, "rejected": preview.count(REJECTED)})
    return ImportResult(created, enrolled, preview.count(REJECTED))


def remembered_from_mapping(headers: Sequence[Any], mapping: dict[int, str]) -> dict[str, str]:
    """What to remember of a confirmed mapping: header text → field ("" for a column left out)."""
    out: dict[str, str] = {}
    for index, header in enumerate(headers):
        norm = normalize_header(header)
        if norm:
            out[norm] = mapping.get(index, "")
    return out
