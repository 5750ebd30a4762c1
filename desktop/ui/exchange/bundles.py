"""Making and importing bundles, the office card and trusted offices (administrators and supervisors)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import N_, _, format_date
from desktop.services import exchange
from desktop.services.core.context import AppContext
from desktop.services.core.permissions import Permission
from desktop.ui.common import EmptyState, confirm, guarded, show_error, shown_if
from desktop.ui.worker import Worker

CONTENT_LABELS = {"directory": N_("Directory"), "keys": N_("Certificate keys"),
                  "revocations": N_("Revoked certificates"), "referrals": N_("Referrals and their outcomes")}


def preview_text(result: exchange.ExportResult) -> str:
    """The counts a bundle would hold, one line each."""
    lines = []
    c = result.contents
    if "directory" in c:
        d = c["directory"]
        lines.append(_("Directory: {organizations} organizations, {services} services, {locations} locations").format(
            organizations=d.get("organization", 0), services=d.get("service", 0), locations=d.get("location", 0)))
    if "keys" in c:
        lines.append(_("Certificate keys: {count}").format(count=c["keys"]))
    if "revocations" in c:
        lines.append(_("Revocation list no. {seq}: {count} revoked").format(seq=c["revocations"]["sequence"],
                                                                           count=c["revocations"]["revoked"]))
    if "referrals" in c:
        lines.append(_("Referrals: {referrals}; outcomes: {events}").format(referrals=c["referrals"]["referrals"],
                                                                            events=c["referrals"]["events"]))
    if result.held_back:
        lines.append(exchange.held_back_message(result.held_back))
    return "\n".join(lines)


class ExportDialog(QDialog):
    """Choose the partner and the contents; the counts update as they change."""

    def __init__(self, ctx: AppContext, offices: list[exchange.TrustedOffice], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(_("Make a bundle"))
        form = QFormLayout(self)
        self.recipient = QComboBox()
        for office in offices:
            self.recipient.addItem(f"{office.office_code} — {office.office_name}", office.office_code)
        self.recipient.addItem(_("Any trusted office"), "any")
        form.addRow(_("For"), self.recipient)
        self.contents: dict[str, QCheckBox] = {}
        for code in exchange.CONTENTS:
            box = QCheckBox(_(CONTENT_LABELS[code]))
            box.setChecked(True)
            box.toggled.connect(self.update_preview)
            self.contents[code] = box
            form.addRow("", box)
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        form.addRow(_("It will hold"), self.preview)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        form.addRow(self.buttons)
        self.recipient.currentIndexChanged.connect(self.update_preview)
        self.update_preview()

    def chosen(self) -> tuple[str, tuple[str, ...]]:
        return self.recipient.currentData(), tuple(c for c, box in self.contents.items() if box.isChecked())

    def update_preview(self, *_args) -> None:
        to, include = self.chosen()
        result = guarded(self, exchange.preview_export, self.ctx, to, include) if include else None
        self.preview.setText(preview_text(result) if result else _("Choose at least one kind of content."))
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(result is not None)


class ImportPreviewDialog(QDialog):
    """What a bundle would change (new, changed, older kept, to review) before anything is written."""

    def __init__(self, report: exchange.ImportReport, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Import a bundle"))
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit("\n".join(report.lines()))
        self.text.setReadOnly(True)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        if not report.nothing_new:
            buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 360)


class BundlesTab(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._worker: Worker | None = None
        self._data = b""
        buttons = QHBoxLayout()
        self.card_button = QPushButton(_("Office card…"))
        self.trust_button = QPushButton(_("Trust an office…"))
        self.remove_button = QPushButton(_("Stop trusting"))
        self.trust_list_button = QPushButton(_("Import trust list…"))
        self.export_button = QPushButton(_("Make a bundle…"))
        self.import_button = QPushButton(_("Import a bundle…"))
        manage = ctx.can(Permission.MANAGE_TRUST)
        for button, slot, shown in ((self.export_button, self.make_bundle, True),
                                    (self.import_button, self.choose_import, True),
                                    (self.card_button, self.save_card, True),
                                    (self.trust_button, self.trust, manage),
                                    (self.trust_list_button, self.import_trust_list, manage),
                                    (self.remove_button, self.remove, manage)):
            button.clicked.connect(slot)
            shown_if(button, shown)
            buttons.addWidget(button)
        buttons.addStretch(1)
        self.offices = QTableWidget(0, 6)
        self.offices.setHorizontalHeaderLabels([_("Office"), _("Name"), _("Trusted by"), _("Fingerprint"),
                                                _("Last bundle"), _("Missing bundles")])
        self.offices.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.offices.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.offices.setWordWrap(False)
        header = self.offices.horizontalHeader()
        for col in range(self.offices.columnCount()):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch if col == 1
                                        else QHeaderView.ResizeMode.ResizeToContents)
        self.empty_state = EmptyState(self.offices, _("No office is trusted yet. Send this office's card to a "
                                                      "partner, and trust theirs after reading the fingerprint "
                                                      "together over the phone."))
        self.log = QTableWidget(0, 4)
        self.log.setHorizontalHeaderLabels([_("Date"), _("Direction"), _("Office"), _("Bundle")])
        self.log.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(QLabel(_("Trusted offices")))
        layout.addWidget(self.offices, 1)
        layout.addWidget(QLabel(_("Bundles made and imported")))
        layout.addWidget(self.log, 1)
        self.refresh()

    def refresh(self) -> None:
        self.trusted = guarded(self, exchange.list_trusted, self.ctx) or []
        self.offices.setRowCount(len(self.trusted))
        for row, t in enumerate(self.trusted):
            for col, text in enumerate((t.office_code, t.office_name, t.trusted_by, t.fingerprint,
                                        str(t.last_sequence or ""), " ".join(map(str, t.missing)))):
                self.offices.setItem(row, col, QTableWidgetItem(text))
        self.empty_state.update()
        bundles = guarded(self, exchange.list_bundles, self.ctx) or []
        self.log.setRowCount(len(bundles))
        for row, b in enumerate(bundles):
            direction = _("Received") if b.direction == "in" else _("Sent")
            for col, text in enumerate((format_date(b.recorded_at, "medium"), direction, b.office,
                                        _("no. {seq}, {sha}…").format(seq=b.sequence, sha=b.sha256[:16]))):
                self.log.setItem(row, col, QTableWidgetItem(text))

    def save_card(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(self, _("Office card"), "",
                                                    _("Office card (*.card);;Printable card (*.pdf)"))
        if path:
            data = guarded(self, exchange.office_card_pdf if path.lower().endswith(".pdf")
                           else lambda ctx: exchange.office_card(ctx).to_bytes(), self.ctx)
            if data is not None:
                Path(path).write_bytes(data)

    def trust(self, path: str | None = None) -> bool:
        if not path:
            path, _filter = QFileDialog.getOpenFileName(self, _("Trust an office"), "",
                                                        _("Office card (*.card *.json)"))
        if not path:
            return False
        card = guarded(self, exchange.read_card, Path(path).read_bytes())
        if card is None:
            return False
        message = _("Office: {name} ({code})").format(name=card.office_name, code=card.office_code) + "\n\n" + \
            card.fingerprint + "\n\n" + _("Call that office and have them read their fingerprint aloud. Does it "
                                         "match, group by group?")
        if not confirm(self, message, _("Trust an office")):
            return False
        done = guarded(self, exchange.trust_office, self.ctx, Path(path).read_bytes(), card.fingerprint)
        self.refresh()
        return done is not None

    def import_trust_list(self, path: str | None = None) -> bool:
        """A coordinator's signed list: what it changes, and the coordinator's fingerprint the first time."""
        if not path:
            path, _filter = QFileDialog.getOpenFileName(self, _("Import a trust list"), "",
                                                        _("Trust list (*.trustlist *.json)"))
        if not path:
            return False
        data = Path(path).read_bytes()
        plan = guarded(self, exchange.preview_trust_list, self.ctx, data)
        if plan is None:
            return False
        doc = plan.list
        message = "\n".join([_("Coordinator: {name}").format(name=doc.coordinator_name),
                             _("Version {version}, valid until {date}; {count} offices").format(
                                 version=doc.version, date=format_date(doc.valid_until, "long"),
                                 count=len(doc.members)), "", *plan.lines(), ""])
        if plan.first_time:
            message += "\n" + doc.coordinator_fingerprint + "\n\n" + _(
                "This office has not followed this coordinator before. Call them and have them read their "
                "fingerprint aloud. Does it match, group by group?")
        else:
            message += "\n" + _("Import this list?")
        if not confirm(self, message, _("Import a trust list")):
            return False
        done = guarded(self, exchange.import_trust_list, self.ctx, data, doc.coordinator_fingerprint)
        if done is not None:
            self.status.setText(_("Trust list version {version} of {name} imported.").format(
                version=doc.version, name=doc.coordinator_name) + "\n" + "\n".join(done.lines()))
        self.refresh()
        return done is not None

    def remove(self) -> None:
        row = self.offices.currentRow()
        if row < 0:
            return
        office = self.trusted[row]
        if confirm(self, _("Stop trusting {code}? Its bundles will be refused and its certificates will no longer "
                           "verify here.").format(code=office.office_code)):
            guarded(self, exchange.remove_trust, self.ctx, office.key_id)
            self.refresh()

    def make_bundle(self) -> None:
        dialog = ExportDialog(self.ctx, self.trusted, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        to, include = dialog.chosen()
        path, _filter = QFileDialog.getSaveFileName(self, _("Make a bundle"), f"{to}.enlace",
                                                    _("Enlace bundle (*.enlace)"))
        if path:
            self.export_to(to, include, path)

    def export_to(self, to: str, include: tuple[str, ...], path: str) -> exchange.ExportResult | None:
        result = guarded(self, exchange.export_bundle, self.ctx, to, path, include)
        if result is not None:
            self.status.setText(_("Bundle {seq} for {to} written to {path}").format(
                seq=result.sequence, to=result.recipient, path=path))
            self.refresh()
        return result

    def choose_import(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(self, _("Import a bundle"), "", _("Enlace bundle (*.enlace)"))
        if path:
            self.start_import(Path(path).read_bytes())

    def start_import(self, data: bytes, dry_run: bool = True) -> None:
        """Check the bundle off the GUI thread; a dry run first, then the import the person confirms."""
        def job(progress, cancelled):
            return exchange.import_bundle(self.ctx, data, dry_run=dry_run)

        if self._worker is not None:
            return  # one import at a time
        self.import_button.setEnabled(False)
        self._data = data
        self._worker = Worker(job)
        # bound methods of this widget: the slots run on the GUI thread (a lambda would run on the worker's)
        self._worker.finished.connect(self._imported)
        self._worker.failed.connect(self._failed)
        self._worker.start()

    def _confirmed(self) -> None:
        self.start_import(self._data, dry_run=False)

    def _done(self) -> None:
        if self._worker is not None:
            self._worker.wait()  # its thread ends before the worker is let go
            self._worker = None
        self.import_button.setEnabled(True)

    def _failed(self, message: str) -> None:
        self._done()
        show_error(self, message)

    def _imported(self, report: exchange.ImportReport) -> None:
        self._done()
        if report.dry_run:
            self.preview = ImportPreviewDialog(report, self)
            self.preview.accepted.connect(self._confirmed)
            self.preview.open()
            return
        self.status.setText("\n".join(report.lines()))
        self.refresh()

