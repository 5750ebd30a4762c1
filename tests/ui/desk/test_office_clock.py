"""The office's clock, not this PC's: a laptop set to Tokyo still greets, counts "today" and tells lockout
times as the office in Bogotá lives them."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest

from desktop import i18n
from desktop.services import people, referrals
from desktop.services.core.errors import AuthError
from desktop.services.security import auth
from tests.people.helpers import make_service, person_form

# 1 April 2026, 01:30 UTC: 10:30 on 1 April in Tokyo, 20:30 on 31 March in Bogotá.
INSTANT = datetime(2026, 4, 1, 1, 30, tzinfo=UTC)


@pytest.fixture
def pc_in_tokyo(monkeypatch: pytest.MonkeyPatch) -> Iterator[datetime]:
    """This PC's zone is Asia/Tokyo (TZ, as the operating system sets it) and its clock reads ``INSTANT``."""
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    monkeypatch.setattr(i18n, "utc_now", lambda: INSTANT)
    assert INSTANT.astimezone().date() == date(2026, 4, 1)  # the PC's own idea of today
    yield INSTANT
    monkeypatch.undo()
    time.tzset()


def test_greeting_and_today_follow_bogota(pc_in_tokyo, window_for) -> None:
    from desktop.ui.home import greeting
    from desktop.ui.reports.section import recent_months

    session = window_for("clerk")  # opening the window sets the office's zone (America/Bogota)
    assert i18n.office_timezone().key == "America/Bogota"
    assert i18n.office_today() == date(2026, 3, 31)
    assert greeting("Ana María Gómez") == "Good evening, Ana"  # 20:30 in Bogotá (10:30 in Tokyo)
    assert recent_months(i18n.office_today())[0] == date(2026, 3, 1)  # the report's default month
    from PySide6.QtWidgets import QLabel

    shown = session.window.findChild(QLabel, "greeting")
    assert shown.text().startswith("Good evening")  # the Home screen's "Buenos días" is Bogotá's


def test_follow_ups_due_today_follow_bogota(pc_in_tokyo, ctx_for) -> None:
    i18n.set_timezone("America/Bogota")
    clerk = ctx_for("clerk")
    service = make_service(clerk)
    person = people.register_person(clerk, person_form())
    bogota_today = referrals.create_referral(clerk, referrals.ReferralForm(
        person.id, service, "health", follow_up_on=date(2026, 3, 31)))
    referrals.create_referral(clerk, referrals.ReferralForm(  # Tokyo's today: tomorrow at the office
        person.id, service, "health", follow_up_on=date(2026, 4, 1)))
    rows, total = referrals.follow_up_due(clerk)
    assert total == 1 and rows[0].number == bogota_today.number and rows[0].days_overdue == 0


def test_lockout_time_is_told_on_the_office_clock(pc_in_tokyo, office_db) -> None:
    for _attempt in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(AuthError):
            auth.sign_in(office_db, "clerk", "not the password", now=INSTANT)
    with pytest.raises(AuthError) as refused:
        auth.sign_in(office_db, "clerk", auth_password(), now=INSTANT + timedelta(minutes=5))
    message = str(refused.value)
    assert "8:45" in message and "PM" in message and "10:45" not in message  # 20:45 Bogotá, not 10:45 Tokyo
    assert "in 10 minutes" in message


def auth_password() -> str:
    from tests.conftest import PASSWORD

    return PASSWORD
