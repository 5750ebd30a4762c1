"""The one date field of every form: typed as people type dates, with a calendar that only opens when asked.

A ``DateField`` is a text box (``dd/mm/aaaa`` in Latin America; ``d/m/aa``, ``dd-mm-aaaa``, ``aaaa-mm-dd``
and "5 de marzo de 2026" are understood too), a button that opens a calendar at the field's date or at
today, and a message beside the field when the text is not a date or is out of range. An optional field
may stay empty; nothing is ever filled in by itself, and no key changes the date except typing it.

Before saving, a form calls ``dates_ok(self)``: every date field in it is checked, each problem is shown
beside its field, and the first wrong field takes the focus.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate, QEvent, QObject, QPoint, Qt, Signal
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QCalendarWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, current_locale, date_input_format, format_date, format_date_input, office_today, parse_date

Bound = date | Callable[[], date] | None
INVALID_STYLE = "border: 1px solid #c62828; background: #fff3f3;"


def today() -> date:
    return office_today()


def _resolve(bound: Bound) -> date | None:
    return bound() if callable(bound) else bound


class _CalendarPopup(QFrame):
    """The calendar, as a popup under the field: a click or Enter picks a day, Escape leaves the field as it was."""

    picked = Signal(object)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.calendar = QCalendarWidget()
        self.calendar.setObjectName("date_calendar")
        self.calendar.setGridVisible(True)
        self.calendar.setVerticalHeaderFormat(QCalendarWidget.VerticalHeaderFormat.NoVerticalHeader)
        self.calendar.setMinimumSize(300, 210)  # room for the month arrows and the year
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.calendar)
        self.calendar.clicked.connect(self._pick)
        self.calendar.activated.connect(self._pick)

    def _pick(self, day: QDate) -> None:
        self.picked.emit(date(day.year(), day.month(), day.day()))
        self.close()


class DateField(QWidget):
    """A typed date: ``value()`` is a ``date`` or None (empty, or not a date: ``problem()`` says which)."""

    dateChanged = Signal(object)  # the new date (or None) whenever the typed text means another date
    edited = Signal()  # any keystroke (clears a service's mark on the field)

    def __init__(self, value: date | None = None, *, optional: bool = False, earliest: Bound = None,
                 latest: Bound = None, too_early: str = "", too_late: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.optional = optional
        self.earliest, self.latest = earliest, latest
        self.too_early, self.too_late = too_early, too_late
        self._value: date | None = None
        self.edit = QLineEdit()
        self.edit.setObjectName("date_text")
        self.edit.setPlaceholderText(date_input_format())
        self.edit.setMaxLength(32)
        self.edit.setMinimumWidth(self.edit.fontMetrics().horizontalAdvance("00/00/00000") + 16)
        self.edit.setMaximumWidth(self.edit.fontMetrics().horizontalAdvance("00/00/0000000") + 24)
        self.edit.setToolTip(_("Type the date as {format}; Alt+Down opens the calendar.").format(
            format=date_input_format()))
        self.button = QToolButton()
        self.button.setObjectName("date_calendar_button")
        self.button.setArrowType(Qt.ArrowType.DownArrow)
        self.button.setToolTip(_("Open the calendar (Alt+Down)"))
        self.button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes from field to field, not to this button
        self.button.clicked.connect(self.open_calendar)
        self.message = QLabel()
        self.message.setObjectName("date_problem")
        self.message.setStyleSheet("color: #c62828;")
        self.message.setWordWrap(True)
        self.message.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.message.hide()
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.edit)
        layout.addWidget(self.button)
        layout.addSpacing(6)
        layout.addWidget(self.message, 1)
        layout.addStretch(0)  # with the message hidden, the field stays at the left, next to its label
        self.setFocusProxy(self.edit)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.edit.installEventFilter(self)
        self.edit.textEdited.connect(self._typed)
        self.edit.editingFinished.connect(self._finished)
        self._popup: _CalendarPopup | None = None
        self.set_value(value)

    # -- value -----------------------------------------------------------------------------

    def value(self) -> date | None:
        """The date typed, or None when the field is empty or its text is not a date."""
        try:  # read from the text itself: also right for text set without typing (setText, paste)
            return parse_date(self.edit.text(), current_locale())
        except ValueError:
            return None

    def set_value(self, value: date | None) -> None:
        self.edit.setText(format_date_input(value))
        self._set(value)
        self.clear_problem()

    def text(self) -> str:
        return self.edit.text()

    def _set(self, value: date | None) -> None:
        if value != self._value:
            self._value = value
            self.dateChanged.emit(value)

    def _typed(self, text: str) -> None:
        self.clear_problem()
        self.edited.emit()
        try:
            parsed = parse_date(text, current_locale())
        except ValueError:
            parsed = None
        self._set(parsed)

    def _finished(self) -> None:
        self._set(self.value())
        if self._value is not None:
            self.edit.setText(format_date_input(self._value))  # "5/3/26" reads back as "05/03/2026"
        problem = self.problem()
        if problem and self.edit.text().strip():  # an empty required field is said at save, not on Tab
            self.show_problem(problem)

    # -- checks ------------------------------------------------------------------------------

    def problem(self) -> str | None:
        """What is wrong with the field (translated), or None."""
        text = self.edit.text().strip()
        if not text:
            return None if self.optional else _("Type a date, as {format}.").format(format=date_input_format())
        try:
            value = parse_date(text, current_locale())
        except ValueError:
            return _("\"{text}\" is not a date. Type it as {format}.").format(text=text, format=date_input_format())
        earliest, latest = _resolve(self.earliest), _resolve(self.latest)
        if earliest is not None and value < earliest:
            return self.too_early or _("The date cannot be before {date}.").format(date=format_date(earliest))
        if latest is not None and value > latest:
            return self.too_late or _("The date cannot be after {date}.").format(date=format_date(latest))
        return None

    def check(self) -> bool:
        problem = self.problem()
        if problem:
            self.show_problem(problem)
        return problem is None

    def show_problem(self, message: str) -> None:
        self.message.setText(message)
        self.message.show()
        self.edit.setStyleSheet(INVALID_STYLE)
        self.setProperty("invalid", True)

    def clear_problem(self) -> None:
        self.message.hide()
        self.edit.setStyleSheet("")
        self.setProperty("invalid", False)

    # -- calendar ----------------------------------------------------------------------------

    def open_calendar(self) -> None:
        """Open the calendar at the field's date (today when empty); it changes nothing until a day is picked."""
        if self._popup is None:
            self._popup = _CalendarPopup(self)
            self._popup.picked.connect(self._picked)
        calendar = self._popup.calendar
        from PySide6.QtCore import QLocale

        calendar.setLocale(QLocale(current_locale()))
        earliest, latest = _resolve(self.earliest), _resolve(self.latest)
        calendar.setMinimumDate(QDate(earliest.year, earliest.month, earliest.day) if earliest else QDate(1900, 1, 1))
        calendar.setMaximumDate(QDate(latest.year, latest.month, latest.day) if latest else QDate(2200, 12, 31))
        shown = self._value or today()
        calendar.setSelectedDate(QDate(shown.year, shown.month, shown.day))
        calendar.setCurrentPage(shown.year, shown.month)
        self._popup.adjustSize()
        self._popup.move(self.edit.mapToGlobal(QPoint(0, self.edit.height())))
        self._popup.show()
        calendar.setFocus(Qt.FocusReason.PopupFocusReason)

    def _picked(self, value: date) -> None:
        self.edit.setText(format_date_input(value))
        self.clear_problem()
        self.edited.emit()
        self._set(value)
        self.edit.setFocus(Qt.FocusReason.PopupFocusReason)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.edit and event.type() == QEvent.Type.KeyPress:
            key_event: QKeyEvent = event  # type: ignore[assignment]
            alt_down = (key_event.key() == Qt.Key.Key_Down
                        and key_event.modifiers() & Qt.KeyboardModifier.AltModifier)
            if alt_down or key_event.key() == Qt.Key.Key_F4:
                self.open_calendar()
                return True
            if key_event.matches(QKeySequence.StandardKey.MoveToNextLine) or key_event.key() in (
                    Qt.Key.Key_Up, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                return True  # a stray arrow never steps the date, as a spin box would
        return super().eventFilter(watched, event)


def birth_date_field(parent: QWidget | None = None) -> DateField:
    """An optional birth date: not in the future, not more than 120 years ago."""
    return DateField(optional=True, earliest=lambda: date(today().year - 120, 1, 1), latest=today,
                     too_early=_("A birth date more than 120 years ago is not plausible."),
                     too_late=_("The birth date cannot be in the future."), parent=parent)


def past_date_field(value: date | None = None, *, optional: bool = False, too_late: str = "",
                    parent: QWidget | None = None) -> DateField:
    """A date of something that already happened (arrival, consent, a note): today at the latest."""
    return DateField(value, optional=optional, earliest=date(1900, 1, 1), latest=today,
                     too_late=too_late or _("The date cannot be in the future."), parent=parent)


def future_date_field(value: date | None = None, *, parent: QWidget | None = None) -> DateField:
    """A date to come (a follow-up): today at the earliest."""
    return DateField(value, earliest=today, too_early=_("The date cannot be in the past."), parent=parent)


def date_fields(root: QWidget) -> list[DateField]:
    return [field for field in root.findChildren(DateField) if field.isVisibleTo(root) and field.isEnabled()]


def dates_ok(root: QWidget) -> bool:
    """Check every visible date field under ``root``; show each problem beside its field; focus the first."""
    wrong = [field for field in date_fields(root) if not field.check()]
    if wrong:
        wrong[0].edit.setFocus(Qt.FocusReason.OtherFocusReason)
        wrong[0].edit.selectAll()
    return not wrong
