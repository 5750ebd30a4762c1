"""What "fits a 1024×768 screen" means, as a check a test can run on any window."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractScrollArea,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTextEdit,
    QWidget,
)

from desktop.ui.common import ElidedLabel

SCREEN = QRect(0, 0, 1024, 768)


def _name(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, QLabel) else ""
    return f"{type(widget).__name__}({widget.objectName() or text[:40]!r})"


def _scroll_viewport(widget: QWidget, top: QWidget) -> QWidget | None:
    """The viewport of the nearest scroll area holding ``widget`` (None if none up to the window)."""
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        area = parent.parentWidget()
        if isinstance(area, QAbstractScrollArea) and area.viewport() is parent:
            return parent
        parent = parent.parentWidget()
    return None


def misfits(window: QWidget, screen: QRect = SCREEN) -> list[str]:
    """Everything about ``window`` that does not fit ``screen``; an empty list when all is well.

    - the window (and its minimum size) inside the screen;
    - each visible child inside the window, and inside the viewport of a form's scroll area horizontally
      (a form never scrolls sideways; a table may);
    - a label's text whole: a one-line label as wide as its text, a wrapped label as tall as its lines;
    - every multi-line text box lets Tab move on to the next field.
    """
    found: list[str] = []
    frame = window.frameGeometry()
    if frame.width() > screen.width() or frame.height() > screen.height():
        found.append(f"window {_name(window)} is {frame.width()}×{frame.height()}")
    hint = window.minimumSizeHint()
    if hint.width() > screen.width() or hint.height() > screen.height():
        found.append(f"window {_name(window)} needs at least {hint.width()}×{hint.height()}")
    if window.geometry().isValid() and window.isVisible() and not screen.contains(frame):
        found.append(f"window {_name(window)} at {frame.x()},{frame.y()} leaves the screen")
    bounds = window.rect()
    for child in window.findChildren(QWidget):
        if child.isWindow() or not child.isVisibleTo(window) or child.width() <= 0:
            continue
        if any(not w.isVisibleTo(window) for w in _ancestors(child, window)):
            continue
        where = QRect(child.mapTo(window, QPoint(0, 0)), child.size())
        viewport = _scroll_viewport(child, window)
        if viewport is None:
            if not bounds.adjusted(-1, -1, 1, 1).contains(where):
                found.append(f"{_name(child)} at {where.getRect()} is outside the window {bounds.getRect()}")
        elif isinstance(viewport.parentWidget(), QScrollArea):
            view = QRect(viewport.mapTo(window, QPoint(0, 0)), viewport.size())
            if where.right() > view.right() + 1:
                found.append(f"{_name(child)} at {where.getRect()} is cut off on the right of its scroll area")
        if isinstance(child, QLabel) and child.text() and not child.pixmap().width():
            if _clipped_label(child):
                found.append(f"{_name(child)} shows its text cut ({child.width()}×{child.height()})")
        if isinstance(child, QPlainTextEdit | QTextEdit) and not child.isReadOnly() and not child.tabChangesFocus():
            found.append(f"{_name(child)} keeps the Tab key")
    return found


def _ancestors(widget: QWidget, top: QWidget):
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        yield parent
        parent = parent.parentWidget()


def _clipped_label(label: QLabel) -> bool:
    if isinstance(label, ElidedLabel):
        return False  # shortened on purpose, whole in its tooltip
    if _in_item_view(label):
        return False
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        return needed > label.height() + 2
    return label.sizeHint().width() > label.width() + 2


def _in_item_view(widget: QWidget) -> bool:
    return any(isinstance(w, QAbstractItemView) for w in _ancestors(widget, widget.window()))
