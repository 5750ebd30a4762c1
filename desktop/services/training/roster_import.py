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
from dataclasses import dataclass
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
STATUS_LABELS = {NEW: N_("New person"), MATCHED: N_("Already registered"), ENROLLED: N_("Already in the course"),
                 REJECTED: N_("Rejected row")}


@dataclass
class PreviewRow:
    row_number: int
    status: str  # NEW, MATCHED (participant exists, will be enrolled), ENROLLED (nothing to do), REJECTED
    values: dict[str, Any]
    reasons: list[str]
    participant_id: uuid.UUID | None = None
    institution: str = ""  # catalog code


@dataclass
class ImportPreview:
    filename: str
    sheet: str
    header_index: int
    headers: list[str]
    mapping: dict[int, str]
    rows: list[PreviewRow]
    course_id: uuid.UUID | None

    def count(self, status: str) -> int:
        return sum(1 for r in self.rows if r.status == status)

    @property
    def importable(self) -> int:
        return self.count(NEW) + self.count(MATCHED)


@dataclass(frozen=True)
class ImportResult:
    created: int
    enrolled: int
    rejected: int


def preview_import(ctx, table: Table, filename: str, course_id: uuid.UUID | None = None,
                   mapping: dict[int, str] | None = None, header_index: int | None = None,
                   remembered: dict[str, str] | None = None) -> ImportPreview:
    """Classify every row as new, matched (existing participant), already enrolled or rejected.

    Nothing is written. ``mapping``/``header_index`` come from the mapping step; when None they
    are guessed (``remembered`` holds the user's earlier choices by header text).
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
        docs = [r.values["document_number"] for r in parsed if r.values.get("document_number")]
        existing: dict[tuple[str, str], uuid.UUID] = {}
        by_number: dict[str, list[tuple[str, uuid.UUID]]] = {}
        for chunk_start in range(0, len(docs), 500):
            chunk = docs[chunk_start:chunk_start + 500]
            for pid, dtype, dnum in session.execute(
                    select(Participant.id, Participant.document_type, Participant.document_number)
                    .where(Participant.document_number.in_(chunk))):
                existing[(dtype, dnum)] = pid
                by_number.setdefault(dnum, []).append((dtype, pid))
        enrolled: set[uuid.UUID] = set()
        if course_id is not None:
            enrolled = set(session.scalars(select(Enrollment.participant_id).where(Enrollment.course_id == course_id)))
    rows: list[PreviewRow] = []
    for row in parsed:
        reasons = list(row.problems) + list(row.notes)
        if not row.ok:
            rows.append(PreviewRow(row.row_number, REJECTED, row.values, reasons))
            continue
        key = (row.values["document_type"], row.values["document_number"])
        pid = existing.get(key)
        if pid is None and len(by_number.get(key[1], [])) == 1 and "document_type" not in mapping.values():
            pid = by_number[key[1]][0][1]  # the file gives no type: the number alone identifies them
        institution = matcher.match(row.values["institution_text"])
        if pid is None:
            rows.append(PreviewRow(row.row_number, NEW, row.values, reasons, None, institution))
        elif pid in enrolled:
            rows.append(PreviewRow(row.row_number, ENROLLED, row.values, reasons, pid, institution))
        else:
            rows.append(PreviewRow(row.row_number, MATCHED, row.values, reasons, pid, institution))
    return ImportPreview(filename, table.sheet, header_index, headers, dict(mapping), rows, course_id)


def apply_import(ctx, preview: ImportPreview, progress=None, cancelled=None) -> ImportResult:
    """Write an accepted preview in one transaction: create new participants, fill blanks of
    matched ones, enroll both in the course. Rejected rows are left out."""
    from sqlalchemy import select

    from desktop.services import training
    from desktop.services.core.errors import Cancelled, ValidationError
    from desktop.services.core.permissions import Permission
    from desktop.services.security import audit
    from desktop.store.models import Course, Enrollment, Participant

    ctx.require(Permission.EDIT_TRAININGS)
    todo = [r for r in preview.rows if r.status in (NEW, MATCHED)]
    created = enrolled = 0
    with ctx.db.transaction() as session:
        training.seed_catalogs(session)
        if preview.course_id is not None:
            course = session.get(Course, preview.course_id)
            if course is None or course.deleted_at is not None:
                raise ValidationError(_("The course no longer exists."))
            already = set(session.scalars(select(Enrollment.participant_id)
                                          .where(Enrollment.course_id == preview.course_id)))
        for done, row in enumerate(todo, 1):
            if cancelled and cancelled():
                raise Cancelled()
            v = row.values
            participant = None
            if row.participant_id is not None:
                participant = session.get(Participant, row.participant_id)
            if participant is None:
                participant = session.scalar(select(Participant).where(
                    Participant.document_type == v["document_type"],
                    Participant.document_number == v["document_number"]))
            if participant is None:
                participant = Participant(
                    given_names=v["given_names"], family_names=v["family_names"],
                    document_type=v["document_type"], document_number=v["document_number"], sex=v["sex"],
                    institution=row.institution, institution_detail=v["institution_text"],
                    position=v["position"], municipality=v["municipality"], email=v["email"], phone=v["phone"],
                    created_by=ctx.username, updated_by=ctx.username)
                session.add(participant)
                session.flush()
                created += 1
                audit.record(session, ctx.username, "import", "participant", participant.id,
                             ["given_names", "family_names", "document_number"])
            else:
                blanks = {}
                for name in ("sex", "position", "municipality", "email", "phone"):
                    if not getattr(participant, name) and v[name]:
                        blanks[name] = v[name]
                if not participant.institution and row.institution:
                    blanks["institution"] = row.institution
                    blanks["institution_detail"] = v["institution_text"]
                if blanks:
                    for name, value in blanks.items():
                        setattr(participant, name, value)
                    participant.updated_by = ctx.username
                    audit.record(session, ctx.username, "update", "participant", participant.id, list(blanks))
            if preview.course_id is not None and participant.id not in already:
                session.add(Enrollment(course_id=preview.course_id, participant_id=participant.id,
                                       enrolled_on=v.get("enrolled_on"), created_by=ctx.username,
                                       updated_by=ctx.username))
                already.add(participant.id)
                enrolled += 1
            if progress:
                progress(done, len(todo))
        session.flush()
        audit.record(session, ctx.username, "import", "course", preview.course_id, [],
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
