"""``enlace server …``: set up an office on a PostgreSQL server."""

from __future__ import annotations

import argparse

from desktop.cli.common import EXIT_OK, CommandError, read_secret
from desktop.i18n import _


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("server", parents=[common], help=_("an office on a PostgreSQL server (several seats)"))
    ssub = p.add_subparsers(dest="server_command", required=True, metavar=_("ACTION"))
    i = ssub.add_parser("init", parents=[common],
                        help=_("create the schema, roles, office and first administrator on an empty database"))
    i.add_argument("--office-code", help=_("e.g. BGA (needed the first time)"))
    i.add_argument("--office-name", default="")
    i.add_argument("--country", default="CO", help=_("ISO 3166 two-letter code, e.g. CO"))
    i.add_argument("--municipality", default="")
    i.add_argument("--region", default="")
    i.add_argument("--locale", default="es_CO")
    i.add_argument("--timezone", default="America/Bogota")
    i.add_argument("--admin", metavar="USER", help=_("first administrator's user name (needed the first time)"))
    i.add_argument("--admin-name", default="", help=_("first administrator's full name"))
    i.set_defaults(func=cmd_server_init)
    m = ssub.add_parser("migrate", parents=[common],
                        help=_("move a one-PC office (its database file) onto an empty server database"))
    m.add_argument("--from", dest="source", required=True, metavar="FILE", help=_("the office's database file"))
    m.add_argument("--to", dest="target", required=True, metavar="URL",
                   help=_("the empty server database, as its owner: postgresql://USER@HOST:PORT/DATABASE"))
    m.set_defaults(func=cmd_server_migrate)


def cmd_server_init(args: argparse.Namespace) -> int:
    from desktop.services.core.errors import EnlaceError
    from desktop.services.office import OfficeForm
    from desktop.services.workspace.server import init_server

    location = getattr(args, "db", None)
    if not location:
        raise CommandError(_("Give the server with --db postgresql://USER@HOST:PORT/DATABASE."))
    form = None
    password = None
    if args.office_code and args.admin:
        form = OfficeForm(code=args.office_code, name=args.office_name or args.office_code, country=args.country,
                          municipality=args.municipality, region=args.region, locale=args.locale,
                          timezone=args.timezone)
        password = read_secret(_("Password for {user}: ").format(user=args.admin))
    try:
        result = init_server(location, form, args.admin or "", args.admin_name, password,
                             language=getattr(args, "lang", None) or "es")
    except EnlaceError as exc:
        raise CommandError(str(exc)) from exc
    if result.created:
        print(_("Office {code} created on the server database {database}. Administrator {user} signs in with "
                "their own server login {login}.").format(code=result.office_code, database=result.database,
                                                           user=args.admin, login=result.admin_login))
    else:
        print(_("The server database {database} (office {code}) is up to date; privileges granted again.").format(
            database=result.database, code=result.office_code))
    return EXIT_OK


def cmd_server_migrate(args: argparse.Namespace) -> int:
    import os
    import sys

    from desktop.services.core.errors import EnlaceError
    from desktop.services.workspace.server import migrate_to_server

    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username:
        raise CommandError(_("Give --user NAME: an administrator of the office moves it (with their password)."))
    password = read_secret(_("Password for {user}: ").format(user=username))
    try:
        result = migrate_to_server(args.source, args.target, username, password,
                                   progress=lambda step: print(_("… {step}").format(step=step), file=sys.stderr))
    except EnlaceError as exc:
        raise CommandError(str(exc)) from exc
    print(_("The office is on the server database {database}: {rows} rows in {tables} tables, the same as in the "
            "file; audit log verified ({events} events).").format(
        database=result.database, rows=sum(result.counts.values()), tables=len(result.counts),
        events=result.audit_events))
    if result.users_without_password:
        print(_("These accounts need a new password (Administration → Reset password) before they can sign in to "
                "the server: {users}").format(users=", ".join(result.users_without_password)))
    return EXIT_OK
