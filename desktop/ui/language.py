"""The interface language: ours (gettext catalogs) and Qt's own (standard dialogs, buttons)."""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtWidgets import QApplication

from desktop.i18n import set_language

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
    from desktop.ui.qt_gaps import QtGapsTranslator

    gaps = QtGapsTranslator(app)  # installed last: asked first, for the few strings Qt left untranslated
    app.installTranslator(gaps)
    _qt_translators.append(gaps)


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
