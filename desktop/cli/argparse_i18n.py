"""argparse's own words (usage, headings, errors) in the interface language.

argparse looks its messages up through its module-level ``_`` and ``ngettext`` at the moment it
formats them; pointing those at our catalog translates "usage", "options" and its error
messages. The texts are listed here so Babel extracts them into our catalog.
"""

from __future__ import annotations

import argparse

from desktop.i18n import N_, _, ngettext

MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("%(prog)s: error: %(message)s\n"),
)


def _plural_for_extraction() -> str:
    """Never called: marks argparse's one plural message for Babel."""
    return ngettext("expected %s argument", "expected %s arguments", 1)


def install() -> None:
    argparse._ = _  # type: ignore[attr-defined]
    argparse.ngettext = ngettext  # type: ignore[attr-defined]
