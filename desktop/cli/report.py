"""``enlace report``: the monthly (or any period's) report as PDF, XLSX or CSV."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.common import EXIT_OK, EXIT_USAGE, CommandError, sign_in
from desktop.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("report", parents=[common], help=_("write the monthly (or a period's) report"),
                       description=_("Write the report of a month or of a date range (office time zone). "
                                     "--lang chooses the report's language (Spanish by default)."))
    when = p.add_mutually_exclusive_group(required=True)
    when.add_argument("--month", metavar="YYYY-MM", help=_("a calendar month, e.g. 2026-03"))
    when.add_argument("--from", dest="date_from", metavar="DATE", help=_("first day, YYYY-MM-DD (with --to)"))
    p.add_argument("--to", dest="date_to", metavar="DATE", help=_("last day, YYYY-MM-DD (with --from)"))
    p.add_argument("--format", required=True, choices=("pdf", "xlsx", "csv"), help=_("file format"))
    p.add_argument("--out", required=True, metavar="FILE", help=_("file to write"))
    p.add_argument("--csv-dialect", choices=("excel", "excel-es"), default="excel",
                   help=_("CSV form: excel (comma, decimal point) or excel-es (semicolon, decimal comma, as "
                          "Excel opens CSV files where decimals are written with a comma)"))
    p.add_argument("--anonymized", action="store_true",
                   help=_("partner export: no personal data, counts from 1 to 4 shown as <5"))
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from desktop.services.reports import Period
    from desktop.services.reports.export import export_report

    if args.date_from and not args.date_to:
        raise CommandError(_("--from needs --to."), EXIT_USAGE)
    if args.month and args.date_to:
        raise CommandError(_("--to goes with --from, not with --month."), EXIT_USAGE)
    period = Period.month(args.month) if args.month else Period.between(args.date_from, args.date_to)
    language = getattr(args, "lang", None) or "es"
    ctx = sign_in(args)
    try:
        path = export_report(ctx, period, args.format, args.out, anonymized=args.anonymized, language=language,
                             csv_dialect=args.csv_dialect)
    finally:
        ctx.db.dispose()
    print(_("Report written: {path}").format(path=path), file=sys.stderr)
    return EXIT_OK
