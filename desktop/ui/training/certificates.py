"""Certificates of a course (issue in bulk, reprint, revoke) and the verify screen."""

from __future__ import annotations

import os
import uuid

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.services.training import certificates
from desktop.ui import settings
from desktop.ui.common import EmptyState, FlowLayout, TextBox, confirm, guarded, show_error, show_info, shown_if
from desktop.ui.job_status import track
from desktop.ui.worker import Worker


def _hours(value: float | None) -> str:
    return f"{value or 0:g}"


class IssueDialog(QDialog):
    """Bulk issuing: one PDF or one file per person, with progress and cancel, off the GUI thread."""

    def __init__(self, ctx: AppContext, course_id: uuid.UUID, course_code: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx, self.course_id, self.course_code = ctx, course_id, course_code
        self.worker: Worker | None = None
        self.result: certificates.IssueResult | None = None
        self.setWindowTitle(_("Issue certificates — {code}").format(code=course_code))
        self.resize(560, 0)
        rows = certificates.eligible(ctx, course_id)
        new = sum(1 for r in rows if r.certificate_number is None)
        reprint = sum(1 for r in rows if r.certificate_number and not r.certificate_revoked)
        self.summary = QLabel(_("{n} participants meet the completion rule: {new} new certificates will be numbered "
                                "and {reprint} already issued will be printed again with their number.").format(
            n=len(rows), new=new, reprint=reprint))
        self.summary.setWordWrap(True)
        self.one_file = QRadioButton(_("One PDF with every certificate"))
        self.split = QRadioButton(_("One PDF per person, in a folder"))
        self.one_file.setChecked(True)
        self.path = QLineEdit()
        base = settings.LAST_EXPORT_DIR.get() or os.path.expanduser("~")
        self.path.setText(os.path.join(base, _("{code}-certificates.pdf").format(code=course_code)))
        self.split.toggled.connect(self._toggle)
        browse = QPushButton(_("Choose…"))
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.path, 1)
        where.addWidget(browse)
        self.print_after = QCheckBox(_("Open the print preview when they are ready"))
        self.print_after.setObjectName("print_after")
        self.print_after.setChecked(True)
        self.split.toggled.connect(lambda on: self.print_after.setEnabled(not on))
        self.progress = QProgressBar()
        self.progress.hide()
        self.status = QLabel()
        self.buttons = QDialogButtonBox()
        self.start_button = self.buttons.addButton(_("Issue and print"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.start_button.setEnabled(bool(rows))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.one_file)
        layout.addWidget(self.split)
        layout.addLayout(where)
        layout.addWidget(self.print_after)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        # Tall enough for the wrapped summary: a dialog does not grow for a word-wrapped label on its own.
        self.resize(560, max(self.sizeHint().height(), layout.totalHeightForWidth(560)))

    def _toggle(self) -> None:
        path = self.path.text()
        if self.split.isChecked() and path.lower().endswith(".pdf"):
            self.path.setText(path[:-4])
        elif not self.split.isChecked() and not path.lower().endswith(".pdf"):
            self.path.setText(path + ".pdf")

    def _browse(self) -> None:
        if self.split.isChecked():
            path = QFileDialog.getExistingDirectory(self, _("Folder for the certificates"), self.path.text())
        else:
            path, _filter = QFileDialog.getSaveFileName(self, _("Save certificates"), self.path.text(),
                                                        _("PDF files (*.pdf)"))
        if path:
            self.path.setText(path)

    def start(self) -> None:
        out = self.path.text().strip()
        if not out:
            show_error(self, _("Choose where to save the certificates."))
            return
        if not self._accept_warnings():
            return
        settings.LAST_EXPORT_DIR.set(os.path.dirname(out) if not self.split.isChecked() else out)
        self.start_button.setEnabled(False)
        for w in (self.one_file, self.split, self.path):
            w.setEnabled(False)
        self.progress.setValue(0)
        self.progress.show()
        self.status.setText(_("Issuing…"))
        self.worker = Worker(certificates.issue_certificates, self.ctx, self.course_id, out,
                             split=self.split.isChecked())
        self.worker.progress.connect(self._progress)
        self.worker.finished.connect(self._finished)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._cancelled)
        track(self.worker, self.ctx, "certificates")
        self.worker.start()

    def _accept_warnings(self) -> bool:
        """Ask before printing certificates without the office logo or a signature image."""
        warnings = guarded(self, certificates.certificate_warnings, self.ctx, self.course_id)
        if warnings is None:  # the check itself failed (already shown)
            return False
        if not warnings:
            return True
        message = "\n".join(f"• {w}" for w in warnings) + "\n\n" + _("Issue the certificates anyway?")
        if confirm(self, message, _("Certificates without logo or signature")):
            return True
        self.status.setText(_("Nothing was issued. Add the missing images to the office profile or to the "
                              "certificate template, then issue again."))
        return False

    def _progress(self, done: int, total: int) -> None:
        self.progress.setMaximum(max(total, 1))
        self.progress.setValue(done)

    def _release(self) -> None:
        if self.worker is not None:
            self.worker.wait()
            self.worker = None

    def _finished(self, result: certificates.IssueResult) -> None:
        self._release()
        self.result = result
        self.status.setText(_("{issued} issued, {reprinted} reprinted. Saved in {path}").format(
            issued=result.issued, reprinted=result.reprinted, path=self.path.text()))
        if self.one_file.isChecked() and self.print_after.isChecked():
            from desktop.ui.printing import print_pdf_file

            print_pdf_file(self, self.path.text(), _("Certificates {code}").format(code=self.course_code), self.ctx)
        self.accept()

    def _failed(self, message: str) -> None:
        self._release()
        self._reset()
        show_error(self, message)

    def _cancelled(self) -> None:
        self._release()
        self._reset()
        self.status.setText(_("Cancelled: no file was written. Certificates already numbered keep their numbers "
                              "and are printed with them next time."))

    def _reset(self) -> None:
        self.progress.hide()
        self.start_button.setEnabled(True)
        for w in (self.one_file, self.split, self.path):
            w.setEnabled(True)

    def cancel(self) -> None:
        if self.worker is not None:
            self.status.setText(_("Cancelling…"))
            self.worker.cancel()
            return
        self.reject()

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()
            self.worker = None
        super().reject()


def ask_reason(parent: QWidget, number: str) -> str | None:
    text, ok = QInputDialog.getMultiLineText(parent, _("Revoke certificate"),
                                             _("Why is certificate {number} revoked? The reason is kept and "
                                               "shown when it is verified.").format(number=number))
    return text if ok else None


class CertificatesPanel(QWidget):
    """The course's issued certificates, with the template, bulk issuing, reprint and revoke."""

    COLUMNS = ("number", "holder", "document", "issued", "printed", "status")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.course_id: uuid.UUID | None = None
        self.course_code = ""
        self.rows: list[certificates.CertificateRow] = []
        self.template_button = QPushButton(_("Certificate template…"))
        self.issue_button = QPushButton(_("Issue certificates…"))
        self.print_button = QPushButton(_("Print…"))
        self.print_button.setObjectName("print_certificate")
        self.print_button.setToolTip(_("Print the selected certificate again (with its number)"))
        self.print_button.clicked.connect(lambda: self.print_selected())
        shown_if(self.print_button, ctx.can(Permission.ISSUE_CERTIFICATES))
        self.reprint_button = QPushButton(_("Reprint…"))
        self.revoke_button = QPushButton(_("Revoke…"))
        self.template_button.clicked.connect(self.edit_template)
        self.issue_button.clicked.connect(lambda: self.issue())
        self.reprint_button.clicked.connect(lambda: self.reprint())
        self.revoke_button.clicked.connect(lambda: self.revoke())
        shown_if(self.template_button, ctx.can(Permission.EDIT_TRAININGS))
        shown_if(self.issue_button, ctx.can(Permission.ISSUE_CERTIFICATES))
        shown_if(self.reprint_button, ctx.can(Permission.ISSUE_CERTIFICATES))
        shown_if(self.revoke_button, ctx.can(Permission.REVOKE_CERTIFICATES))
        self.table = QTableWidget()
        self.table.setObjectName("certificateTable")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.table.setColumnCount(len(self.COLUMNS))
        self.table.setHorizontalHeaderLabels([_("Number"), _("Holder"), _("Document"), _("Issued on"),
                                              _("Times printed"), _("Status")])
        self.table.horizontalHeader().setStretchLastSection(True)
        buttons = FlowLayout()  # wraps onto a second row when the course panel is narrow
        for b in (self.template_button, self.issue_button, self.print_button, self.reprint_button,
                  self.revoke_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.empty_state = EmptyState(self.table, self._empty_text)

    def _empty_text(self) -> str:
        if self.course_id is None:
            return ""
        if self.ctx.can(Permission.ISSUE_CERTIFICATES):
            return _("No certificates issued for this course yet. When participants meet the completion rule, "
                     "use “Issue certificates…”.")
        return _("No certificates issued for this course yet.")

    def load(self, course_id: uuid.UUID | None, course_code: str = "") -> None:
        self.course_id, self.course_code = course_id, course_code
        self.rows = certificates.list_certificates(self.ctx, course_id) if course_id else []
        self.empty_state.update()
        self.table.setRowCount(len(self.rows))
        for r, c in enumerate(self.rows):
            status = _("Revoked: {reason}").format(reason=c.revoke_reason) if c.revoked_at else _("Valid")
            for col, text in enumerate((c.number, c.holder_name, c.holder_document, format_date(c.issued_on, "short"),
                                        str(c.print_count), status)):
                item = QTableWidgetItem(text)
                if c.revoked_at and col == 5:
                    item.setForeground(Qt.GlobalColor.darkRed)
                self.table.setItem(r, col, item)
        self.table.resizeColumnsToContents()
        for b in (self.template_button, self.issue_button):
            b.setEnabled(course_id is not None)

    def selected(self) -> certificates.CertificateRow | None:
        rows = self.table.selectionModel().selectedRows()
        return self.rows[rows[0].row()] if rows else None

    def edit_template(self) -> None:
        from desktop.ui.training.dialogs import TemplateDialog

        if self.course_id is not None:
            TemplateDialog(self.ctx, self.course_id, self).exec()

    def issue(self) -> IssueDialog | None:
        if self.course_id is None:
            return None
        dialog = IssueDialog(self.ctx, self.course_id, self.course_code, self)
        dialog.finished.connect(lambda _code: self.load(self.course_id, self.course_code))
        dialog.open()
        return dialog

    def reprint(self, path: str | None = None) -> str | None:
        cert = self.selected()
        if cert is None:
            show_info(self, _("Select a certificate first."))
            return None
        if path is None:
            base = settings.LAST_EXPORT_DIR.get() or os.path.expanduser("~")
            path, _filter = QFileDialog.getSaveFileName(self, _("Save certificate"),
                                                        os.path.join(base, f"{cert.number}.pdf"),
                                                        _("PDF files (*.pdf)"))
            if not path:
                return None
        if guarded(self, certificates.reprint, self.ctx, cert.number, path) is None:
            return None
        self.load(self.course_id, self.course_code)
        return path

    def print_selected(self) -> bool:
        """Imprimir one certificate: reprinted (same number, counted) into a temporary PDF, then previewed."""
        import tempfile

        from desktop.ui.printing import print_pdf_file

        cert = self.selected()
        if cert is None:
            show_info(self, _("Select a certificate first."))
            return False
        with tempfile.TemporaryDirectory(prefix="enlace-print-") as folder:
            path = os.path.join(folder, f"{certificates.safe_filename(cert.number)}.pdf")
            if guarded(self, certificates.reprint, self.ctx, cert.number, path) is None:
                return False
            done = print_pdf_file(self, path, _("Certificate {number}").format(number=cert.number), self.ctx)
        self.load(self.course_id, self.course_code)
        return done

    def revoke(self, reason: str | None = None) -> bool:
        cert = self.selected()
        if cert is None:
            show_info(self, _("Select a certificate first."))
            return False
        if reason is None:
            reason = ask_reason(self, cert.number)
            if reason is None:
                return False
        if guarded(self, certificates.revoke, self.ctx, cert.number, reason) is None:
            return False
        self.load(self.course_id, self.course_code)
        return True


class VerifyPanel(QWidget):
    """Paste or type a certificate's code: valid, revoked or not valid, with what it certifies."""

    STYLES = {certificates.VALID: "background:#e3f4e6; color:#1b5e20; border:1px solid #81c784;",
              certificates.REVOKED: "background:#fff3e0; color:#8a3b00; border:1px solid #ffb74d;",
              certificates.INVALID: "background:#fdecea; color:#8e1b1b; border:1px solid #e57373;"}

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.code = TextBox()
        self.code.setObjectName("verifyInput")
        self.code.setPlaceholderText(_("Scan the QR code with a reader into this box, paste its text, or type the "
                                       "number and verification code printed under it (e.g. BGA-2026-00042 "
                                       "ABCD-EFGH; any case, dashes or not)."))
        self.code.setFixedHeight(80)
        self.verify_button = QPushButton(_("Verify"))
        self.verify_button.setDefault(True)
        self.verify_button.clicked.connect(self.verify)
        self.outcome = QLabel()
        self.outcome.setObjectName("verifyOutcome")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.outcome.hide()
        details = QGroupBox(_("What it certifies"))
        form = QFormLayout(details)
        self.fields = {name: QLabel() for name in ("number", "holder", "course", "hours", "date", "office", "reason")}
        for name, label in (("number", _("Number")), ("holder", _("Holder")), ("course", _("Course")),
                            ("hours", _("Course hours")), ("date", _("Issued on")), ("office", _("Issued by")),
                            ("reason", _("Reason for revoking"))):
            self.fields[name].setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.fields[name].setWordWrap(True)
            form.addRow(label, self.fields[name])
        self.details = details
        details.hide()
        row = QHBoxLayout()
        row.addWidget(self.code, 1)
        row.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Certificates are checked here, without internet: the QR code carries a "
                         "signature by the issuing office."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.outcome)
        layout.addWidget(details)
        layout.addWidget(KeysBox(ctx, self))
        layout.addStretch()
        self.last: certificates.Verification | None = None

    def verify(self) -> certificates.Verification | None:
        self.ctx.require(Permission.VERIFY_CERTIFICATES)
        result = certificates.verify_certificate(self.ctx.db, self.code.toPlainText())
        self.last = result
        self.outcome.setText(result.message)
        self.outcome.setStyleSheet(self.STYLES[result.status] + " padding:10px; font-size:15px; font-weight:bold;")
        self.outcome.show()
        if result.number:
            self.fields["number"].setText(result.number)
            self.fields["holder"].setText(f"{result.holder_name} — {result.holder_document}")
            self.fields["course"].setText(f"{result.course_title} ({result.course_code})")
            self.fields["hours"].setText(_hours(result.hours))
            self.fields["date"].setText(format_date(result.issued_on, "long"))
            self.fields["office"].setText(result.office)
            self.fields["reason"].setText(result.revoke_reason or "—")
            self.details.show()
        else:
            self.details.hide()
        return result


class KeysBox(QGroupBox):
    """This office's public key (export) and the keys of other offices this one trusts (import)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(_("Office keys"), parent)
        self.ctx = ctx
        self.list = QLabel()
        self.list.setWordWrap(True)
        self.export_button = QPushButton(_("Export this office's public key…"))
        self.import_button = QPushButton(_("Import another office's key…"))
        self.export_button.clicked.connect(lambda: self.export_key())
        self.import_button.clicked.connect(lambda: self.import_key())
        shown_if(self.export_button, ctx.can(Permission.ISSUE_CERTIFICATES) or ctx.can(Permission.MANAGE_OFFICE))
        shown_if(self.import_button, ctx.can(Permission.MANAGE_OFFICE))
        row = FlowLayout()
        row.addWidget(self.export_button)
        row.addWidget(self.import_button)
        layout = QVBoxLayout(self)
        intro = QLabel(_("Give your public key to other offices so they can verify your certificates; "
                         "import theirs to verify their certificates here."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.refresh()

    def refresh(self) -> None:
        keys = certificates.list_keys(self.ctx)
        if not keys:
            self.list.setText(_("No keys yet: the office key is created with the first certificate."))
            return
        lines = [(_("This office: {code} (key {key})") if k.own else _("{name} ({code}), key {key}")).format(
            code=k.office_code, key=k.key_id, name=k.office_name) for k in keys]
        self.list.setText("\n".join(lines))

    def export_key(self, path: str | None = None) -> str | None:
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(self, _("Export public key"), "enlace-clave-publica.json",
                                                        _("Key files (*.json)"))
            if not path:
                return None
        data = guarded(self, certificates.export_public_key, self.ctx)
        if data is None:
            return None
        with open(path, "wb") as fh:
            fh.write(data)
        self.refresh()
        return path

    def import_key(self, path: str | None = None) -> bool:
        if path is None:
            path, _filter = QFileDialog.getOpenFileName(self, _("Import public key"), "", _("Key files (*.json)"))
            if not path:
                return False
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            show_error(self, _("Cannot read {path}: {error}").format(path=path, error=exc.strerror))
            return False
        info = guarded(self, certificates.import_public_key, self.ctx, data)
        if info is None:
            return False
        self.refresh()
        show_info(self, _("Key of {office} imported: its certificates now verify here.").format(
            office=info.office_name or info.office_code))
        return True
