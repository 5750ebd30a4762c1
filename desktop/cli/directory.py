"""Directory commands: import, export, booklet, search.

    enlace directory import PATH [--dry-run]     HSDS 3.0 package (folder or .zip) or spreadsheet (.xlsx/.csv)
    enlace directory export --out DIR            HSDS 3.0 data package
    enlace directory booklet --out FILE.pdf      printed directory
    enlace directory search TEXT [--format csv]

``import`` exits 0 when every row was taken, 1 (with the row report on stderr) when any row was
rejected or nothing could be read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_format_option, sign_in, write_rows
from desktop.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("directory", parents=[common], help=_("service directory"))
    dsub = p.add_subparsers(dest="directory_command", required=True, metavar=_("ACTION"))

    imp = dsub.add_parser("import", parents=[common],
                          help=_("import an Open Referral HSDS 3.0 data package (folder or .zip) or a spreadsheet"))
    imp.add_argument("path", metavar="PATH")
    imp.add_argument("--dry-run", action="store_true", help=_("only show what would change"))
    imp.set_defaults(func=cmd_import)

    exp = dsub.add_parser("export", parents=[common], help=_("export the directory as an HSDS 3.0 data package"))
    exp.add_argument("--out", required=True, metavar="DIR")
    exp.set_defaults(func=cmd_export)

    book = dsub.add_parser("booklet", parents=[common], help=_("print the directory booklet (PDF)"))
    book.add_argument("--out", required=True, metavar="FILE.pdf")
    book.set_defaults(func=cmd_booklet)

    search = dsub.add_parser("search", parents=[common], help=_("search services"))
    search.add_argument("text", metavar="TEXT")
    add_format_option(search)
    search.set_defaults(func=cmd_search)


def _is_spreadsheet(path: Path) -> bool:
    return path.suffix.lower() in (".xlsx", ".xlsm", ".csv", ".txt") and path.is_file()


def cmd_import(args: argparse.Namespace) -> int:
    from desktop.services.directory.hsds import PackageError, import_package, preview_lines

    ctx = sign_in(args)
    path = Path(args.path)
    try:
        if _is_spreadsheet(path):
            from desktop.services.directory.sheet import import_sheet

            preview, applied = import_sheet(ctx, path, dry_run=args.dry_run)
            counts = preview.counts
            lines = [_("{table}: {new} new, {updated} updated, {unchanged} unchanged, {rejected} rejected").format(
                table=table, new=c.new, updated=c.updated, unchanged=c.unchanged, rejected=c.rejected)
                for table, c in counts.items()] + preview.notices
            accepted = len(preview.tables.get("service", []))
        else:
            preview, applied = import_package(ctx, path, dry_run=args.dry_run)
            lines = [line for line in preview_lines(preview) if line not in {r.line() for r in preview.rejects}]
            accepted = preview.total_accepted
    except PackageError as exc:
        raise CommandError(str(exc), EXIT_ERROR) from exc
    for line in lines:
        print(line)
    if preview.rejects:
        print(_("Rejected rows:"), file=sys.stderr)
        for reject in preview.rejects:
            print("  " + reject.line(), file=sys.stderr)
    if args.dry_run:
        print(_("Dry run: nothing was changed."))
    elif applied is not None:
        print(_("Imported {count} rows.").format(count=accepted))
    if accepted == 0 and not preview.rejects:
        print(_("Nothing could be read from {path}.").format(path=path), file=sys.stderr)
        return EXIT_ERROR
    return EXIT_ERROR if preview.rejects or accepted == 0 else EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.services.directory.hsds import export_package

    ctx = sign_in(args)
    files = export_package(ctx, Path(args.out))
    print(_("Wrote {count} files to {path}.").format(count=len(files), path=args.out))
    return EXIT_OK


def cmd_booklet(args: argparse.Namespace) -> int:
    from desktop.services.directory import booklet_pdf

    ctx = sign_in(args)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(booklet_pdf(ctx))
    print(_("Wrote {path}.").format(path=out))
    return EXIT_OK


def cmd_search(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services.directory import SearchFilters, search

    ctx = sign_in(args)
    rows = search(ctx, SearchFilters(text=args.text))
    if args.format == "csv":  # stable column names and plain values for other programs
        header = ["id", "service", "organization", "municipality", "accepts_referrals", "stale", "last_verified_on"]
        write_rows([[r.id, r.name, r.organization_name, r.municipality, int(r.accepts_referrals), int(r.stale),
                     r.last_verified_on.isoformat() if r.last_verified_on else ""] for r in rows], header, "csv")
        return EXIT_OK
    yes, no = _("yes"), _("no")
    header = [_("Service"), _("Organization"), _("Municipality"), _("Referrals"), _("Verified")]
    write_rows([[r.name, r.organization_name, r.municipality, yes if r.accepts_referrals else no,
                 _("to be confirmed") if r.stale else format_date(r.last_verified_on, "short")]
                for r in rows], header, "text")
    if not rows:
        print(_("No service matches “{text}”.").format(text=args.text), file=sys.stderr)
    return EXIT_OK
