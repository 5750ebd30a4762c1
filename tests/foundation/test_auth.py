"""Passwords and sign-in: the rule, lockout after 5 failures for 15 minutes, unlock, own password."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from desktop.services.core.errors import AuthError, ConflictError, ValidationError
from desktop.services.security import audit, auth
from desktop.services.security.audit import AuditFilter
from desktop.store.base import utcnow
from desktop.store.models import User
from tests.conftest import PASSWORD


def _user(db, username: str) -> User:
    with db.session() as session:
        return session.scalar(select(User).where(User.username == username))


def _fail(db, username: str, n: int, now=None) -> list[str]:
    messages = []
    for _attempt in range(n):
        with pytest.raises(AuthError) as info:
            auth.sign_in(db, username, "definitely-wrong", now=now)
        messages.append(str(info.value))
    return messages


def test_passwords_are_stored_as_argon2id_hashes(office_db) -> None:
    stored = _user(office_db, "clerk").password_hash
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


@pytest.mark.parametrize(("username", "password", "problem"), [
    ("maria", "corta", "at least 10 characters"),
    ("maria", "123456789", "at least 10 characters"),
    ("maria", "soy-MARIA-2026", "must not contain the user name"),
])
def test_password_rule_refuses_short_passwords_and_the_user_name(admin_ctx, username, password, problem) -> None:
    with pytest.raises(ValidationError, match=problem) as info:
        auth.create_user(admin_ctx, username, "María Gómez", "clerk", password)
    assert "password" in info.value.fields


def test_a_ten_character_password_without_the_name_is_accepted(admin_ctx) -> None:
    auth.create_user(admin_ctx, "maria", "María Gómez", "clerk", "0123456789")
    assert auth.sign_in(admin_ctx.db, "maria", "0123456789").role == "clerk"


def test_user_names_are_case_insensitive_at_sign_in(office_db) -> None:
    assert auth.sign_in(office_db, "  CLERK ", PASSWORD).username == "clerk"


def test_unknown_user_and_wrong_password_get_the_same_message(office_db) -> None:
    with pytest.raises(AuthError) as unknown:
        auth.sign_in(office_db, "nobody", PASSWORD)
    with pytest.raises(AuthError) as wrong:
        auth.sign_in(office_db, "clerk", "wrong-password")
    assert str(unknown.value) == str(wrong.value) == "Wrong user name or password."


def test_five_failures_lock_the_account_for_fifteen_minutes(office_db) -> None:
    now = utcnow()
    messages = _fail(office_db, "clerk", 5, now=now)
    assert messages[:4] == ["Wrong user name or password."] * 4
    assert messages[4] == "Too many failed attempts: the account is locked for 15 minutes."
    assert _user(office_db, "clerk").locked_until == now + timedelta(minutes=15)
    with pytest.raises(AuthError, match="locked until"):
        auth.sign_in(office_db, "clerk", PASSWORD, now=now + timedelta(minutes=14))
    assert auth.sign_in(office_db, "clerk", PASSWORD, now=now + timedelta(minutes=15, seconds=1)).username == "clerk"


def test_a_success_resets_the_failure_count(office_db) -> None:
    _fail(office_db, "clerk", 4)
    auth.sign_in(office_db, "clerk", PASSWORD)
    _fail(office_db, "clerk", 4)
    assert auth.sign_in(office_db, "clerk", PASSWORD).username == "clerk"


def test_admin_unlocks_a_locked_account(office_db, admin_ctx) -> None:
    _fail(office_db, "trainer", 5)
    trainer = next(u for u in auth.list_users(admin_ctx) if u.username == "trainer")
    assert trainer.locked
    auth.unlock_user(admin_ctx, trainer.id)
    assert not next(u for u in auth.list_users(admin_ctx) if u.username == "trainer").locked
    assert auth.sign_in(office_db, "trainer", PASSWORD).username == "trainer"


def test_sign_ins_failures_and_lockouts_are_in_the_audit_log(office_db, admin_ctx) -> None:
    auth.sign_in(office_db, "clerk", PASSWORD)
    _fail(office_db, "clerk", 5)
    events = audit.list_events(admin_ctx, AuditFilter(username="clerk"))
    actions = [e.action for e in reversed(events)]
    assert actions == ["login"] + ["login_failed"] * 5 + ["lockout"]
    assert all("definitely-wrong" not in e.detail for e in events)  # never the typed password


def test_deactivated_account_cannot_sign_in(office_db, admin_ctx) -> None:
    clerk = next(u for u in auth.list_users(admin_ctx) if u.username == "clerk")
    auth.update_user(admin_ctx, clerk.id, active=False)
    with pytest.raises(AuthError, match="deactivated"):
        auth.sign_in(office_db, "clerk", PASSWORD)


def test_admin_cannot_lock_themself_out(admin_ctx) -> None:
    me = next(u for u in auth.list_users(admin_ctx) if u.username == "admin")
    with pytest.raises(ValidationError, match="your own account"):
        auth.update_user(admin_ctx, me.id, active=False)
    with pytest.raises(ValidationError, match="your own role"):
        auth.update_user(admin_ctx, me.id, role="clerk")


def test_change_own_password_needs_the_current_one(ctx_for) -> None:
    clerk = ctx_for("clerk")
    with pytest.raises(AuthError, match="current password is wrong"):
        auth.change_own_password(clerk, "not-my-password", "una-nueva-clave")
    with pytest.raises(ValidationError, match="at least 10"):
        auth.change_own_password(clerk, PASSWORD, "corta")
    with pytest.raises(ValidationError, match="must differ"):
        auth.change_own_password(clerk, PASSWORD, PASSWORD)
    auth.change_own_password(clerk, PASSWORD, "una-nueva-clave")
    with pytest.raises(AuthError):
        auth.sign_in(clerk.db, "clerk", PASSWORD)
    assert auth.sign_in(clerk.db, "clerk", "una-nueva-clave").username == "clerk"


def test_reset_password_forces_a_change_at_next_sign_in(admin_ctx, ctx_for) -> None:
    clerk = next(u for u in auth.list_users(admin_ctx) if u.username == "clerk")
    auth.reset_password(admin_ctx, clerk.id, "temporal-0001")
    clerk_ctx = ctx_for("clerk")
    assert auth.must_change_password(clerk_ctx)
    auth.change_own_password(clerk_ctx, "temporal-0001", "propia-0002x")
    assert not auth.must_change_password(clerk_ctx)


def test_confirm_password_for_the_idle_lock(ctx_for) -> None:
    clerk = ctx_for("clerk")
    auth.confirm_password(clerk, PASSWORD)
    with pytest.raises(AuthError, match="Wrong password"):
        auth.confirm_password(clerk, "nope")


def test_editing_a_user_changed_meanwhile_is_refused(admin_ctx) -> None:
    clerk = next(u for u in auth.list_users(admin_ctx) if u.username == "clerk")
    auth.update_user(admin_ctx, clerk.id, full_name="Primera Edición", expected_version=clerk.version)
    with pytest.raises(ConflictError, match="changed by admin"):
        auth.update_user(admin_ctx, clerk.id, full_name="Segunda Edición", expected_version=clerk.version)
    assert next(u for u in auth.list_users(admin_ctx) if u.username == "clerk").full_name == "Primera Edición"


def test_unknown_role_or_language_is_refused(admin_ctx) -> None:
    with pytest.raises(ValidationError, match="Unknown role"):
        auth.create_user(admin_ctx, "pepe", "Pepe", "superuser", "una-clave-larga")
    with pytest.raises(ValidationError, match="Unknown language"):
        auth.create_user(admin_ctx, "pepe", "Pepe", "clerk", "una-clave-larga", "fr")
    with pytest.raises(ValidationError, match="may only contain"):
        auth.create_user(admin_ctx, "pepe lópez!", "Pepe", "clerk", "una-clave-larga")


@pytest.mark.skipif(not hasattr(time, "tzset"), reason="needs time.tzset (Unix)")
def test_locked_until_is_told_in_local_time_not_utc(office_db, monkeypatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.setenv("TZ", "America/Bogota")
    time.tzset()
    try:
        now = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
        _fail(office_db, "clerk", 5, now=now)
        with pytest.raises(AuthError) as info:
            auth.sign_in(office_db, "clerk", PASSWORD, now=now + timedelta(minutes=1))
        assert "locked until 3:15" in str(info.value)  # 20:15 UTC is 15:15 in Bogotá
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
