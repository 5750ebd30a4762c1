"""The audit log browser's filters and paging, and the office profile and settings screen."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import QModelIndex

from desktop.services import office as office_service
from desktop.services.core.errors import AuthError
from desktop.services.office import OfficeForm
from desktop.services.security import audit
from desktop.services.security.auth import sign_in
from tests.ui.foundation.conftest import click, select_combo, type_into


def _tab(session, name: str):
    session.window.show_section("admin")
    section = session.window.section("admin")
    page = section.pages[name]
    section.tabs.setCurrentWidget(page)
    return page


def _failed_sign_ins(db, n: int) -> None:
    for _attempt in range(n):
        try:
            sign_in(db, "trainer", "not-the-password")
        except AuthError:
            pass


def test_audit_log_lists_newest_first_and_filters_by_user_action_and_text(qtbot, window_for, office_db) -> None:
    _failed_sign_ins(office_db, 2)
    tab = _tab(window_for("supervisor"), "AuditTab")
    events = tab.model.rows
    assert [e.seq for e in events] == sorted((e.seq for e in events), reverse=True)
    assert events[0].action == "login" and events[0].username == "supervisor"

    select_combo(tab.user, "trainer")
    assert {e.username for e in tab.model.rows} == {"trainer"}
    select_combo(tab.action, "login_failed")
    assert len(tab.model.rows) == 2
    assert tab.model.data(tab.model.index(0, 4)) == "Failed sign-in"
    select_combo(tab.user, None)
    select_combo(tab.action, "create")
    type_into(qtbot, tab.search, "ROLE")  # a changed field's name, any case
    tab.apply_filter()  # what the pause after typing does
    assert [e.entity for e in tab.model.rows] == ["user"] * 4  # the four fixture accounts
    assert tab.model.data(tab.model.index(0, 5)) == "User"
    tab.table.selectRow(0)
    assert "Changed fields: full_name, password, role, username" in tab.detail.toPlainText()
    assert tab.model.data(tab.model.index(0, 2)).startswith("Ana Admin created user ")  # the sentence column
    assert tab.detail.toPlainText().startswith("Ana Admin created user ")


def test_audit_log_date_range_is_in_the_office_time_zone(qtbot, window_for) -> None:
    tab = _tab(window_for("admin"), "AuditTab")
    tab.use_since.setChecked(True)
    tab.since.set_value(date.today() + timedelta(days=1))
    assert tab.model.rows == []
    tab.since.set_value(date.today() - timedelta(days=1))
    tab.use_until.setChecked(True)
    tab.until.set_value(date.today())
    assert tab.model.rows  # today's events, whatever the hour in Bogotá
    flt = tab.current_filter()
    assert flt.until - flt.since == timedelta(days=2)
    assert flt.since.utcoffset() == timedelta(0) and flt.since.hour == 5  # midnight in Bogotá is 05:00 UTC


def test_audit_log_fetches_older_events_as_the_list_scrolls(qtbot, window_for, office_db) -> None:
    _failed_sign_ins(office_db, 4)
    tab = _tab(window_for("admin"), "AuditTab")
    tab.model.page_size = 3
    tab.apply_filter()
    assert tab.model.rowCount() == 3 and tab.model.canFetchMore(QModelIndex())
    total = audit.count_events(office_db)
    while tab.model.canFetchMore(QModelIndex()):
        tab.model.fetchMore(QModelIndex())
    seqs = [e.seq for e in tab.model.rows]
    assert seqs == list(range(total, 0, -1))  # every event once, newest first


def test_audit_integrity_check_from_the_screen(qtbot, window_for) -> None:
    tab = _tab(window_for("admin"), "AuditTab")
    click(qtbot, tab.verify_button)
    assert not tab.verify_button.isEnabled()  # checking in the background
    qtbot.waitUntil(lambda: tab.verify_label.text().startswith("Intact:"), timeout=10_000)
    assert tab.verify_button.isEnabled()


def test_office_profile_saves_and_refuses_a_concurrent_change(qtbot, window_for, admin_ctx, monkeypatch) -> None:
    from desktop.ui.admin import office as office_ui

    shown: list[str] = []
    monkeypatch.setattr(office_ui, "show_error", lambda _parent, error: shown.append(str(error)))
    tab = _tab(window_for("admin"), "OfficeTab")
    assert tab.fields.code.text() == "BGA"
    type_into(qtbot, tab.fields.region, "Santander")
    click(qtbot, tab.save_button)
    assert tab.profile_status.text() == "Office profile saved."
    assert office_service.office_info(admin_ctx.db).region == "Santander"

    # Someone else saves meanwhile; this form's save is refused and keeps what was typed.
    info = office_service.office_info(admin_ctx.db)
    office_service.update_office(admin_ctx, OfficeForm(code="BGA", name="Nombre de otra persona", country="CO",
                                                       municipality="Bucaramanga", region="Santander"),
                                 expected_version=info.version)
    type_into(qtbot, tab.fields.name, "Mi nombre nuevo")
    click(qtbot, tab.save_button)
    assert "changed by admin" in tab.profile_status.text() and shown
    assert tab.fields.name.text() == "Mi nombre nuevo"
    assert office_service.office_info(admin_ctx.db).name == "Nombre de otra persona"
    click(qtbot, tab.reload_button)
    assert tab.fields.name.text() == "Nombre de otra persona"


def test_office_settings_are_saved(qtbot, window_for, admin_ctx) -> None:
    tab = _tab(window_for("admin"), "OfficeTab")
    assert tab.idle_minutes.value() == 10
    tab.idle_minutes.setValue(25)
    tab.stale_months.setValue(12)
    select_combo(tab.page_size, "A4")
    click(qtbot, tab.save_settings_button)
    db = admin_ctx.db
    assert [office_service.get_setting(db, k) for k in ("idle_lock_minutes", "stale_after_months", "page_size")] == [
        25, 12, "A4"]



def test_office_phone_and_address_are_typed_saved_and_refused_when_wrong(qtbot, window_for, admin_ctx,
                                                                          monkeypatch) -> None:
    from desktop.ui.admin import office as office_ui

    shown: list[str] = []
    monkeypatch.setattr(office_ui, "show_error", lambda _parent, error: shown.append(str(error)))
    tab = _tab(window_for("admin"), "OfficeTab")
    assert tab.office_phone.text() == "" and tab.office_address.text() == ""
    type_into(qtbot, tab.office_phone, "sin teléfono")
    type_into(qtbot, tab.office_address, "Calle 35 # 10-43, Centro")
    click(qtbot, tab.save_settings_button)
    assert shown and tab.office_phone.property("invalid") and "digits" in tab.office_phone.toolTip()
    tab.office_phone.clear()
    type_into(qtbot, tab.office_phone, "+57 607 634 5678")
    click(qtbot, tab.save_settings_button)
    assert office_service.office_contact(admin_ctx.db) == ("+57 607 634 5678", "Calle 35 # 10-43, Centro")
    assert tab.settings_status.text().startswith("Settings saved.")
