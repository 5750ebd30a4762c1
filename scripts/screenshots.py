"""Take the screenshots under resources/screenshots/: every section and main dialog at 1024×768, in Spanish
and English, from the demo database.

    xvfb-run -a -s "-screen 0 1024x768x24" .venv/bin/python scripts/screenshots.py [OUT_DIR] [--only NAME...]

The committed set is resources/screenshots/1024x768/ (sections and the main dialogs, both languages).

Runs on the X server Xvfb provides (the real "xcb" platform, real fonts) with a 1024×768 screen, builds a
demo database in a temporary folder, and saves one PNG per screen as Qt draws it. Each file is named
``<screen>-<language>.png``. A dialog is shown at the size it opens with (never larger than the screen);
the main window fills the screen, as it does when maximized on an old office PC.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SCREEN = (1024, 768)


def settle(app: QApplication, widget: QWidget) -> None:
    widget.show()
    for _round in range(8):
        app.processEvents()


class Shots:
    def __init__(self, app: QApplication, out: Path, lang: str, only: set[str]) -> None:
        self.app, self.out, self.lang, self.only = app, out, lang, only

    def wanted(self, name: str) -> bool:
        return not self.only or name in self.only

    def save(self, widget: QWidget, name: str) -> None:
        settle(self.app, widget)
        path = self.out / f"{name}-{self.lang}.png"
        widget.grab().save(str(path))
        size = widget.frameGeometry()
        print(f"{path.name}: {size.width()}×{size.height()}")


def _dialog(shots: Shots, name: str, make: Callable[[], QWidget], prepare: Callable[[QWidget], None] | None = None):
    if not shots.wanted(name):
        return
    dialog = make()
    if prepare is not None:
        prepare(dialog)
    shots.save(dialog, name)
    dialog.close()
    dialog.deleteLater()


def take(shots: Shots, demo_db: Path, tmp: Path) -> None:
    from desktop.services import directory, people, referrals, training, workspace
    from desktop.services.demo import DEMO_PASSWORD
    from desktop.ui import settings
    from desktop.ui.main_window import MainWindow
    from desktop.ui.setup_wizard import SetupWizard
    from desktop.ui.sign_in import SignInDialog

    lang = shots.lang

    def wizard() -> QWidget:
        w = SetupWizard(str(tmp / f"new-{lang}.db"))
        fields = w.office_page.fields
        fields.code.setText("CUC")
        fields.name.setText("Mesa Migratoria de Cúcuta")
        fields.municipality.setText("San José de Cúcuta")
        fields.region.setText("Norte de Santander")
        return w

    _dialog(shots, "wizard", wizard)

    settings.LAST_USERNAME.set("")

    def sign_in() -> QWidget:
        d = SignInDialog(str(demo_db), demo=workspace.is_demo(demo_db), office_name=workspace.office_label(demo_db))
        d.username.setText("clerk")
        d.password.setText("wrong")
        settle(shots.app, d)
        d.try_sign_in()
        return d

    _dialog(shots, "sign-in", sign_in)

    ctx = workspace.open_signed_in(demo_db, "admin", DEMO_PASSWORD)
    window = MainWindow(ctx)
    window.resize(*SCREEN)
    window.move(0, 0)
    for key in ("home", "people", "referrals", "directory", "trainings", "reports", "admin"):
        if not shots.wanted(key) and key != "people":
            continue
        window.show_section(key)
        section = window.section(key)
        if key == "people":
            found = people.people_page(ctx, 0, 40)
            if found:
                section.show_person(found[min(3, len(found) - 1)].id)
        if key == "referrals":
            page = referrals.referrals_page(ctx, None, 0, 5)
            if page:
                section.show_referral(page[0].id)
        if key == "directory" and section.table.model().rowCount():
            section.table.selectRow(0)
        if key == "trainings" and section.course_table.rowCount():
            section.course_table.selectRow(0)
        if shots.wanted(key):
            shots.save(window, key)
        if key == "admin":
            for index in range(1, section.tabs.count()):
                name = f"admin-{index}"
                if shots.wanted(name):
                    section.tabs.setCurrentIndex(index)
                    shots.save(window, name)
        if key == "trainings":
            for name, index in (("trainings-participants", 1), ("trainings-attendance", 2),
                                ("trainings-certificates", 3)):
                inner = getattr(section, "course_tabs", None)
                if inner is not None and inner.count() > index and shots.wanted(name):
                    inner.setCurrentIndex(index)
                    shots.save(window, name)

    # Dialogs, over the main window as in use.
    from desktop.ui.people.dialogs import CaseDialog, ConsentDialog
    from desktop.ui.people.person_dialog import PersonDialog
    from desktop.ui.preferences import PreferencesDialog
    from desktop.ui.referrals.referral_dialog import ReferralDialog

    found = people.people_page(ctx, 0, 5)
    person = people.get_person(ctx, found[0].id, log_view=False)
    _dialog(shots, "person-new", lambda: PersonDialog(ctx, parent=window))
    _dialog(shots, "person-edit", lambda: PersonDialog(ctx, person, parent=window))
    _dialog(shots, "case", lambda: CaseDialog(ctx, person.id, parent=window))
    _dialog(shots, "consent", lambda: ConsentDialog(ctx, person.id, parent=window))

    def referral() -> QWidget:
        d = ReferralDialog(ctx, person.id, parent=window)
        d.service_search.setText("salud")
        settle(shots.app, d)
        return d

    _dialog(shots, "referral", referral)
    _dialog(shots, "preferences", lambda: PreferencesDialog(ctx, parent=window))

    from desktop.ui.directory.dialogs import OrganizationDialog, ServiceDialog

    rows = directory.search_page(ctx, directory.SearchFilters(), limit=1).rows
    if rows:
        _dialog(shots, "service", lambda: ServiceDialog(ctx, rows[0].id, parent=window))
    _dialog(shots, "organization", lambda: OrganizationDialog(ctx, parent=window))

    from desktop.ui.training.certificates import IssueDialog
    from desktop.ui.training.dialogs import CourseDialog, ParticipantDialog, SessionDialog, TemplateDialog

    courses = training.list_courses(ctx)
    if courses:
        course = courses[0]
        _dialog(shots, "course", lambda: CourseDialog(ctx, course.id, parent=window))
        _dialog(shots, "training-session", lambda: SessionDialog(ctx, course.id, parent=window))
        _dialog(shots, "participant", lambda: ParticipantDialog(ctx, course.id, parent=window))
        _dialog(shots, "certificate-template", lambda: TemplateDialog(ctx, course.id, parent=window))
        _dialog(shots, "issue-certificates", lambda: IssueDialog(ctx, course.id, course.code, parent=window))

        def import_preview() -> QWidget:
            from desktop.services.training import roster_import as pi
            from desktop.ui.training.import_dialog import ImportDialog

            sheet = ("Nombre completo;Documento;Institución;Cargo;Correo\n"
                     "María José Rincón Ávila;1098765432;Alcaldía de Bucaramanga;Profesional universitaria;"
                     "mjrincon@bucaramanga.gov.co\n"
                     "Luis Ángel Peña;;Personería Municipal de Floridablanca;Auxiliar;luis.pena@correo\n")
            table = pi.read_spreadsheet(sheet.encode("utf-8"), "asistentes.csv")
            return ImportDialog(ctx, course.id, table, "asistentes.csv", window)

        _dialog(shots, "import-preview", import_preview)

    from desktop.ui.admin.users import UserDialog

    _dialog(shots, "user", lambda: UserDialog(ctx, parent=window))
    window.close()
    ctx.db.dispose()


def main() -> int:
    args = sys.argv[1:]
    only: set[str] = set()
    if "--only" in args:
        at = args.index("--only")
        only = set(args[at + 1:])
        args = args[:at]
    out = Path(args[0] if args else ROOT / "resources" / "screenshots" / "1024x768")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="enlace-shots-"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")

    from desktop.services import workspace
    from desktop.services.demo import build_demo
    from desktop.ui import settings
    from desktop.ui.app import apply_language, make_application

    app = make_application(["enlace"])
    settings.use_settings_file(str(tmp / "settings.ini"))
    demo_db = tmp / "demo.db"
    db = workspace.open_store(demo_db)
    build_demo(db)
    db.dispose()

    for lang in ("es", "en"):
        apply_language(lang)
        take(Shots(app, out, lang, only), demo_db, tmp)
    apply_language("en")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # skip tearing down Qt objects in interpreter-exit order: the PNGs are written
