"""Check a slip: an organization calls or brings a slip; is it ours, and what is the referral's status now?

The dialog stays open on every answer, wrong or right: what was typed is never lost, and a second slip
can be checked right after the first.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services import referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.ui.dates import DateField, dates_ok


class SlipCheckDialog(QDialog):
    """The scanned QR text, or the slip's number, date (as printed on it) and check code."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.result: referrals.SlipCheck | None = None
        self.setWindowTitle(_("Check a referral slip"))
        self.scanned = QLineEdit()
        self.scanned.setObjectName("slip_scanned")
        self.scanned.setPlaceholderText(_("Scan the QR code here, or fill in the three fields below"))
        self.number = QLineEdit()
        self.number.setObjectName("slip_number")
        self.number.setPlaceholderText(_("e.g. BGA-REM-2026-00042"))
        self.issued = DateField()
        self.issued.setObjectName("slip_date")
        self.issued.edit.setPlaceholderText(_("as printed on the slip"))
        self.issued.edit.setMaximumWidth(16777215)  # "23 de noviembre de 2026" fits as typed
        self.code = QLineEdit()
        self.code.setObjectName("slip_code")
        self.code.setPlaceholderText(_("16 letters and digits, e.g. ABCD EFGH IJKL MNOP"))
        self.answer = QLabel()
        self.answer.setObjectName("slip_answer")
        self.answer.setWordWrap(True)
        self.answer.hide()
        form = QFormLayout()
        form.addRow(_("Scanned QR"), self.scanned)
        form.addRow(QLabel(_("Or, as read out from the slip:")))
        form.addRow(_("Slip number"), self.number)
        form.addRow(_("Date on the slip"), self.issued)
        form.addRow(_("Check code"), self.code)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.check_button = QPushButton(_("Check"))
        self.check_button.setObjectName("slip_check")
        buttons.addButton(self.check_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.check_button.clicked.connect(self.check)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.answer)
        layout.addWidget(buttons)
        self.check_button.setDefault(True)
        self.resize(560, self.sizeHint().height())

    def check(self) -> None:
        """Ask the service; say the answer inside the dialog (green: genuine; red: not, or what to fix)."""
        try:
            if self.scanned.text().strip():
                result = referrals.verify_slip(self.ctx, self.scanned.text())
            else:
                self.issued.optional = False
                if not self.number.text().strip() or not self.code.text().strip() or not dates_ok(self):
                    self._say(False, _("Type the slip number, its date and the check code, or scan the QR code."))
                    return
                result = referrals.verify_slip_parts(self.ctx, self.number.text(), self.issued.value(),
                                                     self.code.text())
        except EnlaceError as exc:
            self._say(False, str(exc))
            return
        self.result = result
        self._say(result.genuine, result.message)

    def _say(self, good: bool, message: str) -> None:
        self.answer.setText(("✔ " if good else "✘ ") + message)
        self.answer.setProperty("genuine", good)
        self.answer.setStyleSheet(f"color: {'#1b5e20' if good else '#b71c1c'}; font-weight: bold;")
        self.answer.show()
