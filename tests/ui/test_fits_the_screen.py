"""Every section and dialog fits a 1024×768 screen, in Spanish and English, with the demo office's data."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication, QWidget

from desktop.i18n import set_language
from desktop.services.demo import DEMO_PASSWORD, build_demo
from desktop.services.security import auth
from desktop.store.database import open_database
from tests.ui.screen_fit import SCREEN, misfits

SECTIONS = ("home", "people", "referrals", "directory", "trainings", "reports", "admin")


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    auth.use_fast_hashing_for_tests()
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    db = open_database(path)
    build_demo(db, "small", 1)
    db.dispose()
    return path


@pytest.fixture(params=["es", "en"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")


@pytest.fixture
def demo_ctx(demo_path, qt_settings):
    from desktop.services import workspace

    contexts = []

    def make(username: str = "admin"):
        ctx = workspace.open_signed_in(str(demo_path), username, DEMO_PASSWORD)
        contexts.append(ctx)
        return ctx

    yield make
    for ctx in contexts:
        ctx.db.dispose()


@pytest.fixture
def main_window(qtbot, demo_ctx, language):
    from desktop.ui.main_window import MainWindow

    window = MainWindow(demo_ctx())
    qtbot.addWidget(window)
    window.restore_layout()
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_screen_of_the_tests_is_an_office_pc(qapp) -> None:
    assert QApplication.primaryScreen().availableGeometry() == SCREEN


def test_every_section_fits_and_the_window_keeps_its_size(qtbot, main_window) -> None:
    from desktop.services import people, referrals

    ctx = main_window.ctx
    size = main_window.size()
    assert size.width() <= SCREEN.width() and size.height() <= SCREEN.height()
    for key in SECTIONS:
        main_window.show_section(key)
        section = main_window.section(key)
        if key == "people":
            section.show_person(people.people_page(ctx, 0, 5)[3].id)
        elif key == "referrals":
            section.show_referral(referrals.referrals_page(ctx, None, 0, 1)[0].id)
        elif key == "directory":
            section.table.selectRow(0)
        elif key == "trainings":
            section.course_table.selectRow(0)
        qtbot.wait(10)
        pages = {"trainings": ("course_tabs", "tabs"), "admin": ("tabs",)}.get(key, ())
        for name in pages or (None,):
            tabs = getattr(section, name) if name else None
            for index in range(tabs.count() if tabs else 1):
                if tabs:
                    tabs.setCurrentIndex(index)
                    qtbot.wait(10)
                assert misfits(main_window) == [], (key, name, index)
                assert main_window.size() == size, (key, name, index)


def _dialogs(ctx, window) -> dict[str, Callable[[], QWidget]]:
    from desktop.services import directory, people, training
    from desktop.services.training import roster_import as pi
    from desktop.ui.admin.users import UserDialog
    from desktop.ui.directory.dialogs import OrganizationDialog, ServiceDialog
    from desktop.ui.people.dialogs import CaseDialog, ConsentDialog
    from desktop.ui.people.person_dialog import PersonDialog
    from desktop.ui.preferences import PreferencesDialog
    from desktop.ui.referrals.referral_dialog import ReferralDialog
    from desktop.ui.training.certificates import IssueDialog
    from desktop.ui.training.dialogs import CourseDialog, ParticipantDialog, SessionDialog, TemplateDialog
    from desktop.ui.training.import_dialog import ImportDialog

    person = people.get_person(ctx, people.people_page(ctx, 0, 1)[0].id, log_view=False)
    service = directory.search_page(ctx, directory.SearchFilters(), limit=1).rows[0]
    course = training.list_courses(ctx)[0]
    sheet = ("Nombre completo;Documento;Institución;Cargo;Correo\n"
             "María José Rincón Ávila;1098765432;Alcaldía de Bucaramanga;Profesional universitaria;mj@correo\n"
             "Luis Ángel Peña;;Personería Municipal de Floridablanca;Auxiliar;luis.pena@correo\n")
    return {
        "person (new)": lambda: PersonDialog(ctx, parent=window),
        "person (edit)": lambda: PersonDialog(ctx, person, parent=window),
        "case": lambda: CaseDialog(ctx, person.id, parent=window),
        "consent": lambda: ConsentDialog(ctx, person.id, parent=window),
        "referral": lambda: ReferralDialog(ctx, person.id, parent=window),
        "preferences": lambda: PreferencesDialog(ctx, parent=window),
        "service": lambda: ServiceDialog(ctx, service.id, parent=window),
        "organization": lambda: OrganizationDialog(ctx, parent=window),
        "course": lambda: CourseDialog(ctx, course.id, parent=window),
        "session": lambda: SessionDialog(ctx, course.id, parent=window),
        "participant": lambda: ParticipantDialog(ctx, course.id, parent=window),
        "certificate template": lambda: TemplateDialog(ctx, course.id, parent=window),
        "issue certificates": lambda: IssueDialog(ctx, course.id, course.code, parent=window),
        "import preview": lambda: ImportDialog(ctx, course.id, pi.read_spreadsheet(sheet.encode(), "a.csv"), "a.csv",
                                               window),
        "user": lambda: UserDialog(ctx, parent=window),
    }


def test_every_dialog_fits(qtbot, main_window) -> None:
    for name, make in _dialogs(main_window.ctx, main_window).items():
        dialog = make()
        dialog.show()
        qtbot.waitExposed(dialog)
        problems = misfits(dialog)
        if name == "import preview":
            dialog.show_preview()
            qtbot.wait(10)
            problems += misfits(dialog)
            reasons = dialog.preview_table.visualItemRect(dialog.preview_table.item(1, 2))
            assert dialog.preview_table.viewport().rect().contains(reasons), "the reasons are off-screen"
        dialog.close()
        dialog.deleteLater()
        assert problems == [], name


def test_the_clerk_s_person_form_fits_and_the_duplicate_hint_reads_whole(qtbot, demo_ctx, language) -> None:
    from desktop.services import people
    from desktop.ui.people.person_dialog import PersonDialog

    ctx = demo_ctx("clerk")
    existing = people.get_person(ctx, people.people_page(ctx, 0, 1)[0].id, log_view=False)
    dialog = PersonDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.given_names.setText(existing.given_names)
    dialog.family_name_1.setText(existing.family_name_1)
    dialog.check_duplicates()
    qtbot.waitUntil(lambda: dialog.duplicates.count() > 0)
    qtbot.wait(10)
    assert misfits(dialog) == []
    listing = dialog.duplicates
    assert not listing.horizontalScrollBar().isVisible()
    rect = listing.visualItemRect(listing.item(0))
    assert rect.width() <= listing.viewport().width()
    assert rect.height() >= listing.fontMetrics().height() * 2  # wrapped, not cut


def test_the_sign_in_dialog_shows_its_whole_error(qtbot, demo_path, qt_settings, language) -> None:
    from desktop.services import workspace
    from desktop.ui.sign_in import SignInDialog

    dialog = SignInDialog(str(demo_path), demo=True, office_name=workspace.office_label(demo_path))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.username.setText("clerk")
    dialog.password.setText("not-the-password")
    dialog.try_sign_in()
    qtbot.waitUntil(lambda: dialog.error.isVisible())
    qtbot.wait(10)
    assert misfits(dialog) == []


def test_a_remembered_size_larger_than_the_screen_is_shrunk_to_fit(qtbot, demo_ctx, qt_settings) -> None:
    from PySide6.QtCore import QRect

    from desktop.ui import settings
    from desktop.ui.main_window import MainWindow

    big = MainWindow(demo_ctx())
    qtbot.addWidget(big)
    big.setGeometry(QRect(300, 200, 1900, 1000))  # saved on the office's big monitor
    settings.WINDOW_GEOMETRY.set(big.saveGeometry())
    window = MainWindow(demo_ctx())
    qtbot.addWidget(window)
    window.restore_layout()
    window.show()
    qtbot.waitExposed(window)
    assert SCREEN.contains(window.frameGeometry())


def test_building_a_section_opens_no_window_of_its_own(qtbot, demo_ctx) -> None:
    """A button shown before it is in a window opens as a little window and takes the keyboard focus from
    the main window: every section, for every role, is built without one."""
    from PySide6.QtCore import QEvent, QObject

    from desktop.services.demo import DEMO_USERS
    from desktop.ui.main_window import MainWindow

    class Windows(QObject):
        shown: list[str] = []

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:
            if (event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow()
                    and not isinstance(watched, MainWindow)):
                self.shown.append(f"{type(watched).__name__}({watched.objectName()!r})")
            return False

    windows = Windows()
    QApplication.instance().installEventFilter(windows)
    try:
        for username, _name, _role in DEMO_USERS:
            window = MainWindow(demo_ctx(username))
            qtbot.addWidget(window)
            window.show()
            window.activateWindow()
            qtbot.waitUntil(lambda window=window: QApplication.activeWindow() is window, timeout=2000)
            for spec in window.specs:
                window.show_section(spec.key)
                qtbot.wait(5)
                assert (windows.shown, QApplication.activeWindow()) == ([], window), (username, spec.key)
            window.close()
    finally:
        QApplication.instance().removeEventFilter(windows)
