"""Small helpers every screen shares: error messages, field highlighting, the live password rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLayout,
    QLayoutItem,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QSizePolicy,
    QSpinBox,
    QTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktop import APP_NAME
from desktop.i18n import _
from desktop.services.core.errors import EnlaceError, ValidationError

T = TypeVar("T")

INVALID_STYLE = "border: 1px solid #c62828; background: #fff3f3;"


class TextBox(QPlainTextEdit):
    """A multi-line text box that Tab leaves (Ctrl+Tab still types nothing): keyboard users are never trapped."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setTabChangesFocus(True)


class ElidedLabel(QLabel):
    """One line of text that gives way to its neighbours: shortened with "…", whole in its tooltip."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full = ""
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(40)
        self.setText(text)

    def setText(self, text: str) -> None:
        self._full = text
        if not self.toolTip() or self.toolTip() == getattr(self, "_auto_tip", None):
            self._auto_tip = text
            super().setToolTip(text)
        self._elide()

    def full_text(self) -> str:
        return self._full

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + 8, hint.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        shown = self.fontMetrics().elidedText(self._full, Qt.TextElideMode.ElideRight, max(self.width() - 4, 10))
        if shown != super().text():
            super().setText(shown)


def fit_to_screen(window: QWidget) -> None:
    """Shrink and move a top-level window so that it lies wholly on the screen it opens on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    area = screen.availableGeometry()
    frame, inner = window.frameGeometry(), window.geometry()
    extra_w, extra_h = frame.width() - inner.width(), frame.height() - inner.height()
    width = min(window.width(), area.width() - extra_w)
    height = min(window.height(), area.height() - extra_h)
    if (width, height) != (window.width(), window.height()):
        window.resize(width, height)
    frame = window.frameGeometry()
    x = min(max(frame.x(), area.x()), area.right() + 1 - frame.width())
    y = min(max(frame.y(), area.y()), area.bottom() + 1 - frame.height())
    if (x, y) != (frame.x(), frame.y()):
        window.move(x, y)


def shown_if(widget: QWidget, shown: bool) -> None:
    """Hide ``widget`` unless ``shown`` (e.g. the role's permission), while the form is being built.

    ``setVisible(True)`` on a widget not yet in a window would open it as a little window of its own,
    which takes the keyboard focus away from the main window; a widget left alone shows with its window.
    """
    if not shown:
        widget.setVisible(False)
    elif widget.parentWidget() is not None:
        widget.setVisible(True)


def show_error(parent: QWidget | None, error: BaseException | str, title: str | None = None) -> None:
    """Show a domain error (its message is already translated) in a warning box."""
    QMessageBox.warning(parent, title or APP_NAME, str(error))


def show_info(parent: QWidget | None, message: str, title: str | None = None) -> None:
    QMessageBox.information(parent, title or APP_NAME, message)


def confirm(parent: QWidget | None, message: str, title: str | None = None) -> bool:
    answer = QMessageBox.question(parent, title or APP_NAME, message,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def guarded(parent: QWidget | None, call: Callable[..., T], *args: Any, errors: FieldErrors | None = None,
            **kwargs: Any) -> T | None:
    """Run a service call; on a domain error show its message (and highlight fields) and return None."""
    from desktop.services.core.errors import StoreError

    try:
        return call(*args, **kwargs)
    except ValidationError as exc:
        if errors is not None:
            errors.show(exc)
        show_error(parent, exc)
    except (EnlaceError, StoreError) as exc:
        show_error(parent, exc)
    return None


def _edited_signal(widget: QWidget):
    if hasattr(widget, "show_problem"):  # a DateField (desktop/ui/dates.py)
        return widget.edited
    if isinstance(widget, QLineEdit):
        return widget.textEdited
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QPlainTextEdit | QTextEdit):
        return widget.textChanged
    if isinstance(widget, QSpinBox):
        return widget.valueChanged
    return None


class FieldErrors:
    """Maps a service's field names to widgets; marks the ones a ValidationError names.

    A marked field gets a red border and the problem as its tooltip (and in an optional label
    under it); editing it clears the mark.
    """

    def __init__(self, fields: dict[str, QWidget], labels: dict[str, QLabel] | None = None) -> None:
        self.fields = fields
        self.labels = labels or {}
        self._tooltips = {name: w.toolTip() for name, w in fields.items()}
        for name, widget in fields.items():
            signal = _edited_signal(widget)
            if signal is not None:
                signal.connect(lambda *_args, n=name: self.clear(n))
        for label in self.labels.values():
            label.setStyleSheet("color: #c62828;")
            label.setWordWrap(True)
            label.hide()

    def show(self, error: ValidationError | dict[str, str]) -> None:
        problems = error.fields if isinstance(error, ValidationError) else error
        self.clear_all()
        first: QWidget | None = None
        for name, message in problems.items():
            widget = self.fields.get(name)
            if widget is None:
                continue
            if hasattr(widget, "show_problem"):  # a DateField says it beside itself
                widget.show_problem(message)
                first = first or widget
                continue
            widget.setProperty("invalid", True)
            widget.setStyleSheet(INVALID_STYLE)
            widget.setToolTip(message)
            if name in self.labels:
                self.labels[name].setText(message)
                self.labels[name].show()
            first = first or widget
        if first is not None:
            first.setFocus(Qt.FocusReason.OtherFocusReason)

    def clear(self, name: str) -> None:
        widget = self.fields[name]
        if hasattr(widget, "clear_problem"):
            widget.clear_problem()
        elif widget.property("invalid"):
            widget.setProperty("invalid", False)
            widget.setStyleSheet("")
            widget.setToolTip(self._tooltips.get(name, ""))
        if name in self.labels:
            self.labels[name].hide()

    def clear_all(self) -> None:
        for name in self.fields:
            self.clear(name)

    def invalid(self) -> list[str]:
        return [name for name, w in self.fields.items() if w.property("invalid")]


class PasswordRules(QWidget):
    """The password rule, checked as the person types: length, not the user name, both entries equal."""

    changed = Signal(bool)

    def __init__(self, password: QLineEdit, repeat: QLineEdit | None = None,
                 username: Callable[[], str] | None = None, parent: QWidget | None = None) -> None:
        from desktop.services.security.auth import MIN_PASSWORD_LENGTH

        super().__init__(parent)
        self._password, self._repeat, self._username = password, repeat, username or (lambda: "")
        self._min = MIN_PASSWORD_LENGTH
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.length_label = QLabel()
        self.name_label = QLabel()
        self.repeat_label = QLabel()
        for label in (self.length_label, self.name_label, self.repeat_label):
            layout.addWidget(label)  # short lines: wrapping would only make the form taller
        if repeat is None:
            self.repeat_label.hide()
        password.textChanged.connect(self.update_rules)
        if repeat is not None:
            repeat.textChanged.connect(self.update_rules)
        self.update_rules()

    @staticmethod
    def _mark(label: QLabel, ok: bool, text: str) -> None:
        label.setText(("✔ " if ok else "✘ ") + text)
        label.setStyleSheet("color: #2e7d32;" if ok else "color: #c62828;")
        label.setProperty("ok", ok)

    def is_ok(self) -> bool:
        return all(bool(label.property("ok")) for label in self._labels())

    def _labels(self) -> list[QLabel]:
        labels = [self.length_label, self.name_label]
        if self._repeat is not None:
            labels.append(self.repeat_label)
        return labels

    def update_rules(self, *_args: object) -> None:
        text = self._password.text()
        name = self._username().strip().casefold()
        self._mark(self.length_label, len(text) >= self._min,
                   _("At least {n} characters ({count} typed)").format(n=self._min, count=len(text)))
        self._mark(self.name_label, bool(text) and not (name and name in text.casefold()),
                   _("Does not contain the user name"))
        if self._repeat is not None:
            self._mark(self.repeat_label, bool(text) and text == self._repeat.text(), _("Both entries match"))
        self.changed.emit(self.is_ok())


def password_field(placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setPlaceholderText(placeholder)
    return edit


def language_choices() -> list[tuple[str, str]]:
    """Interface languages as (code, name written in that language)."""
    return [("es", "Español"), ("en", "English")]


def select_data(combo: QComboBox, value: object) -> None:
    index = combo.findData(value)
    if index >= 0:
        combo.setCurrentIndex(index)


class EmptyState(QObject):
    """A sentence centred over a list or table while it has no rows, saying why and what to do.

    ``text`` is a string or a callable returning one (so it can depend on a search or filter);
    it is read again each time the rows change.
    """

    def __init__(self, view: QAbstractItemView, text: str | Callable[[], str]) -> None:
        super().__init__(view)
        self.view = view
        self._text = text
        self.label = QLabel(view.viewport())
        self.label.setObjectName("empty_state")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("color: #555; padding: 16px;")
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)
        self._model = None
        self.update()

    def _watch_model(self) -> None:
        model = self.view.model()
        if model is self._model or model is None:
            return
        self._model = model
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
            signal.connect(self.update)

    def set_text(self, text: str | Callable[[], str]) -> None:
        self._text = text
        self.update()

    def text(self) -> str:
        return self.label.text() if self.label.isVisibleTo(self.view) else ""

    def update(self, *_args: object) -> None:
        from shiboken6 import isValid

        if not isValid(self.view) or not isValid(self.label):  # the table's model empties while it is destroyed
            return
        self._watch_model()
        model = self.view.model()
        empty = model is None or model.rowCount() == 0
        if empty:
            self.label.setText(self._text() if callable(self._text) else self._text)
            self._place()
        self.label.setVisible(empty and bool(self.label.text()))

    def _place(self) -> None:
        area = self.view.viewport().rect()
        self.label.setGeometry(area.adjusted(8, 8, -8, -8))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


class FlowLayout(QLayout):
    """Items left to right, wrapping onto the next line when the row is full (Qt's flow layout example).

    Rows of buttons or badges use it so that a narrow panel stacks them instead of cutting them off.
    """

    def __init__(self, parent: QWidget | None = None, spacing: int = 6) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), apply=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, apply=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            if not item.isEmpty():
                size = size.expandedTo(item.minimumSize())
        margins = self.contentsMargins()
        return size + QSize(margins.left() + margins.right(), margins.top() + margins.bottom())

    def _arrange(self, rect: QRect, apply: bool) -> int:
        margins = self.contentsMargins()
        area = rect.adjusted(margins.left(), margins.top(), -margins.right(), -margins.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line > 0:
                x, y, line = area.x(), y + line + self._spacing, 0
            if apply:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + margins.bottom()
