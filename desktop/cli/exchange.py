"""Exchange between offices: ``enlace exchange card|trust|trust-list|export|import|conflicts|inbox``."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.common import EXIT_ERROR, EXIT_OK, CommandError, add_format_option, sign_in, write_rows
from desktop.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("exchange", parents=[common],
                       help=_("signed bundles between offices: office card, trust, export, import"))
    esub = p.add_subparsers(dest="exchange_command", required=True, metavar=_("ACTION"))

    c = esub.add_parser("card", parents=[common], help=_("write this office's card (a .pdf name prints it)"))
    c.add_argument("--out", required=True, metavar="FILE")
    c.set_defaults(func=cmd_card)

    t = esub.add_parser("trust", parents=[common], help=_("offices whose bundles and certificates are trusted"))
    tsub = t.add_subparsers(dest="trust_command", required=True, metavar=_("ACTION"))
    c = tsub.add_parser("add", parents=[common],
                        help=_("trust another office's card, after confirming its fingerprint"))
    c.add_argument("file", metavar="FILE")
    c.add_argument("--yes", action="store_true", help=_("do not ask: the fingerprint was confirmed another way"))
    c.set_defaults(func=cmd_trust_add)
    c = tsub.add_parser("list", parents=[common], help=_("list trusted offices"))
    add_format_option(c)
    c.set_defaults(func=cmd_trust_list)
    c = tsub.add_parser("remove", parents=[common], help=_("stop trusting an office (its code) or one key (its id)"))
    c.add_argument("office", metavar="CODE|KEY")
    c.set_defaults(func=cmd_trust_remove)

    t = esub.add_parser("trust-list", parents=[common],
                        help=_("a coordinator's signed list of offices to trust: make one, import one"))
    tsub = t.add_subparsers(dest="trust_list_command", required=True, metavar=_("ACTION"))
    c = tsub.add_parser("keygen", parents=[common], help=_("create a coordinator's key (no office database)"))
    c.add_argument("--name", required=True, help=_("the coordinator's name, as offices will see it"))
    c.add_argument("--out", required=True, metavar="KEY")
    c.set_defaults(func=cmd_trust_list_keygen)
    c = tsub.add_parser("make", parents=[common],
                        help=_("sign a trust list of office cards with a coordinator's key (no office database)"))
    c.add_argument("--key", required=True, metavar="COORD_KEY")
    c.add_argument("--members", required=True, nargs="+", metavar="CARD")
    c.add_argument("--valid-days", type=int, default=365, metavar="N")
    c.add_argument("--version", type=int, required=True, metavar="V",
                   help=_("higher than the last list sent: offices refuse an older or equal version"))
    c.add_argument("--name", help=_("the coordinator's name (default: the one in the key file)"))
    c.add_argument("--out", required=True, metavar="FILE")
    c.set_defaults(func=cmd_trust_list_make)
    c = tsub.add_parser("import", parents=[common], help=_("import a coordinator's trust list"))
    c.add_argument("file", metavar="FILE")
    c.add_argument("--yes", action="store_true",
                   help=_("do not ask: the coordinator's fingerprint was confirmed another way"))
    c.set_defaults(func=cmd_trust_list_import)
    c = tsub.add_parser("list", parents=[common], help=_("the coordinator's list this office follows"))
    add_format_option(c)
    c.set_defaults(func=cmd_trust_list_list)

    c = esub.add_parser("export", parents=[common], help=_("make a signed bundle for another office"))
    c.add_argument("--to", required=True, metavar="CODE|any")
    c.add_argument("--include", metavar="LIST", default="directory,keys,revocations,referrals",
                   help=_("comma-separated: directory, keys, revocations, referrals (default: all)"))
    c.add_argument("--out", required=True, metavar="FILE")
    c.set_defaults(func=cmd_export)

    c = esub.add_parser("import", parents=[common], help=_("check and import a bundle from another office"))
    c.add_argument("file", metavar="FILE")
    c.add_argument("--dry-run", action="store_true", help=_("show what would change; change nothing"))
    c.set_defaults(func=cmd_import)

    c = esub.add_parser("conflicts", parents=[common],
                        help=_("directory rows changed here and at another office (the review queue)"))
    add_format_option(c)
    c.set_defaults(func=cmd_conflicts)

    c = esub.add_parser("inbox", parents=[common], help=_("referrals other offices sent to this office"))
    add_format_option(c)
    c.set_defaults(func=cmd_inbox)


def cmd_card(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import exchange

    ctx = sign_in(args)
    out = Path(args.out)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(exchange.office_card_pdf(ctx))
        card = exchange.office_card(ctx)
    else:
        card = exchange.office_card(ctx)
        out.write_bytes(card.to_bytes())
    print(_("Office card of {office} written to {path}").format(office=card.office_code, path=out))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=card.fingerprint))
    return EXIT_OK


def cmd_trust_add(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import exchange

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CommandError(_("Cannot read {path}: {error}").format(path=args.file, error=exc.strerror)) from exc
    card = exchange.read_card(data)
    ctx = sign_in(args)
    print(_("Office: {name} ({code})").format(name=card.office_name, code=card.office_code))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=card.fingerprint))
    if not args.yes:
        print(_("Call that office and have them read their fingerprint aloud. Does it match, group by group? "
                "[y/N] "), end="", flush=True)
        answer = sys.stdin.readline().strip().lower() if sys.stdin else ""
        if answer not in ("y", "yes", "s", "si", "sí"):
            print(_("Not trusted."))
            return EXIT_ERROR
    exchange.trust_office(ctx, data, card.fingerprint)
    print(_("{code} is now trusted: its bundles import here and its certificates verify here.").format(
        code=card.office_code))
    return EXIT_OK


def cmd_trust_list(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services import exchange

    ctx = sign_in(args)
    rows = [(t.office_code, t.office_name, t.key_id, t.fingerprint, t.trusted_by,
             format_date(t.trusted_since, "medium"), t.last_sequence, " ".join(map(str, t.missing)),
             t.revocation_list) for t in exchange.list_trusted(ctx)]
    write_rows(rows, [_("Office"), _("Name"), _("Key"), _("Fingerprint"), _("Trusted by"), _("Trusted since"),
                      _("Last bundle"), _("Missing bundles"), _("Revocation list")], args.format)
    return EXIT_OK


def cmd_trust_remove(args: argparse.Namespace) -> int:
    from desktop.services import exchange

    ctx = sign_in(args)
    n = exchange.remove_trust(ctx, args.office)
    print(_("{office} is no longer trusted ({count} keys removed).").format(office=args.office, count=n))
    return EXIT_OK


def _read(path: str) -> bytes:
    from pathlib import Path

    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise CommandError(_("Cannot read {path}: {error}").format(path=path, error=exc.strerror)) from exc


def cmd_trust_list_keygen(args: argparse.Namespace) -> int:
    import os

    from desktop.services import exchange

    data = exchange.coordinator_key(args.name)
    name, _private, public = exchange.read_coordinator_key(data)
    try:  # created readable by its owner only, and never over an existing key
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise CommandError(_("Cannot write {path}: {error}").format(path=args.out, error=exc.strerror)) from exc
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    print(_("Coordinator key of {name} written to {path}; keep it safe: whoever holds it can sign trust "
            "lists.").format(name=name, path=args.out))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=exchange.fingerprint(public)))
    return EXIT_OK


def cmd_trust_list_make(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.i18n import format_date
    from desktop.services import exchange

    data = exchange.make_trust_list(_read(args.key), [_read(path) for path in args.members], version=args.version,
                                    valid_days=args.valid_days, name=args.name)
    made = exchange.read_trust_list(data)
    try:
        Path(args.out).write_bytes(data)
    except OSError as exc:
        raise CommandError(_("Cannot write {path}: {error}").format(path=args.out, error=exc.strerror)) from exc
    print(_("Trust list version {version} of {name}: {count} offices, valid until {date}, written to "
            "{path}").format(version=made.version, name=made.coordinator_name, count=len(made.members),
                             date=format_date(made.valid_until, "long"), path=args.out))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=made.coordinator_fingerprint))
    return EXIT_OK


def cmd_trust_list_import(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services import exchange

    data = _read(args.file)
    ctx = sign_in(args)
    plan = exchange.preview_trust_list(ctx, data)
    doc = plan.list
    print(_("Coordinator: {name}").format(name=doc.coordinator_name))
    print(_("Fingerprint: {fingerprint}").format(fingerprint=doc.coordinator_fingerprint))
    print(_("Version {version}, valid until {date}; {count} offices").format(
        version=doc.version, date=format_date(doc.valid_until, "long"), count=len(doc.members)))
    confirmed = doc.coordinator_fingerprint if not plan.first_time or args.yes else None
    if confirmed is None:
        print(_("This office has not followed this coordinator before. Call them and have them read their "
                "fingerprint aloud. Does it match, group by group? [y/N] "), end="", flush=True)
        answer = sys.stdin.readline().strip().lower() if sys.stdin else ""
        if answer not in ("y", "yes", "s", "si", "sí"):
            print(_("Not imported."))
            return EXIT_ERROR
        confirmed = doc.coordinator_fingerprint
    done = exchange.import_trust_list(ctx, data, confirmed)
    print(_("Trust list version {version} of {name} imported.").format(version=doc.version,
                                                                        name=doc.coordinator_name))
    for line in done.lines():
        print(line)
    return EXIT_OK


def cmd_trust_list_list(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services import exchange

    ctx = sign_in(args)
    rows = []
    for followed in exchange.list_trust_lists(ctx):
        valid = format_date(followed.valid_until, "medium")
        if followed.expired:
            valid = _("{date} (expired)").format(date=valid)
        for m in followed.members:
            rows.append((followed.coordinator_name, followed.version, valid, m.office_code, m.office_name,
                         m.fingerprint, _("yes") if m.trusted_here else _("no")))
        if not followed.members:
            rows.append((followed.coordinator_name, followed.version, valid, "", "", "", ""))
    write_rows(rows, [_("Coordinator"), _("Version"), _("Valid until"), _("Office"), _("Name"), _("Fingerprint"),
                      _("Trusted here")], args.format)
    return EXIT_OK


def _contents_lines(contents: dict) -> list[str]:
    lines = []
    if "directory" in contents:
        d = contents["directory"]
        lines.append(_("Directory: {organizations} organizations, {services} services, {locations} locations").format(
            organizations=d.get("organization", 0), services=d.get("service", 0), locations=d.get("location", 0)))
    if "keys" in contents:
        lines.append(_("Certificate keys: {count}").format(count=contents["keys"]))
    if "revocations" in contents:
        r = contents["revocations"]
        lines.append(_("Revocation list no. {seq}: {count} revoked").format(seq=r["sequence"], count=r["revoked"]))
    if "referrals" in contents:
        r = contents["referrals"]
        lines.append(_("Referrals: {referrals}; outcomes: {events}").format(referrals=r["referrals"],
                                                                            events=r["events"]))
    return lines


def cmd_export(args: argparse.Namespace) -> int:
    from desktop.services import exchange

    ctx = sign_in(args)
    include = exchange.parse_include(args.include)
    try:
        result = exchange.export_bundle(ctx, args.to, args.out, include)
    except OSError as exc:
        raise CommandError(_("Cannot write {path}: {error}").format(path=args.out, error=exc.strerror)) from exc
    to = _("any trusted office") if result.recipient == "any" else result.recipient
    print(_("Bundle {seq} for {to} written to {path}").format(seq=result.sequence, to=to, path=result.path))
    for line in _contents_lines(result.contents):
        print(line)
    if result.held_back:
        print(exchange.held_back_message(result.held_back))
    print(_("Bundle {id}, SHA-256 {sha}").format(id=result.bundle_id, sha=result.sha256))
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import exchange

    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        raise CommandError(_("Cannot read {path}: {error}").format(path=args.file, error=exc.strerror)) from exc
    ctx = sign_in(args)
    report = exchange.import_bundle(ctx, data, dry_run=args.dry_run)
    for line in report.lines():
        print(line)
    return EXIT_OK


def cmd_conflicts(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services import exchange

    ctx = sign_in(args)
    rows = [(c.table, c.title, c.sender_office, format_date(c.created_at, "medium"), ", ".join(c.changed_fields),
             c.row_id) for c in exchange.list_conflicts(ctx)]
    write_rows(rows, [_("Table"), _("Name"), _("Office"), _("Date"), _("Differs in"), _("Id")], args.format)
    return EXIT_OK


def cmd_inbox(args: argparse.Namespace) -> int:
    from desktop.i18n import format_date
    from desktop.services import exchange

    ctx = sign_in(args)
    rows = [(r.number, r.sender_office, r.service_name, r.person_name, r.status_label,
             format_date(r.received_at, "medium"), r.id) for r in exchange.inbox(ctx)]
    write_rows(rows, [_("Number"), _("From"), _("Service"), _("Person"), _("Status"), _("Received"), _("Id")],
               args.format)
    return EXIT_OK
