"""Role keys: what each account's key slot unwraps besides the database key, and what they seal.

Every slot of the key file (:mod:`desktop.store.keys`) grants the database key ``D`` (and, to
administrators, the master key ``M``). With role keys it also grants the keys of the account's
role (:data:`ROLE_KEYS`), each derived like ``D`` from the master key and the file's salt::

    K_role = HKDF-SHA256(M, salt=S, info="enlace role key <name> v1")     name: people, training, sign

so the recovery key and the database file alone still give every one of them, and a rotation
(a new salt ``S'``) gives new ones: an account that lost a role, or was removed, keeps only keys
that no longer open anything in the live database.

``sign`` seals the office's certificate signing key (table ``signing_key``, column
``private_key``): the column holds :data:`MAGIC`, the sealing key's fingerprint, a nonce and the
AES-256-GCM ciphertext of the 32-byte Ed25519 seed, the public key as associated data (a sealed
seed copied onto another key's row does not open). Whoever holds ``D`` but not ``sign`` (a
clerk's password, or ``D`` copied out of memory) reads only that ciphertext. ``people`` and
``training`` are the SQLCipher keys of the role files (:mod:`desktop.store.role_files`): the people
tables and the training tables each live in a file only those keys open (see docs/keys.md).

A database without a master key (encrypted before derived keys), a plain file and a PostgreSQL
server have no role keys: there the seed stays as it is (on a server, column privileges keep it
from the roles without ``sign``: :mod:`desktop.store.server`).
"""

from __future__ import annotations

import os
from typing import Any

ROLE_KEY_NAMES = ("people", "training", "sign")

# Which role keys each role's slots unwrap. Mirrors desktop/services/core/permissions.py (checked by
# desktop.services.security.role_keys.mismatches): people for whoever views people, training for
# whoever views trainings, sign for whoever signs with the office key (certificates, exchange bundles).
ROLE_KEYS: dict[str, tuple[str, ...]] = {
    "clerk": ("people",),
    "trainer": ("training", "sign"),
    "supervisor": ("people", "training", "sign"),
    "admin": ("people", "training", "sign"),
}

MAGIC = b"enlace-sealed/1:"
_KID = 8  # bytes of the sealing key's fingerprint kept in a sealed value
_NONCE = 12


class SealError(Exception):
    """A sealed value does not open with the key given (the wrong key, or a tampered value)."""


def keys_for_role(role: str | None) -> tuple[str, ...]:
    return ROLE_KEYS.get(role or "", ())


def role_key(master: bytes, salt: bytes, name: str) -> bytes:
    """The role key ``name`` of the database whose salt is ``salt``, under master key ``master``."""
    from desktop.store.key_hierarchy import _hkdf

    if name not in ROLE_KEY_NAMES:
        raise ValueError(f"unknown role key {name!r}")
    if len(salt) != 16:
        raise ValueError("a database salt is 16 bytes")
    return _hkdf(master, salt, f"enlace role key {name} v1".encode("ascii"))


def role_keys(master: bytes, salt: bytes, names: tuple[str, ...]) -> dict[str, bytes]:
    return {name: role_key(master, salt, name) for name in names}


def fingerprint(key: bytes) -> bytes:
    import hashlib

    return hashlib.sha256(b"enlace-role-key-id" + key).digest()[:_KID]


# -- sealing ------------------------------------------------------------------------------------


def is_sealed(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and bytes(value).startswith(MAGIC)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(_NONCE)
    return MAGIC + fingerprint(key) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def sealed_by(value: bytes, key: bytes) -> bool:
    """Whether ``value`` was sealed under ``key`` (by its fingerprint; the tag is what proves it)."""
    return is_sealed(value) and bytes(value)[len(MAGIC):len(MAGIC) + _KID] == fingerprint(key)


def unseal(key: bytes | None, value: bytes, aad: bytes) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    value = bytes(value)
    if key is None or not is_sealed(value):
        raise SealError("not sealed, or no key")
    body = value[len(MAGIC) + _KID:]
    try:
        return AESGCM(key).decrypt(body[:_NONCE], body[_NONCE:], aad)
    except (InvalidTag, ValueError) as exc:
        raise SealError("the sealed value does not open with this key") from exc


def signing_aad(public_key: bytes) -> bytes:
    return b"enlace signing key:" + bytes(public_key)


def seal_signing_key(sign_key: bytes, public_key: bytes, seed: bytes) -> bytes:
    return seal(sign_key, bytes(seed), signing_aad(public_key))


def open_signing_key(sign_key: bytes | None, public_key: bytes, stored: bytes) -> bytes:
    """The raw Ed25519 seed of a ``signing_key`` row (as stored when it is not sealed); SealError otherwise."""
    if not is_sealed(stored):
        return bytes(stored)
    return unseal(sign_key, stored, signing_aad(public_key))


# -- the keyring of an open database --------------------------------------------------------------


def _keyring(session_or_db: Any):
    """The desktop.store.keys.Keyring of a session's (or a Database's) encrypted file, else None."""
    database = session_or_db.info.get("database") if hasattr(session_or_db, "info") else session_or_db
    keyring = getattr(database, "keyring", None)
    return keyring if callable(getattr(keyring, "role_key", None)) else None


def session_role_key(session_or_db: Any, name: str) -> bytes | None:
    """Role key ``name`` as held by whoever opened the database (None: not held, or no role keys here)."""
    keyring = _keyring(session_or_db)
    return keyring.role_key(name) if keyring is not None else None


def seals(session_or_db: Any) -> bool:
    """Whether this database seals the signing key (an encrypted file with derived keys)."""
    keyring = _keyring(session_or_db)
    return keyring is not None and keyring.has_role_keys()


# -- sealing the rows of table signing_key ----------------------------------------------------------


def reseal_rows(conn: Any, old: bytes | None, new: bytes | None) -> int:
    """Seal every ``signing_key`` row under ``new`` (from ``old``, or from the raw seed); DB-API or
    SQLAlchemy connection. With ``new`` None the rows are unsealed (a move to a server). Rows that
    do not open with ``old`` are left alone. Returns how many rows changed."""
    execute = conn.exec_driver_sql if hasattr(conn, "exec_driver_sql") else conn.execute
    rows = execute("SELECT id, public_key, private_key FROM signing_key").fetchall()
    changed = 0
    for row_id, public, stored in rows:
        stored = bytes(stored)
        if new is not None and sealed_by(stored, new):
            continue
        try:
            seed = open_signing_key(old, bytes(public), stored)
        except SealError:
            continue
        value = seal_signing_key(new, bytes(public), seed) if new is not None else seed
        execute("UPDATE signing_key SET private_key = ? WHERE id = ?", (value, row_id))
        changed += 1
    return changed

