"""Data-safety commands: backups, restore, encrypting a plain database, the recovery key.

    enlace backup create [--to DIR]      the backup file's path is the last line printed
    enlace backup list [--to DIR]
    enlace backup verify FILE            exit 0 when sound, 1 when damaged
    enlace backup restore FILE           into the database given by --db
    enlace backup restore FILE.pgdump --db postgresql://OWNER@HOST:PORT/NEWDB --user ADMIN
                                         an office server's backup, into a new, empty server database
    enlace encrypt                       convert an unencrypted database in place (after a backup)
    enlace recover --user NAME           new administrator password with the recovery key
    enlace recovery-key new              replace the recovery key (prints it; --sheet FILE writes the PDF)
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from desktop.cli.common import (
    EXIT_AUTH,
    EXIT_ERROR,
    EXIT_OK,
    CommandError,
    add_format_option,
    db_location,
    existing_db_location,
    read_secret,
    sign_in,
    unlock_from,
    write_rows,
)
from desktop.i18n import _, format_datetime, format_number


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("backup", parents=[common], help=_("make, list, check and restore backups"))
    bsub = p.add_subparsers(dest="backup_command", required=True, metavar=_("ACTION"))
    c = bsub.add_parser("create", parents=[common], help=_("back up the database now"))
    c.add_argument("--to", metavar="DIR", help=_("backup folder (default: the office's backup folder)"))
    c.set_defaults(func=cmd_create)
    ls = bsub.add_parser("list", parents=[common], help=_("list the backups in the backup folder"))
    ls.add_argument("--to", metavar="DIR", help=_("list this folder instead (no sign-in needed)"))
    add_format_option(ls)
    ls.set_defaults(func=cmd_list)
    v = bsub.add_parser("verify", parents=[common], help=_("check a backup file"))
    v.add_argument("file", metavar="FILE")
    v.set_defaults(func=cmd_verify)
    r = bsub.add_parser("restore", parents=[common],
                        help=_("replace the database given by --db with a backup (it is backed up first); a server "
                               "backup (.pgdump) goes into an empty server database, --db postgresql://OWNER@HOST/DB"))
    r.add_argument("file", metavar="FILE")
    r.set_defaults(func=cmd_restore)

    e = sub.add_parser("encrypt", parents=[common],
                       help=_("encrypt an unencrypted database in place (a backup is made first)"))
    e.add_argument("--recovery-sheet", metavar="FILE", help=_("also write the recovery sheet (PDF) here"))
    e.set_defaults(func=cmd_encrypt)

    rc = sub.add_parser("recover", parents=[common],
                        help=_("give an administrator a new password with the recovery key "
                               "($ENLACE_RECOVERY_KEY or the first line of stdin; then the new password)"))
    rc.set_defaults(func=cmd_recover)

    k = sub.add_parser("recovery-key", parents=[common], help=_("the recovery key of an encrypted database"))
    ksub = k.add_subparsers(dest="recovery_command", required=True, metavar=_("ACTION"))
    n = ksub.add_parser("new", parents=[common], help=_("replace the recovery key; the old sheet stops working"))
    n.add_argument("--sheet", metavar="FILE", help=_("write the recovery sheet (PDF) here"))
    n.set_defaults(func=cmd_recovery_new)


def _counts_lines(counts: dict[str, int]) -> list[str]:
    from desktop.services.workspace.backup import summarize_counts

    shown = summarize_counts(counts)
    width = max((len(label) for label, _n in shown), default=0)
    return [f"  {label:<{width}}  {format_number(n):>9}" for label, n in shown]


def cmd_create(args: argparse.Namespace) -> int:
    from desktop.services.workspace.backup import create_backup

    ctx = sign_in(args)
    try:
        made = create_backup(ctx, args.to)
    finally:
        ctx.db.dispose()
    print(_("Backup checked and saved ({size} bytes, {kind}).").format(
        size=format_number(made.size), kind=_("encrypted") if made.encrypted else _("not encrypted")))
    print(made.path)
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    from desktop.services.workspace.backup import list_backup_files, list_backups

    if args.to:
        backups = list_backup_files(args.to)
    else:
        ctx = sign_in(args)
        try:
            backups = list_backups(ctx)
        finally:
            ctx.db.dispose()
    text = args.format == "text"
    write_rows(((format_datetime(b.created_at, "short") if text else b.created_at.isoformat(), b.office,
                 b.reason or "manual", b.size, "yes" if b.encrypted else "no", str(b.path)) for b in backups),
               ["created_at", "office", "reason", "size", "encrypted", "path"], args.format)
    if text and not backups:
        print(_("No backups found."), file=sys.stderr)
    return EXIT_OK


def _backup_maker(args: argparse.Namespace):
    """A server backup opens with its maker's password of that day (no recovery key, no demo default)."""
    from desktop.services.workspace import Unlock

    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username:
        raise CommandError(_("A server backup opens with the password of the administrator who made it: give --user "
                             "NAME and the password on stdin or in ENLACE_PASSWORD."), EXIT_AUTH)
    return Unlock(username, read_secret(_("Password for {user}: ").format(user=username)))


def _unlock_if_needed(args: argparse.Namespace, path: Path):
    """Credentials for an encrypted backup, read only when the file needs them."""
    from desktop.services.workspace import is_plain_sqlite
    from desktop.services.workspace.server_backup import is_server_backup

    if path.is_file() and is_server_backup(path):
        return _backup_maker(args)
    if not path.is_file() or is_plain_sqlite(path):
        return None
    return unlock_from(args)


def cmd_verify(args: argparse.Namespace) -> int:
    from desktop.services.core.errors import AuthError
    from desktop.services.workspace.backup import inspect_backup

    path = Path(args.file).expanduser()
    try:
        summary = inspect_backup(path, unlock=_unlock_if_needed(args, path))
    except AuthError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    if not summary.ok:
        print(_("Backup damaged: {path}: {problem}").format(path=path, problem=summary.problems[0]))
        return EXIT_ERROR
    print(_("Backup sound: {path}").format(path=path))
    if summary.created_at:
        print(_("Made on {when}, office {office}, {kind}.").format(
            when=format_datetime(summary.created_at, "short"), office=summary.office or "?",
            kind=_("encrypted") if summary.encrypted else _("not encrypted")))
    for line in _counts_lines(summary.counts):
        print(line)
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from desktop.services import workspace
    from desktop.services.core.errors import AuthError
    from desktop.services.workspace.backup import inspect_backup, restore_backup
    from desktop.services.workspace.server_backup import is_server_backup

    location = db_location(args)
    source = Path(args.file).expanduser()
    if "://" in location or is_server_backup(source):
        return _restore_server(args, source, location)
    target = Path(location).expanduser()
    exists = target.exists() and target.stat().st_size > 0
    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    try:
        if exists:
            if not username:
                raise CommandError(_("Restoring over an existing database needs an administrator of it: give --user "
                                     "NAME and the password on stdin or in ENLACE_PASSWORD."), EXIT_AUTH)
            password = read_secret(_("Password for {user}: ").format(user=username))
            unlock = workspace.Unlock(username, password)
            ctx = workspace.open_signed_in(location, username, password)
            try:
                summary = inspect_backup(source, [ctx.db.key] if ctx.db.key else [], unlock)
                result = restore_backup(location, source, ctx=ctx, unlock=unlock)
            finally:
                ctx.db.dispose()
        else:
            unlock = _unlock_if_needed(args, source)
            summary = inspect_backup(source, unlock=unlock)
            result = restore_backup(location, source, unlock=unlock)
    except AuthError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    if summary.created_at:
        print(_("Restored the backup made on {when} into {path}.").format(
            when=format_datetime(summary.created_at, "short"), path=location))
    for line in _counts_lines(result.counts):
        print(line)
    if result.safety_backup:
        print(_("The database as it was before is saved in {path}").format(path=result.safety_backup))
    return EXIT_OK


def _restore_server(args: argparse.Namespace, source: Path, location: str) -> int:
    from desktop.services.core.errors import AuthError, EnlaceError
    from desktop.services.workspace import server_backup

    if not server_backup.is_server_backup(source):
        raise CommandError(_("{path} is a backup of one PC's database file: restore it into a file (--db FILE). To "
                             "put that office on a server, restore it into a file, then use enlace server "
                             "migrate.").format(path=source))
    if "://" not in location:
        raise CommandError(_("A server backup is restored into a new, empty database on a server: give it with --db "
                             "postgresql://OWNER@HOST:PORT/DATABASE."))
    unlock = _backup_maker(args)
    try:
        result = server_backup.restore(source, location, unlock.username or "", unlock.password or "",
                                       progress=lambda step: print(_("… {step}").format(step=step), file=sys.stderr))
    except AuthError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    except EnlaceError as exc:
        raise CommandError(str(exc)) from exc
    if result.created_at:
        print(_("Restored the backup made on {when} into the server database {database}.").format(
            when=format_datetime(result.created_at, "short"), database=result.database))
    for line in _counts_lines(result.counts):
        print(line)
    print(_("Every table has the rows of the backup; audit log verified ({events} events).").format(
        events=result.audit_events))
    if result.users_without_password:
        print(_("These accounts need a new password (Administration → Reset password) before they can sign in to "
                "the server: {users}").format(users=", ".join(result.users_without_password)))
    return EXIT_OK


def _write_sheet(path: str, pdf: bytes) -> None:
    from desktop.services.core.files import write_private

    write_private(Path(path).expanduser(), pdf)
    print(_("Recovery sheet written to {path}: print it, keep it locked away, then delete the file.").format(
        path=path))


def _print_recovery(recovery_key: str) -> None:
    print(_("Recovery key (write it down or print the recovery sheet; it is shown only now):"))
    print(f"  {recovery_key}", flush=True)


def cmd_encrypt(args: argparse.Namespace) -> int:
    from desktop.services import workspace
    from desktop.services.core.errors import AuthError

    location = existing_db_location(args)
    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username:
        raise CommandError(_("Encrypting needs an administrator: give --user NAME and the password on stdin or in "
                             "ENLACE_PASSWORD."), EXIT_AUTH)
    password = read_secret(_("Password for {user}: ").format(user=username))
    try:
        # The key is printed before the encrypted file replaces the plain one: never lost to a crash.
        result = workspace.encrypt_in_place(location, username, password, show_recovery_key=_print_recovery)
    except AuthError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    print(_("The database {path} is now encrypted. The backup made before is {backup}.").format(
        path=location, backup=result.backup_path))
    if result.users_without_key:
        print(_("These users need a new password from an administrator before they can sign in: {names}").format(
            names=", ".join(result.users_without_key)))
    if args.recovery_sheet:
        ctx = workspace.open_signed_in(location, username, password)
        try:
            _write_sheet(args.recovery_sheet, workspace.recovery_sheet(ctx, result.recovery_key))
        finally:
            ctx.db.dispose()
    return EXIT_OK


def cmd_recover(args: argparse.Namespace) -> int:
    from desktop.services import workspace
    from desktop.services.core.errors import AuthError

    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username:
        raise CommandError(_("Give --user NAME: the administrator account that gets a new password."), EXIT_AUTH)
    location = existing_db_location(args)
    recovery = read_secret(_("Recovery key: "), "ENLACE_RECOVERY_KEY")
    password = read_secret(_("New password for {user}: ").format(user=username))
    try:
        without_key = workspace.recover_access(location, recovery, username, password)
    except AuthError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    print(_("{user} has a new password and is unlocked.").format(user=username))
    if without_key:
        print(_("These users need a new password from an administrator before they can sign in: {names}").format(
            names=", ".join(without_key)))
    return EXIT_OK


def cmd_recovery_new(args: argparse.Namespace) -> int:
    from desktop.services import workspace

    ctx = sign_in(args)
    try:
        recovery = workspace.new_recovery_key(ctx)
        _print_recovery(recovery)
        if args.sheet:
            _write_sheet(args.sheet, workspace.recovery_sheet(ctx, recovery))
    finally:
        ctx.db.dispose()
    return EXIT_OK
