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
