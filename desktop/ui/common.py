"""Small helpers every screen shares: error messages, field highlighting, the live password rule."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
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
