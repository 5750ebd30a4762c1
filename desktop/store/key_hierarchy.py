"""Where the database key comes from: the printed recovery key and the file's own salt.

    recovery key R (printed, 160 random bits)
      └─ office master key  M = HKDF-SHA256(R, info="enlace master key v2")
           └─ database key  D = HKDF-SHA256(M, salt=S, info="enlace database key v2")
                S = the SQLCipher salt of the database file (its first 16 bytes, stored in clear)

So the database file alone (or a backup of it, which keeps the same salt) and the recovery
sheet give the key: the key file (``<db>.keys``) is a convenience that lets each person open
the database with a password, never the only way in. See ``docs/keys.md``.

Nothing heavy is imported at module level (the sign-in screen imports this module).
"""

from __future__ import annotations

import base64
import os

from desktop.store.files import SALT_BYTES, file_salt


def _hkdf(ikm: bytes, salt: bytes | None, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(ikm)


def master_key(recovery_key: str) -> bytes:
    """The office master key of a recovery key (already in canonical ``XXXX-…`` form)."""
    return _hkdf(recovery_key.encode("ascii"), b"enlace", b"enlace master key v2")


def database_key(master: bytes, salt: bytes) -> bytes:
    """The SQLCipher key of the file whose salt is ``salt``."""
    if len(salt) != SALT_BYTES:
        raise ValueError("a database salt is 16 bytes")
    return _hkdf(master, salt, b"enlace database key v2")


def new_salt() -> bytes:
    return os.urandom(SALT_BYTES)


def master_id(master: bytes) -> str:
    """A public fingerprint of the master key: tells whether a recovery key is this office's."""
    import hashlib

    return hashlib.sha256(b"enlace-master-id" + master).hexdigest()[:32]


def key_from_file(path: str | os.PathLike[str], recovery_key: str) -> bytes | None:
    """The key a recovery key gives for a database file (None when the file has no salt to read)."""
    return key_from_master(path, master_key(recovery_key))


def key_from_master(path: str | os.PathLike[str], master: bytes) -> bytes | None:
    salt = file_salt(path)
    return database_key(master, salt) if salt else None


# -- grants: a key sealed to a person's public key ----------------------------------------------
#
# A person's key slot holds an X25519 key pair: the private half sealed under their password
# (argon2id), the public half in clear, and a *grant*: the database key (and, for
# administrators, the master key) sealed to that public key. Replacing the database key needs
# nobody's password: every remaining slot gets a new grant, the slots of a deactivated account
# get none, and copies of the old key file only hold grants of the old key.


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    import base64

    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_key_pair() -> tuple[bytes, bytes]:
    """A new X25519 (private, public) key pair, raw bytes."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def _grant_key(shared: bytes, ephemeral: bytes, public: bytes) -> bytes:
    return _hkdf(shared, ephemeral + public, b"enlace grant v2")


def seal_grant(public: bytes, secrets: dict[str, bytes], aad: str) -> dict[str, object]:
    """Seal each named secret to ``public`` (ephemeral X25519, HKDF, AES-256-GCM)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = X25519PrivateKey.generate()
    epk = ephemeral.public_key().public_bytes_raw()
    aead = AESGCM(_grant_key(ephemeral.exchange(X25519PublicKey.from_public_bytes(public)), epk, public))
    sealed: dict[str, object] = {"epk": _b64(epk)}
    for name, value in secrets.items():
        nonce = os.urandom(12)
        sealed[name] = {"nonce": _b64(nonce), "ct": _b64(aead.encrypt(nonce, value, f"{aad}:{name}".encode()))}
    return sealed


def open_grant(private: bytes, public: bytes, grant: dict, aad: str, name: str) -> bytes | None:
    """One secret of a grant (None when the grant has none by that name); ValueError when it does not open."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(grant, dict) or not isinstance(grant.get(name), dict):
        return None
    try:
        epk = _unb64(grant["epk"])
        shared = X25519PrivateKey.from_private_bytes(private).exchange(X25519PublicKey.from_public_bytes(epk))
        entry = grant[name]
        return AESGCM(_grant_key(shared, epk, public)).decrypt(_unb64(entry["nonce"]), _unb64(entry["ct"]),
                                                              f"{aad}:{name}".encode())
    except (InvalidTag, KeyError, TypeError, ValueError) as exc:
        raise ValueError("the grant does not open") from exc


def audit_signing_seed(master: bytes) -> bytes:
    """The Ed25519 seed that signs audit checkpoints: only holders of the master key (administrators,
    the recovery key) can sign them."""
    return _hkdf(master, b"enlace", b"enlace audit checkpoint key v2")


_RECOVERY_BYTES = 20  # 160 bits: 32 base32 characters, printed in 8 groups of 4

# -- recovery key text --------------------------------------------------------------------

_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_TYPOS = str.maketrans({"0": "O", "1": "I", "8": "B", "9": "G"})


def new_recovery_key() -> str:
    import secrets

    raw = base64.b32encode(secrets.token_bytes(_RECOVERY_BYTES)).decode("ascii")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def normalize_recovery_key(text: str) -> str | None:
    """Canonical ``XXXX-XXXX-…`` form of a typed recovery key, or None when it cannot be one."""
    chars = "".join(c for c in text.upper().translate(_TYPOS) if c.isalnum())
    if len(chars) != 32 or any(c not in _B32 for c in chars):
        return None
    return "-".join(chars[i:i + 4] for i in range(0, 32, 4))
