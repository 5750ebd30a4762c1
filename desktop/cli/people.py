"""People and referral commands: ``people list|search``, ``referrals list|slip``."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime, time, timedelta

from desktop.cli.common import EXIT_OK, EXIT_USAGE, CommandError, add_format_option, sign_in, write_rows
from desktop.i18n import _

# Office scripts read these by position: new columns go at the end. ``ethnicity`` and ``lgbtiq`` are the
# self-declared codes (``not_asked`` when never asked), blank for a role that may not see them.
PEOPLE_COLUMNS = ["id", "given_names", "family_name_1", "family_name_2", "sex", "birth_date", "nationality",
                  "document_type", "document_number", "population_type", "municipality", "ethnicity", "lgbtiq"]
REFERRAL_COLUMNS = ["number", "status", "person_id", "service", "organization", "created_at", "sent_at",
                    "closed_at"]


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("people", parents=[common], help=_("people registered by the office"))
    psub = p.add_subparsers(dest="people_command", required=True, metavar=_("ACTION"))
    ls = psub.add_parser("list", parents=[common], help=_("list every person, alphabetically"))
    add_format_option(ls)
    ls.set_defaults(func=cmd_people_list)
    se = psub.add_parser("search", parents=[common], help=_("find people by name or document number"))
    se.add_argument("text", metavar="TEXT", help=_("names or document number, in any order"))
    se.add_argument("--limit", type=int, default=50)
    add_format_option(se)
    se.set_defaults(func=cmd_people_search)

    p = sub.add_parser("referrals", parents=[common], help=_("referrals to services"))
    rsub = p.add_subparsers(dest="referrals_command", required=True, metavar=_("ACTION"))
    ls = rsub.add_parser("list", parents=[common], help=_("list referrals sent (or created, or closed) in a period"),
                         description=_("List referrals. --from/--to are office days and bound the date the "
                                       "monthly report counts by, the date sent, unless --by says otherwise."))
    ls.add_argument("--from", dest="date_from", metavar="DATE", help=_("first day (YYYY-MM-DD), inclusive"))
    ls.add_argument("--to", dest="date_to", metavar="DATE", help=_("last day (YYYY-MM-DD), inclusive"))
    ls.add_argument("--by", choices=("created", "sent", "closed"), default="sent",
                    help=_("which date --from/--to apply to: sent (default, as the report counts), created or "
                           "closed; drafts have no sent date"))
    add_format_option(ls)
    ls.set_defaults(func=cmd_referrals_list)
    sl = rsub.add_parser("slip", parents=[common], help=_("write the referral slip as PDF"))
    sl.add_argument("number", metavar="NUMBER", help=_("referral number, e.g. BGA-REM-2026-00042"))
    sl.add_argument("--out", required=True, metavar="FILE.pdf", help=_("where to write the PDF"))
    sl.add_argument("--page", choices=("Letter", "A4", "half-letter"), default=None,
                    help=_("page size (default: the office setting)"))
    sl.set_defaults(func=cmd_referrals_slip)


def _person_cells(row, csv: bool, ethnic_groups: dict[str, str]) -> list:
    from desktop.services.people import SEXES, label, lgbtiq_label

    if csv:
        return [row.id, row.given_names, row.family_name_1, row.family_name_2, row.sex,
                row.birth_date.isoformat() if row.birth_date else "", row.nationality or "", row.document_type,
                row.document_number, row.population_type, row.municipality, row.ethnicity or "", row.lgbtiq or ""]
    return [str(row.id)[:8], row.given_names, row.family_name_1, row.family_name_2, label(SEXES, row.sex),
            row.birth_date.isoformat() if row.birth_date else "", row.nationality or "", row.document_type,
            row.document_number, row.population_type, row.municipality,
            ethnic_groups.get(row.ethnicity, row.ethnicity) if row.ethnicity else "",
            lgbtiq_label(row.lgbtiq) if row.lgbtiq else ""]


def _ethnic_group_labels(ctx) -> dict[str, str]:
    from desktop.services.people import NOT_ASKED, NOT_ASKED_LABEL, catalog_choices

    return {NOT_ASKED: _(NOT_ASKED_LABEL), **{c.code: c.label for c in catalog_choices(ctx, "ethnicity")}}


def _exported_fields(ctx) -> list[str]:
    """The sensitive columns this export filled: their names (never values) go in the audit event."""
    from desktop.services.core.permissions import Permission

    return ["ethnicity", "lgbtiq"] if ctx.can(Permission.VIEW_SENSITIVE) else []


def cmd_people_list(args: argparse.Namespace) -> int:
    from desktop.services import people
    from desktop.services.security import audit

    ctx = sign_in(args)
    groups = _ethnic_group_labels(ctx)
    rows = (_person_cells(r, args.format == "csv", groups) for r in people.iter_people(ctx, self_identification=True))
    write_rows(rows, PEOPLE_COLUMNS, args.format)
    audit.log(ctx, "export", "person", None, fields=_exported_fields(ctx),
              detail={"command": "people list", "format": args.format})
    return EXIT_OK


def cmd_people_search(args: argparse.Namespace) -> int:
    from desktop.services import people

    ctx = sign_in(args)
    hits = people.with_self_identification(ctx, people.search_people(ctx, args.text, limit=max(1, args.limit)))
    groups = _ethnic_group_labels(ctx)
    write_rows((_person_cells(r, args.format == "csv", groups) for r in hits), PEOPLE_COLUMNS, args.format)
    return EXIT_OK


def _day(text: str | None, option: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("{option}: {value} is not a date; use YYYY-MM-DD.").format(
            option=option, value=text), EXIT_USAGE) from exc


def _office_zone(ctx):
    from zoneinfo import ZoneInfo

    from desktop.services.office import office_info

    info = office_info(ctx.db)
    return ZoneInfo(info.timezone if info else "UTC")


def _office_midnight_utc(ctx, day: date) -> datetime:
    """Days are the office's days: --from/--to mean midnight in the office's time zone."""
    return datetime.combine(day, time(0), _office_zone(ctx)).astimezone(UTC)


def cmd_referrals_list(args: argparse.Namespace) -> int:
    from desktop.services import referrals
    from desktop.services.security import audit

    start, end = _day(args.date_from, "--from"), _day(args.date_to, "--to")
    if start and end and end < start:
        raise CommandError(_("--to is before --from."), EXIT_USAGE)
    ctx = sign_in(args)
    flt = referrals.ReferralFilter(
        created_from=_office_midnight_utc(ctx, start) if start else None,
        created_to=_office_midnight_utc(ctx, end + timedelta(days=1)) if end else None,
        by=args.by if (start or end) else "created")
    csv = args.format == "csv"
    zone = _office_zone(ctx)

    def stamp(value):
        if value is None:
            return ""
        return value.isoformat() if csv else value.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    rows = ([r.number, r.status if csv else referrals.status_label(r.status), r.person_id, r.service,
             r.organization, stamp(r.created_at), stamp(r.sent_at), stamp(r.closed_at)]
            for r in referrals.iter_referrals(ctx, flt))
    write_rows(rows, REFERRAL_COLUMNS, args.format)
    audit.log(ctx, "export", "referral", None, detail={"command": "referrals list", "format": args.format})
    return EXIT_OK


def cmd_referrals_slip(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import referrals
    from desktop.services.core.files import write_private

    ctx = sign_in(args)
    pdf = referrals.slip_pdf(ctx, args.number, page=args.page)
    out = Path(args.out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        write_private(out, pdf)  # personal data: the owner's only
    except OSError as exc:
        raise CommandError(_("Cannot write {path}: {reason}").format(path=out, reason=exc.strerror)) from exc
    print(_("Referral slip {number} written to {path}").format(number=args.number.upper(), path=out))
    return EXIT_OK
