"""Keys per role: which role keys each role's key slot unwraps, and the checks services make with them.

The table itself is :data:`desktop.store.wraps.ROLE_KEYS` (the store grants the keys when it writes
a slot or rotates the database key, below services); it must agree with the permission matrix,
which :func:`mismatches` checks (and a test with it):

- ``people``: the roles that view people (clerk, supervisor, administrator);
- ``training``: the roles that view trainings (trainer, supervisor, administrator);
- ``sign``: the roles that sign with the office key: certificates (trainer, administrator) and
  exchange bundles and revocation lists (supervisor, administrator).

``sign`` seals the office's certificate signing key (see docs/keys.md). A session is refused the
seed when its key slot did not unwrap ``sign``, whatever its role column says.
"""

from __future__ import annotations

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import PermissionDenied
from desktop.services.core.permissions import ROLE_PERMISSIONS, Permission, role_label
from desktop.store import wraps
from desktop.store.wraps import ROLE_KEY_NAMES, ROLE_KEYS, SealError, is_sealed, keys_for_role  # noqa: F401

# The permissions that need each role key (any one of them).
NEEDS: dict[str, frozenset[Permission]] = {
    "people": frozenset({Permission.VIEW_PEOPLE}),
    "training": frozenset({Permission.VIEW_TRAININGS}),
    "sign": frozenset({Permission.ISSUE_CERTIFICATES, Permission.EXCHANGE_BUNDLES}),
}


def mismatches() -> list[str]:
    """Roles whose role keys do not follow the permission matrix (empty when they agree)."""
    found = []
    for role, permissions in ROLE_PERMISSIONS.items():
        expected = {name for name, needs in NEEDS.items() if needs & permissions}
        if expected != set(keys_for_role(role)):
            found.append(f"{role}: {sorted(keys_for_role(role))} != {sorted(expected)}")
    return found


def refusal(name: str) -> str:
    if name == "sign":
        return _("Your account does not hold the office's signing key: only trainers, supervisors and "
                 "administrators can sign certificates and exchange files.")
    return _("Your account does not hold the key for this part of the database.")


def role_holds(role: str, name: str) -> bool:
    return name in keys_for_role(role)


def require(ctx: AppContext, name: str) -> None:
    """PermissionDenied (translated) unless the signed-in role holds role key ``name``."""
    if not role_holds(ctx.actor.role, name):
        raise PermissionDenied(_("Your role ({role}) does not allow this action.").format(
            role=role_label(ctx.actor.role)))


def database_seals(session) -> bool:
    """Whether this database keeps values sealed under role keys (an encrypted file with derived keys)."""
    return wraps.seals(session)


def held_key(session, name: str) -> bytes | None:
    """Role key ``name`` as unwrapped by whoever opened the database; None when they do not hold it."""
    return wraps.session_role_key(session, name)


def seal_signing_key(sign_key: bytes, public_key: bytes, seed: bytes) -> bytes:
    return wraps.seal_signing_key(sign_key, public_key, seed)


def open_signing_key(sign_key: bytes | None, public_key: bytes, stored: bytes) -> bytes | None:
    """The seed of a sealed signing key, None when ``sign_key`` does not open it."""
    try:
        return wraps.open_signing_key(sign_key, public_key, stored)
    except SealError:
        return None
