"""Passwords, sign-in with lockout, and user administration."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, tzinfo

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import _
from desktop.services.core.context import Actor, AppContext
from desktop.services.core.errors import AuthError, NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit
from desktop.services.security.lockout import LOCKOUT, MAX_FAILED_LOGINS, locked_error
from desktop.store import key_sessions, keys, server
from desktop.store.base import utcnow
from desktop.store.database import Database, StoreError
from desktop.store.models import ROLES, User

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()  # argon2id with argon2-cffi's recommended parameters


def use_fast_hashing_for_tests() -> None:
    """Cheap argon2 parameters; the test suite calls this, the application never does."""
    global _hasher
    _hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _password_matches(password_hash: str, password: str, proven_hash_id: str | None) -> bool:
    """Check a password against its stored hash, unless an encrypted database's key slot proved it.

    ``proven_hash_id`` comes from the key slot that the same password just opened (argon2id and
    AES-GCM: opening it is a password check); it carries the fingerprint of the hash stored with
    that password, so when it matches the hash stored now, a second argon2id adds nothing.
    """
    if proven_hash_id is not None and proven_hash_id == keys.password_hash_id(password_hash):
        return True
    return check_password(password_hash, password)


def password_problem(username: str, password: str) -> str | None:
    """The translated reason a password is refused, or None when it is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return _("The password must have at least {n} characters.").format(n=MIN_PASSWORD_LENGTH)
    if username and username.strip().casefold() in password.casefold():
        return _("The password must not contain the user name.")
    return None


def validate_username(username: str) -> str:
    name = username.strip()
    if not name or len(name) > 64 or not all(c.isalnum() or c in "._-" for c in name):
        raise ValidationError(
            _("The user name may only contain letters, digits, dots, dashes and underscores."),
            {"username": _("Invalid user name")})
    return name


def actor_for(user: User) -> Actor:
    return Actor(user.id, user.username, user.full_name, user.role, user.preferred_language)


# -- sign-in ------------------------------------------------------------------------------


def _office_zone(session: Session) -> tzinfo | None:
    """The office's time zone (lockout times are told on the office's clock)."""
    from zoneinfo import ZoneInfo

    from desktop.store.models import Office

    name = session.scalar(select(Office.timezone).limit(1))
    try:
        return ZoneInfo(name) if name else None
    except (ValueError, KeyError):
        return None


def sign_in(db: Database, username: str, password: str, *, now: datetime | None = None,
            proven_hash_id: str | None = None) -> Actor:
    """Check a password; count failures and lock the account after 5 for 15 minutes.

    Every attempt is an audit event. The refusal message never says whether the user exists.
    ``proven_hash_id``: see :func:`_password_matches` (encrypted databases, from the workspace).
    """
    now = now or utcnow()
    wrong = _("Wrong user name or password.")
    outcome: AuthError | None = None
    actor: Actor | None = None
    with db.transaction() as session:
        user = session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
        if user is None:
            audit.record(session, username.strip()[:64] or None, "login_failed", detail={"reason": "unknown"})
            outcome = AuthError(wrong)
        elif user.locked_until is not None and user.locked_until > now:
            # The time on this PC's clock (stored times are UTC).
            audit.record(session, user.username, "login_failed", "user", user.id, detail={"reason": "locked"})
            outcome = locked_error(user.locked_until, now, _office_zone(session))
        elif not user.active:
            audit.record(session, user.username, "login_failed", "user", user.id, detail={"reason": "inactive"})
            outcome = AuthError(_("This account is deactivated. Ask an administrator."))
        elif not _password_matches(user.password_hash, password, proven_hash_id):
            user.failed_logins += 1
            user.updated_by = user.username
            audit.record(session, user.username, "login_failed", "user", user.id, detail={"reason": "password"})
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until = now + LOCKOUT
                user.failed_logins = 0
                audit.record(session, user.username, "lockout", "user", user.id)
                outcome = AuthError(_("Too many failed attempts: the account is locked for {n} minutes.").format(
                    n=int(LOCKOUT.total_seconds() // 60)))
            else:
                outcome = AuthError(wrong)
        else:
            user.failed_logins = 0
            user.locked_until = None
            user.last_login_at = now
            audit.record(session, user.username, "login", "user", user.id)
            actor = actor_for(user)
    if outcome is not None:
        raise outcome
    assert actor is not None
    return actor


def stored_password_hash_id(db: Database, user_id: uuid.UUID | None) -> str | None:
    """The :func:`keys.password_hash_id` of a user's stored password hash (marks the key slot after sign-in)."""
    if user_id is None:
        return None
    with db.session() as session:
        password_hash = session.scalar(select(User.password_hash).where(User.id == user_id))
    return keys.password_hash_id(password_hash) if password_hash else None


def staff_name(session: Session, username: str | None) -> str:
    """A colleague's full name for histories ("por Claudia Patiño"), else the user name as stored.

    Names are cached on the session: a history names the same few people many times.
    """
    if not username:
        return ""
    cache: dict[str, str] = session.info.setdefault("staff_names", {})
    if username not in cache:
        cache[username] = session.scalar(select(User.full_name).where(User.username == username)) or username
    return cache[username]


def confirm_password(ctx: AppContext, password: str) -> None:
    """Ask again for the signed-in user's password (idle unlock, exports of personal data)."""
    with ctx.db.session() as session:
        user = session.get(User, ctx.actor.user_id) if ctx.actor.user_id else None
        if user is None or not check_password(user.password_hash, password):
            raise AuthError(_("Wrong password."))


# -- users --------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserInfo:
    id: uuid.UUID
    username: str
    full_name: str
    role: str
    active: bool
    locked: bool
    preferred_language: str
    last_login_at: datetime | None
    version: int


def _info(user: User, now: datetime) -> UserInfo:
    return UserInfo(user.id, user.username, user.full_name, user.role, user.active,
                    user.locked_until is not None and user.locked_until > now,
                    user.preferred_language, user.last_login_at, user.version)


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValidationError(_("Unknown role: {role}").format(role=role), {"role": _("Unknown role")})


def _check_language(language: str) -> None:
    if language not in ("es", "en"):
        raise ValidationError(_("Unknown language: {language}").format(language=language))


def add_user(session: Session, by: str, username: str, full_name: str, role: str, password: str,
             language: str = "es") -> User:
    """Create a user inside an open transaction (setup, demo and :func:`create_user`)."""
    username = validate_username(username)
    _check_role(role)
    _check_language(language)
    if not full_name.strip():
        raise ValidationError(_("Enter the person's full name."), {"full_name": _("Required")})
    problem = password_problem(username, password)
    if problem:
        raise ValidationError(problem, {"password": problem})
    if session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise ValidationError(_("The user name {username} is already taken.").format(username=username),
                              {"username": _("Already taken")})
    user = User(username=username, full_name=full_name.strip(), role=role,
                password_hash=hash_password(password), preferred_language=language,
                created_by=by, updated_by=by)
    session.add(user)
    session.flush()
    key_sessions.stage_password(session, username, password, user.password_hash)  # encrypted: wrap the key for it
    server.sync_login(session, username, role, password=password)  # on a server: its own login
    audit.record(session, by, "create", "user", user.id, ["username", "full_name", "role", "password"])
    return user


def list_users(ctx: AppContext) -> list[UserInfo]:
    ctx.require(Permission.MANAGE_USERS)
    now = utcnow()
    with ctx.db.session() as session:
        return [_info(u, now) for u in session.scalars(select(User).order_by(User.username))]


def create_user(ctx: AppContext, username: str, full_name: str, role: str, password: str,
                language: str = "es") -> UserInfo:
    ctx.require(Permission.MANAGE_USERS)
    with ctx.db.transaction() as session:
        user = add_user(session, ctx.username, username, full_name, role, password, language)
        return _info(user, utcnow())


def _load(session: Session, user_id: uuid.UUID) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(_("That user no longer exists."))
    return user


def update_user(ctx: AppContext, user_id: uuid.UUID, *, full_name: str | None = None, role: str | None = None,
                active: bool | None = None, language: str | None = None,
                expected_version: int | None = None) -> UserInfo:
    """Change a user's name, role, active flag or language (administrators).

    With ``expected_version`` (the version the form read), a user changed meanwhile is refused.
    """
    from desktop.services.core.records import check_version

    ctx.require(Permission.MANAGE_USERS)
    rotate: tuple[str, bool] | None = None  # (account whose key slot goes, replace the master key too)
    with ctx.db.transaction() as session:
        user = _load(session, user_id)
        check_version(user, expected_version)
        was_admin = user.role == "admin"
        was_role = user.role
        changed: list[str] = []
        if full_name is not None and full_name.strip() != user.full_name:
            if not full_name.strip():
                raise ValidationError(_("Enter the person's full name."), {"full_name": _("Required")})
            user.full_name = full_name.strip()
            changed.append("full_name")
        if role is not None and role != user.role:
            _check_role(role)
            if user.id == ctx.actor.user_id:
                raise ValidationError(_("You cannot change your own role."))
            user.role = role
            changed.append("role")
            if was_admin or role == "admin":
                rotate = ("", was_admin)  # the master key follows the administrators
            elif _role_keys_change(ctx, was_role, role):
                rotate = ("", False)  # new role keys: what the old role could unwrap opens nothing any more
        if active is not None and active != user.active:
            if user.id == ctx.actor.user_id and not active:
                raise ValidationError(_("You cannot deactivate your own account."))
            if not key_sessions.on_activation_change(session, user.username, active):  # encrypted: the key slot goes
                raise ValidationError(_("Give {user} a new password first (Reset password), then reactivate the "
                                        "account: deactivating it removed its key to this encrypted database.").format(
                    user=user.username))
            user.active = active
            changed.append("active")
            if not active:
                rotate = (user.username, was_admin)
        if language is not None and language != user.preferred_language:
            _check_language(language)
            user.preferred_language = language
            changed.append("preferred_language")
        if changed:
            user.updated_by = ctx.username
            if "role" in changed or "active" in changed:
                server.sync_login(session, user.username, user.role, active=user.active)
            audit.record(session, ctx.username, "update", "user", user.id, changed,
                         {"active": user.active} if "active" in changed else None)
        info = _info(user, utcnow())
    if rotate is not None:
        replace_keys(ctx, drop=(rotate[0],) if rotate[0] else (), new_recovery_key=rotate[1])
    return info


def _role_keys_change(ctx: AppContext, old: str, new: str) -> bool:
    """A role change that changes the role keys of an account, on a database that has role keys."""
    from desktop.services.security import role_keys

    keyring = ctx.db.keyring
    return (isinstance(keyring, keys.Keyring) and keyring.has_role_keys()
            and set(role_keys.keys_for_role(old)) != set(role_keys.keys_for_role(new)))


def replace_keys(ctx: AppContext, *, drop: tuple[str, ...] = (), new_recovery_key: bool = False) -> None:
    """Give an encrypted database a new key after an account lost access (no-op on a plain one).

    Copies of the key file and backups made before keep the old key and never open the live
    database again. When an administrator's access changed, the master key changes too: a new
    recovery key, which :func:`desktop.services.workspace.take_recovery_key` gives once.
    """
    from desktop.store import rotation

    if not isinstance(ctx.db.keyring, keys.Keyring):
        return
    recovery = keys.new_recovery_key() if new_recovery_key else None
    try:
        rotation.rotate(ctx.db, drop=drop, recovery_key=recovery)
    except StoreError as exc:  # e.g. a full disk: the change itself is saved, the old key stays
        raise ValidationError(_("The change is saved, but the database could not get a new key: {reason} "
                                "Free some space and do it again.").format(reason=exc)) from exc
    with ctx.db.transaction() as session:
        audit.record(session, ctx.username, "update", "key_file", None,
                     ["database_key", *(["recovery_key"] if recovery else [])])
    from desktop.services.security import checkpoints

    checkpoints.sign_now(ctx.db)  # under the new master key, when it changed


def reset_password(ctx: AppContext, user_id: uuid.UUID, new_password: str) -> None:
    """Set a new password for another user, who must change it at next sign-in."""
    ctx.require(Permission.MANAGE_USERS)
    with ctx.db.transaction() as session:
        user = _load(session, user_id)
        problem = password_problem(user.username, new_password)
        if problem:
            raise ValidationError(problem, {"password": problem})
        user.password_hash = hash_password(new_password)
        user.must_change_password = user.id != ctx.actor.user_id
        user.failed_logins = 0
        user.locked_until = None
        user.updated_by = ctx.username
        # The old password's slot goes at once (a reset follows a forgotten or leaked password).
        key_sessions.stage_password(session, user.username, new_password, user.password_hash, keep_previous=False)
        key_sessions.clear_failures(session, user.username)
        server.set_password(session, user.username, new_password)
        audit.record(session, ctx.username, "update", "user", user.id, ["password"])
        admin = user.role == "admin"
    replace_keys(ctx, new_recovery_key=admin)


def unlock_user(ctx: AppContext, user_id: uuid.UUID) -> None:
    ctx.require(Permission.MANAGE_USERS)
    with ctx.db.transaction() as session:
        user = _load(session, user_id)
        user.locked_until = None
        user.failed_logins = 0
        user.updated_by = ctx.username
        key_sessions.clear_failures(session, user.username)
        audit.record(session, ctx.username, "update", "user", user.id, ["locked_until"])


def change_own_password(ctx: AppContext, old_password: str, new_password: str) -> None:
    """Any signed-in user may change their own password, knowing the current one."""
    with ctx.db.transaction() as session:
        user = _load(session, ctx.actor.user_id)  # type: ignore[arg-type]
        if not check_password(user.password_hash, old_password):
            raise AuthError(_("The current password is wrong."))
        problem = password_problem(user.username, new_password)
        if problem:
            raise ValidationError(problem, {"password": problem})
        if old_password == new_password:
            raise ValidationError(_("The new password must differ from the current one."))
        user.password_hash = hash_password(new_password)
        user.must_change_password = False
        user.updated_by = ctx.username
        key_sessions.stage_password(session, user.username, new_password, user.password_hash)
        server.set_password(session, user.username, new_password)
        audit.record(session, ctx.username, "update", "user", user.id, ["password"])


def set_own_language(ctx: AppContext, language: str) -> None:
    """Any signed-in user may choose the language Enlace speaks to them."""
    _check_language(language)
    with ctx.db.transaction() as session:
        user = _load(session, ctx.actor.user_id)  # type: ignore[arg-type]
        if user.preferred_language != language:
            user.preferred_language = language
            user.updated_by = ctx.username
            audit.record(session, ctx.username, "update", "user", user.id, ["preferred_language"])


def must_change_password(ctx: AppContext) -> bool:
    with ctx.db.session() as session:
        user = session.get(User, ctx.actor.user_id) if ctx.actor.user_id else None
        return bool(user and user.must_change_password)
