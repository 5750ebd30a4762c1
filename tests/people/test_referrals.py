"""Consent, cases and referrals: numbering, the state machine, consent to share, follow-up, the slip."""

from __future__ import annotations

import subprocess
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from desktop.services import directory, people, referrals
from desktop.services.core.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from desktop.services.people import cases, consent
from desktop.store.models import AuditEvent, Case
from tests.people.helpers import make_service, person_form


@pytest.fixture
def setup(ctx_for):
    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    person = people.register_person(clerk, person_form())
    return clerk, service, person


def test_consent_is_recorded_withdrawn_and_kept_as_history(setup) -> None:
    clerk, _service, person = setup
    with pytest.raises(ValidationError, match="witness"):
        consent.record_consent(clerk, person.id, ["registration"], date.today(), "verbal_witness")
    given = consent.record_consent(clerk, person.id, ["registration", "share_with_services"], date.today(),
                                   "verbal_witness", "Rosa Niño")
    assert people.get_person(clerk, person.id).consent == people.ConsentState(True, True, False)
    consent.withdraw_consent(clerk, given[1].id, "Ya no quiere")
    history = consent.list_consents(clerk, person.id)
    assert len(history) == 2 and {h.scope for h in history if h.withdrawn_at} == {"share_with_services"}
    assert {h.taken_by_name for h in history} == {"Clerk Pérez"}  # histories name the colleague, not the account
    assert people.get_person(clerk, person.id).consent == people.ConsentState(True, False, False)
    with pytest.raises(ValidationError, match="already withdrawn"):
        consent.withdraw_consent(clerk, given[1].id)


def test_case_numbers_are_per_office_and_year_without_gaps_under_concurrency(setup) -> None:
    clerk, _service, person = setup
    errors: list[BaseException] = []

    def open_some():
        try:
            for _i in range(5):
                cases.open_case(clerk, person.id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_some) for _t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with clerk.db.session() as session:
        numbers = sorted(session.scalars(select(Case.number)))
    year = date.today().year
    assert numbers == [f"BGA-{year}-{n:05d}" for n in range(1, 21)]


def test_case_notes_are_dated_and_hidden_from_administrators(setup, ctx_for) -> None:
    clerk, _service, person = setup
    case = cases.open_case(clerk, person.id, priority="high")
    cases.add_note(clerk, case.id, "Primera entrevista", date.today() - timedelta(days=1))
    assert [n.text for n in cases.get_case(ctx_for("supervisor"), case.id).notes] == ["Primera entrevista"]
    assert cases.get_case(ctx_for("admin"), case.id).notes is None
    with pytest.raises(PermissionDenied):
        cases.add_note(ctx_for("admin"), case.id, "x")
    updated = cases.update_case(clerk, case.id, caseworker="supervisor", priority="urgent", status="closed",
                                expected_version=case.version)
    assert updated.closed_on == date.today() and updated.caseworker == "supervisor"


def test_referral_goes_through_every_state_with_an_event_each(setup) -> None:
    clerk, service, person = setup
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    paths = {
        "completed": ["send", "accept", "complete"],
        "not_attended": ["send", "accept", "no_show"],
        "rejected": ["send", "reject"],
        "cancelled": ["send", "cancel"],
    }
    for final, steps in paths.items():
        r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health", "Control"))
        assert r.status == "draft" and r.number.startswith(f"BGA-REM-{date.today().year}-")
        for step in steps:
            closing = referrals.TRANSITIONS[step][1] in referrals.CLOSED_STATUSES
            r = referrals.transition(clerk, r.id, step, note="llamada", outcome="Atendida" if closing else "")
        assert r.status == final
        assert [e.to_status for e in r.events] == ["draft"] + [referrals.TRANSITIONS[s][1] for s in steps]
        assert all(e.by == "clerk" and e.by_name == "Clerk Pérez" for e in r.events)
        assert r.sent_at is not None and r.closed_at is not None and r.outcome == "Atendida"
    draft = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "food"))
    assert referrals.transition(clerk, draft.id, "cancel", outcome="Error de registro").status == "cancelled"


@pytest.mark.parametrize(("steps", "bad"), [([], "accept"), ([], "complete"), (["send"], "no_show"),
                                            (["send", "accept"], "reject"), (["send", "accept"], "cancel"),
                                            (["send", "reject"], "send")])
def test_transitions_the_state_machine_does_not_allow_are_refused(setup, steps, bad) -> None:
    clerk, service, person = setup
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    for step in steps:
        r = referrals.transition(clerk, r.id, step, outcome="x")
    with pytest.raises(ValidationError, match="cannot go to"):
        referrals.transition(clerk, r.id, bad, outcome="x")
    assert referrals.get_referral(clerk, r.id).status == r.status


def test_sending_without_consent_to_share_is_refused(setup) -> None:
    clerk, service, person = setup
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    with pytest.raises(ValidationError, match="consent"):
        referrals.transition(clerk, r.id, "send")
    given = consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    consent.withdraw_consent(clerk, given[0].id)
    with pytest.raises(ValidationError, match="consent"):
        referrals.transition(clerk, r.id, "send")
    assert referrals.get_referral(clerk, r.id).status == "draft"


def test_closing_needs_an_outcome_and_a_stale_window_is_refused(setup) -> None:
    clerk, service, person = setup
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    sent = referrals.transition(clerk, r.id, "send", expected_version=r.version)
    with pytest.raises(ValidationError, match="outcome"):
        referrals.transition(clerk, r.id, "reject")
    with pytest.raises(ConflictError):
        referrals.transition(clerk, r.id, "accept", expected_version=r.version)
    assert referrals.transition(clerk, r.id, "accept", expected_version=sent.version).status == "accepted"


def test_referral_to_a_deleted_service_is_refused(setup, ctx_for) -> None:
    clerk, service, person = setup
    directory.delete_service(ctx_for("admin"), service)
    with pytest.raises(ValidationError, match="removed from the directory") as caught:
        referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    assert "service" in caught.value.fields


def test_stale_services_and_services_without_referrals_warn(ctx_for) -> None:
    admin = ctx_for("admin")
    info = referrals.get_service(ctx_for("clerk"), make_service(admin, "Otro", accepts=False, verified=False))
    text = " ".join(info.warnings())
    assert "does not accept referrals" in text and "never verified" in text


def test_due_and_overdue_follow_ups_come_most_overdue_first(setup) -> None:
    clerk, service, person = setup
    made = {}
    for days in (0, 3, 10):
        made[days] = referrals.create_referral(clerk, referrals.ReferralForm(
            person.id, service, "health", follow_up_on=date.today()))
    later = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                                    follow_up_on=date.today() + timedelta(days=2)))
    closed = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    referrals.transition(clerk, closed.id, "cancel", outcome="x")
    today = date.today() + timedelta(days=10)
    rows, total = referrals.follow_up_due(clerk, today=today)
    assert total == 4 and later.id in {r.id for r in rows}
    assert rows[0].days_overdue == 10 and rows[-1].id == later.id and rows[-1].days_overdue == 8
    assert closed.id not in {r.id for r in rows}


def test_slip_qr_decodes_and_its_check_code_verifies(setup, tmp_path) -> None:
    clerk, service, person = setup
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health", "Dolor de muela"))
    pdf = referrals.slip_pdf(clerk, r.number, page="half-letter")
    (tmp_path / "slip.pdf").write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "slip.pdf"), str(tmp_path / "slip")],
                   check=True)
    text = subprocess.run(["pdftotext", str(tmp_path / "slip.pdf"), "-"], capture_output=True, text=True).stdout
    assert "José Pérez Rodríguez" in text and "Cruz Roja Colombiana" in text and "Calle 35" in text
    scanned = subprocess.run(["zbarimg", "-q", "--raw", str(next(tmp_path.glob("slip*.png")))],
                             capture_output=True, text=True).stdout.strip()
    assert scanned.startswith(f"ENLACE-REM|{r.number}|")
    assert referrals.verify_slip(clerk, scanned).genuine
    forged = scanned[:-1] + ("A" if scanned[-1] != "A" else "B")
    assert not referrals.verify_slip(clerk, forged).genuine
    with clerk.db.session() as session:
        assert session.scalar(select(AuditEvent.action).where(AuditEvent.action == "print")) == "print"


def test_slip_leaves_out_name_and_document_without_consent(setup) -> None:
    clerk, service, person = setup
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    pdf = referrals.slip_pdf(clerk, r.number)
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "José" not in text and "12.345.678" not in text and "not written on this slip" in text


def test_unknown_slip_number_is_a_clear_error(setup) -> None:
    clerk, _service, _person = setup
    with pytest.raises(NotFound, match="no referral number"):
        referrals.slip_pdf(clerk, "BGA-REM-1999-00001")


def test_consent_form_is_a_pdf_in_the_interface_language(setup) -> None:
    from desktop.i18n import set_language

    clerk, _service, person = setup
    set_language("es")
    pdf = consent.consent_form_pdf(clerk, person.id)
    assert pdf.startswith(b"%PDF")


def test_follow_up_order_is_exact_with_ties_and_a_short_page(setup) -> None:
    clerk, service, person = setup
    consent.record_consent(clerk, person.id, ["share_with_services"], date.today(), "signed_form")
    made = []
    for k, (days, urgency) in enumerate([(0, "normal"), (1, "urgent"), (1, "normal"), (1, "high"), (2, "normal"),
                                         (2, "urgent"), (3, "normal"), (3, "normal"), (0, "urgent")]):
        r = referrals.create_referral(clerk, referrals.ReferralForm(
            person.id, service, "health", urgency=urgency, follow_up_on=date.today() + timedelta(days=days)))
        if k % 3 == 1:
            r = referrals.transition(clerk, r.id, "send")
        made.append(r)
    today = date.today() + timedelta(days=5)
    rank = referrals.URGENCY_RANK
    expected = sorted(made, key=lambda r: (r.follow_up_on.toordinal(), rank[r.urgency], r.number))
    for limit in (1, 3, 4, 9):
        rows, total = referrals.follow_up_due(clerk, today=today, limit=limit)
        assert total == 9
        assert [r.id for r in rows] == [r.id for r in expected[:limit]]


def test_a_slip_read_out_over_the_phone_verifies(setup) -> None:
    clerk, service, person = setup
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    issued = r.created_at.date()
    with clerk.db.transaction() as session:
        code = referrals.check_code(referrals._slip_secret(session), r.number, issued)
    spoken = f"{r.number.lower()} {issued.isoformat()} {code[:4]} {code[4:8]} {code[8:12]} {code[12:]}"
    assert referrals.verify_slip(clerk, spoken).genuine
    assert not referrals.verify_slip(clerk, f"{r.number} {issued.isoformat()} AAAA BBBB CCCC DDDD").genuine
    from desktop.i18n import format_date, set_locale

    set_locale("es_CO")
    assert referrals.verify_slip(clerk, f"{r.number} {issued:%d/%m/%Y} {code}").genuine  # as typed in Colombia
    printed = format_date(issued, "long")  # as printed on the slip: "23 de noviembre de 2026"
    assert referrals.verify_slip(clerk, f"{r.number} {printed} {code[:4]} {code[4:8]} {code[8:12]} {code[12:]}").genuine
    assert "is not a date" in referrals.verify_slip(clerk, f"{r.number} 31/02/2026 {code}").message
    assert not referrals.verify_slip(clerk, "hola").genuine


def test_moving_the_follow_up_takes_a_referral_off_home_until_then(setup) -> None:
    clerk, service, person = setup
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health",
                                                                follow_up_on=date.today()))
    assert referrals.follow_up_due(clerk)[1] == 1
    moved = referrals.set_follow_up(clerk, r.id, date.today() + timedelta(days=5), expected_version=r.version)
    assert referrals.follow_up_due(clerk)[1] == 0 and moved.events == r.events
    with pytest.raises(ValidationError, match="past"):
        referrals.set_follow_up(clerk, r.id, date.today() - timedelta(days=1))
    with pytest.raises(ConflictError):
        referrals.set_follow_up(clerk, r.id, date.today(), expected_version=r.version)
    referrals.transition(clerk, r.id, "cancel", outcome="x")
    with pytest.raises(ValidationError, match="closed"):
        referrals.set_follow_up(clerk, r.id, date.today())


def test_one_follow_up_rule_a_week_ahead_or_the_referral_s_own_date_while_ahead(setup) -> None:
    clerk, service, person = setup
    today = date.today()
    r = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    assert r.follow_up_on == referrals.suggested_follow_up() == today + timedelta(days=7)
    assert referrals.suggested_follow_up(r.follow_up_on) == r.follow_up_on  # still ahead: the same date
    assert referrals.suggested_follow_up(today) == today + timedelta(days=7)  # due now: a week from today
    assert referrals.suggested_follow_up(today - timedelta(days=3)) == today + timedelta(days=7)


def test_the_referral_form_s_service_search_puts_the_best_match_first(setup, ctx_for) -> None:
    clerk, _service, _person = setup
    admin = ctx_for("admin")
    for name in ("Afiliación al régimen subsidiado de salud", "Atención en salud mental",
                 "Brigada de salud oral", "Salud mental comunitaria"):
        make_service(admin, name)
    found = [s.name for s in referrals.find_services(clerk, "salud mental")]
    assert found == ["Salud mental comunitaria", "Atención en salud mental"]
    found = [s.name for s in referrals.find_services(clerk, "salud")]
    assert found[0] == "Salud mental comunitaria"  # the name starts with the word typed
    assert found.index("Atención en salud primaria") < found.index("Afiliación al régimen subsidiado de salud")
