"""Command line: ``enlace`` opens the window; subcommands run headless jobs.

Each feature area registers its commands from a module listed in :data:`COMMAND_MODULES`,
exposing ``register(subparsers, common)``. Command functions take the parsed arguments and
return an exit status. Heavy libraries are imported inside commands, never at module level,
so that ``enlace --version`` and start-up stay fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from desktop import APP_NAME, __version__
from desktop.i18n import _, set_language

COMMAND_MODULES = ["desktop.cli.core", "desktop.cli.backup", "desktop.cli.people", "desktop.cli.training",
                   "desktop.cli.report", "desktop.cli.directory", "desktop.cli.server", "desktop.cli.exchange"]


def _common_options(top_level: bool) -> argparse.ArgumentParser:
    """Options accepted before or after any subcommand.

    On subcommands the defaults are suppressed so a value given before the subcommand survives.
    """
    parser = argparse.ArgumentParser(add_help=False)
    default = None if top_level else argparse.SUPPRESS
    parser.add_argument("--db", metavar="PATH", default=default,
                        help=_("database file (default: $ENLACE_DB or the user data folder)"))
    parser.add_argument("--lang", choices=("es", "en"), default=default, help=_("language of messages"))
    parser.add_argument("--user", metavar="NAME", default=default,
                        help=_("act as this user (default: $ENLACE_USER); password from $ENLACE_PASSWORD or stdin"))
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="enlace", parents=[_common_options(True)],
                                     description=_("Enlace: registrations, referrals, trainings and "
                                                   "reports for local migration offices."))
    parser.add_argument("--version", action="version", version=f"{APP_NAME} {__version__}",
                        help=_("print the version and exit"))
    common = _common_options(False)
    sub = parser.add_subparsers(dest="command", metavar=_("COMMAND"))
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub, common)
    return parser


def _window_args(argv: Sequence[str]) -> argparse.Namespace | None:
    """The options when ``argv`` only opens the window (no subcommand, no --help or --version).

    Parsed without :func:`build_parser`, which imports every command module: the window's
    start-up does not pay for the CLI. Anything else (or a mistake) goes to the full parser.
    """
    parser = argparse.ArgumentParser(prog="enlace", parents=[_common_options(True)], add_help=False,
                                     exit_on_error=False)
    try:
        args, rest = parser.parse_known_args(argv)
    except (argparse.ArgumentError, SystemExit):
        return None
    return None if rest else args


def _early_language(argv: Sequence[str]) -> None:
    """Translate --help and errors: honour --lang before argparse builds its texts."""
    lang = os.environ.get("ENLACE_LANG")
    for i, arg in enumerate(argv):
        if arg == "--lang" and i + 1 < len(argv):
            lang = argv[i + 1]
        elif arg.startswith("--lang="):
            lang = arg.split("=", 1)[1]
    set_language(lang or "es")


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _early_language(argv)
    from desktop.cli.argparse_i18n import install

    install()  # argparse's "usage", "options" and errors in the same language
    args = _window_args(argv)
    if args is None:
        args = build_parser().parse_args(argv)
    if not getattr(args, "command", None):
        from desktop.ui import warmup

        warmup.hold_collection()  # until someone signs in or setup begins (see there)
        # The first screen's modules without Qt load before Qt: PySide6 reads the source of every
        # module imported after it (its __feature__ import hook), about half a millisecond each.
        import desktop.services.demo
        import desktop.services.workspace  # noqa: F401
        from desktop.ui.app import run_gui

        return run_gui(db_path=args.db, language=args.lang)
    from desktop.cli.common import run_command

    try:
        status = run_command(args)
        sys.stdout.flush()  # here, not at exit: a reader that left is noticed while we can still answer
        return status
    except BrokenPipeError:
        return _reader_left()


def _reader_left() -> int:
    """The reader of our output went away (``enlace people list | head``): end quietly, as ``cat``
    does. Standard output now goes nowhere, so Python's own flush at exit raises nothing either."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real file behind stdout (tests)
        pass
    return 0
