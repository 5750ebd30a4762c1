"""Every section opens on an encrypted office database, empty or with records (SQLCipher is stricter than SQLite)."""

from __future__ import annotations

import pytest

from desktop.services import directory
from desktop.ui.main_window import MainWindow
from tests.directory.helpers import add_service, organization


@pytest.mark.parametrize("with_records", [False, True], ids=["empty", "with a service"])
def test_every_section_opens_on_an_encrypted_office(qtbot, qt_settings, encrypted_office, with_records) -> None:
    ctx = encrypted_office.sign_in()
    try:
        if with_records:
            add_service(ctx, organization(ctx), "Atención psicológica", city="Girón")
        window = MainWindow(ctx)
        qtbot.addWidget(window)
        for spec in window.specs:
            window.show_section(spec.key)
            assert window.current_key() == spec.key
            assert window.section(spec.key) is not None
        assert directory.filter_options(ctx).municipalities == (["Girón"] if with_records else [])
        window.close()
    finally:
        ctx.db.dispose()
