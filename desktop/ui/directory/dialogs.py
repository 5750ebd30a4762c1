"""Create and edit a service or an organization."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, language_name
from desktop.services import directory
from desktop.services.core.context import AppContext
from desktop.services.directory import (
    PHONE_TYPES,
    SERVICE_STATUSES,
    HoursForm,
    OrganizationForm,
    PhoneForm,
    ServiceForm,
    phone_type_label,
    status_label,
)
from desktop.services.directory.hours import WEEKDAYS
from desktop.ui.common import FieldErrors, TextBox, guarded, select_data, show_error

LANGUAGE_CODES = ("es", "en", "fr", "pt", "ht", "guc", "ar")


def _checklist(items: list[tuple[uuid.UUID | str, str]], checked: list) -> QListWidget:
    widget = QListWidget()
    for value, label in items:
        item = QListWidgetItem(label)
        item.setData(Qt.ItemDataRole.UserRole, value)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        item.setCheckState(Qt.CheckState.Checked if value in checked else Qt.CheckState.Unchecked)
        widget.addItem(item)
    widget.setMaximumHeight(150)
    return widget


def _checked(widget: QListWidget) -> list:
    return [widget.item(i).data(Qt.ItemDataRole.UserRole) for i in range(widget.count())
            if widget.item(i).checkState() == Qt.CheckState.Checked]


class HoursRow(QWidget):
    """One line of opening hours: seven day boxes, opens, closes, remove."""

    def __init__(self, hours: HoursForm | None, on_remove, parent: QWidget | None = None) -> None:
        from babel.dates import get_day_names

        from desktop.i18n import current_locale

        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        names = get_day_names("abbreviated", locale=current_locale())
        self.days: dict[str, QCheckBox] = {}
        for i, code in enumerate(WEEKDAYS):
            box = QCheckBox(names[i])
            box.setChecked(bool(hours and code in hours.days))
            self.days[code] = box
            layout.addWidget(box)
        self.opens = QLineEdit(hours.opens_at if hours else "8:00")
        self.closes = QLineEdit(hours.closes_at if hours else "12:00")
        for edit in (self.opens, self.closes):
            edit.setMaximumWidth(60)
            edit.setPlaceholderText("8:00")
        layout.addWidget(QLabel(_("from")))
        layout.addWidget(self.opens)
        layout.addWidget(QLabel(_("to")))
        layout.addWidget(self.closes)
        remove = QPushButton(_("Remove"))
        remove.clicked.connect(lambda: on_remove(self))
        layout.addWidget(remove)
        layout.addStretch(1)

    def value(self) -> HoursForm:
        return HoursForm([c for c, box in self.days.items() if box.isChecked()], self.opens.text(), self.closes.text())


class ServiceDialog(QDialog):
    """Create (``service_id`` None) or edit a service. Keeps the version it read for a safe save."""

    def __init__(self, ctx: AppContext, service_id: uuid.UUID | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.service_id = service_id
        self.saved_id: uuid.UUID | None = None
        if service_id is None:
            form, self.version = ServiceForm(organization_id=None, name=""), None
            self.setWindowTitle(_("New service"))
        else:
            form, self.version = directory.load_service_form(ctx, service_id)
            self.setWindowTitle(_("Edit service"))
        options = directory.filter_options(ctx)
        self.resize(760, 620)
        layout = QVBoxLayout(self)
        tabs = QTabWidget()
        layout.addWidget(tabs)

        # -- general
        general = QWidget()
        g = QFormLayout(general)
        self.organization = QComboBox()
        self.organization.setObjectName("organization")
        self._load_organizations(form.organization_id)
        new_org = QPushButton(_("New organization…"))
        new_org.setObjectName("new_organization")
        new_org.clicked.connect(self._new_organization)
        org_row = QHBoxLayout()
        org_row.addWidget(self.organization, 1)
        org_row.addWidget(new_org)
        g.addRow(_("Organization *"), org_row)
        self.name = QLineEdit(form.name)
        self.name.setObjectName("name")
        g.addRow(_("Service name *"), self.name)
        self.description = TextBox(form.description)
        self.description.setMaximumHeight(80)
        g.addRow(_("Description"), self.description)
        self.status = QComboBox()
        for code in SERVICE_STATUSES:
            self.status.addItem(status_label(code), code)
        select_data(self.status, form.status)
        g.addRow(_("Status"), self.status)
        categories = self._terms(directory.CATEGORY_TAXONOMY_ID, options.categories)
        populations = self._terms(directory.POPULATION_TAXONOMY_ID, options.populations)
        self.categories = _checklist(categories, form.category_ids)
        self.categories.setObjectName("categories")
        g.addRow(_("Categories"), self.categories)
        self.populations = _checklist(populations, form.population_ids)
        g.addRow(_("Population served"), self.populations)
        self.languages = _checklist([(c, language_name(c)) for c in dict.fromkeys([*LANGUAGE_CODES, *form.languages])],
                                    form.languages)
        self.languages.setMaximumHeight(90)
        g.addRow(_("Languages"), self.languages)
        tabs.addTab(general, _("General"))

        # -- place and contact
        place = QWidget()
        p = QFormLayout(place)
        self.location_name = QLineEdit(form.location_name)
        p.addRow(_("Place name (e.g. Sede Centro)"), self.location_name)
        self.address_1 = QLineEdit(form.address_1)
        self.address_1.setObjectName("address_1")
        p.addRow(_("Address"), self.address_1)
        self.address_2 = QLineEdit(form.address_2)
        p.addRow(_("Neighbourhood or reference"), self.address_2)
        self.city = QLineEdit(form.city)
        self.city.setObjectName("city")
        p.addRow(_("Municipality"), self.city)
        self.state_province = QLineEdit(form.state_province)
        p.addRow(_("Department or state"), self.state_province)
        self.postal_code = QLineEdit(form.postal_code)
        p.addRow(_("Postal code"), self.postal_code)
        self.country = QLineEdit(form.country)
        self.country.setMaximumWidth(50)
        p.addRow(_("Country (ISO code)"), self.country)
        self.phone_edits: list[tuple[QLineEdit, QLineEdit, QComboBox]] = []
        phones = form.phones + [PhoneForm("")] * max(0, 2 - len(form.phones))
        for i, phone in enumerate(phones):
            number, ext, kind = QLineEdit(phone.number), QLineEdit(phone.extension), QComboBox()
            number.setObjectName(f"phone_{i}")
            ext.setMaximumWidth(60)
            ext.setPlaceholderText(_("ext."))
            for code in PHONE_TYPES:
                kind.addItem(phone_type_label(code), code)
            select_data(kind, phone.type)
            row = QHBoxLayout()
            row.addWidget(number, 1)
            row.addWidget(ext)
            row.addWidget(kind)
            p.addRow(_("Phone {n}").format(n=i + 1), row)
            self.phone_edits.append((number, ext, kind))
        self.email = QLineEdit(form.email)
        self.email.setObjectName("email")
        p.addRow(_("Email"), self.email)
        self.url = QLineEdit(form.url)
        self.url.setObjectName("url")
        p.addRow(_("Website"), self.url)
        tabs.addTab(place, _("Place and contact"))

        # -- hours
        hours_page = QWidget()
        h = QVBoxLayout(hours_page)
        self.hours_box = QVBoxLayout()
        h.addLayout(self.hours_box)
        self.hours_rows: list[HoursRow] = []
        for hours in form.hours:
            self._add_hours(hours)
        add = QPushButton(_("Add opening hours"))
        add.setObjectName("add_hours")
        add.clicked.connect(lambda: self._add_hours(HoursForm(["MO", "TU", "WE", "TH", "FR"], "8:00", "12:00")))
        h.addWidget(add, 0, Qt.AlignmentFlag.AlignLeft)
        h.addWidget(QLabel(_("Note on hours (holidays, appointments…)")))
        self.hours_note = TextBox(form.hours_note)
        self.hours_note.setMaximumHeight(70)
        h.addWidget(self.hours_note)
        self.hours_error = QLabel()
        self.hours_error.setStyleSheet("color: #c62828;")
        h.addWidget(self.hours_error)
        h.addStretch(1)
        tabs.addTab(hours_page, _("Hours"))

        # -- requirements
        req = QWidget()
        r = QFormLayout(req)
        self.eligibility = TextBox(form.eligibility_description)
        self.eligibility.setMaximumHeight(70)
        r.addRow(_("Who can use it"), self.eligibility)
        ages = QHBoxLayout()
        self.minimum_age = QLineEdit(form.minimum_age)
        self.minimum_age.setObjectName("minimum_age")
        self.maximum_age = QLineEdit(form.maximum_age)
        self.maximum_age.setObjectName("maximum_age")
        for edit in (self.minimum_age, self.maximum_age):
            edit.setMaximumWidth(60)
        ages.addWidget(QLabel(_("from")))
        ages.addWidget(self.minimum_age)
        ages.addWidget(QLabel(_("to")))
        ages.addWidget(self.maximum_age)
        ages.addWidget(QLabel(_("years")))
        ages.addStretch(1)
        r.addRow(_("Ages"), ages)
        self.documents = TextBox("\n".join(form.required_documents))
        self.documents.setPlaceholderText(_("One document per line"))
        self.documents.setMaximumHeight(70)
        r.addRow(_("Documents to bring"), self.documents)
        self.fees = QLineEdit(form.fees_description)
        r.addRow(_("Cost"), self.fees)
        self.application = TextBox(form.application_process)
        self.application.setMaximumHeight(70)
        r.addRow(_("How to apply"), self.application)
        tabs.addTab(req, _("Requirements"))

        # -- referrals (local)
        ref = QWidget()
        f = QFormLayout(ref)
        self.accepts = QCheckBox(_("Receives referrals from this office"))
        self.accepts.setObjectName("accepts_referrals")
        self.accepts.setChecked(form.accepts_referrals)
        f.addRow(self.accepts)
        self.contact_name = QLineEdit(form.referral_contact_name)
        f.addRow(_("Contact person"), self.contact_name)
        self.contact_phone = QLineEdit(form.referral_contact_phone)
        self.contact_phone.setObjectName("referral_contact_phone")
        f.addRow(_("Contact phone"), self.contact_phone)
        self.contact_email = QLineEdit(form.referral_contact_email)
        self.contact_email.setObjectName("referral_contact_email")
        f.addRow(_("Contact email"), self.contact_email)
        self.notes = TextBox(form.internal_notes)
        f.addRow(_("Internal notes (not exported)"), self.notes)
        tabs.addTab(ref, _("Referrals"))

        self.errors = FieldErrors({
            "organization_id": self.organization, "name": self.name, "email": self.email, "url": self.url,
            "address_1": self.address_1, "city": self.city, "state_province": self.state_province,
            "postal_code": self.postal_code, "country": self.country, "minimum_age": self.minimum_age,
            "maximum_age": self.maximum_age, "referral_contact_phone": self.contact_phone,
            "referral_contact_email": self.contact_email,
            **{f"phones.{i}": edits[0] for i, edits in enumerate(self.phone_edits)}})
        self.tabs = tabs
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        self.save_button = buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("save")
        layout.addWidget(buttons)

    def _terms(self, taxonomy_id: uuid.UUID, used: list[tuple[uuid.UUID, str]]) -> list[tuple[uuid.UUID, str]]:
        """Enlace's own terms first (always offered), then any other term some service already uses."""
        own = directory.taxonomy_terms(self.ctx, taxonomy_id)
        if not own:
            if taxonomy_id == directory.CATEGORY_TAXONOMY_ID:
                own = [(directory.term_id(taxonomy_id, c), n) for c, n, _d in directory.CATEGORIES]
            else:
                own = [(directory.term_id(taxonomy_id, c), n) for c, n in directory.POPULATIONS]
        seen = {tid for tid, _n in own}
        return [(tid, name) for tid, name in own] + [(tid, name) for tid, name in used if tid not in seen]

    def _load_organizations(self, selected: uuid.UUID | None) -> None:
        self.organization.clear()
        self.organization.addItem(_("— choose —"), None)
        for org in directory.list_organizations(self.ctx):
            self.organization.addItem(org.name, str(org.id))  # Qt compares strings, not Python UUIDs
        select_data(self.organization, str(selected) if selected else None)

    def _new_organization(self) -> None:
        dialog = OrganizationDialog(self.ctx, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.saved_id:
            self._load_organizations(dialog.saved_id)

    def _add_hours(self, hours: HoursForm | None) -> None:
        row = HoursRow(hours, self._remove_hours)
        self.hours_rows.append(row)
        self.hours_box.addWidget(row)

    def _remove_hours(self, row: HoursRow) -> None:
        self.hours_rows.remove(row)
        row.setParent(None)
        row.deleteLater()

    def form(self) -> ServiceForm:
        return ServiceForm(
            organization_id=uuid.UUID(self.organization.currentData()) if self.organization.currentData() else None,
            name=self.name.text(),
            description=self.description.toPlainText(), status=self.status.currentData(),
            email=self.email.text(), url=self.url.text(), application_process=self.application.toPlainText(),
            eligibility_description=self.eligibility.toPlainText(), fees_description=self.fees.text(),
            minimum_age=self.minimum_age.text(), maximum_age=self.maximum_age.text(),
            category_ids=_checked(self.categories), population_ids=_checked(self.populations),
            languages=_checked(self.languages), location_name=self.location_name.text(),
            address_1=self.address_1.text(), address_2=self.address_2.text(), city=self.city.text(),
            state_province=self.state_province.text(), postal_code=self.postal_code.text(),
            country=self.country.text(),
            phones=[PhoneForm(n.text(), e.text(), k.currentData()) for n, e, k in self.phone_edits],
            hours=[row.value() for row in self.hours_rows], hours_note=self.hours_note.toPlainText(),
            required_documents=self.documents.toPlainText().splitlines(),
            accepts_referrals=self.accepts.isChecked(), referral_contact_name=self.contact_name.text(),
            referral_contact_phone=self.contact_phone.text(), referral_contact_email=self.contact_email.text(),
            internal_notes=self.notes.toPlainText())

    def save(self) -> None:
        from desktop.services.core.errors import EnlaceError, ValidationError

        self.hours_error.clear()
        try:
            saved = directory.save_service(self.ctx, self.form(), self.service_id, self.version)
        except ValidationError as exc:
            hour_problems = [m for k, m in exc.fields.items() if k.startswith("hours.")]
            if hour_problems:
                self.hours_error.setText(hour_problems[0])
            self.errors.show(exc)
            show_error(self, exc)
            return
        except EnlaceError as exc:  # a conflict with someone else's save, a deleted service, …
            show_error(self, exc)
            return
        self.saved_id = saved
        self.accept()


class OrganizationDialog(QDialog):
    def __init__(self, ctx: AppContext, organization_id: uuid.UUID | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.organization_id = organization_id
        self.saved_id: uuid.UUID | None = None
        if organization_id is None:
            form, self.version = OrganizationForm("", ""), None
            self.setWindowTitle(_("New organization"))
        else:
            form, self.version = directory.load_organization_form(ctx, organization_id)
            self.setWindowTitle(_("Edit organization"))
        layout = QGridLayout(self)
        self.name = QLineEdit(form.name)
        self.name.setObjectName("org_name")
        self.alternate_name = QLineEdit(form.alternate_name)
        self.description = TextBox(form.description)
        self.description.setObjectName("org_description")
        self.description.setMaximumHeight(90)
        self.email = QLineEdit(form.email)
        self.website = QLineEdit(form.website)
        for row, (label, widget) in enumerate(((_("Name *"), self.name), (_("Acronym or other name"),
                                                                          self.alternate_name),
                                               (_("Description *"), self.description), (_("Email"), self.email),
                                               (_("Website"), self.website))):
            layout.addWidget(QLabel(label), row, 0)
            layout.addWidget(widget, row, 1)
        self.errors = FieldErrors({"name": self.name, "description": self.description, "email": self.email,
                                   "website": self.website})
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.StandardButton.Save).setObjectName("org_save")
        layout.addWidget(buttons, 5, 0, 1, 2)
        self.resize(520, 300)

    def save(self) -> None:
        form = OrganizationForm(self.name.text(), self.description.toPlainText(), self.email.text(),
                                self.website.text(), self.alternate_name.text())
        saved = guarded(self, directory.save_organization, self.ctx, form, self.organization_id, self.version,
                        errors=self.errors)
        if saved is not None:
            self.saved_id = saved
            self.accept()
