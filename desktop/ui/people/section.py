"""The "People and cases" section: one search box, the register as a lazy table, the person's record."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, country_name, format_date, format_datetime, language_name
from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.core.permissions import Permission
from desktop.services.people import cases, consent
from desktop.ui.common import EmptyState, FlowLayout, show_error, shown_if
from desktop.ui.people.dialogs import (
    AnonymizeDialog,
    CaseDialog,
    ConsentDialog,
    HouseholdDialog,
    MergeDialog,
    NoteDialog,
    WithdrawDialog,
)
from desktop.ui.people.person_dialog import PersonDialog
from desktop.ui.search_box import SearchBox
from desktop.ui.table_model import LazyTableModel
from desktop.ui.widgets import ConsentBadges, save_pdf

NUMBER = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


def people_columns():
    return [
        (_("Name"), lambda r: r.name),
        (_("Age"), lambda r: "" if r.age is None else str(r.age), NUMBER),
        (_("Sex"), lambda r: people.label(people.SEXES, r.sex)),
        (_("Nationality"), lambda r: country_name(r.nationality)),
        (_("Document"), lambda r: r.document_number),
        (_("Population"), lambda r: people.label(people.POPULATION_TYPES, r.population_type)),
        (_("Municipality"), lambda r: r.municipality),
    ]


class PersonPanel(QWidget):
    """A person's record: data, consent at a glance, household, cases, referrals, and what can be done."""

    changed = Signal()
    open_person = Signal(object)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.record: people.PersonRecord | None = None
        self.title = QLabel()
        self.title.setObjectName("person_name")
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.badges = ConsentBadges()
        self.details = QLabel()
        self.details.setObjectName("person_details")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.needs = QLabel()
        self.needs.setObjectName("person_needs")
        self.needs.setWordWrap(True)
        self.identity = QLabel()
        self.identity.setObjectName("person_identity")
        self.identity.setWordWrap(True)
        self.household = QListWidget()
        self.household.setMaximumHeight(110)
        self.household.itemActivated.connect(lambda item: self.open_person.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.consents = QListWidget()
        self.consents.setObjectName("consent_history")
        self.consents.setMaximumHeight(110)
        self.cases = QListWidget()
        self.cases.setObjectName("cases")
        self.cases.setMaximumHeight(150)
        self.referrals = QListWidget()
        self.referrals.setObjectName("person_referrals")
        self.referrals.setMaximumHeight(130)
        self.referrals.setToolTip(_("Double-click a referral to open it in the Referrals section"))
        self.referrals.itemActivated.connect(self._open_referral)

        can_edit = ctx.can(Permission.EDIT_PEOPLE)
        self.buttons: dict[str, QPushButton] = {}
        actions = [
            ("edit", _("Edit"), self.edit, can_edit),
            ("consent", _("Record c&onsent"), self.record_consent, can_edit),
            ("withdraw", _("Withdraw consent"), self.withdraw_consent, can_edit),
            ("consent_form", _("Print consent form"), self.print_consent_form, True),
            ("consent_form_pdf", _("Consent form PDF…"), self.save_consent_form, True),
            ("new_member", _("Register a household member"), self.register_member, can_edit),
            ("member", _("Add household member"), self.add_member, can_edit),
            ("case", _("Open &case"), self.open_case, can_edit),
            ("edit_case", _("Edit case"), self.edit_case, can_edit),
            ("note", _("Add case note"), self.add_note, can_edit and ctx.can(Permission.VIEW_SENSITIVE)),
            ("referral", _("New re&ferral"), self.new_referral, ctx.can(Permission.EDIT_REFERRALS)),
            ("merge", _("Merge a duplicate"), self.merge, ctx.can(Permission.MERGE_PEOPLE)),
            ("anonymize", _("Anonymize"), self.anonymize, ctx.can(Permission.ANONYMIZE_PEOPLE)),
        ]
        grid = FlowLayout()  # as many buttons a row as the panel's width allows
        for key, text, slot, _allowed in (a for a in actions if a[3]):
            button = QPushButton(text)
            button.setObjectName(f"person_{key}")
            button.clicked.connect(slot)
            self.buttons[key] = button
            grid.addWidget(button)
        tips = {"new_member": _("Someone who is not in Enlace yet and lives with this person"),
                "member": _("Someone already registered in Enlace who lives with this person")}
        for key, tip in tips.items():
            if key in self.buttons:
                self.buttons[key].setToolTip(tip)

        for listing in (self.household, self.consents, self.cases, self.referrals):
            listing.setWordWrap(True)
            listing.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(self.title)
        layout.addWidget(self.badges)
        layout.addWidget(self.details)
        layout.addWidget(self.needs)
        layout.addWidget(self.identity)
        layout.addLayout(grid)
        for title, widget in ((_("Household"), self.household), (_("Consent history"), self.consents),
                              (_("Cases"), self.cases), (_("Referrals"), self.referrals)):
            box = QGroupBox(title)
            QVBoxLayout(box).addWidget(widget)
            layout.addWidget(box)
        layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.empty = QLabel(_("Search for a person, or register a new one."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        outer.addWidget(self.empty)
        outer.addWidget(scroll)
        self.scroll = scroll
        self.show_person(None)

    # -- showing ------------------------------------------------------------------------------

    def show_person(self, person_id: uuid.UUID | None) -> None:
        self.record = None
        if person_id is not None:
            try:
                self.record = people.get_person(self.ctx, person_id)
            except EnlaceError as exc:
                show_error(self, exc)
        self.empty.setVisible(self.record is None)
        self.scroll.setVisible(self.record is not None)
        if self.record is not None:
            self._fill(self.record)

    def reload(self) -> None:
        if self.record is not None:
            self.record = people.get_person(self.ctx, self.record.id, log_view=False)
            self._fill(self.record)

    def _fill(self, r: people.PersonRecord) -> None:
        self.title.setText(r.name)
        self.badges.set_state(r.consent)
        age = _("{n} years old").format(n=r.age) if r.age is not None else _("age unknown")
        if r.birth_date_estimated and r.age is not None:
            age = _("about {n} years old (estimated)").format(n=r.age)
        born = format_date(r.birth_date) if r.birth_date and not r.birth_date_estimated else ""
        lines = [
            " · ".join(p for p in (people.label(people.SEXES, r.sex), r.gender_identity, age, born) if p),
            _("Nationality: {country}").format(country=people.nationality_label(r.nationality)),
            *([_("Document: {type} {number}").format(type=r.document_type_label, number=r.document_number).strip()]
              if len(r.documents) < 2 else
              [_("Documents:")] + [f"  · {d.label} {d.number}" for d in r.documents]),
            _("Population: {type}").format(type=people.label(people.POPULATION_TYPES, r.population_type)),
        ]
        if r.arrival_date:
            lines.append(_("Arrived on {date}").format(date=format_date(r.arrival_date)))
        contact = " · ".join(p for p in (r.phone, r.address, r.municipality) if p)
        if contact:
            lines.append(contact)
        if r.languages:
            lines.append(_("Languages: {list}").format(list=", ".join(language_name(code) for code in r.languages)))
        if r.anonymized:
            lines.append(_("This record was anonymized."))
        self.details.setText("\n".join(lines))
        if r.needs is None:
            self.needs.setVisible(False)
        else:
            self.needs.setVisible(True)
            labels = people.catalog_choices(self.ctx, "specific_need")
            names = {c.code: c.label for c in labels}
            self.needs.setText(_("Specific needs: {list}").format(
                list=", ".join(names.get(n, n) for n in r.needs) if r.needs else _("none recorded")))
        self.identity.setVisible(r.ethnicity is not None)
        if r.ethnicity is not None:  # self-declared; only roles that may see specific needs see it
            self.identity.setText("\n".join((
                _("Ethnic group (self-identified): {group}").format(group=r.ethnicity_label),
                _("LGBTIQ+ person (self-identified): {answer}").format(answer=people.lgbtiq_label(r.lgbtiq)))))
        self.household.clear()
        for member in r.household_members:
            text = _("{name} — {relationship}").format(name=member.name,
                                                       relationship=people.label(people.RELATIONSHIPS,
                                                                                 member.relationship))
            if member.age is not None:
                text += " · " + _("{n} years old").format(n=member.age)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, member.person_id)
            self.household.addItem(item)
        if not r.household_members:
            self.household.addItem(_("Not in a household yet."))
        self.consents.clear()
        answer = "" if r.consent.registration else consent.no_consent_answer(self.ctx, r.id)
        if answer:  # why there is no consent to register, as the clerk answered at save
            self.consents.addItem(_(consent.NO_CONSENT_ANSWERS[answer]))
        for info in consent.list_consents(self.ctx, r.id):
            state = (_("withdrawn on {date}").format(date=format_datetime(info.withdrawn_at, "short"))
                     if info.withdrawn_at else _("active"))
            text = _("{scope}: given {date} ({method}, by {user}) — {state}").format(
                scope=_(consent.SHORT_SCOPES[info.scope]), date=format_date(info.given_on, "short"),
                method=_(consent.METHODS.get(info.method, info.method)), user=info.taken_by_name or info.taken_by,
                state=state)
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, info)
            self.consents.addItem(item)
        if not self.consents.count():
            self.consents.addItem(_("No consent recorded yet."))
        self.cases.clear()
        for case in cases.cases_of_person(self.ctx, r.id):
            item = QListWidgetItem(_("{number} · {status} · priority {priority} · {worker}").format(
                number=case.number, status=_(cases.STATUSES[case.status]),
                priority=_(cases.PRIORITIES[case.priority]).lower(), worker=case.caseworker_name))
            item.setData(Qt.ItemDataRole.UserRole, case)
            self.cases.addItem(item)
            if case.reason:
                sub = QListWidgetItem("    " + _("Reason: {reason}").format(reason=case.reason))
                sub.setData(Qt.ItemDataRole.UserRole, case)
                self.cases.addItem(sub)
            if self.ctx.can(Permission.VIEW_SENSITIVE):
                for note in cases.get_case(self.ctx, case.id).notes or []:
                    sub = QListWidgetItem(f"    {format_date(note.noted_on, 'short')} · {note.author}: {note.text}")
                    sub.setData(Qt.ItemDataRole.UserRole, case)
                    self.cases.addItem(sub)
        if self.cases.count():
            self.cases.setCurrentRow(0)
        else:
            self.cases.addItem(_("No case opened yet."))
        self.referrals.clear()
        if self.ctx.can(Permission.VIEW_REFERRALS):
            for row in referrals.referrals_of_person(self.ctx, r.id):
                item = QListWidgetItem(_("{number} · {status} · {service}").format(
                    number=row.number, status=referrals.status_label(row.status), service=row.service))
                item.setData(Qt.ItemDataRole.UserRole, row.id)
                self.referrals.addItem(item)
            if not self.referrals.count():
                self.referrals.addItem(_("No referrals yet."))
        for key in ("edit", "consent", "withdraw", "new_member", "member", "case", "referral", "merge", "anonymize"):
            if key in self.buttons:
                self.buttons[key].setEnabled(not r.anonymized)

    def _open_referral(self, item: QListWidgetItem) -> None:
        if item.data(Qt.ItemDataRole.UserRole) is None:
            return
        window = self.window()
        show, section = getattr(window, "show_section", None), getattr(window, "section", None)
        if callable(show) and callable(section):
            show("referrals")
            target = section("referrals")
            if target is not None:
                target.show_referral(item.data(Qt.ItemDataRole.UserRole))

    # -- actions ------------------------------------------------------------------------------

    def _after(self, dialog) -> None:
        if dialog.exec():
            self.reload()
            self.changed.emit()

    def edit(self) -> None:
        if self.record is None:
            return
        fresh = people.get_person(self.ctx, self.record.id, log_view=False)
        self._after(PersonDialog(self.ctx, fresh, parent=self))

    def record_consent(self) -> None:
        if self.record is not None:
            self._after(ConsentDialog(self.ctx, self.record.id, self))

    def withdraw_consent(self) -> None:
        item = self.consents.currentItem()
        info = item.data(Qt.ItemDataRole.UserRole) if item else None
        if info is None or info.withdrawn_at is not None:
            show_error(self, _("Choose an active consent in the history first."))
            return
        self._after(WithdrawDialog(self.ctx, info, self))

    def _consent_form(self) -> bytes | None:
        if self.record is None:
            return None
        try:
            return consent.consent_form_pdf(self.ctx, self.record.id)
        except EnlaceError as exc:
            show_error(self, exc)
            return None

    def print_consent_form(self) -> None:
        """Imprimir: the print preview, then the system print dialog."""
        from desktop.ui.printing import print_pdf

        if self.record is not None:
            print_pdf(self, self._consent_form, _("Consent form: {name}").format(name=self.record.name), self.ctx)

    def save_consent_form(self) -> None:
        pdf = self._consent_form()
        if pdf is not None:
            save_pdf(self, pdf, _("consent-{name}.pdf").format(name=self.record.family_name_1 or "person"))

    def register_member(self) -> None:
        """A new person who lives with this one: registered and put in the same household in one go."""
        if self.record is not None:
            self._after(PersonDialog(self.ctx, household_of=self.record, parent=self))

    def add_member(self) -> None:
        if self.record is not None:
            self._after(HouseholdDialog(self.ctx, self.record, self))

    def open_case(self) -> None:
        if self.record is not None:
            self._after(CaseDialog(self.ctx, self.record.id, parent=self))

    def _current_case(self) -> cases.CaseInfo | None:
        item = self.cases.currentItem()
        case = item.data(Qt.ItemDataRole.UserRole) if item else None
        if case is None:
            show_error(self, _("Open a case first, or choose one in the list."))
        return case

    def edit_case(self) -> None:
        case = self._current_case()
        if case is not None and self.record is not None:
            self._after(CaseDialog(self.ctx, self.record.id, cases.get_case(self.ctx, case.id), self))

    def add_note(self) -> None:
        case = self._current_case()
        if case is not None:
            self._after(NoteDialog(self.ctx, case, self))

    def new_referral(self) -> None:
        from desktop.ui.referrals.referral_dialog import ReferralDialog

        if self.record is not None:
            self._after(ReferralDialog(self.ctx, self.record.id, self))

    def merge(self) -> None:
        if self.record is not None:
            self._after(MergeDialog(self.ctx, self.record, self))

    def anonymize(self) -> None:
        if self.record is not None:
            self._after(AnonymizeDialog(self.ctx, self.record, self))


class PeopleSection(QWidget):
    """Find before you register: the search answers as the clerk types."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.search = SearchBox(_("Search by name or document number (Ctrl+F)"), pause_ms=200)
        self.search.setObjectName("people_search")
        self.new_button = QPushButton(_("&Register a person"))
        self.new_button.setObjectName("register_person")
        self.new_button.clicked.connect(self.register)
        shown_if(self.new_button, ctx.can(Permission.EDIT_PEOPLE))
        self.count_label = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.count_label)
        top.addWidget(self.new_button)

        self.model = LazyTableModel(people_columns(), self._page, count=self._count, parent=self)
        self.table = QTableView()
        self.table.setObjectName("people_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for column, width in enumerate((240, 50, 70, 100, 135, 110, 110)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.table.selectionModel().currentRowChanged.connect(lambda current, _prev: self._selected(current.row()))
        self.panel = PersonPanel(ctx)
        self.panel.changed.connect(self._changed)
        self.panel.open_person.connect(self.show_person)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([700, 480])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self.empty_state = EmptyState(self.table, self._empty_text)
        self.search.lead_to(self.table)

        self.search.searched.connect(lambda _text: self.run_search())
        self.search.returnPressed.connect(self._open_first)  # after SearchBox has run the search
        self._update_count()

    def _empty_text(self) -> str:
        text = self.search.text().strip()
        can_register = self.ctx.can(Permission.EDIT_PEOPLE)
        if text:
            return (_("No one matches “{text}”. Check the spelling or try the document number; if the person is "
                      "new, register them.").format(text=text) if can_register else
                    _("No one matches “{text}”. Check the spelling or try the document number.").format(text=text))
        return (_("No one is registered yet. Use “Register a person” to add the first person.") if can_register
                else _("No one is registered yet."))

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def refresh(self) -> None:
        self.run_search()

    def _count(self) -> int:
        return people.count_people(self.ctx)

    def _page(self, offset: int, limit: int) -> list:
        return people.people_page(self.ctx, offset, limit)

    def run_search(self) -> None:
        text = self.search.text().strip()
        try:
            if text:
                self.model.set_rows(people.search_people(self.ctx, text, limit=100))
            else:
                self.model.reset(self._page, count=self._count)
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self._update_count()
        self.empty_state.update()

    def _open_first(self) -> None:
        """Enter in the search box opens the best match (opening is what writes the "view" event)."""
        if self.model.rowCount():
            self.table.setFocus()
            self.table.selectRow(0)

    def _update_count(self) -> None:
        if self.search.text().strip():
            self.count_label.setText(_("{n} found").format(n=self.model.rowCount()))
        else:
            self.count_label.setText(_("{n} people").format(n=self.model.rowCount()))

    def _selected(self, row: int) -> None:
        record = self.model.row(row)
        if record is not None:
            self.panel.show_person(record.id)

    def show_person(self, person_id: uuid.UUID) -> None:
        self.panel.show_person(person_id)

    def _changed(self) -> None:
        self.model.reload() if not self.search.text().strip() else self.run_search()
        self._update_count()

    def register(self) -> None:
        dialog = PersonDialog(self.ctx, parent=self)
        dialog.open_existing.connect(self.show_person)
        if dialog.exec() and dialog.result_record is not None:
            self._changed()
            self.panel.show_person(dialog.result_record.id)
