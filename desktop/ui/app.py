"""Start the desktop application: open the database, first-run setup, sign-in, main window."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from desktop import APP_NAME, __version__
from desktop.i18n import current_language
from desktop.ui import settings
from desktop.ui.language import apply_language


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName(APP_NAME)
    app.setApplicationVersion(__version__)
    return app  # type: ignore[return-value]


def run_gui(db_path: str | None = None, language: str | None = None) -> int:
    """The ``enlace`` command with no subcommand."""
    import os

    from desktop.ui.session import AppSession

    app = make_application()
    apply_language(language or settings.LANGUAGE.get() or "es")
    path = db_path or os.environ.get("ENLACE_DB") or settings.LAST_DATABASE.get()
    if not path:
        from desktop.services.workspace import default_location

        path = default_location()
    # The session opens the database through services.workspace (an encrypted file needs the password).
    session = AppSession(path, fixed_language=language)
    if not session.start():
        return 1
    # Absolute: "enlace --db demo.db" run from a checkout must open the same file from anywhere next time.
    settings.LAST_DATABASE.set(path if "://" in path else os.path.abspath(path))
    status = app.exec()
    from desktop.ui import warmup
    from desktop.ui.worker import wait_for_all

    warmup.wait()  # an import still running in a thread while the interpreter shuts down can crash it
    wait_for_all()
    # The screens go before the application object: a dialog left open (sign-in cancelled) that
    # outlived the QApplication crashed the process on its way out.
    session.close_screens()
    del session
    return status


__all__ = ["apply_language", "current_language", "make_application", "run_gui"]
