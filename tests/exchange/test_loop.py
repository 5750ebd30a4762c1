"""Two offices complete the loop: trust, directory, certificates and revocations, a referral and its outcome."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from desktop.i18n import format_date, set_language
from desktop.services import exchange, referrals
from desktop.services.people import REFERRAL_REASONS, consent, register_person
from desktop.services.training import certificates
from desktop.services.training.certificates import REVOKED, VALID
from desktop.store.models import Certificate, Service
from tests.exchange.conftest import send
from tests.people.helpers import make_service, person_form
from tests.training.helpers import make_course

REASON = REFERRAL_REASONS[0][0]


def _services(office) -> int:
    with office.db.session() as session:
        return session.scalar(select(func.count()).select_from(Service))


def test_a_bundle_imported_twice_adds_the_services_once_then_says_nothing_new(partners, tmp_path: Path) -> None:
    a, b = partners
    make_service(a.clerk, "Asesoría jurídica BGA")
    before = _services(b)
    path = tmp_path / "a.enlace"
    exchange.export_bundle(a.admin, "CUC", path)
    first = exchange.import_bundle(b.admin, path.read_bytes())
    assert first.directory["service"].new == 1
    assert _services(b) == before + 1
    second = exchange.import_bundle(b.admin, path.read_bytes())
    assert second.nothing_new
    assert "Nothing new" in "\n".join(second.lines())
    assert _services(b) == before + 1


def test_two_offices_close_the_loop(partners, tmp_path: Path) -> None:
    a, b = partners
    # directory both ways
    make_service(a.clerk, "Orientación BGA")
    service_b = make_service(b.clerk, "Salud primaria CUC")
    send(a, b, tmp_path, name="a1.enlace")
    send(b, a, tmp_path, name="b1.enlace")
    assert _services(a) == 2 and _services(b) == 2

    # a certificate of A verifies at B; A revokes it; after A's next bundle B says revoked
    trainer = a.ctx("trainer")
    setup = make_course(trainer)
    certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf")
    with a.db.session() as session:
        cert = session.scalars(select(Certificate).order_by(Certificate.number)).first()
    assert certificates.verify_certificate(b.db, cert.payload).status == VALID
    send(a, b, tmp_path, name="a2.enlace")
    assert certificates.verify_certificate(b.db, cert.payload).status == VALID
    certificates.revoke(a.admin, cert.number, "Error en las horas")
    send(a, b, tmp_path, name="a3.enlace")
    result = certificates.verify_certificate(b.db, cert.payload)
    assert result.status == REVOKED, result.message

    # a referral from A to B's service, accepted and attended at B: A sees the outcome with B's date
    person = register_person(a.clerk, person_form())
    consent.record_consent(a.clerk, person.id, ["registration", "share_with_services"], person.created_at.date(),
                           "signed_form")
    ref = referrals.create_referral(a.clerk, referrals.ReferralForm(person_id=person.id, service_id=service_b,
                                                                    reason_code=REASON, reason="Control prenatal"))
    referrals.transition(a.clerk, ref.id, "send")
    report = send(a, b, tmp_path, name="a4.enlace", include="referrals")
    assert report.inbound_referrals == 1
    inbox = exchange.inbox(b.clerk)
    assert [r.number for r in inbox] == [ref.number]
    assert inbox[0].person_name == "José Pérez Rodríguez"
    assert "phone" not in inbox[0].person  # no follow-up consent: the phone stays at A
    exchange.register_inbound_person(b.clerk, inbox[0].id)
    exchange.record_outcome(b.clerk, inbox[0].id, "accepted")
    attended = exchange.record_outcome(b.clerk, inbox[0].id, "attended")
    send(b, a, tmp_path, name="b2.enlace", include="referrals")
    after = referrals.get_referral(a.clerk, ref.id)
    assert after.status == "completed"
    outcomes = exchange.partner_outcomes(a.clerk, ref.id)
    assert [o.status for o in outcomes] == ["received", "accepted", "attended"]
    assert outcomes[-1].office == "CUC" and outcomes[-1].at == attended.events[-1][1]
    assert after.outcome == "Attended at CUC on " + format_date(attended.events[-1][1].date(), "long")
    set_language("es")
    assert outcomes[-1].label == "Atendida"


def test_a_referral_without_consent_to_share_stays_home_with_a_clear_message(partners, tmp_path: Path) -> None:
    a, b = partners
    service_b = make_service(b.clerk, "Salud primaria CUC")
    send(b, a, tmp_path, "directory")
    person = register_person(a.clerk, person_form())
    given = consent.record_consent(a.clerk, person.id, ["registration", "share_with_services", "follow_up_contact"],
                                   person.created_at.date(), "signed_form")
    ref = referrals.create_referral(a.clerk, referrals.ReferralForm(person_id=person.id, service_id=service_b,
                                                                    reason_code=REASON))
    referrals.transition(a.clerk, ref.id, "send")
    for c in consent.list_consents(a.clerk, person.id):
        if c.scope == "share_with_services":
            consent.withdraw_consent(a.clerk, c.id, "La persona lo pidió")
    result = exchange.export_bundle(a.admin, "CUC", tmp_path / "held.enlace", ("referrals",))
    assert result.held_back == [ref.number] and result.contents["referrals"]["referrals"] == 0
    assert ref.number in exchange.held_back_message(result.held_back)
    assert ref.number not in (tmp_path / "held.enlace").read_bytes().decode("latin-1")
    assert exchange.import_bundle(b.admin, (tmp_path / "held.enlace").read_bytes()).inbound_referrals == 0
    assert given
