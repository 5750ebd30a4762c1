"""Signing in to an encrypted database derives the password key once: opening the key slot is the
password check. The refusals, the lockout and the audit log stay as they were."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from desktop.services.core.errors import AuthError
from desktop.services.security import auth
from desktop.store import key_sessions, keys
from desktop.store.base import utcnow
from desktop.store.models import AuditEvent, User
from tests.conftest import PASSWORD


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How often each argon2id computation ran: the key slots' and the stored hash check's."""
    calls = {"slot": 0, "hash": 0}
    derive, check = keys._password_kek, auth.check_password

    def counted_derive(*args, **kwargs):
        calls["slot"] += 1
        return derive(*args, **kwargs)

    def counted_check(*args, **kwargs):
        calls["hash"] += 1
        return check(*args, **kwargs)

    monkeypatch.setattr(keys, "_password_kek", counted_derive)
    monkeypatch.setattr(auth, "check_password", counted_check)
    return calls


def _slots(path) -> dict:
    return json.loads(keys.key_file_for(path).read_text())["slots"]


def test_signing_in_to_an_encrypted_database_derives_the_password_key_once(encrypted_office, argon2_calls) -> None:
    ctx = encrypted_office.sign_in("clerk")
    ctx.db.dispose()
    assert argon2_calls == {"slot": 1, "hash": 0}
    admin = encrypted_office.sign_in()
    with admin.db.session() as session:  # and the sign-in is in the log as before
        logins = session.scalars(select(AuditEvent.username).where(AuditEvent.action == "login")).all()
    admin.db.dispose()
    assert "clerk" in logins


def test_a_wrong_password_is_refused_and_five_lock_the_account(encrypted_office, argon2_calls) -> None:
    for attempt in range(4):
        with pytest.raises(AuthError, match="Wrong user name or password"):
            encrypted_office.sign_in("clerk", f"not-the-password-{attempt}")
    with pytest.raises(AuthError, match="locked for 15 minutes"):
        encrypted_office.sign_in("clerk", "not-the-password-5")
    with pytest.raises(AuthError, match="locked until"):
        encrypted_office.sign_in("clerk")  # the right password no longer opens it
    assert argon2_calls["hash"] == 0  # refused by the key slot alone
    admin = encrypted_office.sign_in()
    try:
        with admin.db.session() as session:
            failed = session.scalars(select(AuditEvent).where(AuditEvent.action == "login_failed",
                                                                    AuditEvent.username == "clerk")).all()
            lockouts = session.scalars(select(AuditEvent).where(AuditEvent.action == "lockout")).all()
        assert len(failed) == 5 and len(lockouts) == 1
    finally:
        admin.db.dispose()


def test_a_lock_or_deactivation_in_the_database_still_refuses_the_right_password(admin_enc, encrypted_office,
                                                                                  argon2_calls) -> None:
    with admin_enc.db.transaction() as session:
        clerk = session.scalar(select(User).where(User.username == "clerk"))
        clerk.locked_until = utcnow() + timedelta(minutes=10)
    with pytest.raises(AuthError, match="locked until"):
        encrypted_office.sign_in("clerk")
    trainer = next(u for u in auth.list_users(admin_enc) if u.username == "trainer")
    with admin_enc.db.transaction() as session:  # deactivated without losing the slot (an older key file)
        session.get(User, trainer.id).active = False
    with pytest.raises(AuthError, match="deactivated"):
        encrypted_office.sign_in("trainer")


def test_a_slot_from_before_fingerprints_checks_the_hash_once_then_is_marked(encrypted_office,
                                                                               argon2_calls) -> None:
    kf = keys.KeyFile(keys.key_file_for(encrypted_office.path))
    data = kf.read()
    for wrap in data["slots"]["clerk"]:
        wrap.pop("hash_id", None)
    kf.write(data)
    encrypted_office.sign_in("clerk").db.dispose()
    assert argon2_calls == {"slot": 1, "hash": 1}
    assert _slots(encrypted_office.path)["clerk"][0].get("hash_id")
    encrypted_office.sign_in("clerk").db.dispose()
    assert argon2_calls == {"slot": 2, "hash": 1}


def test_a_new_password_whose_commit_never_happened_is_still_refused(admin_enc, encrypted_office) -> None:
    """The key file gets the new password's slot (with its hash's fingerprint) before the commit."""
    with pytest.raises(RuntimeError), admin_enc.db.transaction() as session:
        user = session.scalar(select(User).where(User.username == "clerk"))
        user.password_hash = auth.hash_password("never-committed-2")
        key_sessions.stage_password(session, "clerk", "never-committed-2", user.password_hash)
        raise RuntimeError("power cut")
    with pytest.raises(AuthError, match="Wrong user name or password"):
        encrypted_office.sign_in("clerk", "never-committed-2")
    encrypted_office.sign_in("clerk", PASSWORD).db.dispose()
    assert len(_slots(encrypted_office.path)["clerk"]) == 1  # the never-committed slot is gone


def test_a_changed_password_signs_in_with_one_derivation(encrypted_office, argon2_calls) -> None:
    ctx = encrypted_office.sign_in("clerk")
    auth.change_own_password(ctx, PASSWORD, "another-secret-31")
    ctx.db.dispose()
    before = dict(argon2_calls)
    encrypted_office.sign_in("clerk", "another-secret-31").db.dispose()
    assert argon2_calls["slot"] - before["slot"] == 1 and argon2_calls["hash"] == before["hash"]
