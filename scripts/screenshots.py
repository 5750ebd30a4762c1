"""Take the README screenshots (setup wizard, sign-in, main window) in Spanish and English.

    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py [OUT_DIR]

Runs on the X server Xvfb provides (the real "xcb" platform, real fonts), builds a demo
database in a temporary folder, and saves PNGs of each window as Qt draws it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def settle(app: QApplication, widget: QWidget) -> None:
    widget.show()
    for _round in range(5):
        app.processEvents()


def save(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app, widget)
    widget.grab().save(str(path))
    print(path)


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ROOT / "resources" / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="enlace-shots-"))
    os.environ["XDG_CONFIG_HOME"] = str(tmp / "config")

    from desktop.services import workspace
    from desktop.services.demo import build_demo
    from desktop.ui import settings
    from desktop.ui.app import apply_language, make_application
    from desktop.ui.main_window import MainWindow
    from desktop.ui.setup_wizard import SetupWizard
    from desktop.ui.sign_in import SignInDialog

    app = make_application(["enlace"])
    settings.use_settings_file(str(tmp / "settings.ini"))
    demo_db = tmp / "demo.db"
    db = workspace.open_store(demo_db)
    build_demo(db)
    db.dispose()

    for lang in ("es", "en"):
        apply_language(lang)
        wizard = SetupWizard(str(tmp / f"new-{lang}.db"))
        fields = wizard.office_page.fields
        fields.code.setText("CUC")
        fields.name.setText("Mesa Migratoria de Cúcuta")
        fields.municipality.setText("San José de Cúcuta")
        fields.region.setText("Norte de Santander")
        wizard.resize(720, 600)
        save(app, wizard, out / f"wizard-{lang}.png")
        wizard.next()
        page = wizard.admin_page
        page.username.setText("mlopez")
        page.full_name.setText("María López Ríos")
        page.password.setText("clave-segura")
        page.repeat.setText("clave-segur")
        save(app, wizard, out / f"wizard-admin-{lang}.png")
        wizard.close()

        settings.LAST_USERNAME.set("")
        dialog = SignInDialog(str(demo_db), demo=workspace.is_demo(demo_db),
                              office_name=workspace.office_label(demo_db))
        dialog.username.setText("clerk")
        save(app, dialog, out / f"sign-in-{lang}.png")
        dialog.close()

        ctx = workspace.open_signed_in(demo_db, "admin", "enlace-demo")
        window = MainWindow(ctx)
        window.resize(1280, 800)
        save(app, window, out / f"main-window-{lang}.png")
        window.show_section("admin")
        save(app, window, out / f"administration-{lang}.png")
        window.close()
        ctx.db.dispose()
    apply_language("en")
    return 0


if __name__ == "__main__":
    status = main()
    sys.stdout.flush()
    os._exit(status)  # skip tearing down Qt objects in interpreter-exit order: the PNGs are written
