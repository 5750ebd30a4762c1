"""A bundle that does not check out imports nothing and says why; replays and gaps are handled."""

from __future__ import annotations

import dataclasses
import io
import json
import random
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.i18n import set_language
from desktop.services import directory, exchange
from desktop.services.exchange import _bundle, _service
from desktop.services.training.certificates import key_id_for
from desktop.store.models import AuditEvent, ExchangeBundle, Service, SigningKey
from tests.exchange.conftest import send
from tests.people.helpers import make_service


def _count(office, model=Service) -> int:
    with office.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def _bundle_bytes(sender, to: str, tmp_path: Path, include: str = "directory") -> bytes:
    path = tmp_path / f"{random.random()}.enlace"
    exchange.export_bundle(sender.admin, to, path, exchange.parse_include(include))
    return path.read_bytes()


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(i.filename, archive.read(i)) for i in archive.infolist()]


def _refused(office, data: bytes, reason: str) -> str:
    before = _count(office), _count(office, ExchangeBundle)
    with pytest.raises(exchange.BundleRefused) as caught:
        exchange.import_bundle(office.admin, data)
    assert caught.value.reason == reason, caught.value
    assert (_count(office), _count(office, ExchangeBundle)) == before
    return str(caught.value)


def _signed_by(office, manifest_changes: dict, members_from: bytes) -> bytes:
    """A bundle re-signed with the office's real key after changing its manifest (what a newer Enlace would make)."""
    members = dict(_members(members_from))
    manifest = json.loads(members["manifest.json"]) | manifest_changes
    package = json.loads(members["datapackage.json"])
    resources = [_bundle.Resource(r["name"], r["path"], members[r["path"]],
                                  {k: v for k, v in r.items() if k not in ("name", "path", "bytes", "hash")})
                 for r in package["resources"]]
    with office.db.session() as session:
        key = session.scalars(select(SigningKey)).first()
        return _bundle.write_bundle(manifest, resources, key.private_key, key.key_id, package["name"])[0]


def test_every_kind_of_bad_bundle_is_refused_with_its_reason(partners, office_b, tmp_path: Path) -> None:
    a, b = partners
    make_service(a.clerk, "Asesoría jurídica")
    good = _bundle_bytes(a, "CUC", tmp_path)
    other = _bundle_bytes(a, "CUC", tmp_path)
    # swapped signature
    members = _members(good)
    members[2] = ("signature.json", dict(_members(other))["signature.json"])
    assert "signature" in _refused(b, _bundle._zip(members), _bundle.BAD_SIGNATURE)
    # a resource changed and the zip rebuilt cleanly
    members = _members(good)
    name, _data = next((n, d) for n, d in members if n == "directory/services.csv")
    members = [(n, d.replace("Asesoría".encode(), "Asesorío".encode()) if n == name else d) for n, d in members]
    assert "fingerprint" in _refused(b, _bundle._zip(members), _bundle.TAMPERED)
    # newer schema, another recipient, expired: properly signed by A, refused for what they say
    assert "newer Enlace" in _refused(b, _signed_by(a, {"schema_version": 99}, good), _bundle.NEWER_SCHEMA)
    assert "addressed to office XYZ" in _refused(b, _signed_by(a, {"recipient": "XYZ"}, good),
                                                 _bundle.OTHER_RECIPIENT)
    assert "expired" in _refused(b, _signed_by(a, {"valid_until": "2020-01-01T00:00:00Z"}, good), _bundle.EXPIRED)
    # B's own bundle, and a bundle from an office B does not trust
    assert "made by this office" in _refused(b, _bundle_bytes(b, "BGA", tmp_path), _bundle.OWN)
    exchange.remove_trust(b.admin, "BGA")
    set_language("es")
    assert "no confía" in _refused(b, good, _bundle.UNKNOWN_SENDER)
    with b.db.session() as session:
        refusals = session.scalars(select(AuditEvent).where(AuditEvent.action == "refuse")).all()
    assert len(refusals) == 7 and all(json.loads(e.detail)["sha256"] for e in refusals)


def test_a_changed_byte_anywhere_is_refused_and_changes_nothing(partners, tmp_path: Path) -> None:
    a, b = partners
    make_service(a.clerk)
    good = _bundle_bytes(a, "CUC", tmp_path)
    rng = random.Random(15)
    for position in [0, 10, 30, len(good) // 3, len(good) // 2, len(good) - 30, len(good) - 1,
                     *rng.sample(range(len(good)), 20)]:
        bad = bytearray(good)
        bad[position] ^= 0x01
        with pytest.raises(exchange.BundleRefused):
            exchange.import_bundle(b.admin, bytes(bad))
    assert _count(b) == 0 and _count(b, ExchangeBundle) == 0
    assert exchange.import_bundle(b.admin, good).directory["service"].new == 1


def test_a_gap_in_the_sequence_is_reported_in_spanish(partners, tmp_path: Path) -> None:
    a, b = partners
    bundles = [_bundle_bytes(a, "CUC", tmp_path, "keys") for _ in range(3)]
    exchange.import_bundle(b.admin, bundles[0])
    set_language("es")
    report = exchange.import_bundle(b.admin, bundles[2])
    assert report.missing == [2]
    assert "Falta el paquete 2 de BGA" in "\n".join(report.lines())
    assert exchange.list_trusted(b.admin)[0].missing == [2]
    assert exchange.import_bundle(b.admin, bundles[1]).missing == []


def test_an_old_bundle_replayed_never_reverts_newer_data(partners, tmp_path: Path) -> None:
    a, b = partners
    service_id = make_service(a.clerk, "Asesoría jurídica")
    old = _bundle_bytes(a, "CUC", tmp_path)
    form, version = directory.load_service_form(a.clerk, service_id)
    directory.save_service(a.clerk, dataclasses.replace(form, description="Horario ampliado los sábados."),
                           service_id, version)
    new = _bundle_bytes(a, "CUC", tmp_path)
    exchange.import_bundle(b.admin, new)
    late = exchange.import_bundle(b.admin, old)
    assert late.directory["service"].older == 1 and late.directory["service"].changed == 0
    with b.db.session() as session:
        assert session.get(Service, service_id).description == "Horario ampliado los sábados."


def test_a_row_changed_on_both_sides_waits_in_the_review_queue(partners, tmp_path: Path) -> None:
    a, b = partners
    service_id = make_service(a.clerk, "Asesoría jurídica")
    send(a, b, tmp_path, "directory")
    for office, text in ((a, "Versión de Bucaramanga."), (b, "Versión de Cúcuta.")):
        form, version = directory.load_service_form(office.clerk, service_id)
        directory.save_service(office.clerk, dataclasses.replace(form, description=text), service_id, version)
    report = send(a, b, tmp_path, "directory", name="second.enlace")
    assert report.directory["service"].conflicts == 1
    [conflict] = exchange.list_conflicts(b.clerk)
    assert (conflict.local["description"], conflict.remote["description"]) == ("Versión de Cúcuta.",
                                                                              "Versión de Bucaramanga.")
    assert "description" in conflict.changed_fields
    with b.db.session() as session:
        assert session.get(Service, service_id).description == "Versión de Cúcuta."
    exchange.resolve_conflict(b.clerk, conflict.id, "remote")
    with b.db.session() as session:
        assert session.get(Service, service_id).description == "Versión de Bucaramanga."
    assert exchange.list_conflicts(b.clerk) == []
    # B now sends the agreed version back: A takes nothing new and queues nothing
    back = send(b, a, tmp_path, "directory", name="back.enlace")
    assert back.directory["service"].conflicts == 0 and back.directory["service"].changed == 0


def test_dry_run_says_what_would_change_and_changes_nothing(partners, tmp_path: Path) -> None:
    a, b = partners
    make_service(a.clerk)
    report = send(a, b, tmp_path, "directory", dry_run=True)
    assert report.dry_run and report.directory["service"].new == 1
    assert _count(b) == 0 and _count(b, ExchangeBundle) == 0


def test_exports_and_imports_are_audited_with_uuid_and_hash(partners, tmp_path: Path) -> None:
    a, b = partners
    report = send(a, b, tmp_path, "keys")
    for office, action in ((a, "export"), (b, "import")):
        with office.db.session() as session:
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                             AuditEvent.entity == "exchange_bundle")).one()
        detail = json.loads(event.detail)
        assert (detail["bundle_id"], detail["sha256"]) == (str(report.bundle_id), report.sha256)


def test_exporting_to_an_office_that_is_not_trusted_is_refused(office_a, tmp_path: Path) -> None:
    with pytest.raises(exchange.BundleRefused.__mro__[1], match="not a trusted office"):
        exchange.export_bundle(office_a.admin, "ZZZ", tmp_path / "x.enlace")


def test_clerks_cannot_make_or_import_bundles(partners, tmp_path: Path) -> None:
    from desktop.services.core.errors import PermissionDenied

    a, b = partners
    with pytest.raises(PermissionDenied):
        exchange.export_bundle(a.clerk, "CUC", tmp_path / "x.enlace")
    with pytest.raises(PermissionDenied):
        exchange.import_bundle(b.clerk, b"")
    assert key_id_for(exchange.office_card(a.ctx("supervisor")).public_key)
    assert _service.CONTENTS == ("directory", "keys", "revocations", "referrals")
