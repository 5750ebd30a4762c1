"""An encrypted office keeps its people in a file the trainer's password does not open: every screen a
trainer has still works, and the clerk's and administrator's screens see the people."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox, QTabWidget

from desktop.services import people, workspace
from desktop.services.office import OfficeForm
from desktop.services.security import auth
from tests.conftest import PASSWORD
from tests.people.helpers import person_form


def _office(path: Path) -> None:
    ctx = workspace.create_office(path, OfficeForm(code="CUC", name="Oficina de Cúcuta", country="CO",
                                                   municipality="Cúcuta"), "admin", "Ana Admin", PASSWORD)
    for role in ("clerk", "trainer"):
        auth.create_user(ctx, role, f"{role.title()} Peñaranda", role, PASSWORD)
    clerk = workspace.open_signed_in(path, "clerk", PASSWORD)
    people.register_person(clerk, person_form(given_names="Rosa", family_name_1="Quintero"))
    clerk.db.dispose()
    ctx.db.dispose()


def _visit_every_screen(qtbot, window) -> None:
    for spec in window.specs:
        window.show_section(spec.key)
        qtbot.wait(150)
        section = window.section(spec.key)
        for tabs in section.findChildren(QTabWidget):
            for index in range(tabs.count()):
                tabs.setCurrentIndex(index)
                qtbot.wait(100)
        if hasattr(section, "refresh"):
            section.refresh()
        qtbot.wait(200)


def test_every_screen_works_for_each_role_when_the_people_are_in_their_own_file(qtbot, make_session, tmp_path,
                                                                                  caplog) -> None:
    path = tmp_path / "data" / "enlace.db"
    _office(path)
    assert Path(f"{path}.people").is_file()
    caplog.set_level(logging.WARNING)
    for username in ("trainer", "clerk", "admin"):
        session = make_session(path, "es")
        session._signed_in(workspace.open_signed_in(str(path), username, PASSWORD))
        window = session.window
        qtbot.addWidget(window)
        assert (window.ctx.db.people is None) == (username == "trainer")
        _visit_every_screen(qtbot, window)
        boxes = [w.text() for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert boxes == [], (username, boxes)
        assert "no such table" not in window.statusBar().currentMessage()
        if username != "trainer":
            assert [hit.family_name_1 for hit in people.search_people(window.ctx, "Quintero")] == ["Quintero"]
        session._end_session()
    assert "no such table" not in caplog.text


def test_the_sign_in_that_moves_the_files_says_so_first(qtbot, tmp_path, qt_settings) -> None:
    """An office from before role files: the first sign-in moves people and trainings into their own files
    and the dialog says so (in Spanish) before it waits; the next sign-in says nothing."""
    from PySide6.QtCore import Qt

    from desktop.i18n import use_language
    from desktop.services.core.context import AppContext
    from desktop.services.workspace import setup
    from desktop.ui.sign_in import SignInDialog

    path = tmp_path / "data" / "enlace.db"
    db = workspace.open_store(path)  # a new file opened this way keeps every table in the main file
    setup.setup_office(db, OfficeForm(code="CUC", name="Oficina", country="CO"), "admin", "Ana Admin", PASSWORD)
    AppContext(db, auth.sign_in(db, "admin", PASSWORD))
    db.dispose()
    assert not Path(f"{path}.people").exists()
    with use_language("es"):
        for first in (True, False):
            dialog = SignInDialog(str(path))
            qtbot.addWidget(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            dialog.username.clear()
            qtbot.keyClicks(dialog.username, "admin")
            qtbot.keyClicks(dialog.password, PASSWORD)
            qtbot.keyClick(dialog.password, Qt.Key.Key_Return)
            assert dialog.ctx is not None, (dialog.username.text(), dialog.error.text())
            assert ("una sola vez" in dialog.error.text()) == first, dialog.error.text()
            assert set(dialog.ctx.db.files) == {"people", "training"}
            dialog.ctx.db.dispose()
