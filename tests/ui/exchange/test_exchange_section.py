"""The Intercambio section: administrators make and import bundles with a preview; clerks work the inbox."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QDialog

from desktop.services import exchange, referrals
from desktop.services.people import REFERRAL_REASONS, consent, register_person
from desktop.ui.exchange.bundles import ExportDialog
from desktop.ui.exchange.section import ExchangeSection
from tests.exchange.conftest import office_a, office_b, partners, send  # noqa: F401 - fixtures
from tests.people.helpers import make_service, person_form


def _section(qtbot, ctx) -> ExchangeSection:
    section = ExchangeSection(ctx)
    qtbot.addWidget(section)
    section.resize(1100, 650)
    section.show()
    return section


def test_tabs_follow_the_role(qtbot, ctx_for, qt_settings) -> None:
    clerk = _section(qtbot, ctx_for("clerk"))
    assert clerk.bundles is None and clerk.inbox is not None and clerk.review is not None
    assert "No referral from another office yet" in clerk.inbox.empty_state.text()
    supervisor = _section(qtbot, ctx_for("supervisor"))
    assert supervisor.bundles is not None and supervisor.inbox is None
    assert supervisor.bundles.trust_button.isHidden()  # trusting an office is the administrator's
    admin = _section(qtbot, ctx_for("admin"))
    assert not admin.bundles.trust_button.isHidden()
    assert "No office is trusted yet" in admin.bundles.empty_state.text()


def test_admin_previews_a_bundle_imports_it_after_a_preview_and_the_clerk_works_the_referral(
        qtbot, partners, qt_settings, tmp_path: Path) -> None:  # noqa: F811
    a, b = partners
    make_service(a.clerk, "Orientación BGA")
    service_b = make_service(b.clerk, "Salud primaria CUC")
    send(b, a, tmp_path, "directory")
    person = register_person(a.clerk, person_form())
    consent.record_consent(a.clerk, person.id, ["registration", "share_with_services"], person.created_at.date(),
                           "signed_form")
    ref = referrals.create_referral(a.clerk, referrals.ReferralForm(person_id=person.id, service_id=service_b,
                                                                    reason_code=REFERRAL_REASONS[0][0]))
    referrals.transition(a.clerk, ref.id, "send")

    section_a = _section(qtbot, a.admin)
    dialog = ExportDialog(a.admin, section_a.bundles.trusted, section_a)
    qtbot.addWidget(dialog)
    assert "2 services" in dialog.preview.text() and "Referrals: 1" in dialog.preview.text()
    dialog.contents["directory"].setChecked(False)
    assert "services" not in dialog.preview.text()
    to, include = dialog.chosen()
    assert to == "CUC" and "directory" not in include
    path = tmp_path / "a.enlace"
    section_a.bundles.export_to(to, ("directory", "referrals"), str(path))

    section_b = _section(qtbot, b.admin)
    section_b.bundles.start_import(path.read_bytes())
    qtbot.waitUntil(lambda: getattr(section_b.bundles, "preview", None) is not None, timeout=10_000)
    preview = section_b.bundles.preview
    assert "service: 1 new" in preview.text.toPlainText() and "Referrals received: 1" in preview.text.toPlainText()
    assert exchange.inbox(b.clerk) == []  # nothing written before the person confirms
    preview.accept()
    qtbot.waitUntil(lambda: "Referrals received: 1" in section_b.bundles.status.text(), timeout=10_000)
    assert len(exchange.inbox(b.clerk)) == 1

    clerk_section = _section(qtbot, b.clerk)
    inbox = clerk_section.inbox
    inbox.refresh()
    inbox.table.selectRow(0)
    assert "José Pérez Rodríguez" in inbox.detail.text()
    assert inbox.action_buttons["accepted"].isVisible() and not inbox.action_buttons["attended"].isVisible()
    inbox.record("accepted")
    inbox.table.selectRow(0)
    inbox.record("attended")
    assert exchange.inbox(b.clerk)[0].status == "attended"
    assert dialog.result() != QDialog.DialogCode.Accepted


def test_admin_imports_a_coordinator_s_trust_list_with_the_button(qtbot, office_a, qt_settings,  # noqa: F811
                                                                  tmp_path: Path, monkeypatch) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from tests.exchange.test_trust_lists import card

    key = exchange.coordinator_key("Programa Estatal")
    listed = tmp_path / "v1.trustlist"
    listed.write_bytes(exchange.make_trust_list(key, [card("PIE"), card("SGL")], version=1, valid_days=30))
    asked: list[str] = []
    answers = iter([QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes])

    def question(parent, title, text, *args):
        asked.append(text)
        return next(answers)

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(listed), ""))
    monkeypatch.setattr(QMessageBox, "question", question)
    section = _section(qtbot, office_a.admin)
    tab = section.bundles
    assert not tab.trust_list_button.isHidden()
    qtbot.mouseClick(tab.trust_list_button, Qt.MouseButton.LeftButton)  # the person says no: nothing changes
    fingerprint = exchange.read_trust_list(listed.read_bytes()).coordinator_fingerprint
    assert fingerprint in asked[0] and "Now trusted: PIE (Oficina PIE), SGL (Oficina SGL)" in asked[0]
    assert tab.offices.rowCount() == 0
    qtbot.mouseClick(tab.trust_list_button, Qt.MouseButton.LeftButton)
    assert tab.offices.rowCount() == 2
    headers = [tab.offices.horizontalHeaderItem(c).text() for c in range(tab.offices.columnCount())]
    column = headers.index("Trusted by")
    assert [tab.offices.item(r, column).text() for r in range(2)] == ["Programa Estatal"] * 2
    assert "Trust list version 1 of Programa Estatal imported." in tab.status.text()
    tab.grab().save(str(tmp_path / "trust-list.png"))
    # the same file again: refused with a message, nothing changed
    errors: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a: errors.append(text))
    qtbot.mouseClick(tab.trust_list_button, Qt.MouseButton.LeftButton)
    assert "not newer" in errors[0] and tab.offices.rowCount() == 2
