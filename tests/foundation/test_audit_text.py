"""The audit log in words: who did what to which record, in the interface language."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from desktop.i18n import use_language
from desktop.services import people, referrals
from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError, PermissionDenied
from desktop.services.security import audit, audit_text, auth
from desktop.services.training import certificates
from tests.conftest import PASSWORD
from tests.foundation.test_query_counts import statements
from tests.people.helpers import make_service, person_form
from tests.training.helpers import make_course


def sentences(ctx: AppContext, n: int = 200) -> list[str]:
    return audit_text.describe(ctx, audit.list_events(ctx, limit=n))


def newest(admin: AppContext, language: str, n: int = 1) -> list[str]:
    with use_language(language):
        return sentences(admin, n)


def test_person_created_and_updated(ctx_for: Callable[[str], AppContext]) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    person = people.register_person(clerk, person_form(given_names="Luz Marina", family_name_1="Ortega",
                                                       family_name_2=""))
    assert newest(admin, "es") == ["Clerk Pérez registró a la persona Luz Marina Ortega"]
    assert newest(admin, "en") == ["Clerk Pérez registered person Luz Marina Ortega"]
    form = person_form(given_names="Luz Marina", family_name_1="Ortega", family_name_2="", phone="+57 300 111 2233")
    people.update_person(clerk, person.id, form, person.version)
    assert newest(admin, "es") == ["Clerk Pérez cambió el teléfono de la persona Luz Marina Ortega"]
    assert newest(admin, "en") == ["Clerk Pérez changed the phone of person Luz Marina Ortega"]
    form = person_form(given_names="Luz Marina", family_name_1="Ortega", family_name_2="", phone="+57 300 111 2233",
                       address="Calle 9 # 1-2", municipality="Girón")
    people.update_person(clerk, person.id, form, person.version + 1)
    assert newest(admin, "es") == ["Clerk Pérez cambió la dirección y el municipio de la persona Luz Marina Ortega"]
    with use_language("es"):  # "de el caso" contracts to "del caso", only at the seam
        assert audit_text._fill("{actor} cambió {fields} de {record}", "el caso El Dorado", actor="Ana",
                                fields="la prioridad") == "Ana cambió la prioridad del caso El Dorado"


def test_referral_created_and_moved(ctx_for: Callable[[str], AppContext]) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    service = make_service(clerk)
    person = people.register_person(clerk, person_form())
    info = referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))
    assert newest(admin, "es") == [f"Clerk Pérez creó la remisión {info.number}"]
    assert newest(admin, "en") == [f"Clerk Pérez created referral {info.number}"]
    referrals.transition(clerk, info.id, "cancel", outcome="La persona ya fue atendida")
    assert newest(admin, "es") == [f"Clerk Pérez pasó la remisión {info.number} a «Cancelada»"]
    assert newest(admin, "en") == [f"Clerk Pérez moved referral {info.number} to “Cancelled”"]


def test_certificate_issued_and_revoked(ctx_for: Callable[[str], AppContext], tmp_path: Path) -> None:
    trainer, admin = ctx_for("trainer"), ctx_for("admin")
    setup = make_course(trainer, signatories=False)
    number = sorted(certificates.issue_certificates(trainer, setup.course_id, tmp_path / "c.pdf").numbers)[0]
    texts = newest(admin, "es", 20)
    assert f"Trainer Pérez emitió el certificado {number}" in texts
    certificates.revoke(admin, number, "Emitido por error")
    assert newest(admin, "es") == [f"Ana Admin anuló el certificado {number}"]
    assert newest(admin, "en") == [f"Ana Admin revoked certificate {number}"]


def test_failed_sign_ins_and_a_deactivated_user(ctx_for: Callable[[str], AppContext], office_db) -> None:
    admin = ctx_for("admin")
    for name in ("clerk", "nadie"):
        with pytest.raises(AuthError):
            auth.sign_in(office_db, name, "wrong password!")
    assert newest(admin, "es", 2) == ["Ingreso fallido con el usuario desconocido «nadie»",
                                      "Clerk Pérez no pudo ingresar: contraseña incorrecta"]
    assert newest(admin, "en", 2) == ["Failed sign-in with the unknown user name “nadie”",
                                      "Clerk Pérez could not sign in: wrong password"]
    clerk_id = next(u.id for u in auth.list_users(admin) if u.username == "clerk")
    auth.update_user(admin, clerk_id, active=False)
    assert newest(admin, "es") == ["Ana Admin desactivó la cuenta de Clerk Pérez"]
    assert newest(admin, "en") == ["Ana Admin deactivated the account of Clerk Pérez"]
    auth.sign_in(office_db, "supervisor", PASSWORD)
    assert newest(admin, "es") == ["Supervisor Pérez ingresó"]


def test_backup_and_unknown_actions_read_as_sentences(ctx_for: Callable[[str], AppContext], office_db) -> None:
    admin = ctx_for("admin")
    with office_db.transaction() as session:  # as desktop.services.workspace.backup writes them
        audit.record(session, "admin", "backup", "backup", "BGA-20260301-0900.enlace-backup", detail={"ok": True})
        audit.record(session, "ghost", "teleport", "spaceship", "NCC-1701", ["warp"])
    assert newest(admin, "es", 2) == ["ghost: teleport — spaceship NCC-1701",
                                      "Ana Admin hizo un respaldo (BGA-20260301-0900.enlace-backup)"]
    assert newest(admin, "en", 2)[1] == "Ana Admin made a backup (BGA-20260301-0900.enlace-backup)"


def test_a_page_of_sentences_costs_the_same_for_few_or_many_events(ctx_for: Callable[[str], AppContext]) -> None:
    clerk, admin = ctx_for("clerk"), ctx_for("admin")
    service = make_service(clerk)

    def work(n: int) -> None:
        for i in range(n):
            person = people.register_person(clerk, person_form(given_names=f"Ana {n}-{i}",
                                                               document_number=f"V-{n}{i:06d}"))
            referrals.create_referral(clerk, referrals.ReferralForm(person.id, service, "health"))

    work(1)
    events = audit.list_events(admin, limit=200)
    with statements(admin.db) as few:
        audit_text.describe(admin, events)
    work(15)
    events = audit.list_events(admin, limit=200)
    with statements(admin.db) as many:
        texts = audit_text.describe(admin, events)
    assert len(events) > 30 and len(texts) == len(events)
    # users, people, referrals, services, organizations, the office: one statement each, whatever the page's size
    assert len(many) == len(few) <= 7


def test_only_auditors_read_sentences(ctx_for: Callable[[str], AppContext]) -> None:
    with pytest.raises(PermissionDenied):
        audit_text.describe(ctx_for("clerk"), [])
