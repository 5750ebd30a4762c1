"""The audit log is anchored: signed checkpoints of its head (count and hash), which only an
administrator's key can sign, reveal what the hash chain alone cannot — a chain edited and
recomputed, events deleted at the end, all events deleted."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from desktop.cli import main
from desktop.services import workspace
from desktop.services.security import audit, checkpoints
from desktop.services.workspace import backup
from desktop.store import keys
from desktop.store.database import open_database
from desktop.store.models import AuditEvent
from tests.conftest import PASSWORD


def _as_clerk_with_raw_access(path):
    """What a clerk can do with their own password: unwrap the key and open the file directly."""
    key = keys.KeyFile(keys.key_file_for(path)).unlock_with_password("clerk", PASSWORD).key
    return open_database(path, key=key)


def _recompute_from(db, seq: int) -> None:
    with db.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.seq >= seq - 1).order_by(AuditEvent.seq)).all()
        prev = events[0].hash if events[0].seq < seq else audit.GENESIS
        for event in events:
            if event.seq < seq:
                continue
            event.prev_hash = prev
            event.hash = audit.chain_hash(prev, event)
            prev = event.hash


def _verify_as_admin(path) -> audit.VerifyResult:
    db = workspace.open_store(path, workspace.Unlock("admin", PASSWORD))
    try:
        return audit.verify_chain(db)
    finally:
        db.dispose()


@pytest.fixture
def anchored(encrypted_office):
    """The office after an administrator's sign-in (which signs a checkpoint) and some work by a clerk."""
    workspace.open_signed_in(encrypted_office.path, "admin", PASSWORD).db.dispose()
    for _ in range(3):
        workspace.open_signed_in(encrypted_office.path, "clerk", PASSWORD).db.dispose()
    return encrypted_office


def test_an_intact_log_matches_its_checkpoint_and_counts_what_came_after(anchored) -> None:
    result = _verify_as_admin(anchored.path)
    assert result.ok and result.authoritative
    assert result.checkpoint_count is not None and result.after_checkpoint >= 3


def test_a_clerk_who_edits_an_event_and_recomputes_the_chain_is_caught(anchored, monkeypatch, capsys) -> None:
    db = _as_clerk_with_raw_access(anchored.path)
    try:
        with db.transaction() as session:
            event = session.scalar(select(AuditEvent).where(AuditEvent.seq == 2))
            event.detail = json.dumps({"edited": True})
        _recompute_from(db, 2)
    finally:
        db.dispose()
    result = _verify_as_admin(anchored.path)
    assert not result.ok and "recomputed" in result.reason
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    assert main(["--lang", "en", "--db", str(anchored.path), "audit", "verify", "--user", "admin"]) == 1
    assert "recomputed" in capsys.readouterr().out


@pytest.mark.parametrize("how_many", ["the last events", "all events"])
def test_deleting_the_newest_events_or_all_of_them_is_caught(anchored, how_many) -> None:
    db = _as_clerk_with_raw_access(anchored.path)
    try:
        with db.transaction() as session:
            if how_many == "all events":
                session.execute(delete(AuditEvent))
            else:
                count = session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1))
                session.execute(delete(AuditEvent).where(AuditEvent.seq > count - 12))
    finally:
        db.dispose()
    result = _verify_as_admin(anchored.path)
    assert not result.ok and "deleted" in result.reason


def test_a_checkpoint_forged_by_a_clerk_does_not_hold(anchored) -> None:
    db = _as_clerk_with_raw_access(anchored.path)
    try:
        from desktop.store.models import OfficeSetting

        with db.transaction() as session:
            row = session.get(OfficeSetting, checkpoints.SETTING)
            data = json.loads(row.value)
            data["count"] = 1
            row.value = json.dumps(data)
    finally:
        db.dispose()
    data = json.loads(keys.key_file_for(anchored.path).read_text())
    data["audit_checkpoint"]["count"] = 1
    keys.key_file_for(anchored.path).write_text(json.dumps(data))
    result = _verify_as_admin(anchored.path)
    assert not result.ok and "signature" in result.reason


def test_backups_and_reports_carry_the_checkpoint(anchored, tmp_path) -> None:
    ctx = workspace.open_signed_in(anchored.path, "admin", PASSWORD)
    try:
        made = backup.create_backup(ctx, tmp_path / "usb")
        sidecar = json.loads(keys.key_file_for(made.path).read_text())
        anchor = sidecar["backup"]["audit"]
        assert anchor["checkpoint"]["count"] >= 1 and anchor["checkpoint"]["signature"]
        footer = audit.checkpoint_footer(ctx.db)
        assert "signed checkpoint" in footer and anchor["checkpoint"]["hash"][:12] in footer
    finally:
        ctx.db.dispose()
