"""The attendance grid: participants × sessions, driven from the keyboard.

Arrows move; P present, A absent, T late (tarde), E excused; Delete clears; each key is saved at
once and the cursor moves to the next person. Hours and completion update as you type.
"""

from __future__ import annotations

import uuid

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date
from desktop.services import training
from desktop.services.core.context import AppContext
from desktop.services.core.files import write_private
from desktop.services.core.permissions import Permission
from desktop.services.training import CREDITED_STATUSES
from desktop.ui.common import guarded, show_info, shown_if

KEYS = {Qt.Key.Key_P: "present", Qt.Key.Key_A: "absent", Qt.Key.Key_T: "late", Qt.Key.Key_E: "excused"}
COLORS = {"present": "#d7f0db", "late": "#fff1c7", "excused": "#dfe8f7", "absent": "#f8d7d7"}
FIXED = 2  # name, institution


def _hours(value: float) -> str:
    return f"{value:g}"


class AttendanceModel(QAbstractTableModel):
    """Rows: enrolled participants; columns: name, institution, one per session, hours, completed."""

    changed = Signal()

    def __init__(self, ctx: AppContext, parent=None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.grid: training.AttendanceGrid | None = None
        self.hours: dict[uuid.UUID, float] = {}
        self.labels: dict[str, str] = {}

    def load(self, course_id: uuid.UUID | None) -> None:
        self.beginResetModel()
        self.grid = training.attendance_grid(self.ctx, course_id) if course_id else None
        self.labels = training.institution_labels(self.ctx.db) if course_id else {}
        self._recount()
        self.endResetModel()

    def _recount(self) -> None:
        self.hours = {}
        if self.grid is None:
            return
        session_hours = {s.id: s.hours for s in self.grid.sessions}
        for row in self.grid.rows:
            self.hours[row.enrollment_id] = round(sum(
                h for sid, h in session_hours.items()
                if self.grid.status.get((row.enrollment_id, sid)) in CREDITED_STATUSES), 2)

    @property
    def scheduled(self) -> float:
        return round(sum(s.hours for s in self.grid.sessions), 2) if self.grid else 0.0

    def completed(self, row: int) -> bool:
        assert self.grid is not None
        r = self.grid.rows[row]
        c = self.grid.course
        return training.is_complete(self.hours[r.enrollment_id], self.scheduled, c.completion_share,
                                    c.requires_evaluation, r.evaluation_passed)

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else len(self.grid.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self.grid is None else FIXED + len(self.grid.sessions) + 2

    def session_at(self, column: int):
        if self.grid is None:
            return None
        index = column - FIXED
        return self.grid.sessions[index] if 0 <= index < len(self.grid.sessions) else None

    def status(self, row: int, column: int) -> str | None:
        session = self.session_at(column)
        if session is None or self.grid is None:
            return None
        return self.grid.status.get((self.grid.rows[row].enrollment_id, session.id))

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if orientation != Qt.Orientation.Horizontal or self.grid is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            n = len(self.grid.sessions)
            if section == 0:
                return _("Participant")
            if section == 1:
                return _("Institution")
            if section < FIXED + n:
                s = self.grid.sessions[section - FIXED]
                return _("S{n}").format(n=s.number) + "\n" + format_date(s.date, "dd/MM")
            if section == FIXED + n:
                return _("Hours attended")
            return _("Meets the rule")
        if role == Qt.ItemDataRole.ToolTipRole:
            session = self.session_at(section)
            if session is not None:
                return _("Session {n}: {date}, {hours} h — {topic}").format(
                    n=session.number, date=format_date(session.date, "long"), hours=_hours(session.hours),
                    topic=session.topic)
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or self.grid is None:
            return None
        row, col = index.row(), index.column()
        r = self.grid.rows[row]
        n = len(self.grid.sessions)
        if role == Qt.ItemDataRole.DisplayRole:
            if col == 0:
                return r.full_name
            if col == 1:
                return r.institution_detail or self.labels.get(r.institution, r.institution)
            if col < FIXED + n:
                status = self.status(row, col)
                return training.STATUS_KEYS[status] if status else ""
            if col == FIXED + n:
                return _("{hours} of {total}").format(hours=_hours(self.hours[r.enrollment_id]),
                                                      total=_hours(self.scheduled))
            return _("Yes") if self.completed(row) else _("No")
        if role == Qt.ItemDataRole.BackgroundRole:
            if FIXED <= col < FIXED + n:
                status = self.status(row, col)
                return QBrush(QColor(COLORS[status])) if status else None
            if col == FIXED + n + 1:
                return QBrush(QColor("#d7f0db" if self.completed(row) else "#f8d7d7"))
        if role == Qt.ItemDataRole.TextAlignmentRole and col >= FIXED:
            return int(Qt.AlignmentFlag.AlignCenter)
        if role == Qt.ItemDataRole.ToolTipRole and FIXED <= col < FIXED + n:
            status = self.status(row, col)
            return _(training.STATUS_LABELS[status]) if status else _("Not recorded")
        if role == Qt.ItemDataRole.AccessibleTextRole and FIXED <= col < FIXED + n:
            status = self.status(row, col)
            return _(training.STATUS_LABELS[status]) if status else _("Not recorded")
        return None

    def set_statuses(self, column: int, statuses: dict[int, str | None]) -> bool:
        """Save statuses for rows of one session column; returns False when the service refused."""
        session = self.session_at(column)
        if session is None or self.grid is None or not statuses:
            return False
        by_enrollment = {self.grid.rows[row].enrollment_id: status for row, status in statuses.items()}
        if guarded(None, training.set_attendance, self.ctx, session.id, by_enrollment) is None:
            return False
        for enrollment_id, status in by_enrollment.items():
            key = (enrollment_id, session.id)
            if status is None:
                self.grid.status.pop(key, None)
            else:
                self.grid.status[key] = status
        self._recount()
        last = self.columnCount() - 1
        for row in statuses:
            self.dataChanged.emit(self.index(row, column), self.index(row, column))
            self.dataChanged.emit(self.index(row, last - 1), self.index(row, last))
        self.changed.emit()
        return True


class AttendanceView(QTableView):
    """A table that takes P/A/T/E (and Delete) on session cells and moves down after each."""

    def keyPressEvent(self, event: QKeyEvent) -> None:
        model = self.model()
        index = self.currentIndex()
        key = Qt.Key(event.key())
        if isinstance(model, AttendanceModel) and index.isValid() and model.session_at(index.column()) is not None \
                and self.editTriggers() != QAbstractItemView.EditTrigger.NoEditTriggers and not (
                event.modifiers() & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier)):
            if key in KEYS or key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
                rows = sorted({i.row() for i in self.selectionModel().selectedIndexes()
                               if i.column() == index.column()} or {index.row()})
                status = KEYS.get(key)
                if model.set_statuses(index.column(), dict.fromkeys(rows, status)) and len(rows) == 1:
                    below = model.index(min(index.row() + 1, model.rowCount() - 1), index.column())
                    self.setCurrentIndex(below)
                event.accept()
                return
        super().keyPressEvent(event)


class AttendancePanel(QWidget):
    """The grid with its legend, "mark all present" and the printable sheet of the current session."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.course_id: uuid.UUID | None = None
        self.model = AttendanceModel(ctx, self)
        self.view = AttendanceView()
        self.view.setObjectName("attendanceGrid")
        self.view.setModel(self.model)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.setAlternatingRowColors(False)
        self.view.verticalHeader().setDefaultSectionSize(24)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        editable = ctx.can(Permission.EDIT_TRAININGS)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.AnyKeyPressed if editable
                                  else QAbstractItemView.EditTrigger.NoEditTriggers)
        self.legend = QLabel(_("Keys: P present · A absent · T late · E excused · Delete clears · arrows move. "
                               "Present and late earn the session's hours."))
        self.legend.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.mark_all = QPushButton(_("Mark all present"))
        self.mark_all.setToolTip(_("Marks present everyone not yet recorded in the selected session."))
        self.mark_all.clicked.connect(self.mark_all_present)
        shown_if(self.mark_all, editable)
        self.sheet = QPushButton(_("Print attendance sheet…"))
        self.sheet.setObjectName("print_sheet")
        self.sheet.clicked.connect(lambda: self.print_sheet())
        self.save_sheet_button = QPushButton(_("Save PDF…"))
        self.save_sheet_button.setObjectName("save_sheet")
        self.save_sheet_button.clicked.connect(lambda: self.save_sheet())
        top = QHBoxLayout()  # the summary on its own line: the row stays narrow in Spanish
        top.addWidget(self.mark_all)
        top.addWidget(self.sheet)
        top.addWidget(self.save_sheet_button)
        top.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(top)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.legend)
        self.model.changed.connect(self._update_summary)

    def load(self, course_id: uuid.UUID | None) -> None:
        self.course_id = course_id
        self.model.load(course_id)
        self.view.resizeColumnToContents(0)
        self.view.setColumnWidth(1, 200)
        for col in range(FIXED, self.model.columnCount()):
            self.view.setColumnWidth(col, 62)
        if self.model.rowCount() and self.model.columnCount() > FIXED + 2:
            self.view.setCurrentIndex(self.model.index(0, FIXED))
        self._update_summary()

    def _update_summary(self) -> None:
        grid = self.model.grid
        if grid is None:
            self.summary.setText("")
            return
        done = sum(1 for r in range(self.model.rowCount()) if self.model.completed(r))
        self.summary.setText(_("{done} of {total} participants meet the rule ({share} of {hours} h).").format(
            done=done, total=self.model.rowCount(), share=f"{round(grid.course.completion_share * 100)} %",
            hours=_hours(self.model.scheduled)))

    def current_session(self):
        return self.model.session_at(self.view.currentIndex().column())

    def mark_all_present(self) -> None:
        column = self.view.currentIndex().column()
        if self.model.session_at(column) is None:
            if self.model.grid and self.model.grid.sessions:
                column = FIXED
            else:
                show_info(self, _("The course has no sessions yet."))
                return
        rows = {r: "present" for r in range(self.model.rowCount()) if self.model.status(r, column) is None}
        self.model.set_statuses(column, rows)

    def _sheet_session(self):
        session = self.current_session() or (self.model.grid.sessions[0] if self.model.grid and
                                             self.model.grid.sessions else None)
        if session is None or self.course_id is None:
            show_info(self, _("The course has no sessions yet."))
            return None
        return session

    def print_sheet(self) -> bool:
        """Imprimir: the selected session's sheet in the print preview, then the system print dialog."""
        from desktop.ui.printing import print_pdf

        session = self._sheet_session()
        if session is None:
            return False
        return print_pdf(self, lambda: guarded(self, training.attendance_sheet_pdf, self.ctx, self.course_id,
                                               session.number),
                         _("Attendance sheet {code} S{number:02d}").format(code=self.model.grid.course.code,
                                                                           number=session.number), self.ctx)

    def save_sheet(self, path: str | None = None) -> str | None:
        """Guardar PDF: the selected session's sheet to a file."""
        session = self._sheet_session()
        if session is None:
            return None
        if path is None:
            from desktop.ui import settings

            folder = settings.LAST_EXPORT_DIR.get() or "."
            suggested = f"{folder}/{self.model.grid.course.code}-S{session.number:02d}.pdf"
            path, _filter = QFileDialog.getSaveFileName(self, _("Save attendance sheet"), suggested,
                                                        _("PDF files (*.pdf)"))
            if not path:
                return None
        pdf = guarded(self, training.attendance_sheet_pdf, self.ctx, self.course_id, session.number)
        if pdf is None:
            return None
        write_private(path, pdf)  # names and documents: the owner's only
        return path
