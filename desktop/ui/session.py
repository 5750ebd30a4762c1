"""The application's life cycle: first-run setup or sign-in, the main window, lock, sign-out.

All opening and signing in goes through :mod:`desktop.services.workspace` (it is where an
encrypted database's key is unwrapped); this module only decides which screen comes next.

Start-up is kept light: the sign-in screen shows before SQLAlchemy and the models are imported
(:mod:`desktop.ui.warmup` loads them while the person types).

``ENLACE_STARTUP_PROBE`` (the start-up benchmark, ``tests/benchmarks/bench_startup.py``) prints
``sign-in-shown <unix time>`` once the sign-in screen is shown. With ``sign-in`` it then quits.
Otherwise it signs in there as ``ENLACE_USER`` with ``ENLACE_PASSWORD`` (at once; with ``typed``,
once the background loading is done, as after a person's typing), prints ``sign-in-pressed``,
``main-window-shown`` (unix times) and ``kdf-seconds`` (argon2id time in this process), and quits;
a refused sign-in exits with status 1.
"""

from __future__ import annotations

import os
import sys
import time

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication, QMessageBox

from desktop import APP_NAME
from desktop.i18n import _, set_locale
from desktop.services import workspace
from desktop.services.core.context import AppContext
from desktop.services.core.errors import EnlaceError, StoreError
from desktop.ui import settings, warmup
from desktop.ui.language import apply_language

PROBE_ENV = "ENLACE_STARTUP_PROBE"


class AppSession(QObject):
    """Drives the screens for one database location.

    ``start()`` shows the first screen and returns False when there is nothing to show (the
    database cannot be opened: the reason was shown). The application quits when the person
    cancels setup or sign-in, or closes the main window.
    """

    signed_in = Signal(object)  # AppContext
    signed_out = Signal()
    finished = Signal()
    backup_failed = Signal(str)  # the sign-out backup failed (emitted from its thread, shown on the GUI thread)

    def __init__(self, location: str, fixed_language: str | None = None, parent: QObject | None = None, *,
                 quit_app: bool = True) -> None:
        super().__init__(parent)
        self.location = str(location)
        self.fixed_language = fixed_language
        self.quit_app = quit_app  # tests drive a session inside their own application
        self.backup_failed.connect(self._say_backup_failed)
        self.ctx: AppContext | None = None
        self.wizard = None
        self.recovery_dialog = None
        self.sign_in_dialog = None
        self.password_dialog = None
        self.window = None
        self.idle = None
        self._closing = False
        self._probe = os.environ.get(PROBE_ENV, "")  # the start-up benchmark drives one sign-in
        app = QApplication.instance()
        if quit_app and isinstance(app, QApplication):
            # Screens follow one another (sign-in, then the window): closing one must not quit.
            app.setQuitOnLastWindowClosed(False)

    # -- the first screen -----------------------------------------------------------------

    def start(self) -> bool:
        try:
            if workspace.needs_setup(self.location):
                self.show_wizard()
            else:
                self.show_sign_in()
        except (EnlaceError, StoreError) as exc:
            QMessageBox.critical(None, APP_NAME, str(exc))
            return False
        return True

    def show_wizard(self) -> None:
        from desktop.ui.setup_wizard import SetupWizard

        warmup.release_collection()  # no background loading on this path

        self.wizard = SetupWizard(self.location)
        self.wizard.accepted.connect(self._wizard_done)
        self.wizard.rejected.connect(self._finish)
        self.wizard.location_chosen.connect(self.switch_location)
        self.wizard.show()

    def switch_location(self, location: str) -> bool:
        """Sign in somewhere else (the office server, or back to this PC's file): the first screen again.

        The PC remembers the choice for its next start; a file left for a server is remembered as
        the way back.
        """
        if "://" not in self.location:
            settings.LOCAL_DATABASE.set(os.path.abspath(self.location))
        for name in ("sign_in_dialog", "wizard"):
            screen = getattr(self, name)
            setattr(self, name, None)
            if screen is not None:
                screen.blockSignals(True)  # its rejected() would end the application
                screen.hide()
                screen.deleteLater()
        self.location = str(location)
        settings.LAST_DATABASE.set(self.location if "://" in self.location else os.path.abspath(self.location))
        return self.start()

    def _wizard_done(self) -> None:
        wizard, self.wizard = self.wizard, None
        assert wizard is not None and wizard.ctx is not None
        wizard.deleteLater()
        ctx = wizard.ctx
        recovery_key = workspace.take_recovery_key(ctx)
        if recovery_key:
            from desktop.ui.setup_wizard import RecoveryKeyDialog

            self.recovery_dialog = RecoveryKeyDialog(ctx, recovery_key)
            self.recovery_dialog.accepted.connect(lambda: self._recovery_done(ctx))
            self.recovery_dialog.show()
            return
        self._signed_in(ctx)

    def _recovery_done(self, ctx: AppContext) -> None:
        if self.recovery_dialog is not None:
            self.recovery_dialog.deleteLater()
            self.recovery_dialog = None
        self._signed_in(ctx)

    def show_sign_in(self) -> None:
        from desktop.ui.sign_in import SignInDialog

        self.sign_in_dialog = SignInDialog(self.location, demo=workspace.is_demo(self.location),
                                           office_name=workspace.office_label(self.location))
        self.sign_in_dialog.accepted.connect(self._sign_in_done)
        self.sign_in_dialog.rejected.connect(self._finish)
        self.sign_in_dialog.location_chosen.connect(self.switch_location)
        self.sign_in_dialog.show()
        if self._probe:
            QTimer.singleShot(0, self._probe_sign_in)
        # SQLAlchemy, the models, locale data, then the main window's modules: loaded while the
        # person types, once the screen is up.
        QTimer.singleShot(0, warmup.start)
        warmup.load_window_modules(self.sign_in_dialog)

    def _sign_in_done(self) -> None:
        dialog, self.sign_in_dialog = self.sign_in_dialog, None
        assert dialog is not None and dialog.ctx is not None
        dialog.deleteLater()
        self._signed_in(dialog.ctx)

    # -- signed in ------------------------------------------------------------------------

    def _apply_language(self, ctx: AppContext) -> None:
        from desktop.services import office

        language = self.fixed_language or ctx.actor.language
        apply_language(language)
        info = office.office_info(ctx.db)
        if info is not None and info.locale.split("_")[0] == language:
            set_locale(info.locale)  # dates and numbers as the office writes them (es_MX, es_GT, …)
        if not self.fixed_language:
            settings.LANGUAGE.set(language)  # the next sign-in screen on this PC speaks it too

    def _signed_in(self, ctx: AppContext) -> None:
        from desktop.services.security import auth

        warmup.release_collection()  # start-up's heap is loaded: collect as usual, without it
        self.ctx = ctx
        self._apply_language(ctx)
        if auth.must_change_password(ctx):
            from desktop.ui.preferences import ChangePasswordDialog

            self.password_dialog = ChangePasswordDialog(ctx, forced=True)
            self.password_dialog.accepted.connect(self._open_main)
            self.password_dialog.rejected.connect(self.sign_out)
            self.password_dialog.show()
            return
        self._open_main()

    def _open_main(self, section: str | None = None) -> None:
        from desktop.services import office
        from desktop.ui.idle_lock import IdleLock
        from desktop.ui.main_window import MainWindow

        assert self.ctx is not None
        if self.password_dialog is not None:
            self.password_dialog.deleteLater()
            self.password_dialog = None
        window = MainWindow(self.ctx)
        window.sign_out_requested.connect(self.sign_out)
        window.lock_requested.connect(self.lock)
        window.preferences_requested.connect(self.open_preferences)
        window.quit_requested.connect(window.close)
        window.closed.connect(self._window_closed)
        if section:
            window.show_section(section)
        else:
            window.restore_layout()
        self.window = window
        window.show()
        if self.idle is None:
            minutes = int(office.get_setting(self.ctx.db, "idle_lock_minutes"))
            self.idle = IdleLock(self.ctx, minutes * 60_000, self)
            self.idle.sign_out_requested.connect(self.sign_out)
        self.signed_in.emit(self.ctx)
        if self._probe:
            QTimer.singleShot(0, self._probe_report)

    # -- the start-up benchmark -----------------------------------------------------------

    def _probe_sign_in(self) -> None:
        print(f"sign-in-shown {time.time():.6f}", flush=True)
        dialog = self.sign_in_dialog
        user = os.environ.get("ENLACE_USER")
        if self._probe == "sign-in" or not user or dialog is None:
            self._probe = ""
            if dialog is not None:
                dialog.reject()  # as Cancel does: the application quits
            return
        dialog.username.setText(user)
        dialog.password.setText(os.environ.get("ENLACE_PASSWORD", ""))
        self._probe_press()

    def _probe_press(self) -> None:
        dialog = self.sign_in_dialog
        if dialog is None:
            return
        if self._probe == "typed" and not warmup.all_loaded():  # a person is still typing
            QTimer.singleShot(20, self._probe_press)
            return
        print(f"sign-in-pressed {time.time():.6f}", flush=True)
        dialog.try_sign_in()
        if dialog.ctx is None:  # refused: say why, and fail
            print(dialog.error.text(), file=sys.stderr, flush=True)
            self._probe = ""
            app = QApplication.instance()
            if app is not None:
                app.exit(1)

    def _probe_report(self) -> None:
        from desktop.services.workspace import kdf_seconds

        print(f"main-window-shown {time.time():.6f}", flush=True)
        print(f"kdf-seconds {kdf_seconds():.6f}", flush=True)
        self._probe = ""
        self.quit()

    # -- actions from the window ----------------------------------------------------------

    def lock(self) -> None:
        if self.idle is not None:
            self.idle.lock_now()

    def open_preferences(self) -> None:
        from desktop.ui.common import confirm
        from desktop.ui.preferences import PreferencesDialog

        if self.ctx is None or self.window is None:
            return
        dialog = PreferencesDialog(self.ctx, self.window)
        if not dialog.exec() or not dialog.language_changed or self.fixed_language:
            return
        if confirm(self.window, _("Reopen the window in the new language now? Unsaved text in open forms "
                                  "would be lost. Choose No to switch at your next sign-in.")):
            self.reopen_window()

    def reopen_window(self) -> None:
        """Rebuild the main window (after a language change), on the same section."""
        if self.ctx is None or self.window is None:
            return
        section = self.window.current_key()
        self._close_window()
        self._apply_language(self.ctx)
        self._open_main(section)

    def _close_window(self) -> None:
        window, self.window = self.window, None
        if window is not None:
            self._closing = True
            try:
                window.close()
            finally:
                self._closing = False
            window.deleteLater()

    def _end_session(self) -> None:
        from PySide6.QtWidgets import QDialog

        if self.idle is not None:
            self.idle.stop()
            self.idle.deleteLater()
            self.idle = None
        # Dialogs the person left open (a form, a question) close with the session, not after it.
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, QDialog) and widget.isVisible() and widget is not self.sign_in_dialog:
                widget.reject()
        self._close_window()
        ctx, self.ctx = self.ctx, None
        if ctx is not None:
            try:
                workspace.sign_out(ctx, on_backup_failure=self.backup_failed.emit)
            except (EnlaceError, StoreError) as exc:
                QMessageBox.warning(None, APP_NAME, str(exc))

    def _say_backup_failed(self, message: str) -> None:
        """The sign-out backup failed: say so over the sign-in screen (it is also in the audit log)."""
        from PySide6.QtCore import Qt

        from desktop.ui.job_status import job_monitor

        job_monitor().failed(None, "backup", message, audited=True)
        parent = self.sign_in_dialog if self.sign_in_dialog is not None and self.sign_in_dialog.isVisible() else None
        box = QMessageBox(QMessageBox.Icon.Warning, APP_NAME, message, parent=parent)
        box.setObjectName("backup_failed_message")
        box.setInformativeText(_("Nothing was lost: the database is as it was. Make a backup after signing in "
                                 "(Administration → Backups), or check the backup folder or drive."))
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.show()
        self.last_backup_message = box

    def sign_out(self) -> None:
        """Back to the sign-in screen. Open forms are closed."""
        self._end_session()
        self.signed_out.emit()
        self.show_sign_in()

    def quit(self) -> None:
        self._end_session()
        self._finish()

    def _window_closed(self) -> None:
        if self._closing:
            return
        self.window = None
        self.quit()

    def close_screens(self) -> None:
        """Delete the screens still open (the process is ending): before the QApplication goes."""
        import shiboken6

        for name in ("sign_in_dialog", "wizard", "recovery_dialog", "password_dialog", "window"):
            widget = getattr(self, name)
            setattr(self, name, None)
            if widget is not None and shiboken6.isValid(widget):
                shiboken6.delete(widget)

    def _finish(self) -> None:
        self.finished.emit()
        app = QApplication.instance()
        if self.quit_app and app is not None:
            app.quit()

