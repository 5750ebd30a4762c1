"""The person form by keyboard: the cursor starts in "Given names" and Tab never stops on the scroll area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea


def test_the_person_form_starts_in_given_names_and_tab_skips_the_scroll_area(qtbot, ctx_for, qt_settings) -> None:
    from desktop.ui.people.person_dialog import PersonDialog

    dialog = PersonDialog(ctx_for("clerk"))
    qtbot.addWidget(dialog)
    dialog.resize(1024, 700)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=2000)
    assert QApplication.focusWidget() is dialog.given_names
    stops = []
    for _step in range(40):
        widget = QApplication.focusWidget()
        stops.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    assert not any(isinstance(w, QScrollArea) for w in stops)
    assert dialog.family_name_1 in stops and dialog.given_names in stops[1:]  # the walk comes round again
