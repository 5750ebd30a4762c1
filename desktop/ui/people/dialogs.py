"""Consent, cases and notes, household membership, merging and anonymizing: the person's smaller dialogs."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, office_today
from desktop.services import people
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, ValidationError
from desktop.services.people import cases, consent
from desktop.ui.common import FieldErrors, TextBox, show_error
from desktop.ui.dates import dates_ok, past_date_field
from desktop.ui.widgets import PersonPicker


class _FormDialog(QDialog):
    def __init__(self, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.form = QFormLayout()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)

    def showEvent(self, event) -> None:
        """Open with the cursor in the first field, never on Save (the buttons are made first, so Qt would
        start there): Enter would save an empty form, and the clerk would Tab round to the fields."""
        focused = self.focusWidget()
        if focused is None or self.buttons.isAncestorOf(focused):
            field = self._first_field()
            if field is not None:
                field.setFocus(Qt.FocusReason.OtherFocusReason)
        super().showEvent(event)

    def _first_field(self) -> QWidget | None:
        for row in range(self.form.rowCount()):
            for role in (QFormLayout.ItemRole.FieldRole, QFormLayout.ItemRole.SpanningRole):
                item = self.form.itemAt(row, role)
                widget = item.widget() if item is not None else None
                for candidate in ([widget, *widget.findChildren(QWidget)] if widget is not None else []):
                    if (candidate.isEnabled() and candidate.isVisibleTo(self)
                            and candidate.focusPolicy() & Qt.FocusPolicy.TabFocus):
                        return candidate
        return None

    def save(self) -> None:  # pragma: no cover - overridden
        raise NotImplementedError

    def run(self, call, errors: FieldErrors | None = None):
        """Call a service; on a refusal show its message (fields marked) and keep the dialog as typed."""
        try:
            return call()
        except ValidationError as exc:
            if errors is not None:
                errors.show(exc)
            show_error(self, exc)
        except EnlaceError as exc:
            show_error(self, exc)
        return None


class ConsentDialog(_FormDialog):
    """Record consent: the scopes, the date, how it was given (a verbal consent needs a witness)."""

    def __init__(self, ctx: AppContext, person_id: uuid.UUID, parent: QWidget | None = None) -> None:
        super().__init__(_("Record consent"), parent)
        self.ctx, self.person_id = ctx, person_id
        self.scope_boxes: dict[str, QCheckBox] = {}
        scopes = QWidget()
        box_layout = QVBoxLayout(scopes)
        box_layout.setContentsMargins(0, 0, 0, 0)
        for code, text in consent.SCOPES.items():
            check = QCheckBox(_(text))
            check.setObjectName(f"scope_{code}")
            self.scope_boxes[code] = check
            box_layout.addWidget(check)
        self.given_on = past_date_field(office_today(), too_late=_("The consent date cannot be in the future."))
        self.method = QComboBox()
        for code, text in consent.METHODS.items():
            self.method.addItem(_(text), code)
        self.witness = QLineEdit()
        self.witness.setPlaceholderText(_("Needed for a verbal consent"))
        self.form.addRow(_("The person agrees to"), scopes)
        self.form.addRow(_("Date"), self.given_on)
        self.form.addRow(_("How"), self.method)
        self.form.addRow(_("Witness"), self.witness)
        self.form.addRow(QLabel(_("Taken by: {name}").format(name=ctx.actor.full_name)))
        self.errors = FieldErrors({"scopes": scopes, "method": self.method, "witness_name": self.witness,
                                   "given_on": self.given_on})

    def save(self) -> None:
        if not dates_ok(self):
            return
        chosen = [code for code, box in self.scope_boxes.items() if box.isChecked()]
        done = self.run(lambda: consent.record_consent(self.ctx, self.person_id, chosen, self.given_on.value(),
                                                       self.method.currentData(), self.witness.text()), self.errors)
        if done is not None:
            self.accept()


class WithdrawDialog(_FormDialog):
    def __init__(self, ctx: AppContext, info: consent.ConsentInfo, parent: QWidget | None = None) -> None:
        super().__init__(_("Withdraw consent"), parent)
        self.ctx, self.info = ctx, info
        self.note = QLineEdit()
        self.form.addRow(QLabel(_("The person withdraws: {scope}. The record keeps when it was given and "
                                  "withdrawn.").format(scope=_(consent.SCOPES[info.scope]))))
        self.form.addRow(_("Note"), self.note)

    def save(self) -> None:
        if self.run(lambda: consent.withdraw_consent(self.ctx, self.info.id, self.note.text())) is not None:
            self.accept()


class CaseDialog(_FormDialog):
    """Open a case for the person, or edit one (caseworker, priority, status)."""

    def __init__(self, ctx: AppContext, person_id: uuid.UUID, case: cases.CaseInfo | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(_("Edit case {number}").format(number=case.number) if case else _("Open a case"), parent)
        self.ctx, self.person_id, self.case = ctx, person_id, case
        self.caseworker = QComboBox()
        for username, full_name in cases.caseworkers(ctx):
            self.caseworker.addItem(full_name, username)
        self.caseworker.setCurrentIndex(max(0, self.caseworker.findData(case.caseworker if case else ctx.username)))
        self.priority = QComboBox()
        for code, text in cases.PRIORITIES.items():
            self.priority.addItem(_(text), code)
        self.priority.setCurrentIndex(self.priority.findData(case.priority if case else "normal"))
        self.status = QComboBox()
        for code, text in cases.STATUSES.items():
            self.status.addItem(_(text), code)
        self.status.setCurrentIndex(self.status.findData(case.status if case else "open"))
        self.with_household = QCheckBox(_("The case covers the whole household"))
        self.reason = QLineEdit(case.reason if case else "")
        self.reason.setObjectName("case_reason")
        self.reason.setMaxLength(cases.REASON_MAX)
        self.reason.setPlaceholderText(_("Why the case is opened, in a few words"))
        self.reason.setMinimumWidth(320)
        self.form.addRow(_("Reason"), self.reason)
        self.form.addRow(_("Caseworker"), self.caseworker)
        self.form.addRow(_("Priority"), self.priority)
        if case:
            self.form.addRow(_("Status"), self.status)
        else:
            self.form.addRow("", self.with_household)
        self.errors = FieldErrors({"caseworker": self.caseworker, "priority": self.priority, "status": self.status,
                                   "reason": self.reason})
        self.result_case: cases.CaseInfo | None = None

    def save(self) -> None:
        if self.case is None:
            call = lambda: cases.open_case(self.ctx, self.person_id, self.caseworker.currentData(),  # noqa: E731
                                           self.priority.currentData(), self.with_household.isChecked(),
                                           reason=self.reason.text())
        else:
            call = lambda: cases.update_case(self.ctx, self.case.id, caseworker=self.caseworker.currentData(),  # noqa: E731
                                             priority=self.priority.currentData(), status=self.status.currentData(),
                                             expected_version=self.case.version, reason=self.reason.text())
        self.result_case = self.run(call, self.errors)
        if self.result_case is not None:
            self.accept()


class NoteDialog(_FormDialog):
    def __init__(self, ctx: AppContext, case: cases.CaseInfo, parent: QWidget | None = None) -> None:
        super().__init__(_("Note on case {number}").format(number=case.number), parent)
        self.ctx, self.case = ctx, case
        self.noted_on = past_date_field(office_today())
        self.text = TextBox()
        self.form.addRow(_("Date"), self.noted_on)
        self.form.addRow(_("Note"), self.text)
        self.errors = FieldErrors({"text": self.text, "noted_on": self.noted_on})

    def save(self) -> None:
        if not dates_ok(self):
            return
        if self.run(lambda: cases.add_note(self.ctx, self.case.id, self.text.toPlainText(),
                                           self.noted_on.value()), self.errors) is not None:
            self.accept()



class HouseholdDialog(_FormDialog):
    """Add an already registered person to this person's household (they leave any other one)."""

    def __init__(self, ctx: AppContext, record: people.PersonRecord, parent: QWidget | None = None) -> None:
        super().__init__(_("Add a member to the household"), parent)
        self.ctx, self.record = ctx, record
        self.picker = PersonPicker(ctx, record.id)
        self.relationship = QComboBox()
        for code, text in people.RELATIONSHIPS.items():
            if code != "head":
                self.relationship.addItem(_(text), code)
        self.form.addRow(QLabel(_("A person belongs to one household at a time: adding them here takes them out "
                                  "of any other.")))
        self.form.addRow(_("Person"), self.picker)
        self.form.addRow(_("Relationship to the head"), self.relationship)

    def save(self) -> None:
        other = self.picker.chosen()
        if other is None:
            show_error(self, _("Search for the person and choose them from the list."))
            return

        def call():
            household_id = self.record.household_id or people.create_household(self.ctx, self.record.id).id
            return people.add_to_household(self.ctx, household_id, other, self.relationship.currentData())

        if self.run(call) is not None:
            self.accept()


class MergeDialog(_FormDialog):
    """Supervisor: fold a duplicate record into this one; referrals, cases, consent and events move."""

    def __init__(self, ctx: AppContext, record: people.PersonRecord, parent: QWidget | None = None) -> None:
        super().__init__(_("Merge a duplicate into {name}").format(name=record.name), parent)
        self.ctx, self.record = ctx, record
        self.picker = PersonPicker(ctx, record.id)
        self.form.addRow(QLabel(_("Choose the duplicate record. Its referrals, cases, consent and history move to "
                                  "this record; empty fields here are filled from it; it then leaves the "
                                  "register.")))
        self.form.addRow(_("Duplicate"), self.picker)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Merge"))

    def save(self) -> None:
        from desktop.ui.common import confirm

        other = self.picker.chosen()
        if other is None:
            show_error(self, _("Search for the duplicate and choose it from the list."))
            return
        if not confirm(self, _("Merge the chosen record into {name}? This cannot be undone.").format(
                name=self.record.name)):
            return
        if self.run(lambda: people.merge_people(self.ctx, self.record.id, other)) is not None:
            self.accept()


class AnonymizeDialog(_FormDialog):
    """Administrator: anonymize after typing the password again."""

    def __init__(self, ctx: AppContext, record: people.PersonRecord, parent: QWidget | None = None) -> None:
        super().__init__(_("Anonymize {name}").format(name=record.name), parent)
        self.ctx, self.record = ctx, record
        warning = QLabel(_("Names, document, phone, address and the exact birth date of this person will be "
                           "replaced for good, and the free texts of their cases and referrals erased. Figures "
                           "(sex, nationality, age band, referrals) stay. This cannot be undone."))
        warning.setWordWrap(True)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.form.addRow(warning)
        self.form.addRow(_("Your password"), self.password)
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setText(_("Anonymize"))

    def save(self) -> None:
        try:
            people.anonymize_person(self.ctx, self.record.id, self.password.text())
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.accept()
