"""Forms of the trainings section: course, session, participant, certificate template."""

from __future__ import annotations

import uuid
from datetime import time

from PySide6.QtCore import Qt, QTime
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, office_today
from desktop.services import training
from desktop.services.core.context import AppContext
from desktop.services.training import MODALITIES, certificates
from desktop.ui.common import FieldErrors, TextBox, guarded, select_data, show_error
from desktop.ui.dates import DateField, dates_ok


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class CourseDialog(QDialog):
    """Create or edit a course. ``saved`` holds the course after a successful save."""

    def __init__(self, ctx: AppContext, course_id: uuid.UUID | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.course_id, self.saved = ctx, course_id, None
        self.setWindowTitle(_("Edit course") if course_id else _("New course"))
        self.resize(640, 620)
        form = QFormLayout()
        self.code = QLineEdit()
        self.code.setPlaceholderText(_("e.g. MESA-2026"))
        self.title_edit = QLineEdit()
        self.description = TextBox()
        self.description.setFixedHeight(70)
        self.modules = TextBox()
        self.modules.setPlaceholderText(_("One module per line"))
        self.modules.setFixedHeight(80)
        self.organizer = QLineEdit()
        self.partners = TextBox()
        self.partners.setPlaceholderText(_("One institution per line"))
        self.partners.setFixedHeight(55)
        self.modality = QComboBox()
        for code in MODALITIES:
            self.modality.addItem(_(training.MODALITY_LABELS[code]), code)
        self.total_hours = QDoubleSpinBox()
        self.total_hours.setRange(0, 2000)
        self.total_hours.setDecimals(1)
        self.total_hours.setSuffix(" " + _("h"))
        self.share = QSpinBox()
        self.share.setRange(1, 100)
        self.share.setSuffix(" %")
        self.share.setValue(80)
        self.evaluation = QCheckBox(_("A final evaluation must be passed"))
        self.municipality = QLineEdit()
        form.addRow(_("Code"), self.code)
        form.addRow(_("Title"), self.title_edit)
        form.addRow(_("Description"), self.description)
        form.addRow(_("Modules"), self.modules)
        form.addRow(_("Organizing institution"), self.organizer)
        form.addRow(_("Partner institutions"), self.partners)
        form.addRow(_("Modality"), self.modality)
        form.addRow(_("Total hours"), self.total_hours)
        form.addRow(_("Minimum attendance"), self.share)
        form.addRow("", self.evaluation)
        form.addRow(_("Municipality"), self.municipality)
        self.errors = FieldErrors({"code": self.code, "title": self.title_edit, "modality": self.modality,
                                   "total_hours": self.total_hours, "completion_share": self.share})
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))
        self.version: int | None = None
        if course_id is not None:
            course = training.get_course(ctx, course_id)
            self.version = course.version
            self.code.setText(course.code)
            self.title_edit.setText(course.title)
            self.description.setPlainText(course.description)
            self.modules.setPlainText(course.modules)
            self.organizer.setText(course.organizer)
            self.partners.setPlainText(course.partners)
            select_data(self.modality, course.modality)
            self.total_hours.setValue(course.total_hours)
            self.share.setValue(round(course.completion_share * 100))
            self.evaluation.setChecked(course.requires_evaluation)
            self.municipality.setText(course.municipality)

    def form(self) -> training.CourseForm:
        return training.CourseForm(
            code=self.code.text(), title=self.title_edit.text(), description=self.description.toPlainText(),
            modules=self.modules.toPlainText(), organizer=self.organizer.text(), partners=self.partners.toPlainText(),
            modality=self.modality.currentData(), total_hours=self.total_hours.value(),
            completion_share=self.share.value() / 100, requires_evaluation=self.evaluation.isChecked(),
            municipality=self.municipality.text())

    def accept(self) -> None:
        if self.course_id is None:
            saved = guarded(self, training.create_course, self.ctx, self.form(), errors=self.errors)
        else:
            saved = guarded(self, training.update_course, self.ctx, self.course_id, self.form(), self.version,
                            errors=self.errors)
        if saved is not None:
            self.saved = saved
            super().accept()


class SessionDialog(QDialog):
    def __init__(self, ctx: AppContext, course_id: uuid.UUID, session=None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.course_id, self.session, self.saved = ctx, course_id, session, None
        self.setWindowTitle(_("Edit session") if session else _("New session"))
        form = QFormLayout()
        self.date = DateField(office_today())
        self.start = QTimeEdit(QTime(8, 0))
        self.end = QTimeEdit(QTime(12, 0))
        self.hours = QDoubleSpinBox()
        self.hours.setRange(0, 24)
        self.hours.setDecimals(1)
        self.hours.setValue(4)
        self.hours.setSuffix(" " + _("h"))
        self.start.timeChanged.connect(self._update_hours)
        self.end.timeChanged.connect(self._update_hours)
        self.topic = QLineEdit()
        self.venue = QLineEdit()
        self.trainer = QLineEdit(ctx.actor.full_name if ctx.actor.role == "trainer" else "")
        form.addRow(_("Date"), self.date)
        times = QHBoxLayout()
        times.addWidget(self.start)
        times.addWidget(QLabel(_("to")))
        times.addWidget(self.end)
        form.addRow(_("Time"), times)
        form.addRow(_("Duration (hours)"), self.hours)
        form.addRow(_("Topic"), self.topic)
        form.addRow(_("Venue"), self.venue)
        form.addRow(_("Trainer"), self.trainer)
        self.errors = FieldErrors({"date": self.date, "hours": self.hours, "end_time": self.end})
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))
        if session is not None:
            self.date.set_value(session.date)
            if session.start_time:
                self.start.setTime(QTime(session.start_time.hour, session.start_time.minute))
            if session.end_time:
                self.end.setTime(QTime(session.end_time.hour, session.end_time.minute))
            self.hours.setValue(session.hours)
            self.topic.setText(session.topic)
            self.venue.setText(session.venue)
            self.trainer.setText(session.trainer)

    def _update_hours(self) -> None:
        minutes = self.start.time().secsTo(self.end.time()) // 60
        if minutes > 0:
            self.hours.setValue(round(minutes / 60, 1))

    def form(self) -> training.SessionForm:
        s, e = self.start.time(), self.end.time()
        return training.SessionForm(date=self.date.value(), hours=self.hours.value(),
                                    start_time=time(s.hour(), s.minute()), end_time=time(e.hour(), e.minute()),
                                    topic=self.topic.text(), venue=self.venue.text(), trainer=self.trainer.text())

    def accept(self) -> None:
        if not dates_ok(self):
            return
        if self.session is None:
            saved = guarded(self, training.add_session, self.ctx, self.course_id, self.form(), errors=self.errors)
        else:
            saved = guarded(self, training.update_session, self.ctx, self.session.id, self.form(),
                            self.session.version, errors=self.errors)
        if saved is not None:
            self.saved = saved
            super().accept()


class ParticipantDialog(QDialog):
    """Register a participant (and enroll them in the course) or edit one."""

    def __init__(self, ctx: AppContext, course_id: uuid.UUID | None, participant=None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.course_id, self.participant, self.saved = ctx, course_id, participant, None
        self.setWindowTitle(_("Edit participant") if participant else _("New participant"))
        self.resize(520, 0)
        form = QFormLayout()
        self.given = QLineEdit()
        self.family = QLineEdit()
        self.doc_type = QComboBox()
        for code, label in training.DOCUMENT_TYPES.items():
            self.doc_type.addItem(_(label), code)
        self.doc_number = QLineEdit()
        self.sex = QComboBox()
        for code in ("", "F", "M", "I"):
            self.sex.addItem(_(training.SEX_LABELS[code]), code)
        self.institution = QComboBox()
        self.institution.addItem("", "")
        for code, label in training.institution_labels(ctx.db).items():
            self.institution.addItem(label, code)
        self.institution_detail = QLineEdit()
        self.institution_detail.setPlaceholderText(_("e.g. Alcaldía de Girón — Secretaría de Gobierno"))
        self.position = QLineEdit()
        self.municipality = QLineEdit()
        self.email = QLineEdit()
        self.phone = QLineEdit()
        for label, widget in ((_("Given names"), self.given), (_("Family names"), self.family),
                              (_("Document type"), self.doc_type), (_("Document number"), self.doc_number),
                              (_("Sex"), self.sex), (_("Institution"), self.institution),
                              (_("Institution (as written)"), self.institution_detail), (_("Position"), self.position),
                              (_("Municipality"), self.municipality), (_("Email"), self.email),
                              (_("Phone"), self.phone)):
            form.addRow(label, widget)
        self.errors = FieldErrors({"given_names": self.given, "family_names": self.family,
                                   "document_type": self.doc_type, "document_number": self.doc_number,
                                   "sex": self.sex, "email": self.email, "phone": self.phone})
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(_buttons(self))
        if participant is not None:
            self.given.setText(participant.given_names)
            self.family.setText(participant.family_names)
            select_data(self.doc_type, participant.document_type)
            self.doc_number.setText(participant.document_number)
            select_data(self.sex, participant.sex)
            select_data(self.institution, participant.institution)
            self.institution_detail.setText(participant.institution_detail)
            self.position.setText(participant.position)
            self.municipality.setText(participant.municipality)
            self.email.setText(participant.email)
            self.phone.setText(participant.phone)

    def form(self) -> training.ParticipantForm:
        return training.ParticipantForm(
            given_names=self.given.text(), family_names=self.family.text(), document_number=self.doc_number.text(),
            document_type=self.doc_type.currentData(), sex=self.sex.currentData(),
            institution=self.institution.currentData(), institution_detail=self.institution_detail.text(),
            position=self.position.text(), municipality=self.municipality.text(), email=self.email.text(),
            phone=self.phone.text())

    def accept(self) -> None:
        pid = getattr(self.participant, "participant_id", None) or getattr(self.participant, "id", None)
        version = getattr(self.participant, "version", None)
        saved = guarded(self, training.save_participant, self.ctx, self.form(), pid, version,
                        self.course_id if self.participant is None else None, errors=self.errors)
        if saved is not None:
            self.saved = saved
            super().accept()


class SignatoryBox(QGroupBox):
    def __init__(self, number: int, signatory: certificates.SignatoryForm | None, parent: QWidget | None = None):
        super().__init__(_("Signatory {n}").format(n=number), parent)
        self.image: bytes | None = signatory.signature if signatory else None
        grid = QGridLayout(self)
        self.name = QLineEdit(signatory.name if signatory else "")
        self.title_edit = QLineEdit(signatory.title if signatory else "")
        self.preview = QLabel()
        self.preview.setFixedSize(180, 60)
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setStyleSheet("border: 1px dashed #999;")
        self.choose = QPushButton(_("Signature image…"))
        self.choose.clicked.connect(self._choose)
        self.remove = QPushButton(_("Remove image"))
        self.remove.clicked.connect(lambda: self.set_image(None))
        grid.addWidget(QLabel(_("Name")), 0, 0)
        grid.addWidget(self.name, 0, 1)
        grid.addWidget(QLabel(_("Title")), 1, 0)
        grid.addWidget(self.title_edit, 1, 1)
        grid.addWidget(self.preview, 0, 2, 2, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.choose)
        buttons.addWidget(self.remove)
        grid.addLayout(buttons, 0, 3, 2, 1)
        self.set_image(self.image)

    def set_image(self, data: bytes | None) -> None:
        self.image = data
        pixmap = QPixmap()
        if data and pixmap.loadFromData(data):
            self.preview.setPixmap(pixmap.scaled(176, 56, Qt.AspectRatioMode.KeepAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation))
        else:
            self.preview.setPixmap(QPixmap())
            self.preview.setText(_("No image"))
        self.remove.setEnabled(bool(data))

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Signature image"), "",
                                                    _("Images (*.png *.jpg *.jpeg)"))
        if path:
            self.load(path)

    def load(self, path: str) -> None:
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            show_error(self, _("Cannot read {path}: {error}").format(path=path, error=exc.strerror))
            return
        self.set_image(data)

    def value(self) -> certificates.SignatoryForm:
        return certificates.SignatoryForm(self.name.text(), self.title_edit.text(), self.image)


class TemplateDialog(QDialog):
    """The course's certificate: heading, text with placeholders, place line, up to three signatories."""

    def __init__(self, ctx: AppContext, course_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.course_id = ctx, course_id
        self.setWindowTitle(_("Certificate template"))
        self.resize(760, 640)
        self.template = certificates.get_template(ctx, course_id)
        form = QFormLayout()
        self.heading = QLineEdit(self.template.heading)
        self.body = TextBox(self.template.body)
        self.body.setFixedHeight(110)
        self.place = QLineEdit(self.template.place_line)
        form.addRow(_("Heading"), self.heading)
        form.addRow(_("Text"), self.body)
        form.addRow(_("Place and date"), self.place)
        help_text = QLabel(_("Placeholders: {names}").format(
            names=", ".join(f"{{{k}}} ({_(v)})" for k, v in certificates.PLACEHOLDERS.items())))
        help_text.setWordWrap(True)
        help_text.setStyleSheet("color: #555;")
        form.addRow("", help_text)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        self.signatories = [SignatoryBox(i + 1, self.template.signatories[i] if i < len(self.template.signatories)
                                         else None) for i in range(3)]
        for box in self.signatories:
            layout.addWidget(box)
        self.errors = FieldErrors({"heading": self.heading, "body": self.body, "place_line": self.place})
        layout.addWidget(_buttons(self))

    def accept(self) -> None:
        form = certificates.TemplateForm(self.heading.text(), self.body.toPlainText(), self.place.text(),
                                         [box.value() for box in self.signatories], self.template.version)
        if guarded(self, certificates.save_template, self.ctx, self.course_id, form, errors=self.errors) is not None:
            super().accept()
