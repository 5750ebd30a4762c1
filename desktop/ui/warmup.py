"""Load what signing in and the main window need, in the background, while the sign-in screen waits.

The first screen shows without SQLAlchemy, the models or Babel's locale data (about half a
second of loading on a quiet 2-core machine, more on a busy office PC); a person typing a name
and password gives that time for free. The thread loads only modules without Qt types (Qt
objects belong to the GUI thread, which imports the main window's modules afterwards in short
steps: :func:`load_window_modules`). Imports hold the GIL in short slices, so typing stays
responsive. GUI-thread code that needs these modules before sign-in calls :func:`wait` first, so
the two threads never import the same modules at once (the password check waits only for its
own small group: :func:`wait_for_password_check`). The cyclic garbage collector is paused while
all this loads (:func:`hold_collection`).
"""

from __future__ import annotations

import gc
import importlib
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtCore import QObject

# What the password check needs (argon2id, AES-GCM): first, so pressing Enter early waits little.
PASSWORD_CHECK_MODULES = (
    "argon2.low_level",
    "cryptography.exceptions",
    "cryptography.hazmat.primitives.ciphers.aead",
)
MODULES = (
    "sqlalchemy",
    "sqlalchemy.orm",
    "sqlalchemy.dialects.sqlite",
    "desktop.store.database",
    "desktop.store.models",
    "desktop.services.security.auth",
    "desktop.services.security.audit",
    "desktop.services.office",
    "desktop.services.workspace.backup",
    "desktop.services.referrals",  # Home's follow-up panel
    "desktop.services.people",
)
# The main window's own modules hold Qt types, which belong to the GUI thread: they are imported
# there, one per event-loop turn (~20 ms each), once the background loading is done.
WINDOW_MODULES = ("desktop.ui.main_window", "desktop.ui.idle_lock", "desktop.ui.home")

_thread: threading.Thread | None = None
_password_check_ready = threading.Event()
_collection_held = False
_window_modules_loaded = False


def _load_locale_data() -> None:
    """Babel's CLDR data for the interface locale (the status bar and Home format dates)."""
    from datetime import UTC, datetime

    from desktop.i18n import format_datetime

    format_datetime(datetime.now(UTC))


def _prepare_store() -> None:
    """Map the models and read the migration heads now rather than at the first query after sign-in."""
    from desktop.services.workspace import prepare_store

    prepare_store()


def _import_all(modules: tuple[str, ...]) -> bool:
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # the GUI thread imports it again and reports the problem
            return False
    return True


def _run(modules: tuple[str, ...]) -> None:
    try:
        _import_all(PASSWORD_CHECK_MODULES)
    finally:
        _password_check_ready.set()
    if not _import_all(modules):
        return
    for step in (_prepare_store, _load_locale_data):
        try:
            step()
        except Exception:  # only a head start: the same work later reports any problem
            pass


def hold_collection() -> None:
    """Pause the cyclic garbage collector while start-up loads its long-lived heap (until sign-in).

    The Qt bindings, SQLAlchemy and the models are hundreds of thousands of objects that live as
    long as the process; collecting while they load traverses them again and again (full
    collections of 50 to 180 ms each, measured on the way to the main window).
    """
    global _collection_held
    if gc.isenabled():
        gc.disable()
        _collection_held = True


def release_collection() -> None:
    """Collect as usual again, leaving what start-up loaded out of future collections (once)."""
    global _collection_held
    if _collection_held:
        _collection_held = False
        gc.freeze()
        gc.enable()


def start(modules: tuple[str, ...] = MODULES) -> None:
    """Begin loading in a background thread (once per process)."""
    global _thread
    if _thread is None:
        _thread = threading.Thread(target=_run, args=(modules,), name="enlace-warmup", daemon=True)
        _thread.start()


def done() -> bool:
    """The background loading has finished."""
    return _thread is not None and not _thread.is_alive()


def all_loaded() -> bool:
    """The background loading and the main window's modules (:func:`load_window_modules`) are done."""
    return done() and _window_modules_loaded


def load_window_modules(context: QObject) -> None:
    """Import the main window's modules on the GUI thread while ``context`` (the sign-in screen) is open."""
    from PySide6.QtCore import QTimer

    pending = list(WINDOW_MODULES)

    def step() -> None:
        global _window_modules_loaded
        if not done():
            QTimer.singleShot(50, context, step)
            return
        if not pending:
            _window_modules_loaded = True
            return
        name = pending.pop(0)
        try:
            module = importlib.import_module(name)
        except Exception:  # imported again when the window opens, which reports the problem
            _window_modules_loaded = True
            return
        pending.extend(entry.split(":")[0] for entry in getattr(module, "HOME_PANELS", ()))
        QTimer.singleShot(0, context, step)

    QTimer.singleShot(0, context, step)


def wait_for_password_check() -> None:
    """Block until what the password check imports is loaded (at once if loading never started)."""
    if _thread is not None:
        _password_check_ready.wait()


def wait() -> None:
    """Block until the background loading has finished (at once if it never started)."""
    if _thread is not None:
        _thread.join()
