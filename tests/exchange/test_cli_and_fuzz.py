"""The CLI as an administrator scripts it, and a thousand damaged bundles that import nothing."""

from __future__ import annotations

import io
import json
import random
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from desktop.cli import main
from desktop.services import exchange
from desktop.services.exchange import _bundle
from desktop.store.models import AuditEvent, ExchangeBundle, ExchangeConflict, InboundReferral, Service
from tests.conftest import PASSWORD
from tests.people.helpers import make_service


@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)

    def run(office, *args: str, user: str = "admin") -> int:
        return main(["--lang", "en", "--db", str(office.db.path), *args, "--user", user])

    return run


def _services(office) -> int:
    with office.db.session() as session:
        return session.scalar(select(func.count()).select_from(Service))


def test_cli_card_trust_export_import_and_a_changed_byte(cli, office_a, office_b, tmp_path: Path, capsys,
                                                        monkeypatch) -> None:
    a, b = office_a, office_b
    make_service(a.clerk, "Asesoría jurídica")
    assert cli(a, "exchange", "card", "--out", str(tmp_path / "bga.card")) == 0
    assert cli(b, "exchange", "card", "--out", str(tmp_path / "cuc.card")) == 0
    assert cli(a, "exchange", "card", "--out", str(tmp_path / "bga.pdf")) == 0
    assert (tmp_path / "bga.pdf").read_bytes().startswith(b"%PDF")
    out = capsys.readouterr().out
    fingerprint = exchange.read_card((tmp_path / "bga.card").read_bytes()).fingerprint
    assert f"Fingerprint: {fingerprint}" in out and len(fingerprint.split()) == 8
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert cli(b, "exchange", "trust", "add", str(tmp_path / "bga.card")) == 1  # not confirmed
    assert "Not trusted" in capsys.readouterr().out
    assert cli(b, "exchange", "trust", "add", str(tmp_path / "bga.card"), "--yes") == 0
    assert cli(a, "exchange", "trust", "add", str(tmp_path / "cuc.card"), "--yes") == 0
    capsys.readouterr()
    assert cli(b, "exchange", "trust", "list") == 0
    assert "BGA" in capsys.readouterr().out
    bundle = tmp_path / "a.enlace"
    assert cli(a, "exchange", "export", "--to", "CUC", "--include", "directory,keys,revocations,referrals",
               "--out", str(bundle)) == 0
    assert "Bundle 1 for CUC" in capsys.readouterr().out
    data = bundle.read_bytes()
    damaged = tmp_path / "damaged.enlace"
    damaged.write_bytes(data[:1000] + bytes([data[1000] ^ 0x20]) + data[1001:])
    assert cli(b, "exchange", "import", str(damaged)) != 0
    assert "Nothing was imported" in capsys.readouterr().err
    assert _services(b) == 0
    assert cli(b, "exchange", "import", str(bundle), "--dry-run") == 0
    assert "Dry run" in capsys.readouterr().out and _services(b) == 0
    assert cli(b, "exchange", "import", str(bundle)) == 0
    assert _services(b) == 1
    assert cli(b, "exchange", "import", str(bundle)) == 0
    assert "Nothing new" in capsys.readouterr().out and _services(b) == 1
    assert cli(b, "exchange", "conflicts") == 0
    assert cli(b, "exchange", "inbox", user="clerk") == 0
    assert cli(b, "exchange", "trust", "remove", "BGA") == 0
    with b.db.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "distrust")) == 1


def _mutations(data: bytes, rng: random.Random, other_signature: bytes):
    """Truncations, flipped bytes, edited manifest or rows (zip rebuilt cleanly), swapped signatures."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = [(i.filename, archive.read(i)) for i in archive.infolist()]
    for n in range(1000):
        kind = n % 5
        if kind == 0:
            yield data[:rng.randrange(len(data))]
        elif kind == 1:
            bad = bytearray(data)
            for _ in range(rng.randint(1, 3)):
                bad[rng.randrange(len(bad))] ^= 1 << rng.randrange(8)
            yield bytes(bad)
        elif kind == 2:
            manifest = json.loads(members[0][1])
            field = rng.choice(["sequence", "recipient", "valid_until", "bundle_id", "previous_bundle_sha256"])
            manifest[field] = {"sequence": rng.randint(2, 99), "recipient": "any",
                               "valid_until": "2099-01-01T00:00:00Z", "bundle_id": str(rng.getrandbits(64)),
                               "previous_bundle_sha256": "0" * 64}[field]
            yield _bundle._zip([(members[0][0], _bundle.canonical_json(manifest)), *members[1:]])
        elif kind == 3:
            index = rng.randrange(3, len(members))
            name, body = members[index]
            position = rng.randrange(max(1, len(body)))
            changed = body[:position] + rng.choice([b"X", b",", b"\n", b"\xc3"]) + body[position + 1:]
            yield _bundle._zip([*members[:index], (name, changed), *members[index + 1:]])
        else:
            yield _bundle._zip([*members[:2], ("signature.json", other_signature), *members[3:]])


def test_a_thousand_damaged_bundles_import_nothing_and_never_crash(partners, tmp_path: Path) -> None:
    a, b = partners
    make_service(a.clerk, "Asesoría jurídica")
    good = tmp_path / "good.enlace"
    exchange.export_bundle(a.admin, "CUC", good)
    exchange.export_bundle(a.admin, "CUC", tmp_path / "other.enlace")
    with zipfile.ZipFile(tmp_path / "other.enlace") as archive:
        other_signature = archive.read("signature.json")
    refused = 0
    admin = b.admin
    started = time.perf_counter()
    for bad in _mutations(good.read_bytes(), random.Random(1015), other_signature):
        if bad == good.read_bytes():
            continue
        with pytest.raises(exchange.BundleRefused):
            exchange.import_bundle(admin, bad)
        refused += 1
    elapsed = time.perf_counter() - started
    assert refused >= 990
    with b.db.session() as session:
        for model in (ExchangeBundle, Service, ExchangeConflict, InboundReferral):
            assert session.scalar(select(func.count()).select_from(model)) == 0, model
    print(f"{refused} damaged bundles refused in {elapsed:.1f} s")
    assert exchange.import_bundle(b.admin, good.read_bytes()).directory["service"].new == 1
