"""Training and certificate commands: ``enlace training …`` and ``enlace certificate …``."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_format_option, open_db, sign_in, write_rows
from desktop.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("training", parents=[common], help=_("courses, participants, attendance and certificates"))
    tsub = p.add_subparsers(dest="training_command", required=True, metavar=_("ACTION"))

    c = tsub.add_parser("courses", parents=[common], help=_("list courses"))
    add_format_option(c)
    c.set_defaults(func=cmd_courses)

    c = tsub.add_parser("participants", parents=[common], help=_("list a course's participants with their hours"))
    c.add_argument("--course", required=True, metavar="CODE")
    add_format_option(c)
    c.set_defaults(func=cmd_participants)

    c = tsub.add_parser("import-participants", parents=[common],
                        help=_("import participants from an XLSX or CSV file into a course"))
    c.add_argument("file", metavar="FILE")
    c.add_argument("--course", required=True, metavar="CODE")
    c.add_argument("--dry-run", action="store_true", help=_("show what would be imported; write nothing"))
    c.set_defaults(func=cmd_import)

    c = tsub.add_parser("attendance-sheet", parents=[common], help=_("print a session's attendance sheet (PDF)"))
    c.add_argument("--course", required=True, metavar="CODE")
    c.add_argument("--session", required=True, type=int, metavar="N")
    c.add_argument("--out", required=True, metavar="FILE.pdf")
    c.set_defaults(func=cmd_attendance_sheet)

    c = tsub.add_parser("certificates", parents=[common],
                        help=_("issue the certificates of every eligible participant of a course"))
    c.add_argument("--course", required=True, metavar="CODE")
    c.add_argument("--out", required=True, metavar="PATH", help=_("a PDF file, or a folder with --split"))
    c.add_argument("--split", action="store_true", help=_("one PDF per person in the folder PATH"))
    c.add_argument("--language", choices=("es", "en"),
                   help=_("the language of the certificates (default: the office's, whatever --lang says)"))
    c.set_defaults(func=cmd_certificates)

    p = sub.add_parser("certificate", parents=[common], help=_("verify or revoke a certificate"))
    csub = p.add_subparsers(dest="certificate_command", required=True, metavar=_("ACTION"))
    c = csub.add_parser("verify", parents=[common],
                        help=_("check a certificate's QR text or printed code (exit 0 only when valid)"))
    c.add_argument("text", metavar="TEXT")
    c.add_argument("--key", action="append", metavar="FILE",
                   help=_("verify against this exported office key instead of a database (repeatable); "
                          "needs no account and no office"))
    c.set_defaults(func=cmd_verify)
    c = csub.add_parser("revoke", parents=[common], help=_("revoke a certificate"))
    c.add_argument("number", metavar="NUMBER")
    c.add_argument("--reason", required=True, metavar="TEXT")
    c.set_defaults(func=cmd_revoke)
    c = csub.add_parser("export-key", parents=[common], help=_("write this office's public key to a file"))
    c.add_argument("--out", required=True, metavar="FILE")
    c.set_defaults(func=cmd_export_key)
    c = csub.add_parser("import-key", parents=[common], help=_("trust another office's public key"))
    c.add_argument("file", metavar="FILE")
    c.set_defaults(func=cmd_import_key)


def _hours(value: float) -> str:
    return f"{value:g}"


def cmd_courses(args: argparse.Namespace) -> int:
    from desktop.services.training import list_courses

    ctx = sign_in(args)
    rows = ((c.code, c.title, c.start_date.isoformat() if c.start_date else "",
             c.end_date.isoformat() if c.end_date else "", _hours(c.hours), c.participants, c.sessions, c.completed,
             c.certificates) for c in list_courses(ctx))
    write_rows(rows, ["code", "title", "start_date", "end_date", "hours", "participants", "sessions", "completed",
                      "certificates"], args.format)
    return EXIT_OK


def cmd_participants(args: argparse.Namespace) -> int:
    from desktop.services.training import course_by_code, course_progress, institution_labels

    ctx = sign_in(args)
    course = course_by_code(ctx, args.course)
    labels = institution_labels(ctx.db) if args.format == "text" else {}
    # institution: the name as written (in text, the type's label when none was written); institution_type: the
    # catalog code (its label in text).
    rows = ((p.document_type, p.document_number, p.given_names, p.family_names, p.sex,
             p.institution_detail or labels.get(p.institution, ""), labels.get(p.institution, p.institution),
             p.position, p.municipality, _hours(p.hours_attended),
             _completed(p.completed, args.format), p.email, p.phone, p.certificate_number or "")
            for p in course_progress(ctx, course.id))
    write_rows(rows, ["document_type", "document_number", "given_names", "family_names", "sex", "institution",
                      "institution_type", "position", "municipality", "hours_attended", "completed", "email", "phone",
                      "certificate"], args.format)
    return EXIT_OK


def _completed(value: bool, fmt: str) -> str:
    if fmt == "csv":
        return "true" if value else "false"
    return _("yes") if value else _("no")


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import office
    from desktop.services.training import course_by_code
    from desktop.services.training import roster_import as pi

    ctx = sign_in(args)
    course = course_by_code(ctx, args.course)
    path = Path(args.file)
    table = pi.read_spreadsheet_file(path, office.import_limits(ctx.db))
    preview = pi.preview_import(ctx, table, path.name, course.id)
    mapped = ", ".join(f"{preview.headers[i]} → {_(pi.FIELDS[f])}" for i, f in sorted(preview.mapping.items()))
    print(_("Header row {row}; columns: {columns}").format(row=preview.header_index + 1, columns=mapped))
    for line in preview.unmapped_lines():
        print(line)
    for row in preview.rows:
        if row.status == pi.REJECTED:
            print(_("Row {row}: rejected — {reasons}").format(row=row.row_number, reasons="; ".join(row.reasons)))
        elif row.reasons:
            print(_("Row {row}: {reasons}").format(row=row.row_number, reasons="; ".join(row.reasons)))
    summary = _("New: {new}; already registered: {matched}; already in the course: {enrolled}; rejected: {rejected}")
    print(summary.format(
        new=preview.count(pi.NEW), matched=preview.count(pi.MATCHED), enrolled=preview.count(pi.ENROLLED),
        rejected=preview.count(pi.REJECTED)))
    if args.dry_run:
        print(_("Dry run: nothing was written."))
        return EXIT_OK
    result = pi.apply_import(ctx, preview)
    print(_("Imported: {created} new participants, {enrolled} enrolled in {course}.").format(
        created=result.created, enrolled=result.enrolled, course=course.code))
    return EXIT_OK


def cmd_attendance_sheet(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services.core.files import write_private
    from desktop.services.training import attendance_sheet_pdf, course_by_code

    ctx = sign_in(args)
    course = course_by_code(ctx, args.course)
    pdf = attendance_sheet_pdf(ctx, course.id, args.session)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_private(out, pdf)  # names and documents: the owner's only
    print(_("Attendance sheet written to {path}").format(path=out))
    return EXIT_OK


def cmd_certificates(args: argparse.Namespace) -> int:
    from desktop.services.training import course_by_code
    from desktop.services.training.certificates import certificate_warnings, issue_certificates

    ctx = sign_in(args)
    course = course_by_code(ctx, args.course)
    for warning in certificate_warnings(ctx, course.id):  # the run goes on: the person decides what to do
        print(_("Warning: {message}").format(message=warning), file=sys.stderr)

    def progress(done: int, total: int) -> None:
        if sys.stderr.isatty():
            print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

    result = issue_certificates(ctx, course.id, args.out, split=args.split, progress=progress,
                                language=args.language)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(_("{issued} certificates issued, {reprinted} reprinted with their number: {path}").format(
        issued=result.issued, reprinted=result.reprinted, path=args.out))
    for number in result.numbers:
        print(number)
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.i18n import format_date
    from desktop.services.training.certificates import verify_certificate, verify_with_key_files

    if args.key:
        # Anyone with Enlace: the QR text against the issuing office's exported public key, no database.
        try:
            key_files = [Path(name).read_bytes() for name in args.key]
        except OSError as exc:
            raise CommandError(_("Cannot read {path}: {error}").format(path=exc.filename, error=exc.strerror)) \
                from exc
        result = verify_with_key_files(args.text, key_files)
    else:
        # An office database: its own and its trusted keys, its revocations and printed codes.
        db = open_db(args)
        try:
            result = verify_certificate(db, args.text)
        finally:
            db.dispose()
    print(result.message)
    if result.number:
        print(_("Number: {number}").format(number=result.number))
        print(_("Holder: {name} ({document})").format(name=result.holder_name, document=result.holder_document))
        print(_("Course: {title} ({code})").format(title=result.course_title, code=result.course_code))
        print(_("Hours: {hours}").format(hours=_hours(result.hours or 0)))
        print(_("Issued on: {date}").format(date=format_date(result.issued_on, "long")))
    if result.revoke_reason:
        print(_("Reason: {reason}").format(reason=result.revoke_reason))
    return EXIT_OK if result.ok else EXIT_ERROR


def cmd_revoke(args: argparse.Namespace) -> int:
    from desktop.services.training.certificates import revoke

    ctx = sign_in(args)
    cert = revoke(ctx, args.number, args.reason)
    print(_("Certificate {number} revoked.").format(number=cert.number))
    return EXIT_OK


def cmd_export_key(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services.training.certificates import export_public_key

    ctx = sign_in(args)
    Path(args.out).write_bytes(export_public_key(ctx))
    print(_("Public key written to {path}").format(path=args.out))
    return EXIT_OK


def cmd_import_key(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services.training.certificates import import_public_key

    ctx = sign_in(args)
    info = import_public_key(ctx, Path(args.file).read_bytes())
    print(_("Key {key} of {office} imported: its certificates now verify here.").format(
        key=info.key_id, office=info.office_name or info.office_code))
    return EXIT_OK
