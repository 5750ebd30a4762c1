"""The person form's other identity documents: one row (type, number, remove) per document."""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import QComboBox, QGridLayout, QLineEdit, QPushButton, QVBoxLayout, QWidget

from desktop.i18n import _
from desktop.services import people


class DocumentsEditor(QWidget):
    """Documents after the first one. "Add another document" adds a row and puts the cursor in its type;
    Tab goes type → number → remove → the next row, as everywhere in the form."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("more_documents")
        self.choices: list[people.CatalogChoice] = []
        self.rows: list[tuple[QComboBox, QLineEdit, QPushButton]] = []
        # The form's fields either side: rows added later still sit between them in the Tab order.
        self.before: QWidget | None = None
        self.after: QWidget | None = None
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(0, 3)
        self.grid.setColumnStretch(1, 2)
        self.add_button = QPushButton(_("Add another document"))
        self.add_button.setObjectName("add_document")
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(lambda: self.add_row(focus=True))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.grid)
        layout.addWidget(self.add_button)

    def set_choices(self, choices: list[people.CatalogChoice]) -> None:
        """The document types offered (never "no document"); the rows keep what they hold."""
        self.choices = [c for c in choices if c.code != people.NO_DOCUMENT]
        for kind, _number, _remove in self.rows:
            self._fill(kind, kind.currentData(), kind.currentText())

    def _fill(self, combo: QComboBox, code: str | None, text: str = "") -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", "")
        for choice in self.choices:
            combo.addItem(choice.label, choice.code)
        index = combo.findData(code or "")
        if index < 0 and code:  # a type of another country: it stays choosable
            combo.addItem(text or code, code)
            index = combo.count() - 1
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def add_row(self, code: str = "", number: str = "", label: str = "", *, focus: bool = False) -> None:
        kind = QComboBox()
        kind.setObjectName(f"document_type_{len(self.rows) + 1}")
        kind.setAccessibleName(_("Document type"))
        self._fill(kind, code, label)
        edit = QLineEdit(number)
        edit.setObjectName(f"document_number_{len(self.rows) + 1}")
        edit.setAccessibleName(_("Document number"))
        edit.setPlaceholderText(_("Number"))
        remove = QPushButton(_("Remove"))
        remove.setAutoDefault(False)
        remove.setToolTip(_("Remove this document"))
        row = (kind, edit, remove)
        remove.clicked.connect(lambda: self.remove_row(row, focus=True))
        at = len(self.rows)
        self.grid.addWidget(kind, at, 0)
        self.grid.addWidget(edit, at, 1)
        self.grid.addWidget(remove, at, 2)
        self.rows.append(row)
        self._chain_tabs()
        if focus:
            for widget in row:  # shown now (not on the next event loop turn) so that the type can take the focus
                widget.show()
            kind.setFocus()

    def remove_row(self, row: tuple[QComboBox, QLineEdit, QPushButton], *, focus: bool = False) -> None:
        if row not in self.rows:
            return
        self.rows.remove(row)
        for widget in row:
            self.grid.removeWidget(widget)
            widget.deleteLater()
        for at, (kind, edit, remove) in enumerate(self.rows):  # close the gap
            for column, widget in enumerate((kind, edit, remove)):
                self.grid.addWidget(widget, at, column)
        self._chain_tabs()
        if focus:
            self.add_button.setFocus()

    def place_between(self, before: QWidget, after: QWidget) -> None:
        self.before, self.after = before, after
        self._chain_tabs()

    def _chain_tabs(self) -> None:
        widgets = [w for w in (self.before,) if w] + [w for row in self.rows for w in row] + [self.add_button]
        widgets += [w for w in (self.after,) if w]
        for first, second in itertools.pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def set_documents(self, documents) -> None:
        for row in list(self.rows):
            self.remove_row(row)
        for document in documents:
            self.add_row(document.document_type, document.number, document.label)

    def documents(self) -> list[tuple[str, str]]:
        """(type code, number) of each row, empty rows included: the service says what is missing."""
        return [(kind.currentData() or "", edit.text()) for kind, edit, _remove in self.rows
                if kind.currentData() or edit.text().strip()]
