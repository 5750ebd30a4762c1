"""Key-file changes made from inside a database transaction: the auth and office services' hooks.

Each is a no-op on a plain database; on an encrypted one it works the session's :class:`Keyring`
(a new password's slot, an unlocked account, the office's public name, a deactivated slot, the role
keys of every slot).
"""

from __future__ import annotations

from typing import Any

from desktop.store.keys import Keyring, grant_for, password_hash_id, slot_name


def _role(session, username: str) -> str | None:
    from sqlalchemy import text

    return session.execute(text("SELECT role FROM user_account WHERE lower(username) = :name"),
                           {"name": username.strip().lower()}).scalar()


def stage_password(session, username: str, password: str, password_hash: str | None = None, *,
                   keep_previous: bool = True) -> None:
    """Rewrap the database key for a user's new password (no-op on a plain database).

    Called by the auth service inside the transaction that stores the new password hash,
    after every check passed; see :meth:`KeyFile.set_password` for the crash window. Given the
    new ``password_hash``, the wrap carries its fingerprint (one argon2id at the next sign-in).
    The slot also grants the role keys of the account's role (those the keyring holds).
    """
    database = session.info.get("database")
    keyring = getattr(database, "keyring", None)
    if isinstance(keyring, Keyring):
        role = _role(session, username)
        keyring.set_password(username, password, password_hash_id(password_hash) if password_hash else None,
                             admin=role == "admin", keep_previous=keep_previous, role=role)


def clear_failures(session, username: str) -> None:
    """An administrator unlocked an account: also clear the key file's failure counter."""
    database = session.info.get("database")
    keyring = getattr(database, "keyring", None)
    if isinstance(keyring, Keyring):
        keyring.key_file.clear_failures(username)


def publish_office(session, **values) -> None:
    """Copy the office's public name and demo flag into the key file (shown before sign-in)."""
    database = session.info.get("database")
    keyring = getattr(database, "keyring", None)
    if isinstance(keyring, Keyring):
        keyring.key_file.set_office(**values)


def on_activation_change(session, username: str, active: bool) -> bool:
    """Deactivating an account removes its key slot, so its password no longer opens a copy of the
    database. Returns False when reactivating an account that has no slot: it needs a new password
    first (an administrator's reset makes the slot)."""
    database = session.info.get("database")
    keyring = getattr(database, "keyring", None)
    if not isinstance(keyring, Keyring):
        return True
    if not active:
        keyring.key_file.remove_user(username)
        return True
    return keyring.key_file.has_slot(username)


def establish_role_keys(db) -> int:
    """With the master key at hand (an administrator signed in, or the recovery key): give every key
    slot the role keys of its account's role (sealed to the slot's public key: no password needed)
    and seal a signing key that is not sealed yet (a database from before role keys). Returns how
    many signing keys were sealed. Nothing on a database without role keys."""
    from desktop.store.key_hierarchy import _unb64 as unb64
    from desktop.store.wraps import keys_for_role, reseal_rows, role_keys

    keyring = getattr(db, "keyring", None)
    if not isinstance(keyring, Keyring) or keyring.master is None or not keyring.has_role_keys():
        return 0
    sign = keyring.role_key("sign")
    salt = keyring.file_salt()
    if sign is None or salt is None:
        return 0  # the master key is not this database's
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql("SELECT username, role FROM user_account WHERE active").all()
        conn.rollback()
    roles = {slot_name(name): role for name, role in rows}
    master = keyring.master

    def stale(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        found = []
        for name, slot in data["slots"].items():
            want = {f"role:{k}" for k in keys_for_role(roles.get(name))}
            for wrap in slot:
                if isinstance(wrap, dict) and "public" in wrap and isinstance(wrap.get("grant"), dict):
                    have = {k for k in wrap["grant"] if isinstance(k, str) and k.startswith("role:")}
                    if have != want:
                        found.append((name, wrap))
        return found

    def change(data: dict[str, Any]) -> None:
        for name, wrap in stale(data):
            granted = role_keys(master, salt, keys_for_role(roles.get(name)))
            wrap["grant"] = grant_for(unb64(wrap["public"]), keyring.key, name,
                                           master if "master" in wrap["grant"] else None, granted)

    if stale(keyring.key_file.read()):
        keyring.key_file.update(change)
    with db.transaction() as session:
        return reseal_rows(session.connection(), sign, sign)

