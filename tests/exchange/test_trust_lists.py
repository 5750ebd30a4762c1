"""A coordinator's signed trust list: offices it names become trusted, a newer list drops members, and
anything changed, replayed, expired or from another coordinator is refused without changing anything."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.services import exchange
from desktop.services.core.errors import PermissionDenied
from desktop.services.exchange import _trust_list
from desktop.services.training.certificates import key_id_for
from desktop.store.base import utcnow
from desktop.store.models import AuditEvent, TrustedKey, TrustList
from tests.conftest import BACKENDS

both = pytest.mark.parametrize("backend", BACKENDS, indirect=True)
COORDINATOR = "Programa Estatal de Acogida"


def card(code: str, name: str = "") -> bytes:
    """The card of an office somewhere else (a fresh key; no database needed)."""
    public = os.urandom(32)  # any 32 bytes do for trust: nothing here signs with it
    return exchange.OfficeCard(code, name or f"Oficina {code}", "", "CO", key_id_for(public), public).to_bytes()


@pytest.fixture
def coordinator_key() -> bytes:
    return exchange.coordinator_key(COORDINATOR)


def make(key: bytes, cards: list[bytes], version: int, **kwargs) -> bytes:
    return exchange.make_trust_list(key, cards, version=version, valid_days=kwargs.pop("valid_days", 30), **kwargs)


def trusted(office) -> dict[str, tuple[bool, str]]:
    """office code → (by hand, trusted by)."""
    return {t.office_code: (t.by_hand, t.trusted_by) for t in exchange.list_trusted(office.admin)}


def state(office) -> tuple:
    with office.db.session() as session:
        return (sorted(session.execute(select(TrustedKey.key_id, TrustedKey.by_hand, TrustedKey.trust_list)).all()),
                session.scalars(select(TrustList.version)).all(),
                session.scalar(select(func.count()).select_from(AuditEvent)))


@both
def test_the_first_list_needs_the_coordinator_s_fingerprint_then_trusts_its_members(office_a, coordinator_key):
    own = exchange.office_card(office_a.admin).to_bytes()
    data = make(coordinator_key, [card("PIE"), card("SGL"), own], 1)
    doc = exchange.read_trust_list(data)
    assert len(doc.coordinator_fingerprint.split()) == 8 and doc.coordinator_name == COORDINATOR
    before = state(office_a)
    with pytest.raises(exchange.TrustListRefused) as refused:
        exchange.import_trust_list(office_a.admin, data)
    assert refused.value.reason == _trust_list.NOT_CONFIRMED and state(office_a) == before
    plan = exchange.import_trust_list(office_a.admin, data, doc.coordinator_fingerprint.lower())
    assert [m.office_code for m in plan.added] == ["PIE", "SGL"] and [m.office_code for m in plan.skipped] == ["BGA"]
    assert trusted(office_a) == {"PIE": (False, COORDINATOR), "SGL": (False, COORDINATOR)}
    [followed] = exchange.list_trust_lists(office_a.admin)
    assert (followed.version, followed.coordinator_fingerprint) == (1, doc.coordinator_fingerprint)
    assert [(m.office_code, m.trusted_here) for m in followed.members] == [("BGA", False), ("PIE", True),
                                                                           ("SGL", True)]
    with pytest.raises(PermissionDenied):  # a supervisor makes bundles but does not manage trust
        exchange.preview_trust_list(office_a.ctx("supervisor"), data)


@both
def test_a_newer_list_drops_members_but_never_trust_added_by_hand(office_a, coordinator_key):
    pie, sgl, cuc = card("PIE"), card("SGL"), card("CUC")
    exchange.trust_office(office_a.admin, cuc, exchange.read_card(cuc).fingerprint)
    first = make(coordinator_key, [pie, sgl, cuc], 1)
    exchange.import_trust_list(office_a.admin, first, exchange.read_trust_list(first).coordinator_fingerprint)
    both_ways = _("this office") + " · " + COORDINATOR
    assert trusted(office_a) == {"CUC": (True, both_ways), "PIE": (False, COORDINATOR), "SGL": (False, COORDINATOR)}
    second = make(coordinator_key, [sgl], 2)
    plan = exchange.preview_trust_list(office_a.admin, second)  # no confirmation: the coordinator is known
    assert [r[0] for r in plan.removed] == ["PIE"] and [r[0] for r in plan.kept_by_hand] == ["CUC"]
    exchange.import_trust_list(office_a.admin, second)
    assert trusted(office_a) == {"CUC": (True, _("this office")), "SGL": (False, COORDINATOR)}
    with office_a.db.session() as session:
        distrusted = session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "distrust")).all()
        assert len(distrusted) == 1 and "PIE" in distrusted[0]
    # the first list again, and the second once more: both refused, nothing changed
    before = state(office_a)
    for old in (first, second):
        with pytest.raises(exchange.TrustListRefused) as refused:
            exchange.import_trust_list(office_a.admin, old, exchange.read_trust_list(old).coordinator_fingerprint)
        assert refused.value.reason == _trust_list.NOT_NEWER and "version 2" in str(refused.value)
    assert state(office_a) == before


def _(text: str) -> str:
    from desktop.i18n import _ as translate

    return translate(text)


def test_a_flipped_byte_anywhere_is_refused_and_changes_nothing(office_a, coordinator_key):
    data = make(coordinator_key, [card("PIE"), card("SGL")], 1)
    fingerprint = exchange.read_trust_list(data).coordinator_fingerprint
    before = state(office_a)
    reasons = set()
    for position in range(0, len(data), 7):
        for bit in (0x01, 0x20):
            bad = bytearray(data)
            bad[position] ^= bit
            with pytest.raises(exchange.TrustListRefused) as refused:
                exchange.import_trust_list(office_a.admin, bytes(bad), fingerprint)
            reasons.add(refused.value.reason)
    assert reasons == {_trust_list.DAMAGED, _trust_list.BAD_SIGNATURE}
    with pytest.raises(exchange.TrustListRefused):
        exchange.import_trust_list(office_a.admin, data[:-40], fingerprint)
    assert state(office_a) == before


def test_an_expired_list_and_another_coordinator_are_refused(office_a, coordinator_key):
    old = make(coordinator_key, [card("PIE")], 1, valid_days=10, now=utcnow() - timedelta(days=11))
    with pytest.raises(exchange.TrustListRefused) as refused:
        exchange.import_trust_list(office_a.admin, old, exchange.read_trust_list(old).coordinator_fingerprint)
    assert refused.value.reason == _trust_list.EXPIRED
    good = make(coordinator_key, [card("PIE")], 1)
    exchange.import_trust_list(office_a.admin, good, exchange.read_trust_list(good).coordinator_fingerprint)
    before = state(office_a)
    rival = make(exchange.coordinator_key("Otro programa"), [card("SGL")], 9)
    with pytest.raises(exchange.TrustListRefused) as refused:
        exchange.import_trust_list(office_a.admin, rival, exchange.read_trust_list(rival).coordinator_fingerprint)
    assert refused.value.reason == _trust_list.OTHER_COORDINATOR and COORDINATOR in str(refused.value)
    assert state(office_a) == before


def _add_next_key(office) -> None:
    """A second certificate key, not yet in use (a bundle with keys carries it to partners)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    from desktop.store.models import SigningKey

    key = Ed25519PrivateKey.generate()
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    with office.db.transaction() as session:
        session.add(SigningKey(office_code=office.code, key_id=key_id_for(public), public_key=public, active=False,
                               private_key=key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())))


def test_an_office_trusted_through_a_list_sends_bundles_and_its_new_key_goes_with_the_list(
        office_a, office_b, coordinator_key, tmp_path: Path):
    from tests.exchange.conftest import send
    from tests.people.helpers import make_service

    b_card = exchange.office_card(office_b.admin).to_bytes()
    data = make(coordinator_key, [b_card, card("PIE")], 1)
    exchange.import_trust_list(office_a.admin, data, exchange.read_trust_list(data).coordinator_fingerprint)
    a_card = exchange.office_card(office_a.admin)
    exchange.trust_office(office_b.admin, a_card.to_bytes(), a_card.fingerprint)
    make_service(office_b.clerk, "Asesoría jurídica")
    assert send(office_b, office_a, tmp_path, "directory,keys").directory["service"].new == 1
    _add_next_key(office_b)
    send(office_b, office_a, tmp_path, "keys", name="second.enlace")
    cuc_keys = [t for t in exchange.list_trusted(office_a.admin) if t.office_code == "CUC"]
    assert [(t.by_hand, t.trusted_by) for t in cuc_keys] == [(False, COORDINATOR)] * 2
    # the coordinator drops CUC: its listed key and the key it learnt in a bundle both go
    exchange.import_trust_list(office_a.admin, make(coordinator_key, [card("PIE")], 2))
    assert "CUC" not in trusted(office_a)


def test_the_cli_makes_a_key_and_a_list_and_an_office_imports_it(office_a, tmp_path: Path, capsys, monkeypatch):
    import io

    from desktop.cli import main
    from tests.conftest import PASSWORD

    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)

    def cli(*args: str, office=True) -> int:
        return main(["--lang", "en", *(["--db", str(office_a.db.path)] if office else []), *args,
                     *(["--user", "admin"] if office else [])])

    key, listed = tmp_path / "programa.key", tmp_path / "v1.trustlist"
    cards = [tmp_path / "pie.card", tmp_path / "sgl.card"]
    for path, code in zip(cards, ("PIE", "SGL"), strict=True):
        path.write_bytes(card(code))
    assert cli("exchange", "trust-list", "keygen", "--name", COORDINATOR, "--out", str(key), office=False) == 0
    assert key.stat().st_mode & 0o077 == 0
    assert cli("exchange", "trust-list", "keygen", "--name", "X", "--out", str(key), office=False) != 0  # no overwrite
    fingerprint = capsys.readouterr().out.split("Fingerprint: ")[1].splitlines()[0]
    assert cli("exchange", "trust-list", "make", "--key", str(key), "--members", *map(str, cards), "--valid-days",
               "90", "--version", "1", "--out", str(listed), office=False) == 0
    assert "2 offices" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert cli("exchange", "trust-list", "import", str(listed)) == 1
    out = capsys.readouterr().out
    assert fingerprint in out and "Not imported" in out and trusted(office_a) == {}
    monkeypatch.setattr("sys.stdin", io.StringIO("y\n"))
    assert cli("exchange", "trust-list", "import", str(listed)) == 0
    assert "Now trusted: PIE (Oficina PIE), SGL (Oficina SGL)" in capsys.readouterr().out
    assert cli("exchange", "trust-list", "list") == 0
    assert COORDINATOR in capsys.readouterr().out
    assert cli("exchange", "trust", "list") == 0
    assert "Trusted by" in capsys.readouterr().out
    assert cli("exchange", "trust-list", "import", str(listed), "--yes") != 0  # the same version again
    assert "not newer" in capsys.readouterr().err
    damaged = tmp_path / "damaged.trustlist"
    data = listed.read_bytes()
    damaged.write_bytes(data[:300] + bytes([data[300] ^ 1]) + data[301:])
    assert cli("exchange", "trust-list", "import", str(damaged), "--yes") != 0
    assert "Nothing was changed" in capsys.readouterr().err


def test_the_documented_example_list_checks_out() -> None:
    doc = exchange.read_trust_list((Path(__file__).parents[2] / "docs/examples/example.trustlist").read_bytes())
    assert (doc.version, [m.office_code for m in doc.members]) == (3, ["BGA"])
    text = (Path(__file__).parents[2] / "docs/exchange.md").read_text(encoding="utf-8")
    assert doc.coordinator_fingerprint in text
