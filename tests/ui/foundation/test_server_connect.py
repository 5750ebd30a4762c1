"""“Connect to the office server”: a seat finds the office's PostgreSQL database, then signs in on it.

Runs against the test cluster (``ENLACE_TEST_PG_URL``): a server office is made with the same
service as ``enlace server init``, in a fresh empty database.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from desktop.services import workspace
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from desktop.services.workspace.server import init_server, seat_location
from desktop.store.database import make_url
from desktop.ui import settings
from desktop.ui.server_connect import ServerConnectDialog
from tests import pg
from tests.conftest import PASSWORD
from tests.ui.foundation.conftest import click, sign_in, type_into

pytestmark = pytest.mark.skipif(not pg.available() and not pg.required(),
                                reason="no PostgreSQL server (set ENLACE_TEST_PG_URL)")


@pytest.fixture
def server_office() -> Iterator[tuple[str, str]]:
    """(owner URL, what a seat keeps) of a server office BGA with administrator ana and clerk carla."""
    url = pg.new_database(migrated=False)
    init_server(url, OfficeForm(code="BGA", name="Oficina de Bucaramanga", country="CO"), "ana", "Ana Admin",
                PASSWORD)
    parsed = make_url(url)
    seat = seat_location(parsed.host, parsed.port, parsed.database)
    admin = workspace.open_signed_in(seat, "ana", PASSWORD)
    try:
        auth.create_user(admin, "carla", "Carla Clerk", "clerk", PASSWORD, language="en")
    finally:
        admin.db.dispose()
    yield url, seat
    pg.drop_database(url)


@pytest.fixture
def request_cleanup() -> Iterator[list[str]]:
    made: list[str] = []
    yield made
    for url in made:
        pg.drop_database(url)


def _fill(qtbot, dialog: ServerConnectDialog, host: str, port: int, database: str, username: str,
          password: str) -> None:
    type_into(qtbot, dialog.host, host)
    dialog.port.setFocus()
    dialog.port.selectAll()
    qtbot.keyClicks(dialog.port, str(port))
    type_into(qtbot, dialog.database, database)
    type_into(qtbot, dialog.username, username)
    type_into(qtbot, dialog.password, password)


def test_first_run_connects_to_the_office_server_and_a_clerk_signs_in(qtbot, server_office, db_path,
                                                                     make_session) -> None:
    _url, seat = server_office
    parsed = make_url(seat)
    session = make_session(db_path, "en")
    assert session.start() and session.wizard is not None  # nothing on this PC yet: the first-run wizard
    click(qtbot, session.wizard.button(session.wizard.WizardButton.CustomButton1))
    dialog = session.wizard.server_dialog
    assert isinstance(dialog, ServerConnectDialog) and dialog.isVisible()
    _fill(qtbot, dialog, parsed.host, parsed.port, parsed.database, "carla", PASSWORD)
    assert dialog.port.value() == parsed.port
    assert f"{parsed.database}.carla@{parsed.host}:{parsed.port}/{parsed.database}" in dialog.preview.text()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Return)  # Enter connects
    qtbot.waitUntil(lambda: session.sign_in_dialog is not None, timeout=15_000)
    assert session.wizard is None and session.location == seat
    assert settings.OFFICE_SERVER.get() == seat and settings.LAST_DATABASE.get() == seat
    assert "@" not in seat and PASSWORD not in seat  # the PC keeps no login and no password
    dialog = session.sign_in_dialog
    assert dialog.username.text() == "carla"
    assert dialog.local_button is not None  # the way back to this PC's file
    sign_in(qtbot, session, "carla", PASSWORD)
    qtbot.waitUntil(lambda: session.window is not None and session.window.isVisible(), timeout=15_000)
    assert session.ctx.actor.role == "clerk" and session.ctx.db.is_server
    session._end_session()
    # Back to this PC's file: the first-run wizard of the empty location again.
    session.show_sign_in()
    click(qtbot, session.sign_in_dialog.local_button)
    assert session.wizard is not None and settings.LAST_DATABASE.get() == str(db_path)


def test_the_sign_in_screen_offers_the_server_and_says_why_a_wrong_host_fails(qtbot, office_db, db_path,
                                                                             make_session) -> None:
    session = make_session(db_path, "en")
    session.start()
    dialog = session.sign_in_dialog.open_server_connect()
    _fill(qtbot, dialog, "127.0.0.1", 1, "enlace", "carla", PASSWORD)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15_000)
    assert "cannot be reached" in dialog.error.text() and "127.0.0.1:1" in dialog.error.text()
    assert dialog.isVisible() and dialog.password.text() == "" and session.location == str(db_path)
    assert settings.OFFICE_SERVER.get() == ""


@pytest.mark.parametrize("case", ["no TLS", "wrong password", "no schema"])
def test_what_the_dialog_says_when_the_server_refuses(qtbot, qt_settings, server_office, monkeypatch, case,
                                                     request_cleanup) -> None:
    from desktop.store import database

    _url, seat = server_office
    parsed = make_url(seat)
    host, database_name, password = parsed.host, parsed.database, PASSWORD
    if case == "no TLS":
        # The test cluster runs on this machine without TLS: seen as another machine's server, it must be
        # refused before any password is sent.
        monkeypatch.setattr(database, "LOCAL_HOSTS", frozenset({"localhost"}))
    elif case == "wrong password":
        password = "not-the-password"
    else:  # an empty database on the same server, where ana has a login but Enlace has no tables
        empty = pg.new_database(migrated=False)
        database_name = make_url(empty).database
        pg._admin(f'CREATE ROLE "{database_name}.ana" LOGIN PASSWORD \'{PASSWORD}\'')
        request_cleanup.append(empty)
    dialog = ServerConnectDialog(username="")
    qtbot.addWidget(dialog)
    dialog.show()
    _fill(qtbot, dialog, host, parsed.port, database_name, "ana", password)
    click(qtbot, dialog.connect_button)
    qtbot.waitUntil(lambda: dialog.error.isVisible(), timeout=15_000)
    expected = {"no TLS": "does not offer an encrypted (TLS) connection",
                "wrong password": "refused this user name or password",
                "no schema": "is not an Enlace office"}[case]
    assert expected in dialog.error.text()
    assert dialog.result() == 0 and settings.OFFICE_SERVER.get() == ""


def test_an_administrator_backs_up_the_server_office_from_the_window(qtbot, qt_settings, server_office,
                                                                     tmp_path) -> None:
    from PySide6.QtWidgets import QMessageBox

    from desktop.ui.admin.backups import BackupsTab
    from tests.ui.foundation.conftest import answer_message_box, modal

    _url, seat = server_office
    ctx = workspace.open_signed_in(seat, "ana", PASSWORD)
    try:
        tab = BackupsTab(ctx)
        qtbot.addWidget(tab)
        tab.set_folder(str(tmp_path / "backups"))
        assert not tab.restore_button.isVisibleTo(tab) and not tab.restore_file.isVisibleTo(tab)
        click(qtbot, tab.backup_now)
        qtbot.waitUntil(lambda: tab.worker is None, timeout=30_000)
        assert "Backup checked and saved" in tab.status.text(), tab.status.text()
        assert len(tab.backups) == 1 and tab.backups[0].path.name.endswith(".pgdump") and tab.backups[0].encrypted
        tab.table.selectRow(0)
        box = answer_message_box(QMessageBox.StandardButton.Ok)
        modal(qtbot, box, lambda: click(qtbot, tab.check))
        assert "is sound" in box.text
    finally:
        ctx.db.dispose()
