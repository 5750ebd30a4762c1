"""First run: the office's profile, then its first administrator.

Finishing calls :func:`desktop.services.workspace.create_office`, which creates the database,
the office and the administrator and returns them signed in.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from desktop import APP_NAME
from desktop.i18n import _, country_names, current_language
from desktop.services import office as office_service
from desktop.services import workspace
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, ValidationError
from desktop.services.core.files import write_private
from desktop.ui.common import FieldErrors, PasswordRules, confirm, password_field, select_data, show_error

# The zone most offices in a country use, where the country has several.
MAIN_ZONES = {"MX": "America/Mexico_City", "US": "America/New_York", "BR": "America/Sao_Paulo",
              "AR": "America/Argentina/Buenos_Aires", "CL": "America/Santiago", "EC": "America/Guayaquil",
              "ES": "Europe/Madrid", "CA": "America/Toronto"}
MAX_LOGO_BYTES = 2 * 1024 * 1024


def locale_label(code: str) -> str:
    from babel import Locale

    return Locale.parse(code).get_display_name(current_language()) or code


def zones_for(country: str) -> list[str]:
    from babel.core import get_global

    zones = sorted(get_global("territory_zones").get(country.upper(), []))
    main = MAIN_ZONES.get(country.upper())
    if main in zones:
        zones.remove(main)
        zones.insert(0, main)
    return zones


def all_zones() -> list[str]:
    from babel.core import get_global

    return sorted(get_global("zone_territories"))


def searchable(combo: QComboBox) -> None:
    """Let the person type part of a long list's entry (a country, a time zone) to find it."""
    combo.setEditable(True)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    completer = combo.completer()
    completer.setFilterMode(Qt.MatchFlag.MatchContains)
    completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)


class LogoPicker(QWidget):
    """Choose or remove an office logo (PNG or JPEG), with a small preview."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: bytes | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.preview = QLabel(_("No logo"))
        self.preview.setObjectName("logo_preview")
        self.preview.setMinimumSize(64, 48)
        self.choose = QPushButton(_("C&hoose…"))
        self.choose.setObjectName("choose_logo")
        self.remove = QPushButton(_("Remo&ve"))
        self.remove.setObjectName("remove_logo")
        self.remove.setEnabled(False)
        row.addWidget(self.preview)
        row.addWidget(self.choose)
        row.addWidget(self.remove)
        row.addStretch(1)
        self.choose.clicked.connect(self._choose)
        self.remove.clicked.connect(self.clear)
        self.removed = False

    def _choose(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Office logo"), "",
                                                    _("Images (*.png *.jpg *.jpeg)"))
        if path:
            self.load(Path(path))

    def load(self, path: Path) -> bool:
        try:
            data = path.read_bytes()
        except OSError as exc:
            show_error(self, _("The file {path} cannot be read: {reason}").format(path=path, reason=exc.strerror))
            return False
        return self.set_data(data)

    def set_data(self, data: bytes | None) -> bool:
        if data is None:
            self.clear()
            return True
        pixmap = QPixmap()
        if len(data) > MAX_LOGO_BYTES or not pixmap.loadFromData(data) or not (
                data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8")):
            show_error(self, _("Choose a PNG or JPEG image smaller than 2 MB."))
            return False
        self.data = data
        self.removed = False
        self.preview.setPixmap(pixmap.scaled(96, 48, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        self.remove.setEnabled(True)
        return True

    def clear(self) -> None:
        self.removed = self.data is not None or self.removed
        self.data = None
        self.preview.setPixmap(QPixmap())
        self.preview.setText(_("No logo"))
        self.remove.setEnabled(False)


class OfficeFields(QWidget):
    """The office profile fields; shared by the wizard and the administration screen."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.code = QLineEdit()
        self.code.setObjectName("office_code")
        self.code.setMaxLength(10)
        self.code.setPlaceholderText(_("e.g. BGA"))
        self.code.setToolTip(_("A short code that starts case and certificate numbers."))
        self.name = QLineEdit()
        self.name.setObjectName("office_name")
        self.name.setMaxLength(200)
        self.country = QComboBox()
        self.country.setObjectName("country")
        for code, name in country_names():
            self.country.addItem(name, code)
        searchable(self.country)
        self.municipality = QLineEdit()
        self.municipality.setObjectName("municipality")
        self.region = QLineEdit()
        self.region.setObjectName("region")
        self.locale = QComboBox()
        self.locale.setObjectName("locale")
        for code in office_service.LOCALES:
            self.locale.addItem(locale_label(code), code)
        self.timezone = QComboBox()
        self.timezone.setObjectName("timezone")
        searchable(self.timezone)
        self.logo = LogoPicker()
        form.addRow(_("Office &code:"), self.code)
        form.addRow(_("Office &name:"), self.name)
        form.addRow(_("C&ountry:"), self.country)
        form.addRow(_("&Municipality:"), self.municipality)
        form.addRow(_("&Region or state:"), self.region)
        form.addRow(_("&Formats (locale):"), self.locale)
        form.addRow(_("&Time zone:"), self.timezone)
        form.addRow(_("Logo:"), self.logo)
        self.errors = FieldErrors({"code": self.code, "name": self.name, "country": self.country,
                                   "locale": self.locale, "timezone": self.timezone, "logo": self.logo.choose})
        self.country.currentIndexChanged.connect(self._country_changed)
        select_data(self.country, "CO")
        self._country_changed()

    def _country_changed(self, *_args: object) -> None:
        country = self.country.currentData() or ""
        zones = zones_for(country)
        self.timezone.blockSignals(True)
        self.timezone.clear()
        for zone in zones + [z for z in all_zones() if z not in zones]:
            self.timezone.addItem(zone.replace("_", " "), zone)
        self.timezone.setCurrentIndex(0)
        self.timezone.blockSignals(False)
        select_data(self.locale, f"es_{country}")

    def set_info(self, info: office_service.OfficeInfo, logo: bytes | None) -> None:
        self.code.setText(info.code)
        self.name.setText(info.name)
        select_data(self.country, info.country)
        self.municipality.setText(info.municipality)
        self.region.setText(info.region)
        select_data(self.locale, info.locale)
        select_data(self.timezone, info.timezone)
        self.logo.set_data(logo)
        self.logo.removed = False

    def form(self) -> office_service.OfficeForm:
        # Editable lists: what is typed counts, even before the person picks it from the list.
        country_index = self.country.findText(self.country.currentText(), Qt.MatchFlag.MatchFixedString)
        country = self.country.itemData(country_index) if country_index >= 0 else self.country.currentText()
        zone_index = self.timezone.findText(self.timezone.currentText(), Qt.MatchFlag.MatchFixedString)
        zone = self.timezone.itemData(zone_index) if zone_index >= 0 else self.timezone.currentText()
        return office_service.OfficeForm(
            code=self.code.text(), name=self.name.text(), country=str(country or ""),
            municipality=self.municipality.text(), region=self.region.text(),
            locale=str(self.locale.currentData()), timezone=str(zone or ""), logo=self.logo.data,
            clear_logo=self.logo.removed and self.logo.data is None)


class OfficePage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        from desktop.ui.common import language_choices

        super().__init__(parent)
        self.setTitle(_("Your office"))
        self.setSubTitle(_("These details appear on referral slips, certificates and reports. "
                           "An administrator can change them later."))
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        # Named in both languages: the person may not read the current one.
        label = QLabel(_("Language / Idioma:"))
        self.language = QComboBox()
        self.language.setObjectName("wizard_language")
        for code, name in language_choices():
            self.language.addItem(name, code)
        select_data(self.language, current_language())
        label.setBuddy(self.language)
        row.addWidget(label)
        row.addWidget(self.language)
        row.addStretch(1)
        layout.addLayout(row)
        self.fields = OfficeFields()
        layout.addWidget(self.fields)
        self.fields.code.textChanged.connect(self.completeChanged)
        self.fields.name.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.fields.code.text().strip() and self.fields.name.text().strip())

    def validatePage(self) -> bool:
        try:
            office_service.validate_office(self.fields.form())
        except ValidationError as exc:
            self.fields.errors.show(exc)
            return False
        return True


class AdminPage(QWizardPage):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(_("First administrator"))
        self.setSubTitle(_("This account manages users and the office profile. Choose a password that only "
                           "you know."))
        form = QFormLayout(self)
        self.username = QLineEdit()
        self.username.setObjectName("admin_username")
        self.username.setMaxLength(64)
        self.full_name = QLineEdit()
        self.full_name.setObjectName("admin_full_name")
        self.password = password_field()
        self.password.setObjectName("admin_password")
        self.repeat = password_field()
        self.repeat.setObjectName("admin_repeat")
        form.addRow(_("&User name:"), self.username)
        form.addRow(_("&Full name:"), self.full_name)
        form.addRow(_("&Password:"), self.password)
        form.addRow(_("&Repeat password:"), self.repeat)
        self.rules = PasswordRules(self.password, self.repeat, self.username.text)
        form.addRow("", self.rules)
        self.errors = FieldErrors({"username": self.username, "full_name": self.full_name,
                                   "password": self.password})
        self.username.textChanged.connect(self.rules.update_rules)
        for edit in (self.username, self.full_name, self.password, self.repeat):
            edit.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.username.text().strip() and self.full_name.text().strip() and self.rules.is_ok())

    def validatePage(self) -> bool:
        wizard = self.wizard()
        assert isinstance(wizard, SetupWizard)
        return wizard.create()


class SetupWizard(QWizard):
    """First-run setup. After it is accepted, ``ctx`` is the administrator, signed in.

    An office that already works on a server is joined instead (*Connect to the office server*):
    ``location_chosen`` then gives the server, and the session opens the sign-in screen on it.
    """

    location_chosen = Signal(str)

    def __init__(self, location: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.location = location
        self.ctx: AppContext | None = None
        self.server_dialog = None
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        button = QWizard.WizardButton
        self.setButtonLayout([button.CustomButton1, button.Stretch, button.BackButton, button.NextButton,
                              button.FinishButton, button.CancelButton])
        self.button(button.CustomButton1).setObjectName("connect_server")
        self.customButtonClicked.connect(self._custom_button)
        self.setMinimumSize(640, 560)
        self._build_pages()

    def _custom_button(self, which: int) -> None:
        if which == QWizard.WizardButton.CustomButton1.value:
            self.open_server_connect()

    def open_server_connect(self):
        from desktop.ui.server_connect import connect_to_server

        dialog = connect_to_server(self)
        dialog.accepted.connect(lambda: self.location_chosen.emit(dialog.location))
        self.server_dialog = dialog
        return dialog

    def _build_pages(self) -> None:
        self.setWindowTitle(_("{app} — first-run setup").format(app=APP_NAME))
        self.setButtonText(QWizard.WizardButton.CustomButton1, _("Connect to the office &server…"))
        self.button(QWizard.WizardButton.CustomButton1).setToolTip(
            _("Your office already works on a server shared by several computers: join it instead."))
        self.office_page = OfficePage()
        self.admin_page = AdminPage()
        self.addPage(self.office_page)
        self.addPage(self.admin_page)
        self.office_page.language.currentIndexChanged.connect(
            lambda _i: self.switch_language(str(self.office_page.language.currentData())))

    def switch_language(self, language: str) -> None:
        """Rebuild the pages in ``language``, keeping everything already typed or chosen."""
        from desktop.ui import settings
        from desktop.ui.language import apply_language

        if language == current_language():
            return
        fields, admin = self.office_page.fields, self.admin_page
        form = fields.form()
        typed = (admin.username.text(), admin.full_name.text(), admin.password.text(), admin.repeat.text())
        apply_language(language)
        settings.LANGUAGE.set(language)
        for page_id in self.pageIds():
            page = self.page(page_id)
            self.removePage(page_id)
            page.deleteLater()
        self._build_pages()
        fields = self.office_page.fields
        fields.code.setText(form.code)
        fields.name.setText(form.name)
        select_data(fields.country, form.country)
        fields.municipality.setText(form.municipality)
        fields.region.setText(form.region)
        select_data(fields.locale, form.locale)
        select_data(fields.timezone, form.timezone)
        if form.logo is not None:
            fields.logo.set_data(form.logo)
        for edit, text in zip((self.admin_page.username, self.admin_page.full_name, self.admin_page.password,
                               self.admin_page.repeat), typed, strict=True):
            edit.setText(text)
        self.restart()
        self.office_page.language.setFocus()

    def create(self) -> bool:
        from desktop.services.core.errors import StoreError

        page = self.admin_page
        try:
            self.ctx = workspace.create_office(
                self.location, self.office_page.fields.form(), page.username.text().strip(),
                page.full_name.text().strip(), page.password.text(), language=current_language())
        except ValidationError as exc:
            page.errors.show(exc)
            show_error(self, exc)
            return False
        except (EnlaceError, StoreError) as exc:
            show_error(self, exc)
            return False
        return True


class RecoveryKeyDialog(QDialog):
    """Shown once after setup: the encrypted database's recovery key, to print and keep safe."""

    def __init__(self, ctx: AppContext, recovery_key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.recovery_key = ctx, recovery_key
        self.saved_to: Path | None = None
        self.setWindowTitle(_("Recovery key"))
        self.setMinimumWidth(560)
        layout = QVBoxLayout(self)
        note = QLabel(_("The database is encrypted. If every administrator password is lost, only this recovery "
                        "key opens it. Save the recovery sheet, print it and keep it locked away from this PC. "
                        "It is shown only now."))
        note.setWordWrap(True)
        layout.addWidget(note)
        key = QLineEdit(recovery_key)
        key.setObjectName("recovery_key")
        key.setReadOnly(True)
        font = key.font()
        font.setFamily("DejaVu Sans Mono")
        font.setStyleHint(font.StyleHint.Monospace)
        key.setFont(font)
        layout.addWidget(key)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("&Save recovery sheet (PDF)…"), QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setObjectName("save_sheet")
        self.done_button = buttons.addButton(_("I have kept the key"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.done_button.setObjectName("done")
        self.save_button.clicked.connect(self._save)
        buttons.accepted.connect(self._done)
        layout.addWidget(buttons)

    def _save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Save recovery sheet"),
                                                    str(Path.home() / "enlace-recovery-sheet.pdf"),
                                                    _("PDF documents (*.pdf)"))
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> bool:
        try:
            write_private(path, workspace.recovery_sheet(self.ctx, self.recovery_key))
        except OSError as exc:
            show_error(self, _("The file {path} cannot be written: {reason}").format(path=path, reason=exc.strerror))
            return False
        except EnlaceError as exc:
            show_error(self, exc)
            return False
        self.saved_to = path
        self.status.setText(_("Saved to {path}. Print it now.").format(path=path))
        return True

    def _done(self) -> None:
        if self.saved_to is None and not confirm(self, _("You have not saved the recovery sheet. Without the key, a "
                                                         "lost administrator password means lost data. Continue "
                                                         "anyway?")):
            return
        self.accept()

    def reject(self) -> None:  # Escape must not skip the key unseen
        self._done()
