"""The backup status in the status bar and Administration → Backups (back up, check, restore)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from desktop.services import workspace
from desktop.services.workspace import backup
from desktop.ui.admin.backups import BackupsTab, RestoreDialog
from tests.conftest import PASSWORD


def test_status_bar_warns_until_there_is_a_recent_backup(qtbot, qt_settings, admin_enc) -> None:
    from desktop.ui.main_window import MainWindow

    window = MainWindow(admin_enc)
    qtbot.addWidget(window)
    assert window.backup_label.objectName() == "backup_overdue"
    assert "No backup yet" in window.backup_label.text()
    backup.create_backup(admin_enc)
    window.refresh_backup_status()
    assert window.backup_label.objectName() == "backup_ok"
    assert window.backup_label.text().startswith("Last backup:")


def test_backing_up_from_the_backups_tab(qtbot, admin_enc) -> None:
    tab = BackupsTab(admin_enc)
    qtbot.addWidget(tab)
    assert tab.table.rowCount() == 0 and str(admin_enc.db.path.parent / "backups") in tab.folder.text()
    qtbot.mouseClick(tab.backup_now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tab.worker is None and tab.table.rowCount() == 1, timeout=10_000)
    assert "Backup checked and saved" in tab.status.text()
    assert tab.table.item(0, 3).text() == "Yes"


def test_checking_a_backup(qtbot, admin_enc, monkeypatch) -> None:
    backup.create_backup(admin_enc)
    tab = BackupsTab(admin_enc)
    qtbot.addWidget(tab)
    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _parent, _title, text, *a: shown.append(text))
    tab.table.selectRow(0)
    qtbot.mouseClick(tab.check, Qt.MouseButton.LeftButton)
    assert shown and "is sound" in shown[0]


def test_a_supervisor_backs_up_but_cannot_restore(qtbot, encrypted_office) -> None:
    ctx = encrypted_office.sign_in("supervisor")
    try:
        tab = BackupsTab(ctx)
        qtbot.addWidget(tab)
        assert tab.backup_now.isVisibleTo(tab) and not tab.restore_button.isVisibleTo(tab)
        assert not tab.change_folder.isVisibleTo(tab) and not tab.new_key.isVisibleTo(tab)
    finally:
        ctx.db.dispose()


def test_restore_dialog_shows_date_and_counts_and_asks_for_the_password(qtbot, admin_enc, encrypted_office) -> None:
    made = backup.create_backup(admin_enc)
    dialog = RestoreDialog(admin_enc, made.path)
    qtbot.addWidget(dialog)
    assert "Backup of CUC made on" in dialog.summary_label.text()
    labels = {dialog.counts.item(r, 0).text(): dialog.counts.item(r, 1).text() for r in range(dialog.counts.rowCount())}
    assert labels["Users"] == "4"
    assert not dialog.restore_button.isEnabled()
    qtbot.keyClicks(dialog.password, "not-my-password")
    qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.error.isVisibleTo(dialog), timeout=10_000)  # checked in the background
    assert "Wrong password" in dialog.error.text() and dialog.restore_button.isEnabled()
    dialog.password.clear()
    qtbot.keyClicks(dialog.password, PASSWORD)
    with qtbot.waitSignal(dialog.restored, timeout=10_000) as signal:
        qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
    assert signal.args[0].safety_backup.exists()
    workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD).db.dispose()


def test_a_damaged_backup_cannot_be_restored_from_the_dialog(qtbot, admin_enc) -> None:
    made = backup.create_backup(admin_enc)
    data = bytearray(made.path.read_bytes())
    data[8000:8200] = b"\xff" * 200
    made.path.write_bytes(bytes(data))
    dialog = RestoreDialog(admin_enc, made.path)
    qtbot.addWidget(dialog)
    assert "damaged" in dialog.summary_label.text()
    qtbot.keyClicks(dialog.password, PASSWORD)
    assert not dialog.restore_button.isEnabled()


def test_forgotten_administrator_password_with_the_recovery_key(qtbot, qt_settings, encrypted_office) -> None:
    from desktop.ui.sign_in import SignInDialog

    sign_in = SignInDialog(str(encrypted_office.path))
    qtbot.addWidget(sign_in)
    sign_in.username.setText("admin")
    dialog = sign_in.open_recovery()
    assert dialog.username.text() == "admin" and not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.key, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG-HHHH")
    qtbot.keyClicks(dialog.password, "a-fresh-start-1")
    qtbot.keyClicks(dialog.repeat, "a-fresh-start-1")
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert "does not open" in dialog.error.text()
    dialog.key.setText(encrypted_office.recovery_key.lower())
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    assert dialog.result() == dialog.DialogCode.Accepted
    assert "has a new password" in sign_in.error.text()
    sign_in.password.setText("a-fresh-start-1")
    sign_in.try_sign_in()
    assert sign_in.ctx is not None
    sign_in.ctx.db.dispose()


def test_restoring_a_backup_leaves_the_window_responsive(qtbot, admin_enc) -> None:
    from tests.ui.watchdog import LONGEST_PAUSE_MS, watching

    made = backup.create_backup(admin_enc)
    pauses = []
    for _try in range(3):  # the operating system alone may pause a busy machine for a moment
        dialog = RestoreDialog(admin_enc, made.path)
        qtbot.addWidget(dialog)
        qtbot.keyClicks(dialog.password, PASSWORD)
        with watching() as dog, qtbot.waitSignal(dialog.restored, timeout=30_000):
            qtbot.mouseClick(dialog.restore_button, Qt.MouseButton.LeftButton)
        pauses.append(dog.longest_ms)
        if dog.longest_ms < LONGEST_PAUSE_MS:
            break
    assert min(pauses) < LONGEST_PAUSE_MS, f"the window froze for {min(pauses):.0f} ms"
