"""Import dialogs: an HSDS 3.0 data package, or a spreadsheet with a column-mapping step.

Both read and validate in a worker, show the preview (new, updated, unchanged, rejected per table;
notices, warnings and every rejected row), and write only when the person presses Import.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, ngettext
from desktop.services import office
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.directory import hsds as directory_hsds
from desktop.services.directory import sheet as directory_sheet
from desktop.ui.common import TextBox, show_error, show_info
from desktop.ui.directory.jobs import JobBar


class PreviewView(QWidget):
    """Counts per table, then notices and warnings, then the rejected rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.counts = QTableWidget(0, 5)
        self.counts.setObjectName("preview_counts")
        self.counts.setHorizontalHeaderLabels([_("File"), _("New rows"), _("Updated rows"), _("Unchanged rows"),
                                               _("Rejected rows")])
        self.counts.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.counts.verticalHeader().hide()
        self.counts.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.counts, 2)
        self.messages = TextBox()
        self.messages.setObjectName("preview_messages")
        self.messages.setReadOnly(True)
        self.messages.setMaximumHeight(110)
        layout.addWidget(self.messages)
        layout.addWidget(QLabel(_("Rejected rows (they will not be imported):")))
        self.rejects = QTableWidget(0, 4)
        self.rejects.setObjectName("preview_rejects")
        self.rejects.setHorizontalHeaderLabels([_("File"), _("Row"), _("Field"), _("Reason")])
        self.rejects.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.rejects.setWordWrap(True)
        self.rejects.verticalHeader().hide()
        self.rejects.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        layout.addWidget(self.rejects, 2)

    def show_preview(self, counts: dict[str, tuple[str, directory_hsds.TableCounts]],
                     messages: list[str], rejects: list[directory_hsds.Reject]) -> None:
        self.counts.setRowCount(len(counts))
        for row, (label, c) in enumerate(counts.values()):
            for col, value in enumerate((label, c.new, c.updated, c.unchanged, c.rejected)):
                item = QTableWidgetItem(str(value))
                if col:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.counts.setItem(row, col, item)
        self.messages.setPlainText("\n".join(messages))
        self.messages.setVisible(bool(messages))
        self.rejects.setRowCount(len(rejects))
        for row, r in enumerate(rejects):
            for col, value in enumerate((r.file, str(r.row) if r.row else "—", r.field, r.reason)):
                item = QTableWidgetItem(value)
                item.setToolTip(r.line())
                self.rejects.setItem(row, col, item)
        for col in range(3):
            self.rejects.resizeColumnToContents(col)
        self.rejects.resizeRowsToContents()
        new = sum(c.new for _l, c in counts.values())
        updated = sum(c.updated for _l, c in counts.values())
        self.summary.setText(" ".join((
            _("New rows to write: {new}; rows to update: {updated}.").format(new=new, updated=updated),
            ngettext("{count} row was rejected.", "{count} rows were rejected.", len(rejects)).format(
                count=len(rejects)),
            _("Nothing has changed yet."))))


class HsdsImportDialog(QDialog):
    def __init__(self, ctx: AppContext, path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.preview: directory_hsds.ImportPreview | None = None
        self.import_result: directory_hsds.ImportResult | None = None
        self.setWindowTitle(_("Import an Open Referral data package"))
        self.resize(820, 640)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(_("Choose a folder or .zip file with datapackage.json and the HSDS 3.0 CSV files.")))
        row = QHBoxLayout()
        self.path = QLineEdit(path or "")
        self.path.setObjectName("package_path")
        row.addWidget(self.path, 1)
        folder = QPushButton(_("Folder…"))
        folder.clicked.connect(self._choose_folder)
        archive = QPushButton(_("Zip file…"))
        archive.clicked.connect(self._choose_zip)
        self.read_button = QPushButton(_("Read and check"))
        self.read_button.setObjectName("read_package")
        self.read_button.clicked.connect(self.read)
        for w in (folder, archive, self.read_button):
            row.addWidget(w)
        layout.addLayout(row)
        self.view = PreviewView()
        layout.addWidget(self.view, 1)
        self.jobs = JobBar()
        self.jobs.failed.connect(lambda message: show_error(self, message))
        self.jobs.cancelled.connect(lambda: self.view.summary.setText(_("Cancelled. Nothing was changed.")))
        layout.addWidget(self.jobs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("do_import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def _choose_folder(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, _("Data package folder"))
        if chosen:
            self.path.setText(chosen)

    def _choose_zip(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Data package"), "", _("Zip files (*.zip)"))
        if chosen:
            self.path.setText(chosen)

    def read(self) -> None:
        if not self.path.text().strip():
            show_error(self, _("Choose a folder or a .zip file first."))
            return
        self.import_button.setEnabled(False)
        self.jobs.start(_("Reading…"), directory_hsds.preview_import, self.ctx, Path(self.path.text().strip()),
                        kind="import", on_done=self._previewed)

    def _previewed(self, preview: directory_hsds.ImportPreview) -> None:
        self.preview = preview
        spec = directory_hsds.standard()
        self.view.show_preview({t: (spec[t].path, c) for t, c in preview.counts.items()},
                               preview.notices + preview.warnings, preview.rejects)
        self.import_button.setEnabled(preview.changes > 0)

    def apply(self) -> None:
        if self.preview is None:
            return
        self.import_button.setEnabled(False)
        self.jobs.start(_("Importing…"), directory_hsds.apply_import, self.ctx, self.preview, kind="import",
                        on_done=self._applied)

    def _applied(self, result: directory_hsds.ImportResult) -> None:
        self.import_result = result
        written = sum(c.new + c.updated for c in result.counts.values())
        show_info(self, _("Import finished: {count} rows written.").format(count=written))
        self.accept()

    def reject(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            return
        super().reject()


class SheetImportDialog(QDialog):
    """Spreadsheet → mapping → preview → import. The mapping is remembered for next time."""

    def __init__(self, ctx: AppContext, path: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.sheet: directory_sheet.SheetData | None = None
        self.preview: directory_sheet.SheetPreview | None = None
        self.setWindowTitle(_("Import services from a spreadsheet"))
        self.resize(820, 660)
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit(path or "")
        self.path.setObjectName("sheet_path")
        choose = QPushButton(_("Choose file…"))
        choose.clicked.connect(self._choose)
        self.open_button = QPushButton(_("Open"))
        self.open_button.setObjectName("open_sheet")
        self.open_button.clicked.connect(self.open_sheet)
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)
        # page 0: mapping
        mapping_page = QWidget()
        m = QVBoxLayout(mapping_page)
        m.addWidget(QLabel(_("Which column holds each piece of information? Enlace guessed from the headers; "
                             "correct it if needed.")))
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        inner = QWidget()
        self.mapping_form = QFormLayout(inner)
        scroll.setWidget(inner)
        m.addWidget(scroll, 1)
        self.combos: dict[str, QComboBox] = {}
        for spec in directory_sheet.SHEET_FIELDS:
            combo = QComboBox()
            combo.setObjectName(f"map_{spec.key}")
            self.combos[spec.key] = combo
            self.mapping_form.addRow(_(spec.label) + (" *" if spec.required else ""), combo)
        self.check_button = QPushButton(_("Check rows"))
        self.check_button.setObjectName("check_rows")
        self.check_button.clicked.connect(self.check)
        m.addWidget(self.check_button, 0, Qt.AlignmentFlag.AlignRight)
        self.stack.addWidget(mapping_page)
        # page 1: preview
        self.view = PreviewView()
        self.stack.addWidget(self.view)
        self.jobs = JobBar()
        self.jobs.failed.connect(lambda message: show_error(self, message))
        layout.addWidget(self.jobs)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.back_button = buttons.addButton(_("Back to columns"), QDialogButtonBox.ButtonRole.ResetRole)
        self.back_button.clicked.connect(lambda: self.stack.setCurrentIndex(0))
        self.import_button = buttons.addButton(_("Import"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.import_button.setObjectName("do_import")
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.apply)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.stack.setEnabled(False)

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, _("Spreadsheet"), "",
                                                      _("Spreadsheets (*.xlsx *.csv)"))
        if chosen:
            self.path.setText(chosen)
            self.open_sheet()

    def open_sheet(self) -> None:
        from desktop.ui import settings

        try:
            self.sheet = directory_sheet.read_sheet(self.path.text().strip(), office.import_limits(self.ctx.db))
        except EnlaceError as exc:
            show_error(self, exc)
            return
        remembered = settings.DIRECTORY_IMPORT_MAPPING.get()
        guess = directory_sheet.guess_mapping(self.sheet.headers, remembered)
        for key, combo in self.combos.items():
            combo.clear()
            combo.addItem(_("— not in the sheet —"), -1)
            for index, header in enumerate(self.sheet.headers):
                combo.addItem(header or _("column {n}").format(n=index + 1), index)
            position = combo.findData(guess.get(key, -1))
            combo.setCurrentIndex(max(position, 0))
        self.stack.setEnabled(True)
        self.stack.setCurrentIndex(0)

    def mapping(self) -> dict[str, int]:
        return {key: combo.currentData() for key, combo in self.combos.items()
                if combo.currentData() is not None and combo.currentData() >= 0}

    def check(self) -> None:
        from desktop.ui import settings

        if self.sheet is None:
            return
        mapping = self.mapping()
        settings.DIRECTORY_IMPORT_MAPPING.set(directory_sheet.mapping_by_header(self.sheet.headers, mapping))
        self.jobs.start(_("Checking…"), directory_sheet.preview_sheet, self.ctx, self.path.text().strip(), mapping,
                        sheet=self.sheet, kind="import", on_done=self._previewed)

    def _previewed(self, preview: directory_sheet.SheetPreview) -> None:
        self.preview = preview
        labels = {"organization": _("Organizations"), "service": _("Services")}
        self.view.show_preview({t: (labels[t], c) for t, c in preview.counts.items()}, preview.notices,
                               preview.rejects)
        self.stack.setCurrentIndex(1)
        self.import_button.setEnabled(sum(c.new + c.updated for c in preview.counts.values()) > 0)

    def apply(self) -> None:
        if self.preview is None:
            return
        self.import_button.setEnabled(False)
        self.jobs.start(_("Importing…"), directory_sheet.apply_sheet, self.ctx, self.preview, kind="import",
                        on_done=self._applied)

    def _applied(self, counts) -> None:
        services = counts.get("service")
        written = (services.new + services.updated) if services else 0
        show_info(self, _("Import finished: {count} services written.").format(count=written))
        self.accept()

    def reject(self) -> None:
        if self.jobs.busy:
            self.jobs.cancel()
            return
        super().reject()
