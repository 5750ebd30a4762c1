"""Start the desktop application: open the database, first-run setup, sign-in, main window."""

from __future__ import annotations

import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop import APP_NAME, __version__
from desktop.i18n import current_language, set_language
from desktop.ui import settings

_qt_translators: list[QTranslator] = []


def install_qt_translations(app: QApplication, language: str) -> None:
    """Qt's own strings (dialog buttons: Aceptar/Cancelar) in the interface language."""
    for translator in _qt_translators:
        app.removeTranslator(translator)
    _qt_translators.clear()
    QLocale.setDefault(QLocale(language))
    if language == "en":
        return
    for name in ("qtbase", "qt"):
        for path in qt_translation_dirs():
            translator = QTranslator(app)
            if translator.load(f"{name}_{language}", path):
                app.installTranslator(translator)
                _qt_translators.append(translator)
                break


def qt_translation_dirs() -> list[str]:
    """Where Qt's own .qm files may be: Qt's configured folder, the PySide6 wheel's, a bundle's copy."""
    from pathlib import Path

    import PySide6

    from desktop.resources import resource_path

    candidates = [QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath),
                  str(Path(PySide6.__file__).resolve().parent / "Qt" / "translations"),
                  str(resource_path("PySide6/Qt/translations"))]
    return [path for i, path in enumerate(candidates) if path and path not in candidates[:i]]


def apply_language(language: str) -> None:
    set_language(language)
    app = QApplication.instance()
    if isinstance(app, QApplication):
        install_qt_translations(app, language)


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
        from desktop.cli.common import default_db_path

        path = str(default_db_path())
    # The session opens the database through services.workspace (an encrypted file needs the password).
    session = AppSession(path, fixed_language=language)
    if not session.start():
        return 1
    settings.LAST_DATABASE.set(path)
    status = app.exec()
    from desktop.ui import warmup

    warmup.wait()  # an import still running in a thread while the interpreter shuts down can crash it
    # The screens go before the application object: a dialog left open (sign-in cancelled) that
    # outlived the QApplication crashed the process on its way out.
    session.close_screens()
    del session
    return status


__all__ = ["apply_language", "current_language", "install_qt_translations", "make_application", "run_gui"]
