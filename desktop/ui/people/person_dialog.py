"""Registering or editing a person, with likely duplicates shown while typing."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, country_names, format_date
from desktop.services import people
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ConflictError, EnlaceError, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.people import consent
from desktop.ui.common import FieldErrors, show_error
from desktop.ui.dates import birth_date_field, dates_ok, past_date_field
from desktop.ui.people.documents import DocumentsEditor


class PersonDialog(QDialog):
    """The registration form. A refused save keeps every typed value and marks the wrong fields."""

    saved = Signal(object)  # PersonRecord
    open_existing = Signal(object)  # person id chosen from the duplicate list

    def __init__(self, ctx: AppContext, record: people.PersonRecord | None = None,
                 household_of: people.PersonRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record = record
        self.household_of = household_of  # registering a new member of this person's household
        self.result_record: people.PersonRecord | None = None
        self.setWindowTitle(_("Edit person") if record else _("Register a person"))
        self.relationship = QComboBox()
        for code, text in people.RELATIONSHIPS.items():
            if code != "head":
                self.relationship.addItem(_(text), code)
        if household_of is not None:
            self.setWindowTitle(_("Register a member of the household of {name}").format(name=household_of.name))
        self.resize(820, 700)

        self.given_names = QLineEdit()
        self.family_name_1 = QLineEdit()
        self.family_name_2 = QLineEdit()
        self.sex = QComboBox()
        self.sex.addItem("", "")
        for code, text in people.SEXES.items():
            self.sex.addItem(_(text), code)
        self.gender_identity = QLineEdit()
        self.gender_identity.setPlaceholderText(_("Optional, as the person says it"))
        self.birth_date = birth_date_field()
        self.estimated_age = QSpinBox()
        self.estimated_age.setRange(-1, people.MAX_AGE)
        self.estimated_age.setSpecialValueText(_("unknown"))
        self.estimated_age.setValue(-1)
        self.age_label = QLabel()
        self.age_label.setObjectName("age_label")
        self.nationality = QComboBox()
        self.nationality.setEditable(True)
        self.nationality.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.nationality.addItem(_("Unknown"), None)
        for code, name in country_names():
            self.nationality.addItem(name, code)
        self.document_type = QComboBox()
        self.document_number = QLineEdit()
        self.more_documents = DocumentsEditor()
        self.phone = QLineEdit()
        self.address = QLineEdit()
        self.municipality = QLineEdit()
        self.population_type = QComboBox()
        self.population_type.addItem("", "")
        for code, text in people.POPULATION_TYPES.items():
            self.population_type.addItem(_(text), code)
        self.arrival_date = past_date_field(
            optional=True, too_late=_("The arrival date cannot be in the future."))
        self.languages = QLineEdit()
        self.languages.setPlaceholderText(_("Language codes, e.g. es, ht, fr"))
        self.needs = QListWidget()
        self.needs.setMaximumHeight(150)
        self.needs.setMinimumHeight(96)  # a few needs stay visible however full the form
        self.sensitive = ctx.can(Permission.VIEW_SENSITIVE)
        if self.sensitive:
            for choice in people.catalog_choices(ctx, "specific_need"):
                item = QListWidgetItem(choice.label)
                item.setData(Qt.ItemDataRole.UserRole, choice.code)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
                self.needs.addItem(item)
        # Self-declared and sensitive: shown only to roles that may see them, "Not asked" until the person answers.
        self.ethnicity = QComboBox()
        self.ethnicity.setToolTip(_("How the person identifies. Ask: \"According to your culture, people or "
                                    "physical features, do you identify as…?\" If you did not ask, leave "
                                    "\"Not asked\"."))
        self.lgbtiq = QComboBox()
        self.lgbtiq.addItem(_(people.NOT_ASKED_LABEL), people.NOT_ASKED)
        for code, text in people.LGBTIQ_ANSWERS.items():
            self.lgbtiq.addItem(_(text), code)
        self.lgbtiq.setToolTip(_("Ask only in private, and say that answering is voluntary. If you did not ask, "
                                 "leave \"Not asked\"."))
        self.identity_hint = QLabel(_("The person answers for themselves; never assume it from their looks or name."))
        self.identity_hint.setObjectName("identity_hint")
        self.identity_hint.setWordWrap(True)

        form = QFormLayout()
        if household_of is not None:
            form.addRow(_("Relations&hip to the head"), self.relationship)
        form.addRow(_("&Given names"), self.given_names)
        form.addRow(_("&First family name"), self.family_name_1)
        form.addRow(_("Second famil&y name"), self.family_name_2)
        form.addRow(_("Se&x"), self.sex)
        form.addRow(_("Gender &identity"), self.gender_identity)
        birth = QHBoxLayout()
        birth.addWidget(self.birth_date)
        birth.addWidget(QLabel(_("or estimated age")))
        birth.addWidget(self.estimated_age)
        birth.addWidget(self.age_label, 1)
        birth_label = QLabel(_("&Birth date"))
        birth_label.setBuddy(self.birth_date)  # a row of several widgets: Alt+B goes to the date itself
        form.addRow(birth_label, birth)
        form.addRow(_("Na&tionality"), self.nationality)
        form.addRow(_("&Document type"), self.document_type)
        form.addRow(_("Document &number"), self.document_number)
        form.addRow(_("Other documents"), self.more_documents)
        form.addRow(_("&Phone"), self.phone)
        form.addRow(_("&Address"), self.address)
        form.addRow(_("&Municipality"), self.municipality)
        form.addRow(_("Popu&lation type"), self.population_type)
        form.addRow(_("A&rrival date"), self.arrival_date)
        form.addRow(_("Lang&uages"), self.languages)
        if self.sensitive:
            form.addRow(_("Specific n&eeds"), self.needs)
            form.addRow(_("Ethnic gr&oup"), self.ethnicity)
            form.addRow(_("LGBTI&Q+ person"), self.lgbtiq)
            form.addRow("", self.identity_hint)

        self.duplicates = QListWidget()
        self.duplicates.setObjectName("duplicates")
        self.duplicates.itemActivated.connect(self._open_duplicate)
        self.duplicates.setWordWrap(True)  # the whole hint (name, birth, document, why) on narrow screens
        self.duplicates.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.duplicate_box = QGroupBox(_("Possibly already registered"))
        box_layout = QVBoxLayout(self.duplicate_box)
        hint = QLabel(_("Check these records before saving: double-click one to open it instead."))
        hint.setWordWrap(True)
        box_layout.addWidget(hint)
        box_layout.addWidget(self.duplicates)
        self.duplicate_box.setVisible(False)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

        left = QWidget()
        left.setLayout(form)
        scroll = QScrollArea()  # a long form scrolls down, never sideways, on a 768-pixel-high screen
        scroll.setObjectName("person_form_scroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(left)
        # Not a Tab stop of its own: the form opens with the cursor in "Given names" and Tab walks the fields
        # (QScrollArea keeps the focused field in view).
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.given_names.setFocus(Qt.FocusReason.OtherFocusReason)
        scroll.setMinimumWidth(left.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
        body = QHBoxLayout()
        body.addWidget(scroll, 3)
        body.addWidget(self.duplicate_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(body)
        layout.addWidget(self.buttons)

        self.errors = FieldErrors({
            "given_names": self.given_names, "family_name_1": self.family_name_1, "sex": self.sex,
            "birth_date": self.birth_date, "nationality": self.nationality, "document_type": self.document_type,
            "document_number": self.document_number, "phone": self.phone, "population_type": self.population_type,
            "arrival_date": self.arrival_date, "languages": self.languages, "needs": self.needs,
            "ethnicity": self.ethnicity, "lgbtiq": self.lgbtiq, "documents": self.more_documents,
        })
        self.more_documents.place_between(self.document_number, self.phone)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(300)
        self._timer.timeout.connect(self.check_duplicates)
        for edit in (self.given_names, self.family_name_1, self.family_name_2, self.document_number):
            edit.textEdited.connect(lambda _t: self._timer.start())
        self.birth_date.dateChanged.connect(lambda _d: (self._update_age(), self._timer.start()))
        self.estimated_age.valueChanged.connect(lambda _v: self._update_age())
        self.nationality.currentIndexChanged.connect(lambda _i: (self._fill_document_types(),
                                                                 self._fill_ethnicities()))
        self.document_type.currentIndexChanged.connect(lambda _i: self._document_hint())

        self._fill_document_types()
        self._fill_ethnicities()
        if record is not None:
            self._load(record)
        self._update_age()

    # -- form <-> widgets ---------------------------------------------------------------------

    def _fill_document_types(self) -> None:
        current = self.document_type.currentData()
        self.document_type.blockSignals(True)
        self.document_type.clear()
        choices = people.document_type_choices(self.ctx, self.nationality.currentData())
        self.more_documents.set_choices(choices)
        for choice in choices:
            self.document_type.addItem(choice.label, choice.code)
            self.document_type.setItemData(self.document_type.count() - 1, choice.pattern, Qt.ItemDataRole.UserRole + 1)
        index = self.document_type.findData(current if current else people.NO_DOCUMENT)
        self.document_type.setCurrentIndex(max(0, index))
        self.document_type.blockSignals(False)
        self._document_hint()

    def _fill_ethnicities(self) -> None:
        """The groups of every country, of the office's and of the nationality (raizal, palenquero: Colombia)."""
        if not self.sensitive:
            return
        current = self.ethnicity.currentData() or people.NOT_ASKED
        self.ethnicity.clear()
        self.ethnicity.addItem(_(people.NOT_ASKED_LABEL), people.NOT_ASKED)
        for choice in people.ethnicity_choices(self.ctx, self.nationality.currentData()):
            self.ethnicity.addItem(choice.label, choice.code)
        self._choose_ethnicity(current)

    def _choose_ethnicity(self, code: str, text: str = "") -> None:
        index = self.ethnicity.findData(code)
        if index < 0:  # a group not offered for this nationality: the person's answer stays choosable
            self.ethnicity.addItem(text or code, code)
            index = self.ethnicity.count() - 1
        self.ethnicity.setCurrentIndex(index)

    def _document_hint(self) -> None:
        none = self.document_type.currentData() == people.NO_DOCUMENT
        self.document_number.setEnabled(not none)
        self.document_number.setPlaceholderText(_("No document") if none else "")

    def _update_age(self) -> None:
        birth = self.birth_date.value()
        self.estimated_age.setEnabled(birth is None)
        age = people.age_on(birth) if birth else (self.estimated_age.value() if self.estimated_age.value() >= 0
                                                  else None)
        self.age_label.setText(_("{n} years old").format(n=age) if age is not None else "")

    def _load(self, r: people.PersonRecord) -> None:
        self.given_names.setText(r.given_names)
        self.family_name_1.setText(r.family_name_1)
        self.family_name_2.setText(r.family_name_2)
        self.sex.setCurrentIndex(max(0, self.sex.findData(r.sex)))
        self.gender_identity.setText(r.gender_identity)
        if r.birth_date_estimated:
            self.estimated_age.setValue(r.age if r.age is not None else -1)
        else:
            self.birth_date.set_value(r.birth_date)
        self.nationality.setCurrentIndex(max(0, self.nationality.findData(r.nationality)))
        self._fill_document_types()
        index = self.document_type.findData(r.document_type)
        if index < 0:  # a type of another country: keep it choosable
            self.document_type.addItem(r.document_type_label, r.document_type)
            index = self.document_type.count() - 1
        self.document_type.setCurrentIndex(index)
        self.document_number.setText(r.document_number)
        self.more_documents.set_documents(r.documents[1:])
        self.phone.setText(r.phone)
        self.address.setText(r.address)
        self.municipality.setText(r.municipality)
        self.population_type.setCurrentIndex(max(0, self.population_type.findData(r.population_type)))
        self.arrival_date.set_value(r.arrival_date)
        self.languages.setText(", ".join(r.languages))
        for i in range(self.needs.count()):
            item = self.needs.item(i)
            checked = r.needs is not None and item.data(Qt.ItemDataRole.UserRole) in r.needs
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
        if self.sensitive and r.ethnicity is not None:
            self._choose_ethnicity(r.ethnicity, r.ethnicity_label)
        if self.sensitive and r.lgbtiq is not None:
            self.lgbtiq.setCurrentIndex(max(0, self.lgbtiq.findData(r.lgbtiq)))

    def form(self) -> people.PersonForm:
        needs = None
        if self.sensitive:
            needs = [self.needs.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.needs.count())
                     if self.needs.item(i).checkState() == Qt.CheckState.Checked]
        nationality = self.nationality.currentData()
        if self.nationality.currentText() and self.nationality.findText(self.nationality.currentText()) < 0:
            nationality = self.nationality.currentText()  # typed, not chosen: the service says what is wrong
        return people.PersonForm(
            given_names=self.given_names.text(), family_name_1=self.family_name_1.text(),
            family_name_2=self.family_name_2.text(), sex=self.sex.currentData() or "",
            gender_identity=self.gender_identity.text(), birth_date=self.birth_date.value(),
            estimated_age=self.estimated_age.value() if self.estimated_age.value() >= 0 else None,
            nationality=nationality, document_type=self.document_type.currentData() or people.NO_DOCUMENT,
            document_number=self.document_number.text(), phone=self.phone.text(), address=self.address.text(),
            municipality=self.municipality.text(), population_type=self.population_type.currentData() or "",
            arrival_date=self.arrival_date.value(),
            languages=[c for c in self.languages.text().replace(";", ",").split(",") if c.strip()], needs=needs,
            ethnicity=self.ethnicity.currentData() if self.sensitive else None,
            lgbtiq=self.lgbtiq.currentData() if self.sensitive else None,
            more_documents=self.more_documents.documents())

    # -- duplicates ---------------------------------------------------------------------------

    def check_duplicates(self) -> None:
        try:
            found = people.likely_duplicates(self.ctx, self.form(), exclude_id=self.record.id if self.record else None)
        except EnlaceError:
            found = []
        self.duplicates.clear()
        for candidate in found:
            row = candidate.row
            born = format_date(row.birth_date, "short") if row.birth_date else _("birth date unknown")
            text = _("{name} · {born} · {document} ({reasons})").format(
                name=row.name, born=born, document=row.document_number or _("no document"),
                reasons=", ".join(candidate.reasons))
            item = QListWidgetItem(text)
            item.setToolTip(text)
            item.setData(Qt.ItemDataRole.UserRole, row.id)
            self.duplicates.addItem(item)
        self.duplicate_box.setVisible(bool(found))

    def _open_duplicate(self, item: QListWidgetItem) -> None:
        self.open_existing.emit(item.data(Qt.ItemDataRole.UserRole))
        self.reject()

    # -- saving -------------------------------------------------------------------------------

    def needs_consent_answer(self) -> bool:
        """A new person, or one with neither registration consent nor an answer on record."""
        if self.record is None:
            return True
        if self.record.consent.registration:
            return False
        return not consent.no_consent_answer(self.ctx, self.record.id)

    def ask_consent_answer(self) -> str | None:
        """Ask, in plain words, why there is no consent: "given" (record it now), "refused", "not_asked", or None."""
        name = " ".join(p for p in (self.given_names.text().strip(), self.family_name_1.text().strip()) if p)
        box = QMessageBox(QMessageBox.Icon.Question, _("Consent to register"),
                          _("{name} has not given consent to register their personal data.").format(
                              name=name or _("This person")), parent=self)
        box.setObjectName("consent_question")
        box.setInformativeText(_("Did the person agree, refuse, or has nobody asked yet? Enlace keeps your "
                                 "answer with the record. Data is shared with a service only after consent to "
                                 "share is recorded."))
        answers = {}
        for code, text, role in (
                ("given", _("The person &agrees: record consent"), QMessageBox.ButtonRole.AcceptRole),
                ("refused", _("The person &refused"), QMessageBox.ButtonRole.AcceptRole),
                ("not_asked", _("&Not asked yet"), QMessageBox.ButtonRole.AcceptRole)):
            button = box.addButton(text, role)
            button.setObjectName(f"consent_{code}")
            answers[button] = code
        back = box.addButton(_("&Back to the form"), QMessageBox.ButtonRole.RejectRole)
        back.setObjectName("consent_back")
        box.setEscapeButton(back)
        box.setDefaultButton(back)
        box.exec()
        return answers.get(box.clickedButton())

    def save(self) -> None:
        if not dates_ok(self):
            return
        answer = None
        if self.needs_consent_answer():
            answer = self.ask_consent_answer()
            if answer is None:
                return  # back to the form, everything as typed
        form = self.form()
        try:
            if self.record is None:
                saved = people.register_person(self.ctx, form)
                if self.household_of is not None:
                    household_id = self.household_of.household_id or people.create_household(
                        self.ctx, self.household_of.id).id
                    people.add_to_household(self.ctx, household_id, saved.id, self.relationship.currentData())
                    saved = people.get_person(self.ctx, saved.id, log_view=False)
            else:
                saved = people.update_person(self.ctx, self.record.id, form, self.record.version)
        except ValidationError as exc:
            self.errors.show(exc)
            show_error(self, exc)
            return
        except ConflictError as exc:  # a second window saved first: keep what is typed here
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self._record_consent_answer(saved, answer)
        self.result_record = people.get_person(self.ctx, saved.id, log_view=False) if answer else saved
        self.saved.emit(self.result_record)
        self.accept()

    def _record_consent_answer(self, saved: people.PersonRecord, answer: str | None) -> None:
        """After the save: record consent now (the consent form, registration ticked), or why there is none."""
        if answer is None:
            return
        if answer == "given":
            from desktop.ui.people.dialogs import ConsentDialog

            dialog = ConsentDialog(self.ctx, saved.id, self)
            dialog.scope_boxes["registration"].setChecked(True)
            if dialog.exec():
                return
            answer = "not_asked"  # the consent form was closed unsaved: nothing was recorded yet
        try:
            consent.record_no_consent_answer(self.ctx, saved.id, answer)
        except EnlaceError as exc:
            show_error(self, exc)
