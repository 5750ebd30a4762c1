"""The Trainings section: courses (sessions, participants, attendance, certificates) and verification."""

from __future__ import annotations

import os
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date, format_time
from desktop.services import office, training
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.services.training import roster_import as pi
from desktop.ui import settings
from desktop.ui.common import EmptyState, FlowLayout, confirm, guarded, show_info, shown_if
from desktop.ui.search_box import SearchBox
from desktop.ui.training.attendance import AttendancePanel
from desktop.ui.training.certificates import CertificatesPanel, VerifyPanel


def _hours(value: float) -> str:
    return f"{value:g}"


def _table(columns: list[str], name: str) -> QTableWidget:
    table = QTableWidget()
    table.setObjectName(name)
    table.setColumnCount(len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            table.setItem(r, c, QTableWidgetItem(text))
    table.resizeColumnsToContents()


def _selected_row(table: QTableWidget) -> int | None:
    rows = table.selectionModel().selectedRows()
    return rows[0].row() if rows else None


class SessionsPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.course_id: uuid.UUID | None = None
        self.sessions: list = []
        self.table = _table([_("No."), _("Date"), _("Time"), _("Duration (hours)"), _("Topic"), _("Venue"),
                             _("Trainer")], "sessionTable")
        self.table.doubleClicked.connect(lambda _i: self.edit())
        add, edit, delete = QPushButton(_("Add session…")), QPushButton(_("Edit…")), QPushButton(_("Remove"))
        add.clicked.connect(self.add)
        edit.clicked.connect(self.edit)
        delete.clicked.connect(self.delete)
        buttons = QHBoxLayout()
        for b in (add, edit, delete):
            shown_if(b, ctx.can(Permission.EDIT_TRAININGS))
            buttons.addWidget(b)
        buttons.addStretch()
        self.total = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.total)
        self.changed = None  # set by the section: reload the other panels
        self.empty_state = EmptyState(self.table, self._empty_text)

    def _empty_text(self) -> str:
        if self.course_id is None:
            return ""
        if self.ctx.can(Permission.EDIT_TRAININGS):
            return _("This course has no sessions yet. Add each date with “Add session…”: attendance is taken "
                     "per session.")
        return _("This course has no sessions yet.")

    def load(self, course_id: uuid.UUID | None) -> None:
        self.course_id = course_id
        self.sessions = training.list_sessions(self.ctx, course_id) if course_id else []
        self.empty_state.update()
        _fill(self.table, [[str(s.number), format_date(s.date, "medium"),
                            f"{format_time(s.start_time)}–{format_time(s.end_time)}" if s.start_time else "",
                            _hours(s.hours), s.topic, s.venue, s.trainer] for s in self.sessions])
        self.total.setText(_("{n} sessions, {hours} h scheduled").format(
            n=len(self.sessions), hours=_hours(sum(s.hours for s in self.sessions))))

    def add(self) -> None:
        from desktop.ui.training.dialogs import SessionDialog

        if self.course_id and SessionDialog(self.ctx, self.course_id, parent=self).exec():
            self._changed()

    def edit(self) -> None:
        from desktop.ui.training.dialogs import SessionDialog

        row = _selected_row(self.table)
        if row is not None and SessionDialog(self.ctx, self.course_id, self.sessions[row], self).exec():
            self._changed()

    def delete(self) -> None:
        row = _selected_row(self.table)
        if row is None:
            return
        s = self.sessions[row]
        if confirm(self, _("Remove session {n} of {date} and its attendance?").format(
                n=s.number, date=format_date(s.date, "long"))):
            guarded(self, training.delete_session, self.ctx, s.id)
            self._changed()

    def _changed(self) -> None:
        if self.changed:
            self.changed()


class ParticipantsPanel(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.course = None
        self.rows: list[training.ParticipantProgress] = []
        self.table = _table([_("Participant"), _("Document"), _("Sex"), _("Institution"), _("Position"),
                             _("Municipality"), _("Hours attended"), _("Evaluation"), _("Meets the rule"),
                             _("Certificate")], "participantTable")
        self.table.doubleClicked.connect(lambda _i: self.edit())
        self.add_button = QPushButton(_("Add participant…"))
        self.import_button = QPushButton(_("Import from Excel or CSV…"))
        self.edit_button = QPushButton(_("Edit…"))
        self.remove_button = QPushButton(_("Remove from course"))
        self.passed_button = QPushButton(_("Evaluation passed"))
        self.failed_button = QPushButton(_("Evaluation not passed"))
        self.add_button.clicked.connect(self.add)
        self.import_button.clicked.connect(lambda: self.import_file())
        self.edit_button.clicked.connect(self.edit)
        self.remove_button.clicked.connect(self.remove)
        self.passed_button.clicked.connect(lambda: self.set_evaluation(True))
        self.failed_button.clicked.connect(lambda: self.set_evaluation(False))
        buttons = FlowLayout()  # wraps onto a second row when the course panel is narrow
        for b in (self.add_button, self.import_button, self.edit_button, self.remove_button, self.passed_button,
                  self.failed_button):
            shown_if(b, ctx.can(Permission.EDIT_TRAININGS))
            buttons.addWidget(b)
        self.summary = QLabel()
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary)
        self.changed = None
        self.empty_state = EmptyState(self.table, self._empty_text)

    def _empty_text(self) -> str:
        if self.course is None:
            return ""
        if self.ctx.can(Permission.EDIT_TRAININGS):
            return _("No participants in this course yet. Add them one by one with “Add participant…”, or import "
                     "the attendance list from Excel or CSV.")
        return _("No participants in this course yet.")

    def load(self, course) -> None:
        self.course = course
        self.rows = training.course_progress(self.ctx, course.id) if course else []
        self.empty_state.update()
        labels = training.institution_labels(self.ctx.db)
        evaluation = {None: "—", True: _("Passed"), False: _("Not passed")}
        _fill(self.table, [[r.full_name, f"{r.document_type} {r.document_number}", _(training.SEX_LABELS[r.sex]),
                            r.institution_detail or labels.get(r.institution, r.institution), r.position,
                            r.municipality, _hours(r.hours_attended), evaluation[r.evaluation_passed],
                            _("Yes") if r.completed else _("No"),
                            (r.certificate_number or "") + (" " + _("(revoked)") if r.certificate_revoked else "")]
                           for r in self.rows])
        self.summary.setText(_("{n} participants; {done} meet the completion rule.").format(
            n=len(self.rows), done=sum(1 for r in self.rows if r.completed)))
        evaluated = bool(course and course.requires_evaluation and self.ctx.can(Permission.EDIT_TRAININGS))
        self.passed_button.setVisible(evaluated)
        self.failed_button.setVisible(evaluated)
        for b in (self.add_button, self.import_button, self.edit_button, self.remove_button):
            b.setEnabled(course is not None)
        self.summary.setVisible(course is not None)

    def selected(self) -> training.ParticipantProgress | None:
        row = _selected_row(self.table)
        return self.rows[row] if row is not None else None

    def add(self) -> None:
        from desktop.ui.training.dialogs import ParticipantDialog

        if self.course and ParticipantDialog(self.ctx, self.course.id, parent=self).exec():
            self._changed()

    def edit(self) -> None:
        from desktop.ui.training.dialogs import ParticipantDialog

        row = self.selected()
        if row is not None and self.ctx.can(Permission.EDIT_TRAININGS) and \
                ParticipantDialog(self.ctx, None, row, self).exec():
            self._changed()

    def remove(self) -> None:
        row = self.selected()
        if row is not None and confirm(self, _("Remove {name} from this course, with their attendance?").format(
                name=row.full_name)):
            guarded(self, training.unenroll, self.ctx, row.enrollment_id)
            self._changed()

    def set_evaluation(self, passed: bool) -> None:
        row = self.selected()
        if row is not None:
            guarded(self, training.set_evaluation, self.ctx, row.enrollment_id, passed)
            self._changed()

    def import_file(self, path: str | None = None):
        """Pick a spreadsheet, then map and preview it in :class:`ImportDialog` (returned, already open)."""
        from desktop.ui.training.import_dialog import ImportDialog

        if self.course is None:
            return None
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(self, _("Import participants"),
                                                        settings.LAST_EXPORT_DIR.get() or os.path.expanduser("~"),
                                                        _("Spreadsheets (*.xlsx *.csv *.txt)"))
            if not path:
                return None
        table = guarded(self, pi.read_spreadsheet_file, path, office.import_limits(self.ctx.db))
        if table is None:
            return None
        dialog = ImportDialog(self.ctx, self.course.id, table, os.path.basename(path), self)
        dialog.accepted.connect(lambda: self._imported(dialog))
        dialog.open()
        return dialog

    def _imported(self, dialog) -> None:
        result = dialog.result
        if result is not None:
            show_info(self, _("{created} new participants registered and {enrolled} enrolled in the course; "
                              "{rejected} rows were left out.").format(created=result.created,
                                                                      enrolled=result.enrolled,
                                                                      rejected=result.rejected))
        self._changed()

    def _changed(self) -> None:
        if self.changed:
            self.changed()


class TrainingSection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.courses: list[training.CourseSummary] = []
        self.course = None
        self.tabs = QTabWidget()
        self.tabs.addTab(self._courses_page(), _("Courses"))
        self.verify_panel = VerifyPanel(ctx)
        self.tabs.addTab(self.verify_panel, _("Verify a certificate"))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.tabs)
        self.refresh()

    def _courses_page(self) -> QWidget:
        page = QWidget()
        self.search = SearchBox(_("Find a course by code or title"))
        self.search.searched.connect(self._search_courses)
        self._searching = None
        self.course_table = _table([_("Code"), _("Title"), _("Dates"), _("Participants"), _("Meets the rule")],
                                   "courseTable")
        self.course_table.itemSelectionChanged.connect(self._course_selected)
        self.course_empty = EmptyState(self.course_table, self._courses_empty_text)
        new, edit, delete = QPushButton(_("New course…")), QPushButton(_("Edit…")), QPushButton(_("Delete"))
        new.clicked.connect(self.new_course)
        edit.clicked.connect(self.edit_course)
        delete.clicked.connect(self.delete_course)
        buttons = QHBoxLayout()
        for b in (new, edit, delete):
            shown_if(b, self.ctx.can(Permission.EDIT_TRAININGS))
            buttons.addWidget(b)
        buttons.addStretch()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.course_table, 1)
        left_layout.addLayout(buttons)

        self.course_title = QLabel(_("Choose a course on the left, or create one."))
        self.course_title.setWordWrap(True)
        self.course_title.setStyleSheet("font-size: 15px; font-weight: bold;")
        self.course_info = QLabel()
        self.course_info.setWordWrap(True)
        self.sessions = SessionsPanel(self.ctx)
        self.participants = ParticipantsPanel(self.ctx)
        self.attendance = AttendancePanel(self.ctx)
        self.certificates = CertificatesPanel(self.ctx)
        self.sessions.changed = self.participants.changed = self._reload_course
        self.attendance.model.changed.connect(self._attendance_changed)
        self.course_tabs = QTabWidget()
        self.course_tabs.addTab(self.participants, _("Participants"))
        self.course_tabs.addTab(self.sessions, _("Sessions"))
        self.course_tabs.addTab(self.attendance, _("Attendance"))
        self.course_tabs.addTab(self.certificates, _("Certificates"))
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.course_title)
        right_layout.addWidget(self.course_info)
        right_layout.addWidget(self.course_tabs, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([300, 700])  # the course list narrow, the course's tabs wide, on 1024 pixels
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)
        return page

    # -- courses -----------------------------------------------------------------------------

    def _courses_empty_text(self) -> str:
        if self.search.text().strip():
            return _("No course matches this code or title.")
        if self.ctx.can(Permission.EDIT_TRAININGS):
            return _("No courses yet. Create the first one with “New course…”.")
        return _("No courses yet.")

    def focus_search(self) -> None:
        self.tabs.setCurrentIndex(0)
        self.search.setFocus()
        self.search.selectAll()

    def _search_courses(self, text: str) -> None:
        """Typing searches off the GUI thread; the newest search wins."""
        from desktop.ui.worker import run_in_background

        if self._searching is not None:
            self._searching.finished.disconnect()
        self._searching = run_in_background(training.list_courses, self.ctx, text,
                                            on_done=lambda courses: self._show_courses(text, courses))

    def _show_courses(self, text: str, courses: list) -> None:
        self._searching = None
        if text == self.search.text():
            self.refresh(courses)

    def refresh(self, courses: list | None = None) -> None:
        current = self.course.id if self.course else None
        self.courses = training.list_courses(self.ctx, self.search.text()) if courses is None else courses
        self.course_empty.update()
        self.course_table.blockSignals(True)
        def dates(c: training.CourseSummary) -> str:
            if not c.start_date:
                return ""
            return _("{start} to {end}").format(start=format_date(c.start_date, "short"),
                                                end=format_date(c.end_date, "short"))

        _fill(self.course_table, [[c.code, c.title, dates(c), str(c.participants), str(c.completed)]
                                  for c in self.courses])
        self.course_table.setColumnWidth(1, 220)
        self.course_table.blockSignals(False)
        ids = [c.id for c in self.courses]
        if current in ids:
            self.course_table.selectRow(ids.index(current))
        elif self.courses:
            self.course_table.selectRow(0)
        else:
            self.select_course(None)

    def _course_selected(self) -> None:
        row = _selected_row(self.course_table)
        self.select_course(self.courses[row].id if row is not None else None)

    def select_course(self, course_id: uuid.UUID | None) -> None:
        self.course = training.get_course(self.ctx, course_id) if course_id else None
        self._show_course()

    def select_code(self, code: str) -> None:
        for row, c in enumerate(self.courses):
            if c.code == code:
                self.course_table.selectRow(row)
                return

    def _show_course(self) -> None:
        c = self.course
        if c is None:
            self.course_title.setText(_("Choose a course on the left, or create one."))
            self.course_info.setText("")
        else:
            self.course_title.setText(f"{c.code} — {c.title}")
            rule = _("at least {share} of the hours").format(share=f"{round(c.completion_share * 100)} %")
            if c.requires_evaluation:
                rule = _("{rule} and the final evaluation passed").format(rule=rule)
            self.course_info.setText(_("{modality} · {hours} h · organized by {organizer} · completion: {rule}").format(
                modality=_(training.MODALITY_LABELS.get(c.modality, c.modality)), hours=_hours(c.total_hours),
                organizer=c.organizer or "—", rule=rule))
        self.participants.load(c)
        self.sessions.load(c.id if c else None)
        self.attendance.load(c.id if c else None)
        self.certificates.load(c.id if c else None, c.code if c else "")

    def _reload_course(self) -> None:
        self.refresh()
        self._show_course()

    def _attendance_changed(self) -> None:
        # Hours changed: the participants' completion and the course list follow.
        self.participants.load(self.course)

    def new_course(self) -> None:
        from desktop.ui.training.dialogs import CourseDialog

        dialog = CourseDialog(self.ctx, parent=self)
        if dialog.exec() and dialog.saved is not None:
            self.refresh()
            self.select_code(dialog.saved.code)

    def edit_course(self) -> None:
        from desktop.ui.training.dialogs import CourseDialog

        if self.course is not None and CourseDialog(self.ctx, self.course.id, self).exec():
            self._reload_course()

    def delete_course(self) -> None:
        if self.course is None:
            return
        if confirm(self, _("Delete course {code}? Its certificates stay valid and verifiable.").format(
                code=self.course.code)):
            guarded(self, training.delete_course, self.ctx, self.course.id)
            self.course = None
            self.refresh()
