"""Foundation commands: init, demo, audit, users."""

from __future__ import annotations

import argparse
import sys

from desktop.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    CommandError,
    add_format_option,
    db_location,
    open_db,
    read_secret,
    sign_in,
    write_rows,
)
from desktop.i18n import N_, _, format_datetime


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("init", parents=[common], help=_("set up a new office database"))
    p.add_argument("--office-code", required=True)
    p.add_argument("--office-name", required=True)
    p.add_argument("--country", required=True, help=_("ISO 3166 two-letter code, e.g. CO"))
    p.add_argument("--municipality", default="")
    p.add_argument("--region", default="")
    p.add_argument("--locale", default="es_CO")
    p.add_argument("--timezone", default="America/Bogota")
    p.add_argument("--logo", metavar="FILE", help=_("PNG or JPEG logo"))
    p.add_argument("--admin", required=True, metavar="USER", help=_("first administrator's user name"))
    p.add_argument("--admin-name", default="", help=_("first administrator's full name"))
    p.add_argument("--recovery-sheet", metavar="FILE", help=_("write the encryption recovery sheet (PDF) here"))
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("demo", parents=[common], help=_("create a database with demo data"))
    p.add_argument("--size", choices=("small", "large", "xlarge"), default="small",
                   help=_("small: a few hundred records; large: about 100,000 people; xlarge: 1,000,000 people"))
    p.add_argument("--seed", type=int, default=1, help=_("the same seed gives the same demo data"))
    p.add_argument("--reset", action="store_true",
                   help=_("replace an existing demo database with a new one (it is backed up first)"))
    p.add_argument("--office-code", default="BGA", metavar="CODE",
                   help=_("another code makes a partner office that exchanges bundles with the BGA demo"))
    p.add_argument("--office-name", default=None, metavar="NAME", help=_("the partner office's name"))
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("audit", parents=[common], help=_("audit log"))
    asub = p.add_subparsers(dest="audit_command", required=True, metavar=_("ACTION"))
    v = asub.add_parser("verify", parents=[common], help=_("check the hash chain of the audit log"))
    v.set_defaults(func=cmd_audit_verify)
    ls = asub.add_parser("list", parents=[common], help=_("show recent audit events"))
    ls.add_argument("--limit", type=int, default=50)
    ls.add_argument("--action")
    ls.add_argument("--by", metavar="USER")
    add_format_option(ls)
    ls.set_defaults(func=cmd_audit_list)

    p = sub.add_parser("password", parents=[common],
                       help=_("change your own password (the current one, then the new one: stdin lines or "
                              "$ENLACE_PASSWORD and $ENLACE_NEW_PASSWORD)"))
    p.set_defaults(func=cmd_password)

    p = sub.add_parser("users", parents=[common], help=_("list user accounts"))
    add_format_option(p)
    p.set_defaults(func=cmd_users)


def cmd_init(args: argparse.Namespace) -> int:
    from pathlib import Path

    from desktop.services import workspace
    from desktop.services.office import OfficeForm, office_info

    if not workspace.needs_setup(db_location(args)):
        raise CommandError(_("{path} already holds an office.").format(path=db_location(args)))
    logo = Path(args.logo).read_bytes() if args.logo else None
    password = read_secret(_("Password for {user}: ").format(user=args.admin))
    form = OfficeForm(code=args.office_code, name=args.office_name, country=args.country,
                      municipality=args.municipality, region=args.region, locale=args.locale,
                      timezone=args.timezone, logo=logo)
    # The new database is encrypted; its recovery key is shown once, here.
    ctx = workspace.create_office(db_location(args), form, args.admin, args.admin_name or args.admin, password,
                                  language=getattr(args, "lang", None) or "es")
    try:
        office = office_info(ctx.db)
        recovery = workspace.take_recovery_key(ctx)
        if recovery and args.recovery_sheet:
            from desktop.services.core.files import write_private

            write_private(Path(args.recovery_sheet), workspace.recovery_sheet(ctx, recovery))
    finally:
        ctx.db.dispose()
    print(_("Office {code} created with administrator {user} in {path}").format(
        code=office.code if office else form.code, user=args.admin, path=db_location(args)))
    if recovery:
        print(_("The database is encrypted. Recovery key (print it or write it down and keep it locked away; it "
                "is shown only now):"))
        print(f"  {recovery}")
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    import time

    from desktop.services.demo import build_demo, demo_state, reset_demo

    started = time.monotonic()
    location = db_location(args)
    state = demo_state(location)
    if state == "office":
        raise CommandError(_("{path} holds an office's data, not a demo: nothing was changed. Give another file "
                             "with --db for the demo.").format(path=location))
    if state == "demo" and not args.reset:
        print(_("The demo database {path} already exists and was kept. Open it with: enlace --db {path}\n"
                "To start the demo again from scratch use --reset (the current one is backed up first).").format(
            path=location))
        _print_demo_accounts()
        return EXIT_OK
    if state == "demo":
        print(_("The previous demo database was backed up to {path}.").format(path=reset_demo(location)))
    db = open_db(args, create=True)
    try:
        demo = build_demo(db, args.size, args.seed,
                          progress=lambda step: print(_("… {step}").format(step=_demo_word(step)), file=sys.stderr),
                          office_code=args.office_code, office_name=args.office_name)
        from desktop.services.workspace import split_role_files, take_recovery_key

        recovery = take_recovery_key(db)
        split_role_files(db)  # as every encrypted office: people and trainings in files only their readers open
        from desktop.services.security import checkpoints

        checkpoints.sign_now(db)  # the audit log's head, signed: deleting its newest events shows from the start
    finally:
        db.dispose()
    print(_("Demo database ready: {path} ({seconds:.0f} s)").format(
        path=db_location(args), seconds=time.monotonic() - started))
    for key, count in demo.summary.items():
        print(f"  {_demo_word(key)}: {count}")
    _print_demo_accounts()
    if recovery:
        print(_("Encrypted; recovery key: {key}").format(key=recovery))
    return EXIT_OK


# The demo's steps and counts, as they are printed (the demo parts name them in plain English keys).
DEMO_WORDS: dict[str, str] = {
    "office": N_("office"), "directory": N_("directory"), "people": N_("people"), "referrals": N_("referrals"),
    "search index": N_("search index"), "saving people and referrals": N_("saving people and referrals"),
    "trainings": N_("trainings"), "organizations": N_("organizations"), "services": N_("services"),
    "users": N_("users"), "households": N_("households"), "cases": N_("cases"), "courses": N_("courses"),
    "participants": N_("participants"), "certificates": N_("certificates"),
}


def _demo_word(key: str) -> str:
    return _(DEMO_WORDS[key]) if key in DEMO_WORDS else key


def _print_demo_accounts() -> None:
    from desktop.services.core.permissions import role_label
    from desktop.services.demo import DEMO_PASSWORD, DEMO_USERS

    print(_("Accounts (password {password}):").format(password=DEMO_PASSWORD))
    for username, full_name, role in DEMO_USERS:
        print(f"  {username:<11} {full_name} ({role_label(role)})")


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from desktop.services.security.audit import verify_chain

    # Verifying needs no sign-in (it must work when accounts are damaged); an encrypted database
    # is unlocked with --user and the password, or the recovery key ($ENLACE_RECOVERY_KEY).
    db = open_db(args)
    try:
        result = verify_chain(db)
    finally:
        db.dispose()
    if result.ok:
        print(_("Audit log intact: {n} events checked.").format(n=result.checked))
        if result.checkpoint_count is not None:
            print(_("It matches the checkpoint signed on {at} ({count} events); {after} events came after it.").format(
                at=result.checkpoint_at[:10] if result.checkpoint_at else "?", count=result.checkpoint_count,
                after=result.after_checkpoint))
            if not result.authoritative:
                print(_("The checkpoint's signature was checked with the key stored beside it: for a check no one "
                        "else could fake, verify as an administrator or with the recovery key."))
        else:
            print(_("No signed checkpoint yet: deleting the newest events could not be detected. An administrator's "
                    "sign-in or backup makes one."))
        return EXIT_OK
    print(_("Audit log broken at event #{seq} ({id}): {reason}. {n} events before it are intact.").format(
        seq=result.broken_seq, id=result.broken_id, reason=result.reason, n=result.checked))
    return EXIT_ERROR


def cmd_audit_list(args: argparse.Namespace) -> int:
    from desktop.services.office import office_info
    from desktop.services.security.audit import AuditFilter, action_label, list_events

    ctx = sign_in(args)
    events = list_events(ctx, AuditFilter(username=args.by, action=args.action), limit=args.limit)
    info = office_info(ctx.db)
    zone = info.timezone if info else None  # text shows the office's clock; CSV keeps exact UTC
    write_rows(((e.seq, format_datetime(e.at, "short", tz=zone) if args.format == "text" else e.at.isoformat(),
                 e.username, action_label(e.action) if args.format == "text" else e.action,
                 e.entity, e.entity_id) for e in events),
               ["seq", "at", "user", "action", "entity", "entity_id"], args.format)
    return EXIT_OK


def cmd_password(args: argparse.Namespace) -> int:
    from desktop.services.security import auth

    ctx = sign_in(args, temporary_password_ok=True)
    try:
        new = read_secret(_("New password for {user}: ").format(user=ctx.username), "ENLACE_NEW_PASSWORD")
        auth.change_own_password(ctx, args.given_password, new)
    finally:
        ctx.db.dispose()
    print(_("The password of {user} was changed.").format(user=ctx.username))
    return EXIT_OK


def cmd_users(args: argparse.Namespace) -> int:
    from desktop.services.security.auth import list_users

    ctx = sign_in(args)
    write_rows(((u.username, u.full_name, u.role, u.active, u.locked) for u in list_users(ctx)),
               ["username", "full_name", "role", "active", "locked"], args.format)
    return EXIT_OK


__all__ = ["EXIT_ERROR", "register"]
