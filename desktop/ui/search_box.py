"""The one search field every list uses: it asks for a search once typing pauses, at once on Enter."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget

TYPING_PAUSE_MS = 250  # long enough to skip the keystrokes of a word, short enough to feel immediate


class SearchBox(QLineEdit):
    """``searched(text)`` is emitted when typing pauses for :data:`TYPING_PAUSE_MS` or Enter is pressed."""

    searched = Signal(str)

    def __init__(self, placeholder: str = "", parent: QWidget | None = None, *,
                 pause_ms: int = TYPING_PAUSE_MS) -> None:
        super().__init__(parent)
        self.setPlaceholderText(placeholder)
        self.setClearButtonEnabled(True)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(pause_ms)
        self._timer.timeout.connect(self.search_now)
        self.textEdited.connect(lambda _text: self._timer.start())
        self.returnPressed.connect(self.search_now)
        self._results: QWidget | None = None

    def lead_to(self, results: QWidget) -> None:
        """Down arrow goes from the box to ``results`` (the list it searches), as in any search box."""
        self._results = results

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Down and self._results is not None and self._results.isVisible():
            if self.pending():
                self.search_now()  # the list the clerk goes to is the one for what is typed
            self._results.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().keyPressEvent(event)

    def search_now(self) -> None:
        self._timer.stop()
        self.searched.emit(self.text())

    def pending(self) -> bool:
        """True while a search waits for typing to pause."""
        return self._timer.isActive()
