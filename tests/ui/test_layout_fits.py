"""Screens fit an old office PC's 1366×768 screen and show their text whole, in Spanish too."""

from __future__ import annotations

import pytest

from desktop.i18n import set_language
from desktop.services import training
from desktop.ui.directory.section import DirectorySection
from desktop.ui.referrals.section import ReferralsSection
from desktop.ui.training.certificates import IssueDialog
from tests.directory.helpers import add_service, organization


@pytest.fixture(params=["es", "en"])
def language(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def test_the_service_name_column_stays_readable_beside_the_detail(qtbot, ctx_for, qt_settings, language) -> None:
    clerk = ctx_for("clerk")
    add_service(clerk, organization(clerk), "Acompañamiento psicosocial comunitario")
    section = DirectorySection(clerk)
    qtbot.addWidget(section)
    section.resize(1170, 650)  # the section's share of a maximized window on 1366×768
    section.show()
    qtbot.waitExposed(section)
    assert section.table.columnWidth(0) >= 200


def test_the_referral_panel_leaves_room_for_the_list(qtbot, ctx_for, qt_settings, language) -> None:
    section = ReferralsSection(ctx_for("clerk"))
    qtbot.addWidget(section)
    assert section.panel.minimumSizeHint().width() <= 520


def test_issuing_certificates_shows_the_whole_summary(qtbot, ctx_for, qt_settings, language) -> None:
    trainer = ctx_for("trainer")
    course = training.create_course(trainer, training.CourseForm(code="MESA-2026", title="Mesa migratoria",
                                                                 total_hours=20))
    dialog = IssueDialog(trainer, course.id, course.code)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    label = dialog.summary
    assert label.height() >= label.heightForWidth(label.width())
    assert dialog.path.text().endswith("MESA-2026-constancias.pdf" if language == "es" else
                                       "MESA-2026-certificates.pdf")
