""""Refer to this service" from the directory: choose the person, then the referral form opens with the
service already chosen."""

from __future__ import annotations

import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.ui.common import show_error
from desktop.ui.widgets import PersonPicker


class ChoosePersonDialog(QDialog):
    """Who is referred: a search by name or document; Enter takes the first match."""

    def __init__(self, ctx: AppContext, service: referrals.ServiceInfo, person_id: uuid.UUID | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Refer to {service}").format(service=service.name))
        intro = QLabel(_("Who is referred to {service} ({organization})? Search by name or document.").format(
            service=service.name, organization=service.organization))
        intro.setWordWrap(True)
        self.picker = PersonPicker(ctx)
        self.picker.setObjectName("refer_person_picker")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(_("Continue"))
        self.buttons.accepted.connect(self.accept_choice)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.picker, 1)
        layout.addWidget(self.buttons)
        self.resize(520, 360)
        if person_id is not None:  # the person open in "People and cases" is offered first
            record = people.get_person(ctx, person_id, log_view=False)
            self.picker.search.setText(record.name)
            self.picker.search.search_now()
            for row in range(self.picker.results.count()):
                if self.picker.results.item(row).data(Qt.ItemDataRole.UserRole) == person_id:
                    self.picker.results.setCurrentRow(row)
                    break
        self.picker.search.setFocus()
        self.picker.search.returnPressed.connect(self.accept_choice)

    def chosen(self) -> uuid.UUID | None:
        return self.picker.chosen()

    def accept_choice(self) -> None:
        if self.chosen() is None:
            show_error(self, _("Search for the person and choose them from the list."))
            return
        self.accept()


def refer_to_service(ctx: AppContext, service_id: uuid.UUID, parent: QWidget,
                     person_id: uuid.UUID | None = None, *, modal: bool = True):
    """Choose the person, then open the referral form with the service chosen. Returns the referral form
    (open) or None when the clerk cancelled."""
    from desktop.ui.referrals.referral_dialog import ReferralDialog

    service = referrals.get_service(ctx, service_id)
    chooser = ChoosePersonDialog(ctx, service, person_id, parent)
    if chooser.exec() != QDialog.DialogCode.Accepted:
        return None
    dialog = ReferralDialog(ctx, chooser.chosen(), service_id=service_id, parent=parent)
    if modal:
        dialog.exec()
    else:
        dialog.open()
    return dialog
