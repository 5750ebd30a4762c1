"""Load what signing in and the main window need, in the background, while the sign-in screen waits.

The first screen shows without SQLAlchemy, the models or Babel's locale data (together about a
second on an office PC); a person typing a name and password gives that time for free. Only
modules without Qt widgets are loaded here: Qt objects belong to the GUI thread. The import
work holds the GIL in short slices, so typing stays responsive. Code on the GUI thread that
needs these modules before sign-in is done calls :func:`wait` first, so the two threads never
import the same modules at once.
"""

from __future__ import annotations

import importlib
import threading

MODULES = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "desktop.store.database",
    "desktop.store.models",
    "desktop.services.auth",
    "desktop.services.audit",
    "desktop.services.office",
    "desktop.services.backup",
    "desktop.services.referrals",  # Home's follow-up panel
)

_thread: threading.Thread | None = None


def _load_locale_data() -> None:
    """Babel's CLDR data for the interface locale (the status bar and Home format dates)."""
    from datetime import UTC, datetime

    from desktop.i18n import format_datetime

    format_datetime(datetime.now(UTC))


def _run(modules: tuple[str, ...]) -> None:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the GUI thread imports it again and reports the problem
            return
    try:
        _load_locale_data()
    except Exception:  # only a head start; formatting later reports any problem
        pass


def start(modules: tuple[str, ...] = MODULES) -> None:
    """Begin loading in a background thread (once per process)."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_run, args=(modules,), name="enlace-warmup", daemon=True)
        _thread.start()


def done() -> bool:
    return _thread is not None and not _thread.is_alive()


def wait() -> None:
    """Block until the background loading has finished (at once if it never started)."""
    if _thread is not None:
        _thread.join()
