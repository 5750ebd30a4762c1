"""What every headless command shares: opening the database, signing in, printing tables."""

from __future__ import annotations

import argparse
import csv
import getpass
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from desktop.i18n import _, set_language

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_AUTH = 0, 1, 2, 3


def default_db_path() -> Path:
    from desktop.services.workspace import default_location

    return Path(default_location())


def db_location(args: argparse.Namespace) -> str:
    return getattr(args, "db", None) or os.environ.get("ENLACE_DB") or str(default_db_path())


def existing_db_location(args: argparse.Namespace) -> str:
    """The database location of a command that must not create one: a missing (or empty) file is
    refused with a message naming it. Only ``init`` and ``demo`` create databases."""
    location = db_location(args)
    if "://" in location:  # a server URL
        return location
    path = Path(location).expanduser()
    keys_file = Path(f"{path}.keys")
    if (not path.exists() or (path.is_file() and path.stat().st_size == 0)) and not keys_file.exists():
        raise CommandError(_("There is no Enlace database at {path}. Give the office's database with --db (or "
                             "ENLACE_DB); a new one is made only by `enlace init` or `enlace demo`.").format(
            path=path))
    return location


def open_db(args: argparse.Namespace, *, create: bool = False):
    """Open (and migrate) the database named by --db / $ENLACE_DB / the default.

    Only with ``create`` (``enlace demo``) is a missing database created, encrypted; otherwise a
    missing file is refused. An encrypted one is unlocked with --user and the password (stdin or
    $ENLACE_PASSWORD), or with the recovery key in $ENLACE_RECOVERY_KEY.
    """
    from desktop.services.core.errors import AuthError
    from desktop.services.workspace import LockedDatabaseError, open_store

    location = db_location(args) if create else existing_db_location(args)
    try:
        return open_store(location, lambda: unlock_from(args), create=create)
    except (AuthError, LockedDatabaseError) as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc


def unlock_from(args: argparse.Namespace):
    """What opens an encrypted database for a headless command (asked only when one is needed)."""
    from desktop.services.workspace import Unlock, is_demo

    recovery = os.environ.get("ENLACE_RECOVERY_KEY")
    if recovery:
        return Unlock(recovery_key=recovery)
    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username and "://" in db_location(args):
        raise CommandError(_("On an office server everyone signs in with their own account: give --user NAME (or "
                             "set ENLACE_USER) and the password on stdin or in ENLACE_PASSWORD."), EXIT_AUTH)
    if not username and is_demo(db_location(args)):
        # A demo office's passwords are printed for everyone; its administrator opens it.
        from desktop.services.demo import DEMO_PASSWORD

        return Unlock("admin", DEMO_PASSWORD)
    if not username:
        raise CommandError(_("This database is encrypted: give --user NAME (or set ENLACE_USER) and the password "
                             "on stdin or in ENLACE_PASSWORD, or the recovery key in ENLACE_RECOVERY_KEY."),
                           EXIT_AUTH)
    return Unlock(username, read_secret(_("Password for {user}: ").format(user=username)))


def read_secret(prompt: str, env_var: str = "ENLACE_PASSWORD") -> str:
    """A password from the environment, else the terminal (no echo), else one line of stdin."""
    value = os.environ.get(env_var)
    if value is not None:
        return value
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline() if sys.stdin else ""
    return line.rstrip("\r\n")


def sign_in(args: argparse.Namespace, *, temporary_password_ok: bool = False):
    """Open the database and sign in as --user / $ENLACE_USER. Returns an AppContext.

    A temporary password (set by an administrator) must be changed first (``enlace password``),
    on the command line as in the window.
    """
    from desktop.services import workspace
    from desktop.services.core.errors import EnlaceError
    from desktop.services.security import auth

    location = existing_db_location(args)
    username = getattr(args, "user", None) or os.environ.get("ENLACE_USER")
    if not username:
        raise CommandError(_("This command acts as a user: give --user NAME (or set ENLACE_USER) and the "
                             "password on stdin or in ENLACE_PASSWORD."), EXIT_AUTH)
    password = read_secret(_("Password for {user}: ").format(user=username))
    args.given_password = password  # ``enlace password`` proves it again to change it
    try:
        ctx = workspace.open_signed_in(location, username, password)
    except EnlaceError as exc:
        raise CommandError(str(exc), EXIT_AUTH) from exc
    if not getattr(args, "lang", None):
        set_language(ctx.actor.language)
    if not temporary_password_ok and auth.must_change_password(ctx):
        ctx.db.dispose()
        raise CommandError(_("The password of {user} is temporary: change it first with \"enlace password --user "
                             "{user}\" (the current password, then the new one).").format(user=username), EXIT_AUTH)
    return ctx


class CommandError(Exception):
    def __init__(self, message: str, status: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.status = status


def run_command(args: argparse.Namespace) -> int:
    """Run the chosen subcommand; turn domain errors into a message on stderr and an exit status."""
    from desktop.services.core.errors import EnlaceError, StoreError, busy_message, is_busy_error, set_wait_notice

    if getattr(args, "lang", None):
        set_language(args.lang)
    set_wait_notice(_say_waiting)
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return exc.status
    except (EnlaceError, StoreError) as exc:
        print(_("Error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(_("Cancelled."), file=sys.stderr)
        return 130
    except BrokenPipeError:
        raise  # output piped into `head`: the launcher ends quietly
    except OSError as exc:  # a full disk, a read-only folder, a missing or unreadable file
        print(_("Error: {message}").format(message=os_error_message(exc)), file=sys.stderr)
        return EXIT_ERROR
    except MemoryError:
        print(_("Error: {message}").format(message=_("not enough memory for this job.")), file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        message = busy_message() if is_busy_error(exc) else database_fault_message(exc)
        if message is None:
            raise  # a bug: the traceback is what a developer needs
        print(_("Error: {message}").format(message=message), file=sys.stderr)
        return EXIT_ERROR


def database_fault_message(exc: BaseException) -> str | None:
    """A translated sentence for a fault the database engine reports (full disk, read-only, busy, I/O)."""
    module = type(exc).__module__ or ""
    if not module.startswith(("sqlalchemy", "sqlite3", "sqlcipher3")):
        return None
    text = str(getattr(exc, "orig", None) or exc).lower()
    if "full" in text:
        return _("the disk is full ({path}). Free some space and try again; nothing was lost.").format(path="")
    if "readonly" in text or "read-only" in text:
        return _("{path} cannot be written or read here (permission denied or read-only). Choose another "
                 "folder or fix its permissions.").format(path=_("the database"))
    if "locked" in text or "busy" in text:
        return _("the database is busy with another job; try again in a moment.")
    if "unable to open" in text or "i/o" in text:
        return _("the database file cannot be read or written (disk error, full disk or removed drive). Nothing was "
                 "saved by this command.")
    return None


def os_error_message(exc: OSError) -> str:
    """A translated sentence for a file-system fault."""
    import errno

    where = exc.filename or ""
    if exc.errno == errno.ENOSPC:
        return _("the disk is full ({path}). Free some space and try again; nothing was lost.").format(path=where)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return _("{path} cannot be written or read here (permission denied or read-only). Choose another "
                 "folder or fix its permissions.").format(path=where)
    if exc.errno == errno.ENOENT:
        return _("the file {path} does not exist.").format(path=where)
    return _("the file {path} cannot be used: {reason}.").format(path=where, reason=exc.strerror or exc)


def _say_waiting() -> None:
    print(_("Another job (another seat or command) is writing to the database; waiting for it to finish…"),
          file=sys.stderr, flush=True)


def write_rows(rows: Iterable[Sequence[object]], header: Sequence[str], fmt: str = "text",
               out=None) -> None:
    """Print rows as CSV (one row per record, header first) or as aligned text columns."""
    out = out or sys.stdout
    if fmt == "csv":
        from desktop.services.core.files import spreadsheet_text

        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:  # a name like "=HYPERLINK(…)" must reach a spreadsheet as text, not as a formula
            writer.writerow(["" if v is None else spreadsheet_text(v) for v in row])
        return
    table = [list(map(str, header))] + [["" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    for row in table:
        out.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n")


def add_format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "csv"), default="text", help=_("output format"))
