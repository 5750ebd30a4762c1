"""`enlace demo --office-code CUC` makes a partner office that exchanges with the BGA demo."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop.services import exchange
from desktop.services.core.context import AppContext
from desktop.services.demo import DemoBuild
from desktop.store.database import open_database
from tests.exchange.conftest import trust_each_other


def _demo(path: Path, code: str, parts: tuple[str, ...]) -> AppContext:
    db = open_database(path)
    demo = DemoBuild(db, "small", 1, datetime.now(UTC), office_code=code,
                     office_name="Oficina de Cúcuta" if code == "CUC" else "Oficina de Bucaramanga")
    for part in parts:
        importlib.import_module(f"desktop.services.demo.{part}").build(demo)
    return demo


@pytest.mark.slow
def test_two_demo_offices_exchange_directory_and_referrals(tmp_path: Path) -> None:
    bga = _demo(tmp_path / "bga.db", "BGA", ("office", "directory", "exchange"))
    cuc = _demo(tmp_path / "cuc.db", "CUC", ("office", "directory", "people", "exchange"))
    assert cuc.summary["services of BGA"] > 100 and "own services" not in bga.summary

    class Office:
        def __init__(self, demo, code):
            self.admin, self.code, self.db = demo.ctx, code, demo.db

    a, b = Office(bga, "BGA"), Office(cuc, "CUC")
    trust_each_other(a, b)
    path = tmp_path / "cuc.enlace"
    exchange.export_bundle(b.admin, "BGA", path)
    report = exchange.import_bundle(a.admin, path.read_bytes())
    assert report.directory["service"].new == 3  # the partner's own services; the shared directory is unchanged
    assert report.total("conflicts") == 0
    assert report.inbound_referrals > 0  # CUC's referrals to BGA's services arrive in BGA's inbox
    back = tmp_path / "bga.enlace"
    exchange.export_bundle(a.admin, "CUC", back, ("directory", "referrals"))
    again = exchange.import_bundle(b.admin, back.read_bytes())
    assert again.total("new") == 0 and again.total("conflicts") == 0
    assert again.referral_events == report.inbound_referrals  # each one "received"
    for demo in (bga, cuc):
        demo.db.dispose()
