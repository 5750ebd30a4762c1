"""The office profile (with its version: a concurrent change is refused) and office-wide settings."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services import office as office_service
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ConflictError, EnlaceError, ValidationError
from desktop.ui.common import FieldErrors, select_data, show_error
from desktop.ui.setup_wizard import OfficeFields


class OfficeTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.version: int | None = None
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        layout = QVBoxLayout(body)

        profile = QGroupBox(_("Office profile"))
        profile_layout = QVBoxLayout(profile)
        self.fields = OfficeFields()
        profile_layout.addWidget(self.fields)
        row = QHBoxLayout()
        self.profile_status = QLabel()
        self.profile_status.setObjectName("profile_status")
        self.profile_status.setWordWrap(True)
        self.reload_button = QPushButton(_("Re&load"))
        self.reload_button.setObjectName("reload_profile")
        self.save_button = QPushButton(_("&Save profile"))
        self.save_button.setObjectName("save_profile")
        row.addWidget(self.profile_status, 1)
        row.addWidget(self.reload_button)
        row.addWidget(self.save_button)
        profile_layout.addLayout(row)
        layout.addWidget(profile)

        settings_box = QGroupBox(_("Office settings"))
        form = QFormLayout(settings_box)
        self.idle_minutes = QSpinBox()
        self.idle_minutes.setObjectName("idle_lock_minutes")
        self.idle_minutes.setRange(1, 240)
        self.idle_minutes.setSuffix(_(" min"))
        self.stale_months = QSpinBox()
        self.stale_months.setObjectName("stale_after_months")
        self.stale_months.setRange(1, 120)
        self.stale_months.setSuffix(_(" months"))
        self.page_size = QComboBox()
        self.page_size.setObjectName("page_size")
        self.page_size.addItem(_("Letter (216 × 279 mm)"), "Letter")
        self.page_size.addItem(_("A4 (210 × 297 mm)"), "A4")
        form.addRow(_("&Lock after inactivity:"), self.idle_minutes)
        form.addRow(_("Flag directory entries not verified for:"), self.stale_months)
        self.office_phone = QLineEdit()
        self.office_phone.setObjectName("office_phone")
        self.office_phone.setMaxLength(office_service.TEXT_SETTINGS["office_phone"])
        self.office_phone.setPlaceholderText(_("e.g. +57 607 123 4567"))
        self.office_address = QLineEdit()
        self.office_address.setObjectName("office_address")
        self.office_address.setMaxLength(office_service.TEXT_SETTINGS["office_address"])
        self.office_address.setPlaceholderText(_("e.g. Calle 35 # 10-43, Centro"))
        for edit in (self.office_phone, self.office_address):
            edit.setToolTip(_("Printed on referral slips, so that the receiving service can reach the office."))
        form.addRow(_("&Lock after inactivity:"), self.idle_minutes)
        form.addRow(_("Flag directory entries not verified for:"), self.stale_months)
        form.addRow(_("&Paper size for printing:"), self.page_size)
        form.addRow(_("Office phon&e:"), self.office_phone)
        form.addRow(_("Office a&ddress:"), self.office_address)
        self.settings_errors = FieldErrors({"idle_lock_minutes": self.idle_minutes,
                                            "stale_after_months": self.stale_months,
                                            "page_size": self.page_size, "office_phone": self.office_phone,
                                            "office_address": self.office_address})
        settings_row = QHBoxLayout()
        self.settings_status = QLabel()
        self.settings_status.setObjectName("settings_status")
        self.save_settings_button = QPushButton(_("Save se&ttings"))
        self.save_settings_button.setObjectName("save_settings")
        settings_row.addWidget(self.settings_status, 1)
        settings_row.addWidget(self.save_settings_button)
        form.addRow(settings_row)
        layout.addWidget(settings_box)
        layout.addStretch(1)

        self.save_button.clicked.connect(self.save_profile)
        self.reload_button.clicked.connect(self.load)
        self.save_settings_button.clicked.connect(self.save_settings)
        self.load()

    def load(self) -> None:
        info = office_service.office_info(self.ctx.db)
        if info is None:
            return
        self.version = info.version
        self.fields.set_info(info, office_service.office_logo(self.ctx.db))
        self.fields.errors.clear_all()
        self.profile_status.clear()
        db = self.ctx.db
        self.idle_minutes.setValue(int(office_service.get_setting(db, "idle_lock_minutes")))
        self.stale_months.setValue(int(office_service.get_setting(db, "stale_after_months")))
        select_data(self.page_size, office_service.get_setting(db, "page_size"))
        phone, address = office_service.office_contact(db)
        self.office_phone.setText(phone)
        self.office_address.setText(address)
        self.settings_status.clear()

    def save_profile(self) -> None:
        try:
            info = office_service.update_office(self.ctx, self.fields.form(), expected_version=self.version)
        except ValidationError as exc:
            self.fields.errors.show(exc)
            show_error(self, exc)
            return
        except ConflictError as exc:
            # Nothing was overwritten; keep what the person typed so they can compare after reloading.
            self._set_status(self.profile_status, str(exc), ok=False)
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self.version = info.version
        self.fields.logo.removed = False
        self._set_status(self.profile_status, _("Office profile saved."), ok=True)

    def save_settings(self) -> None:
        values = {"idle_lock_minutes": self.idle_minutes.value(), "stale_after_months": self.stale_months.value(),
                  "page_size": self.page_size.currentData(), "office_phone": self.office_phone.text().strip(),
                  "office_address": self.office_address.text().strip()}
        self.settings_errors.clear_all()
        try:
            for key, value in values.items():
                if office_service.get_setting(self.ctx.db, key) != value:
                    office_service.set_setting(self.ctx, key, value)
        except ValidationError as exc:
            self.settings_errors.show(exc)
            show_error(self, exc)
            return
        except EnlaceError as exc:
            show_error(self, exc)
            return
        self._set_status(self.settings_status, _("Settings saved. The new lock time applies at the next sign-in."),
                         ok=True)

    @staticmethod
    def _set_status(label: QLabel, text: str, *, ok: bool) -> None:
        label.setStyleSheet("color: #2e7d32;" if ok else "color: #c62828;")
        label.setText(text)
