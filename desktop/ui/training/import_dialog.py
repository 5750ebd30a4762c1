"""Import participants from a spreadsheet: map the columns, preview, then accept (one transaction)."""

from __future__ import annotations

import uuid

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.training import roster_import as pi
from desktop.ui import settings
from desktop.ui.common import show_error
from desktop.ui.job_status import track
from desktop.ui.worker import Worker

STATUS_COLORS = {pi.NEW: "#d7f0db", pi.MATCHED: "#dfe8f7", pi.ENROLLED: "#eeeeee", pi.REJECTED: "#f8d7d7"}
SAMPLE_ROWS = 6


REASONS = 2  # the preview's column of reasons and notes


class ImportDialog(QDialog):
    """Step 1: which row holds the headers and which column is which (remembered next time).
    Step 2: every row as new, already registered, already in the course or rejected, with reasons.
    Nothing is written until Import is pressed."""

    def __init__(self, ctx: AppContext, course_id: uuid.UUID, table: pi.Table, filename: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.course_id, self.table, self.filename = ctx, course_id, table, filename
        self.preview: pi.ImportPreview | None = None
        self.result: pi.ImportResult | None = None
        self.worker: Worker | None = None
        self.setWindowTitle(_("Import participants — {file}").format(file=filename))
        self.resize(900, 620)
        self.remembered = dict(settings.PARTICIPANT_IMPORT_MAPPING.get())

        self.pages = QStackedWidget()
        self.pages.addWidget(self._mapping_page())
        self.pages.addWidget(self._preview_page())
        self.back_button = QPushButton(_("Back"))
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.next_button = QPushButton(_("Preview"))
        self.next_button.clicked.connect(self.show_preview)
        self.import_button = QPushButton(_("Import"))
        self.import_button.clicked.connect(self.run_import)
        cancel = QPushButton(_("Cancel"))
        cancel.clicked.connect(self.reject)
        self.progress = QProgressBar()
        self.progress.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.progress, 1)
        buttons.addStretch()
        for b in (self.back_button, self.next_button, self.import_button, cancel):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addLayout(buttons)
        self.next_button.setDefault(True)
        self.pages.currentChanged.connect(self._update_buttons)
        header = pi.find_header_row(table.rows, self.remembered)
        self.header_row.setValue(max(header, 0) + 1)
        self._fill_mapping()
        self._update_buttons()

    # -- step 1 ------------------------------------------------------------------------------

    def _mapping_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        intro = QLabel(_("Check which row holds the column names and what each column contains. Columns set to "
                         "“(not imported)” are left out. Your choices are remembered for the next file."))
        intro.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(QLabel(_("Column names are on row")))
        self.header_row = QSpinBox()
        self.header_row.setRange(1, max(1, min(len(self.table.rows), pi.MAX_HEADER_SCAN)))
        self.header_row.valueChanged.connect(self._fill_mapping)
        row.addWidget(self.header_row)
        if self.table.sheet:
            row.addWidget(QLabel(_("Sheet: {name}").format(name=self.table.sheet)))
        row.addStretch()
        self.mapping_table = QTableWidget()
        self.mapping_table.setObjectName("mappingTable")
        self.mapping_problem = QLabel()
        self.mapping_problem.setStyleSheet("color: #c62828;")
        self.mapping_problem.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.mapping_table, 1)
        layout.addWidget(self.mapping_problem)
        return page

    def header_index(self) -> int:
        return self.header_row.value() - 1

    def _fill_mapping(self) -> None:
        index = self.header_index()
        headers = list(self.table.rows[index]) if index < len(self.table.rows) else []
        width = max([len(r) for r in self.table.rows[index:index + SAMPLE_ROWS + 1]] + [len(headers)])
        headers += [None] * (width - len(headers))
        guessed = pi.guess_mapping(headers, self.remembered)
        t = self.mapping_table
        t.clear()
        t.setColumnCount(width)
        t.setRowCount(1 + SAMPLE_ROWS)
        t.setHorizontalHeaderLabels([str(h) if h not in (None, "") else _("Column {n}").format(n=i + 1)
                                     for i, h in enumerate(headers)])
        t.setVerticalHeaderLabels([_("Contains")] + [str(index + 2 + i) for i in range(SAMPLE_ROWS)])
        self.combos: list[QComboBox] = []
        for col in range(width):
            combo = QComboBox()
            combo.addItem(_("(not imported)"), "")
            for name, label in pi.FIELDS.items():
                combo.addItem(_(label), name)
            combo.setCurrentIndex(max(0, combo.findData(guessed.get(col, ""))))
            combo.currentIndexChanged.connect(self._check_mapping)
            t.setCellWidget(0, col, combo)
            self.combos.append(combo)
            for r in range(SAMPLE_ROWS):
                source = self.table.rows[index + 1 + r] if index + 1 + r < len(self.table.rows) else []
                value = source[col] if col < len(source) else None
                t.setItem(1 + r, col, QTableWidgetItem("" if value is None else str(value)))
        t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self._headers = headers
        self._check_mapping()

    def mapping(self) -> dict[int, str]:
        return {i: c.currentData() for i, c in enumerate(self.combos) if c.currentData()}

    def set_column(self, column: int, field: str) -> None:
        """Choose what a column contains (what the combo box does; used by keyboard users and tests)."""
        self.combos[column].setCurrentIndex(self.combos[column].findData(field))

    def _check_mapping(self) -> None:
        mapping = self.mapping()
        duplicates = [f for f in set(mapping.values()) if list(mapping.values()).count(f) > 1]
        problem = pi.mapping_problem(mapping)
        if duplicates:
            problem = _("“{field}” is chosen for two columns.").format(field=_(pi.FIELDS[duplicates[0]]))
        self.mapping_problem.setText(problem or "")
        self.next_button.setEnabled(problem is None)

    # -- step 2 ------------------------------------------------------------------------------

    def _preview_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        self.counts = QLabel()
        self.counts.setObjectName("importCounts")
        self.unmapped = QLabel()
        self.unmapped.setObjectName("unmappedColumns")
        self.unmapped.setWordWrap(True)
        self.unmapped.setStyleSheet("color: #8a5a00;")
        self.unmapped.hide()
        self.counts.setWordWrap(True)
        self.preview_table = QTableWidget()
        self.preview_table.setObjectName("previewTable")
        self.preview_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.preview_table.verticalHeader().setVisible(False)
        layout.addWidget(self.counts)
        layout.addWidget(self.unmapped)
        layout.addWidget(self.preview_table, 1)
        return page

    def show_preview(self) -> None:
        from desktop.services.core.errors import EnlaceError

        try:
            self.preview = pi.preview_import(self.ctx, self.table, self.filename, self.course_id, self.mapping(),
                                             self.header_index())
        except EnlaceError as exc:
            show_error(self, exc)
            return
        p = self.preview
        self.counts.setText(_("{new} new · {matched} already registered (will be enrolled) · {enrolled} already in "
                              "the course · {rejected} rejected").format(
            new=p.count(pi.NEW), matched=p.count(pi.MATCHED), enrolled=p.count(pi.ENROLLED),
            rejected=p.count(pi.REJECTED)))
        self.unmapped.setText("\n".join(p.unmapped_lines()))
        self.unmapped.setVisible(bool(p.unmapped))
        # The reasons come right after the result, wrapped in a column of their own width: a rejected row says
        # why without scrolling sideways, whatever the length of the names.
        columns = [_("Row"), _("Result"), _("Reasons and notes"), _("Given names"), _("Family names"), _("Document"),
                   _("Institution"), _("Position")]
        t = self.preview_table
        t.clear()
        t.setColumnCount(len(columns))
        t.setHorizontalHeaderLabels(columns)
        t.setRowCount(len(p.rows))
        for r, row in enumerate(p.rows):
            v = row.values
            cells = [str(row.row_number), _(pi.STATUS_LABELS[row.status]), "; ".join(row.reasons),
                     v.get("given_names", ""), v.get("family_names", ""),
                     f"{v.get('document_type', '')} {v.get('document_number', '')}".strip(),
                     v.get("institution_text", ""), v.get("position", "")]
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setBackground(QBrush(QColor(STATUS_COLORS[row.status])))
                if c == REASONS:
                    item.setToolTip(text)
                t.setItem(r, c, item)
        t.setWordWrap(True)
        t.resizeColumnsToContents()
        t.setColumnWidth(REASONS, min(max(t.columnWidth(REASONS), 160), 300))
        t.resizeRowsToContents()
        t.horizontalHeader().setStretchLastSection(True)
        self.pages.setCurrentIndex(1)

    def _update_buttons(self) -> None:
        on_preview = self.pages.currentIndex() == 1
        self.back_button.setVisible(on_preview)
        self.next_button.setVisible(not on_preview)
        self.import_button.setVisible(on_preview)
        self.import_button.setEnabled(on_preview and self.preview is not None and self.preview.importable > 0)

    def run_import(self) -> None:
        if self.preview is None:
            return
        settings.PARTICIPANT_IMPORT_MAPPING.set(
            {**self.remembered, **pi.remembered_from_mapping(self._headers, self.mapping())})
        self.import_button.setEnabled(False)
        self.back_button.setEnabled(False)
        self.progress.show()
        self.worker = Worker(pi.apply_import, self.ctx, self.preview)
        self.worker.progress.connect(lambda d, t: (self.progress.setMaximum(max(t, 1)), self.progress.setValue(d)))
        self.worker.finished.connect(self._done)
        self.worker.failed.connect(self._failed)
        self.worker.cancelled.connect(self._failed)
        track(self.worker, self.ctx, "import")
        self.worker.start()

    def _release_worker(self) -> None:
        if self.worker is not None:
            self.worker.wait()  # its thread is ending; let it finish before the object goes
            self.worker = None

    def _done(self, result: pi.ImportResult) -> None:
        self.result = result
        self._release_worker()
        self.accept()

    def _failed(self, message: str = "") -> None:
        self._release_worker()
        self.progress.hide()
        self.back_button.setEnabled(True)
        self._update_buttons()
        if message:
            show_error(self, message)

    def reject(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait()
        super().reject()
