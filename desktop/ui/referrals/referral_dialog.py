"""A new referral: search the directory from the form, see warnings about the service, save as draft or send."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, ValidationError
from desktop.services.people import cases
from desktop.ui.common import FieldErrors, TextBox, show_error
from desktop.ui.dates import dates_ok, future_date_field
from desktop.ui.search_box import SearchBox


class ReferralDialog(QDialog):
    """Refer a person to a directory service. A refusal keeps everything typed and says what to fix."""

    def __init__(self, ctx: AppContext, person_id: uuid.UUID, parent: QWidget | None = None, *,
                 service_id: uuid.UUID | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.person_id = ctx, person_id
        self.created: referrals.ReferralInfo | None = None
        record = people.get_person(ctx, person_id, log_view=False)
        self.setWindowTitle(_("Refer {name}").format(name=record.name))
        self.resize(720, 620)
        self.service_search = SearchBox(_("Search the directory: service, organization or category"))
        self.service_search.setObjectName("service_search")
        self.services = QListWidget()
        self.services.setObjectName("service_results")
        self.services.setMinimumHeight(140)
        self.services.setWordWrap(True)
        self.warnings = QLabel()
        self.warnings.setObjectName("service_warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setStyleSheet("color: #8a5300;")
        self.service_detail = QLabel()
        self.service_detail.setWordWrap(True)
        self.reason_code = QComboBox()
        self.reason_code.addItem("", "")
        for choice in people.catalog_choices(ctx, "referral_reason"):
            self.reason_code.addItem(choice.label, choice.code)
        self.reason = TextBox()
        self.reason.setPlaceholderText(_("What the person needs, in a few words (printed on the slip)"))
        self.reason.setMaximumHeight(80)
        self.urgency = QComboBox()
        for code, text in referrals.URGENCIES.items():
            self.urgency.addItem(_(text), code)
        self.follow_up = future_date_field(referrals.suggested_follow_up())
        self.case = QComboBox()
        self.case.addItem(_("No case"), None)
        for case in cases.cases_of_person(ctx, person_id):
            if case.status != "closed":
                self.case.addItem(case.number, case.id)
        if self.case.count() > 1:
            self.case.setCurrentIndex(1)

        form = QFormLayout()
        form.addRow(_("Service"), self.service_search)
        form.addRow("", self.services)
        form.addRow("", self.service_detail)
        form.addRow("", self.warnings)
        form.addRow(_("Reason"), self.reason_code)
        form.addRow(_("Details"), self.reason)
        form.addRow(_("Urgency"), self.urgency)
        form.addRow(_("Follow up on"), self.follow_up)
        form.addRow(_("Case"), self.case)
        self.consent_note = QLabel()
        self.consent_note.setWordWrap(True)
        if not record.consent.share_with_services:
            self.consent_note.setText(_("The person has not consented to share data with services: the referral "
                                        "can be saved as a draft, but not sent until consent is recorded."))
            self.consent_note.setStyleSheet("color: #c62828;")
        form.addRow(self.consent_note)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_draft = QPushButton(_("Save as draft"))
        self.save_send = QPushButton(_("Save and send"))
        self.buttons.addButton(self.save_draft, QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(self.save_send, QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_draft.clicked.connect(lambda: self.save(send=False))
        self.save_send.clicked.connect(lambda: self.save(send=True))
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.buttons)
        self.save_send.setDefault(True)  # once in the dialog (set before, Qt made Cancel the default)
        self.errors = FieldErrors({"service": self.services, "reason_code": self.reason_code,
                                   "urgency": self.urgency, "follow_up_on": self.follow_up, "case": self.case})

        self.service_search.searched.connect(lambda _text: self.search_services())
        self.services.currentItemChanged.connect(lambda current, _prev: self._service_chosen(current))
        if service_id is not None:  # referred from the directory: the service is already chosen
            self.choose_service(service_id)
            self.reason_code.setFocus()
        else:
            self.search_services()

    def choose_service(self, service_id: uuid.UUID) -> None:
        """Show ``service_id`` chosen, first in the list (what "Refer to this service" in the directory does)."""
        info = referrals.get_service(self.ctx, service_id)
        self.service_search.blockSignals(True)
        self.service_search.setText(info.name)
        self.service_search.blockSignals(False)
        self.search_services()
        for row in range(self.services.count()):
            if self.services.item(row).data(Qt.ItemDataRole.UserRole).id == service_id:
                self.services.setCurrentRow(row)
                return
        self.services.insertItem(0, self._item(info))
        self.services.setCurrentRow(0)

    def search_services(self) -> None:
        self.services.clear()
        try:
            found = referrals.find_services(self.ctx, self.service_search.text(), limit=50)
        except EnlaceError as exc:
            show_error(self, exc)
            return
        for info in found:
            self.services.addItem(self._item(info))
        self._service_chosen(None)

    def _item(self, info: referrals.ServiceInfo) -> QListWidgetItem:
        flags = []
        if not info.accepts_referrals:
            flags.append(_("does not accept referrals"))
        if info.stale:
            flags.append(_("not verified recently"))
        # The warning first: a long service name never pushes it out of sight.
        text = (f"⚠ {', '.join(flags)} · " if flags else "") + f"{info.name} — {info.organization}"
        item = QListWidgetItem(text)
        item.setToolTip(text)
        item.setData(Qt.ItemDataRole.UserRole, info)
        return item

    def chosen_service(self) -> referrals.ServiceInfo | None:
        item = self.services.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _service_chosen(self, item) -> None:
        info = item.data(Qt.ItemDataRole.UserRole) if item else None
        if info is None:
            self.service_detail.setText("")
            self.warnings.setText("")
            return
        lines = [p for p in (info.address, "; ".join(info.hours), info.phone) if p]
        self.service_detail.setText("\n".join(lines))
        self.warnings.setText("\n".join("⚠ " + w for w in info.warnings()))

    def form(self) -> referrals.ReferralForm:
        service = self.chosen_service()
        return referrals.ReferralForm(person_id=self.person_id, service_id=service.id if service else None,
                                      reason_code=self.reason_code.currentData() or "",
                                      reason=self.reason.toPlainText(), urgency=self.urgency.currentData(),
                                      follow_up_on=self.follow_up.value(), case_id=self.case.currentData())

    def save(self, send: bool) -> None:
        if not dates_ok(self):
            return
        try:
            if self.created is None:
                self.created = referrals.create_referral(self.ctx, self.form())
            if send:
                referrals.transition(self.ctx, self.created.id, "send", expected_version=self.created.version)
        except ValidationError as exc:
            self.errors.show(exc)
            if self.created is not None:  # saved as draft; only sending was refused
                show_error(self, _("The referral {number} was saved as a draft. {reason}").format(
                    number=self.created.number, reason=exc))
                self.accept()
                return
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.accept()
