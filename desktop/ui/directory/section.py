"""The Directory section: a list that answers while typing, filters, and a plain-language detail pane."""

from __future__ import annotations

import html
import uuid
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.i18n import _, format_date, ngettext
from desktop.services import directory
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError
from desktop.services.core.permissions import Permission
from desktop.services.directory import SearchFilters
from desktop.ui.common import EmptyState, confirm, guarded, select_data, show_error, show_info, shown_if
from desktop.ui.directory.detail import summary_html
from desktop.ui.directory.jobs import JobBar
from desktop.ui.search_box import SearchBox
from desktop.ui.table_model import Column, LazyTableModel

TYPING_DELAY_MS = 150
PAGE = 50
STALE_COLOR = "#B45F06"


def _verified(row: directory.ServiceRow) -> str:
    if row.last_verified_on is None:
        return _("never — to be confirmed")
    date = format_date(row.last_verified_on, "short")
    return _("{date} — to be confirmed").format(date=date) if row.stale else date


def service_columns() -> list[Column]:
    """The service list: light search rows (no ORM objects), a page at a time."""
    return [
        Column(_("Service"), lambda r: r.name if r.status == "active"
               else _("{name} (temporarily closed)").format(name=r.name)),
        Column(_("Organization"), lambda r: r.organization_name),
        Column(_("Municipality"), lambda r: r.municipality),
        Column(_("Referrals"), lambda r: _("yes") if r.accepts_referrals else _("no")),
        Column(_("Verified"), _verified, roles={
            Qt.ItemDataRole.ForegroundRole: lambda r: QBrush(QColor(STALE_COLOR)) if r.stale else None,
            Qt.ItemDataRole.ToolTipRole: lambda r: _("Not verified recently: call to confirm before referring, then "
                                                     "mark it as verified.") if r.stale else _verified(r),
        }),
    ]


def write_booklet(ctx: AppContext, path: Path, filters: SearchFilters, progress=None, cancelled=None) -> Path:
    """Worker job: render the booklet and write it to ``path``."""
    pdf = directory.booklet_pdf(ctx, filters, progress, cancelled)
    path.write_bytes(pdf)
    return path


class DirectorySection(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.can_edit = ctx.can(Permission.EDIT_DIRECTORY)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        top = QHBoxLayout()
        self.search = SearchBox(_("Search services: name, organization, category… (accents not needed)"),
                                pause_ms=TYPING_DELAY_MS)
        self.search.setObjectName("directory_search")
        top.addWidget(self.search, 1)
        self.new_button = QPushButton(_("New service"))
        self.new_button.setObjectName("new_service")
        self.new_button.clicked.connect(self.new_service)
        self.edit_button = QPushButton(_("Edit"))
        self.edit_button.setObjectName("edit_service")
        self.edit_button.clicked.connect(self.edit_service)
        self.verify_button = QPushButton(_("Mark as verified"))
        self.verify_button.setObjectName("mark_verified")
        self.verify_button.setToolTip(_("You called or visited and the details are right: records you and today."))
        self.verify_button.clicked.connect(self.mark_verified)
        for button in (self.new_button, self.edit_button, self.verify_button):
            shown_if(button, self.can_edit)
            top.addWidget(button)
        self.more_button = QToolButton()
        self.more_button.setObjectName("directory_more")
        self.more_button.setText(_("More"))
        self.more_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more_button)
        if self.can_edit:
            menu.addAction(_("New organization…"), self.new_organization)
            menu.addAction(_("Edit organization…"), self.edit_organization)
            self.remove_action = menu.addAction(_("Remove service from the directory…"), self.remove_service)
            self.remove_action.setObjectName("remove_service")
        if ctx.can(Permission.IMPORT_DIRECTORY):
            menu.addSeparator()
            menu.addAction(_("Import Open Referral package…"), self.import_package)
            menu.addAction(_("Import spreadsheet…"), self.import_sheet)
        menu.addSeparator()
        menu.addAction(_("Export Open Referral package…"), self.export_package)
        menu.addAction(_("Print booklet (PDF)…"), self.print_booklet)
        self.more_button.setMenu(menu)
        top.addWidget(self.more_button)
        layout.addLayout(top)

        filters = QGridLayout()
        self.category = QComboBox()
        self.category.setObjectName("filter_category")
        self.municipality = QComboBox()
        self.municipality.setObjectName("filter_municipality")
        self.population = QComboBox()
        self.population.setObjectName("filter_population")
        self.language = QComboBox()
        self.language.setObjectName("filter_language")
        self.open_now = QCheckBox(_("Open now"))
        self.open_now.setObjectName("filter_open_now")
        self.accepts = QCheckBox(_("Receives referrals"))
        self.accepts.setObjectName("filter_accepts")
        self.stale_only = QCheckBox(_("To be confirmed only"))
        self.stale_only.setObjectName("filter_stale")
        for col, (label, widget) in enumerate(((_("Category"), self.category), (_("Municipality"), self.municipality),
                                               (_("Population"), self.population), (_("Language"), self.language))):
            filters.addWidget(QLabel(label), 0, col)
            filters.addWidget(widget, 1, col)
        checks = QHBoxLayout()
        for box in (self.open_now, self.accepts, self.stale_only):
            checks.addWidget(box)
        checks.addStretch(1)
        filters.addLayout(checks, 2, 0, 1, 4)
        layout.addLayout(filters)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model = LazyTableModel(service_columns(), page_size=PAGE, parent=self)
        self.table = QTableView()
        self.table.setObjectName("directory_table")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # The service name first and widest; the last column takes what is left (a stretched first column
        # was squeezed to nothing whenever the others did not fit).
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        for column, width in ((0, 260), (1, 220), (2, 110), (3, 95), (4, 150)):
            header.resizeSection(column, width)
        self.table.doubleClicked.connect(lambda _i: self.edit_service() if self.can_edit else None)
        self.table.selectionModel().currentRowChanged.connect(lambda _c, _p: self.show_detail())
        splitter.addWidget(self.table)
        self.empty_state = EmptyState(self.table, self._empty_text)
        self.search.lead_to(self.table)
        self.detail = QTextBrowser()
        self.detail.setObjectName("directory_detail")
        self.detail.setOpenExternalLinks(True)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)

        bottom = QHBoxLayout()
        self.refer_button = QPushButton(_("&Refer to this service…"))
        self.refer_button.setObjectName("refer_to_service")
        self.refer_button.setToolTip(_("Choose the person; the referral form opens with this service chosen."))
        self.refer_button.clicked.connect(lambda: self.refer_to_service())
        shown_if(self.refer_button, ctx.can(Permission.EDIT_REFERRALS))
        bottom.addWidget(self.refer_button)
        self.status = QLabel()
        self.status.setObjectName("directory_status")
        bottom.addWidget(self.status, 1)
        self.jobs = JobBar()
        self.jobs.failed.connect(lambda message: show_error(self, message))
        self.jobs.cancelled.connect(lambda: self.status.setText(_("Cancelled.")))
        bottom.addWidget(self.jobs, 2)
        layout.addLayout(bottom)

        self.search.searched.connect(lambda _text: self.run_search())
        for combo in (self.category, self.municipality, self.population, self.language):
            combo.currentIndexChanged.connect(lambda _i: self.run_search())
        for box in (self.open_now, self.accepts, self.stale_only):
            box.toggled.connect(lambda _b: self.run_search())
        self.load_filters()
        self.run_search()

    # -- list and filters ------------------------------------------------------------------------

    def load_filters(self) -> None:
        try:
            options = directory.filter_options(self.ctx)
        except EnlaceError as exc:
            show_error(self, exc)
            return
        for combo, everything, items in (
                (self.category, _("All categories"), options.categories),
                (self.municipality, _("All municipalities"), [(m, m) for m in options.municipalities]),
                (self.population, _("Any population"), options.populations),
                (self.language, _("Any language"), options.languages)):
            current = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem(everything, None)
            for value, label in items:
                combo.addItem(label, str(value))  # Qt compares strings, not Python UUIDs
            select_data(combo, current)
            combo.blockSignals(False)

    def filters(self) -> SearchFilters:
        as_id = lambda value: uuid.UUID(value) if value else None  # noqa: E731
        return SearchFilters(text=self.search.text(), category_id=as_id(self.category.currentData()),
                             municipality=self.municipality.currentData(),
                             population_id=as_id(self.population.currentData()),
                             language=self.language.currentData(), open_now=self.open_now.isChecked(),
                             accepts_referrals=True if self.accepts.isChecked() else None,
                             stale_only=self.stale_only.isChecked())

    def run_search(self) -> None:
        selected = self.selected_id()
        filters = self.filters()
        try:
            page = directory.search_page(self.ctx, filters, limit=PAGE)
        except EnlaceError as exc:
            self.status.setText(str(exc))
            return

        def more(offset: int, limit: int, filters: SearchFilters = filters) -> list:
            try:
                return directory.search_page(self.ctx, filters, offset=offset, limit=limit).rows
            except EnlaceError:
                return []

        self.model.reset(more, total=page.total, first_page=page.rows)
        if page.capped:
            self.status.setText(_("More than {count} services; type more or filter to narrow the list").format(
                count=directory.COUNT_CAP))
        else:
            self.status.setText(ngettext("{count} service; {stale} to be confirmed",
                                         "{count} services; {stale} to be confirmed", page.total).format(
                count=page.total, stale=page.stale))
        row = self.model.index_of(selected) if selected else -1
        if row < 0 and page.rows:
            row = 0
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self.detail.setHtml(f"<p>{html.escape(self._empty_text())}</p>")
        self.empty_state.update()
        self._update_buttons()

    def _filtered(self) -> bool:
        f = self.filters()
        return bool(f.text.strip() or f.category_id or f.municipality or f.population_id or f.language
                    or f.open_now or f.accepts_referrals or f.stale_only)

    def _empty_text(self) -> str:
        if self._filtered():
            return _("No service matches the search and filters.")
        if self.ctx.can(Permission.IMPORT_DIRECTORY):
            return _("The directory is empty. Add a service with “New service”, or import an Open Referral package "
                     "or a spreadsheet from “More”.")
        if self.can_edit:
            return _("The directory is empty. Add a service with “New service”.")
        return _("The directory is empty.")

    def selected_id(self) -> uuid.UUID | None:
        index = self.table.selectionModel().currentIndex()
        row = self.model.row(index.row()) if index.isValid() else None
        return row.id if row else None

    def _update_buttons(self) -> None:
        has = self.selected_id() is not None
        self.refer_button.setEnabled(has)
        self.edit_button.setEnabled(has)
        self.verify_button.setEnabled(has)
        if self.can_edit:
            self.remove_action.setEnabled(has)

    def refer_to_service(self, *, modal: bool = True):
        """"Refer to this service": the person open in "People and cases" is offered first."""
        from desktop.ui.referrals.refer_from_directory import refer_to_service

        service_id = self.selected_id()
        if service_id is None:
            return None
        window = self.window()
        people_section = window.loaded_section("people") if hasattr(window, "loaded_section") else None
        record = getattr(getattr(people_section, "panel", None), "record", None)
        dialog = refer_to_service(self.ctx, service_id, self, record.id if record else None, modal=modal)
        if dialog is not None and dialog.created is not None and hasattr(window, "show_section"):
            window.show_section("referrals")
            target = window.section("referrals")
            if target is not None:
                target.show_referral(dialog.created.id)
        return dialog

    def show_detail(self) -> None:
        self._update_buttons()
        service_id = self.selected_id()
        if service_id is None:
            self.detail.clear()
            return
        try:
            summary = directory.service_summary(self.ctx, service_id)
        except EnlaceError as exc:
            self.detail.setPlainText(str(exc))
            return
        self.detail.setHtml(summary_html(summary, can_see_notes=self.can_edit))

    # -- section protocol ------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        self.load_filters()
        self.run_search()

    # -- actions ---------------------------------------------------------------------------------

    def new_service(self) -> None:
        from desktop.ui.directory.dialogs import ServiceDialog

        dialog = ServiceDialog(self.ctx, None, self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self._select(dialog.saved_id)

    def edit_service(self) -> None:
        from desktop.ui.directory.dialogs import ServiceDialog

        service_id = self.selected_id()
        if service_id is None:
            return
        dialog = guarded(self, ServiceDialog, self.ctx, service_id, self)
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()
            self._select(service_id)

    def mark_verified(self) -> None:
        service_id = self.selected_id()
        if service_id is None:
            return
        if guarded(self, directory.mark_verified, self.ctx, service_id) is not None:
            self.run_search()
            self.show_detail()

    def remove_service(self) -> None:
        """Soft delete after a confirmation that says what stays: referrals keep the service in their history."""
        service_id = self.selected_id()
        if service_id is None:
            return
        summary = guarded(self, directory.service_summary, self.ctx, service_id)
        if summary is None:
            return
        question = _("Remove «{name}» ({organization}) from the directory?\n\nReferrals already made keep it in "
                     "their history. If it is only closed for a while, edit its status instead.").format(
            name=summary.name, organization=summary.organization_name)
        if not confirm(self, question, _("Remove service")):
            return

        def remove() -> bool:
            directory.delete_service(self.ctx, service_id, summary.version)
            return True

        if guarded(self, remove):
            self.refresh()

    def _select(self, service_id: uuid.UUID | None) -> None:
        row = self.model.index_of(service_id) if service_id else -1
        if row >= 0:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)

    def new_organization(self) -> None:
        from desktop.ui.directory.dialogs import OrganizationDialog

        if OrganizationDialog(self.ctx, None, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def edit_organization(self) -> None:
        from desktop.ui.directory.dialogs import OrganizationDialog

        service_id = self.selected_id()
        if service_id is None:
            show_info(self, _("Select a service of the organization first."))
            return
        summary = guarded(self, directory.service_summary, self.ctx, service_id)
        if summary is None:
            return
        dialog = guarded(self, OrganizationDialog, self.ctx, summary.organization_id, self)
        if dialog is not None and dialog.exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def import_package(self) -> None:
        from desktop.ui.directory.import_dialog import HsdsImportDialog

        if HsdsImportDialog(self.ctx, None, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def import_sheet(self) -> None:
        from desktop.ui.directory.import_dialog import SheetImportDialog

        if SheetImportDialog(self.ctx, None, self).exec() == QDialog.DialogCode.Accepted:
            self.refresh()

    def export_package(self, target: str | None = None) -> None:
        from desktop.services.directory.hsds import export_package

        target = target or QFileDialog.getExistingDirectory(self, _("Folder for the data package"))
        if not target:
            return
        self.jobs.start(_("Exporting…"), export_package, self.ctx, Path(target), kind="export",
                        on_done=lambda files: self.status.setText(
                            _("Exported {count} files to {path}.").format(count=len(files), path=target)))

    def print_booklet(self, target: str | None = None) -> None:
        if not target:
            target, _filter = QFileDialog.getSaveFileName(self, _("Save the booklet"), _("directory.pdf"),
                                                          _("PDF files (*.pdf)"))
        if not target:
            return
        self.jobs.start(_("Preparing the booklet…"), write_booklet, self.ctx, Path(target), self.filters(),
                        kind="export",
                        on_done=lambda path: self.status.setText(_("Booklet saved: {path}").format(path=path)))
