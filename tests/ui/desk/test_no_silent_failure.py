"""A background job that fails is said in the window, stays in the status bar until it works again, and is
in the audit log: backups (daily and at sign-out), exports."""

from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QMessageBox

from desktop.services import office
from desktop.services.security import audit
from desktop.services.workspace import backup
from desktop.store import backup as files
from desktop.ui.job_status import job_monitor
from tests.reports import factories as f


@pytest.fixture(autouse=True)
def fresh_monitor():
    job_monitor().clear()
    yield
    job_monitor().clear()


def _message_boxes(name: str) -> list[QMessageBox]:
    return [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.objectName() == name
            and w.isVisible()]


def test_a_failed_daily_backup_is_said_kept_in_the_status_bar_and_logged(qtbot, qt_settings, admin_ctx,
                                                                          tmp_path) -> None:
    from desktop.ui.main_window import MainWindow

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    office.set_setting(admin_ctx, "backup_dir", str(blocker / "backups"))  # a USB drive that is gone
    window = MainWindow(admin_ctx)
    qtbot.addWidget(window)
    window.show()
    window._run_daily_backup()
    qtbot.waitUntil(lambda: window._daily_backup_worker is None, timeout=20_000)
    qtbot.waitUntil(lambda: bool(_message_boxes("job_failure_message")), timeout=5000)
    box = _message_boxes("job_failure_message")[0]
    assert box.text().startswith("Backup failed: ") and "USB drive" in box.text()
    box.close()
    assert window.jobs_label.isVisible() and window.jobs_label.text() == "⚠ Failed: Backup"
    assert window.backup_label.objectName() == "backup_failed"
    assert window.backup_label.text().startswith("The last backup failed")
    assert '"ok": false' in audit.list_events(admin_ctx, audit.AuditFilter(action="backup"))[0].detail

    office.set_setting(admin_ctx, "backup_dir", str(tmp_path / "backups"))  # the drive is back
    window._run_daily_backup()
    qtbot.waitUntil(lambda: window._daily_backup_worker is None and not window.jobs_label.isVisible(),
                    timeout=20_000)
    assert window.backup_label.objectName() == "backup_ok"


def test_a_failed_export_is_said_kept_in_the_status_bar_and_logged(qtbot, qt_settings, ctx_for, tmp_path,
                                                                    monkeypatch) -> None:
    from desktop.ui.main_window import MainWindow
    from desktop.ui.reports import section as reports_ui
    from desktop.ui.reports.section import ExportDialog

    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        who = f.person(s, registered=f.local(date(2026, 11, 3)), birth_date=date(1990, 1, 3))
        f.referral(s, who, f.service(s), created=f.local(date(2026, 11, 3)), sent=f.local(date(2026, 11, 3)))
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    screen = window.section("reports")
    screen.set_month(date(2026, 11, 1))
    qtbot.mouseClick(screen.update_button, reports_ui.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: screen.worker is None and screen.report is not None, timeout=20_000)
    said: list[str] = []
    monkeypatch.setattr(reports_ui, "show_error", lambda parent, message: said.append(str(message)))
    monkeypatch.setattr(ExportDialog, "exec", lambda dialog: QDialog.DialogCode.Accepted)
    gone = tmp_path / "unplugged-drive" / "noviembre.xlsx"  # its folder does not exist any more
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(gone), ""))
    screen.export()
    qtbot.waitUntil(lambda: screen.worker is None and bool(said) and window.jobs_label.isVisible(),
                    timeout=20_000)
    assert window.jobs_label.isVisible() and window.jobs_label.text() == "⚠ Failed: Export"
    assert said[0] in window.jobs_label.toolTip()
    event = audit.list_events(ctx_for("admin"), audit.AuditFilter(action="job_failed"))[0]
    assert '"job": "export"' in event.detail

    good = tmp_path / "noviembre"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(good), ""))
    monkeypatch.setattr(reports_ui, "show_info", lambda *a, **k: None)
    screen.export()  # the drive is back: the warning goes
    qtbot.waitUntil(lambda: screen.worker is None and bool(list(tmp_path.glob("noviembre.*"))),
                    timeout=20_000)
    assert not window.jobs_label.isVisible()


def test_a_failed_sign_out_backup_is_said_on_the_sign_in_screen(qtbot, window_for, monkeypatch) -> None:
    import sqlite3

    session = window_for("admin")
    monkeypatch.setattr(files, "backup_copy", lambda *a, **k: (_ for _ in ()).throw(
        sqlite3.OperationalError("database or disk is full")))
    session.sign_out()
    backup.wait_for_background_backups()
    qtbot.waitUntil(lambda: bool(_message_boxes("backup_failed_message")), timeout=5000)
    box = _message_boxes("backup_failed_message")[0]
    assert "signed out failed" in box.text() and "not enough free space" in box.text()
    assert "Nothing was lost" in box.informativeText()
    box.close()
