"""Qt's own buttons follow the interface language (Aceptar/Cancelar in Spanish)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from desktop.ui.language import apply_language, install_qt_translations, qt_translation_dirs


def _texts(box: QDialogButtonBox) -> list[str]:
    return [box.button(b).text().replace("&", "") for b in (QDialogButtonBox.StandardButton.Ok,
                                                           QDialogButtonBox.StandardButton.Cancel)]


def test_standard_buttons_read_aceptar_cancelar_in_spanish_and_ok_cancel_in_english(qapp) -> None:
    assert any(Path(folder, "qtbase_es.qm").is_file() for folder in qt_translation_dirs())
    try:
        apply_language("es")
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        assert _texts(box) == ["Aceptar", "Cancelar"]
        message = QMessageBox(QMessageBox.Icon.Question, "Enlace", "¿Seguro?",
                              QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
        assert message.button(QMessageBox.StandardButton.Yes).text().replace("&", "") == "Sí"
    finally:
        apply_language("en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    assert _texts(box) == ["OK", "Cancel"]
    install_qt_translations(qapp, "en")
