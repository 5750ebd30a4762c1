"""The key file: the database's random key, wrapped for each user and for the recovery key.

An encrypted database ``enlace.db`` has a JSON key file ``enlace.db.keys`` beside it. The
database key is 32 random bytes (SQLCipher's raw key). Each user's *slot* holds that key
encrypted with AES-256-GCM under a key derived from the user's password with argon2id; the
*recovery* slot holds it under a key derived (HKDF) from the printed recovery key, which is
random and long, so it needs no slow KDF. Nothing in the file reveals data without a password.
A user's slot also carries a fingerprint of the password hash stored in the database with that
password (:func:`password_hash_id`), so that opening the slot also proves the password against
the database and a sign-in costs one argon2id, not two.

Failed sign-ins cannot be counted in the database while it is still locked, so the key file
also keeps the per-user failure counters and lock times, and a short list of refused attempts
that the next successful sign-in copies into the audit log. Someone holding the files can
reset those counters; the lockout is against guessing at the desk, the argon2 cost against
guessing offline.

Writes are atomic (temporary file, fsync, rename) under a lock file, and the file is created
readable by the current OS user only.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.store.files import StoreError, _lock_owner_alive, write_private
from desktop.store.key_hierarchy import new_recovery_key, normalize_recovery_key  # noqa: F401  (re-exported)

FORMAT = "enlace-keys/1"
KEY_BYTES = 32
MAX_PENDING_EVENTS = 200

# argon2id cost for password slots (argon2-cffi's RFC 9106 low-memory profile: ~0.15 s here).
KDF_PARAMS: dict[str, int] = {"t": 3, "m": 65536, "p": 4}


class KeyFileError(StoreError):
    """The key file is missing, damaged or does not fit the database; ``str()`` is for the user."""


class WrongSecret(Exception):
    """No slot opened with the password or recovery key given."""


def use_fast_kdf_for_tests() -> None:
    """Cheap argon2 parameters for the test suite; the application never calls this."""
    KDF_PARAMS.update({"t": 1, "m": 1024, "p": 1})


def key_file_for(db_path: str | os.PathLike[str]) -> Path:
    return Path(f"{Path(db_path)}.keys")


def new_database_key() -> bytes:
    import secrets

    return secrets.token_bytes(KEY_BYTES)


def key_id(key: bytes) -> str:
    """A public fingerprint of the key: tells which key a file needs without revealing it."""
    import hashlib

    return hashlib.sha256(b"enlace-key-id" + key).hexdigest()[:32]


# -- wrapping -----------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


# cryptography, argon2, hashlib and secrets are imported where used: reading the key file (the
# sign-in screen's office name and demo flag, before anything else is loaded) needs none of them.

kdf_seconds = 0.0  # time this process has spent deriving password keys (the start-up benchmark prints it)


def _password_kek(password: str, salt: bytes, params: dict[str, int]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    global kdf_seconds
    started = time.perf_counter()
    try:
        return hash_secret_raw(password.encode("utf-8"), salt, time_cost=params["t"], memory_cost=params["m"],
                               parallelism=params["p"], hash_len=32, type=Type.ID)
    finally:
        kdf_seconds += time.perf_counter() - started


def _recovery_kek(recovery_key: str, salt: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=b"enlace recovery key").derive(
        recovery_key.encode("ascii"))


def _seal(kek: bytes, key: bytes, aad: str, extra: dict[str, Any]) -> dict[str, Any]:
    import secrets

    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = secrets.token_bytes(12)
    return {**extra, "nonce": _b64(nonce), "ct": _b64(AESGCM(kek).encrypt(nonce, key, aad.encode("utf-8")))}


def _open(kek: bytes, wrap: dict[str, Any], aad: str) -> bytes:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(kek).decrypt(_unb64(wrap["nonce"]), _unb64(wrap["ct"]), aad.encode("utf-8"))
    except (InvalidTag, KeyError, TypeError, ValueError) as exc:  # a wrong secret, or a tampered wrap
        raise WrongSecret from exc


def spend_kdf_time(password: str) -> None:
    """Derive a throwaway key, so a refusal for an unknown user takes as long as for a known one."""
    _password_kek(password, b"\0" * 16, dict(KDF_PARAMS))


def password_hash_id(password_hash: str) -> str:
    """A fingerprint of a stored password hash, kept on the slot wrapped for the same password.

    A slot that opens with the password typed and carries the fingerprint of the user's current
    hash proves that password against the database as well: sign-in then needs one argon2id, not
    two. The hash itself (salt included) stays inside the encrypted database.
    """
    import hashlib

    return hashlib.sha256(b"enlace-password-hash" + password_hash.encode("utf-8")).hexdigest()[:32]


def _grant_aad(kid: str, slot: str) -> str:
    return f"enlace:{kid}:grant:{slot}"


def grant_for(public: bytes, key: bytes, slot: str, master: bytes | None = None,
              roles: dict[str, bytes] | None = None) -> dict[str, Any]:
    """The database key (an administrator's master key, the role's keys) sealed to a slot's public key."""
    from desktop.store.key_hierarchy import seal_grant

    secrets = {"db": key, **({"master": master} if master else {}),
               **{f"role:{name}": value for name, value in (roles or {}).items()}}
    return seal_grant(public, secrets, _grant_aad(key_id(key), slot))


def wrap_with_password(key: bytes, slot: str, password: str, hash_id: str | None = None,
                       master: bytes | None = None, roles: dict[str, bytes] | None = None) -> dict[str, Any]:
    """A new slot: a new key pair, its private half sealed under the password, a grant of ``key``."""
    import secrets

    from desktop.store.key_hierarchy import _b64 as b64
    from desktop.store.key_hierarchy import new_key_pair

    salt = secrets.token_bytes(16)
    params = dict(KDF_PARAMS)
    kek = _password_kek(password, salt, params)
    private, public = new_key_pair()
    extra: dict[str, Any] = {"kdf": "argon2id", **params, "salt": _b64(salt), "public": b64(public),
                             "grant": grant_for(public, key, slot, master, roles)}
    if hash_id:
        extra["hash_id"] = hash_id
    return _seal(kek, private, f"enlace:user:{slot}:private", extra)


def unwrap_with_password(wrap: dict[str, Any], kid: str, slot: str, password: str
                         ) -> tuple[bytes, bytes | None, dict[str, bytes]]:
    """(database key, master key or None, role keys) from a slot opened with a password; WrongSecret otherwise."""
    from desktop.store.key_hierarchy import open_grant

    try:
        params = {"t": int(wrap["t"]), "m": int(wrap["m"]), "p": int(wrap["p"])}
        salt = _unb64(wrap["salt"])
        if not (1 <= params["t"] <= 64 and 8 * params["p"] <= params["m"] <= 4_194_304 and 1 <= params["p"] <= 64
                and len(salt) >= 8):
            raise ValueError("KDF parameters out of range")  # a tampered file must not hang or exhaust memory
        kek = _password_kek(password, salt, params)
    except (KeyError, TypeError, ValueError) as exc:
        raise WrongSecret from exc
    if "public" not in wrap:  # a slot written before grants: it seals the database key itself
        return _open(kek, wrap, f"enlace:{kid}:user:{slot}"), None, {}
    private = _open(kek, wrap, f"enlace:user:{slot}:private")
    try:
        public = _unb64(wrap["public"])
        key = open_grant(private, public, wrap.get("grant"), _grant_aad(kid, slot), "db")
        master = open_grant(private, public, wrap.get("grant"), _grant_aad(kid, slot), "master")
        roles = {}
        for entry in wrap["grant"] if isinstance(wrap.get("grant"), dict) else ():
            if isinstance(entry, str) and entry.startswith("role:"):
                value = open_grant(private, public, wrap["grant"], _grant_aad(kid, slot), entry)
                if value is not None:
                    roles[entry[len("role:"):]] = value
    except ValueError as exc:
        raise WrongSecret from exc
    if key is None:
        raise WrongSecret
    return key, master, roles


def wrap_with_recovery(key: bytes, recovery_key: str) -> dict[str, Any]:
    import secrets

    salt = secrets.token_bytes(16)
    return _seal(_recovery_kek(recovery_key, salt), key, f"enlace:{key_id(key)}:recovery",
                 {"kdf": "hkdf-sha256", "salt": _b64(salt)})


def unwrap_with_recovery(wrap: dict[str, Any], kid: str, recovery_key: str) -> bytes:
    try:
        salt = _unb64(wrap["salt"])
    except (KeyError, TypeError, ValueError) as exc:
        raise WrongSecret from exc
    return _open(_recovery_kek(recovery_key, salt), wrap, f"enlace:{kid}:recovery")


def _normalized(data: dict[str, Any]) -> dict[str, Any]:
    """Drop malformed bookkeeping (counters, pending events, office) instead of failing on it."""
    if not isinstance(data.get("attempts"), dict):
        data["attempts"] = {}
    data["attempts"] = {k: v for k, v in data["attempts"].items()
                        if isinstance(v, dict) and isinstance(v.get("failed", 0), int)
                        and isinstance(v.get("locked_until") or "", str)}
    if not isinstance(data.get("pending_events"), list):
        data["pending_events"] = []
    data["pending_events"] = [e for e in data["pending_events"] if isinstance(e, dict)]
    if not isinstance(data.get("office"), dict):
        data["office"] = {}
    data["slots"] = {k: v for k, v in data["slots"].items() if isinstance(v, list)}
    return data


def slot_name(username: str) -> str:
    return username.strip().casefold()


# -- the file -----------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Unlocked:
    key: bytes
    via: str  # "password" or "recovery"
    master: bytes | None = field(default=None, repr=False)  # administrators' and the recovery key's
    generation: int = 0  # which of the user's wraps opened (0: current)
    hash_id: str | None = None  # the opened wrap's password_hash_id(), when it has one
    salt: str | None = None  # the opened wrap's salt: tells it apart from a wrap written meanwhile
    roles: dict[str, bytes] = field(default_factory=dict, repr=False)  # role keys the slot granted (wraps)


class KeyFile:
    """A key file on disk. Each method reads it fresh; changes are written under a lock."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise KeyFileError(_("The key file {path} is missing: without it the encrypted database cannot be "
                                 "opened. Restore it from a backup, or use the recovery key.").format(
                path=self.path)) from exc
        except (OSError, ValueError) as exc:
            raise KeyFileError(_("The key file {path} is damaged. Restore it from a backup, or use the "
                                 "recovery key.").format(path=self.path)) from exc
        if (not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("slots"), dict)
                or not isinstance(data.get("key_id"), str)):
            raise KeyFileError(_("The key file {path} is damaged. Restore it from a backup, or use the "
                                 "recovery key.").format(path=self.path))
        return _normalized(data)

    def write(self, data: dict[str, Any]) -> None:
        write_private(self.path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Serialise read-modify-write between processes with an exclusive lock file."""
        lock = self.path.with_name(self.path.name + ".lock")
        deadline = time.monotonic() + 10
        while True:
            try:
                fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                break
            except FileExistsError:
                try:
                    if time.time() - lock.stat().st_mtime > 30 or not _lock_owner_alive(lock):  # a killed process's
                        lock.unlink(missing_ok=True)
                        continue
                except FileNotFoundError:
                    continue
                if time.monotonic() > deadline:
                    raise KeyFileError(_("The key file {path} is busy; try again.").format(path=self.path)) from None
                time.sleep(0.02)
        try:
            os.write(fd, str(os.getpid()).encode("ascii"))
            os.close(fd)
            yield
        finally:
            lock.unlink(missing_ok=True)

    # -- creation ---------------------------------------------------------------------------

    def create(self, key: bytes, recovery_key: str, salt: bytes | None = None) -> None:
        """A new key file for ``key``; ``salt``: the file's SQLCipher salt when the key is derived
        from the recovery key (:mod:`desktop.store.key_hierarchy`), so the recovery key opens the
        database even without this file."""
        data = {"format": FORMAT, "cipher": "sqlcipher4", "key_id": key_id(key),
                "created_at": _now().isoformat(), "slots": {}, "recovery": wrap_with_recovery(key, recovery_key),
                "attempts": {}, "pending_events": [], "office": {}}
        if salt is not None:
            from desktop.store.key_hierarchy import master_id, master_key

            data.update(scheme="derived-v2", file_salt=salt.hex(),
                        master_id=master_id(master_key(normalize_recovery_key(recovery_key) or recovery_key)))
        self.write(data)

    # -- reading ----------------------------------------------------------------------------

    def key_id(self) -> str:
        return str(self.read().get("key_id", ""))

    def has_slot(self, username: str) -> bool:
        return slot_name(username) in self.read()["slots"]

    def usernames(self) -> list[str]:
        return sorted(self.read()["slots"])

    def office(self) -> dict[str, Any]:
        value = self.read().get("office")
        return value if isinstance(value, dict) else {}

    def pending_events(self) -> list[dict[str, Any]]:
        return list(self.read().get("pending_events") or [])

    def locked_until(self, username: str, now: datetime | None = None) -> datetime | None:
        entry = (self.read().get("attempts") or {}).get(slot_name(username)) or {}
        until = entry.get("locked_until")
        if not until:
            return None
        try:
            when = datetime.fromisoformat(until)
            return when if when > (now or _now()) else None
        except (TypeError, ValueError):  # tampered: no lock rather than a crash
            return None

    def unlock_with_password(self, username: str, password: str) -> Unlocked:
        data = self.read()
        kid = str(data.get("key_id", ""))
        name = slot_name(username)
        wraps = data["slots"].get(name)
        if not isinstance(wraps, list):
            raise WrongSecret
        for generation, wrap in enumerate(wraps):
            if not isinstance(wrap, dict):
                continue
            try:
                key, master, roles = unwrap_with_password(wrap, kid, name, password)
            except WrongSecret:
                continue
            if key_id(key) == kid:
                hash_id = wrap.get("hash_id")
                return Unlocked(key, "password", master, generation, hash_id if isinstance(hash_id, str) else None,
                                wrap.get("salt"), roles)
        raise WrongSecret

    def unlock_with_recovery(self, recovery_key: str) -> Unlocked:
        data = self.read()
        normal = normalize_recovery_key(recovery_key)
        if normal is not None and isinstance(data.get("file_salt"), str):
            from desktop.store.key_hierarchy import database_key, master_key

            master = master_key(normal)
            try:
                key = database_key(master, bytes.fromhex(data["file_salt"]))
            except ValueError:
                raise WrongSecret from None
            if key_id(key) == data.get("key_id"):
                return Unlocked(key, "recovery", master)
        if normal is None or not isinstance(data.get("recovery"), dict):
            raise WrongSecret
        key = unwrap_with_recovery(data["recovery"], str(data.get("key_id", "")), normal)
        if key_id(key) != data.get("key_id"):
            raise WrongSecret
        return Unlocked(key, "recovery")

    # -- changing ---------------------------------------------------------------------------

    def update(self, change) -> dict[str, Any]:
        with self.locked():
            data = self.read()
            change(data)
            self.write(data)
            return data

    def set_password(self, key: bytes, username: str, password: str, *, keep_previous: bool = True,
                     hash_id: str | None = None, master: bytes | None = None,
                     roles: dict[str, bytes] | None = None) -> None:
        """Wrap ``key`` for ``username``'s new password (``hash_id``: its hash's :func:`password_hash_id`).

        The previous wrap is kept until the user's next sign-in proves which one the database
        agrees with, so a crash between the key file and the database commit locks nobody out.
        """
        name = slot_name(username)
        wrap = wrap_with_password(key, name, password, hash_id, master, roles)

        def change(data: dict[str, Any]) -> None:
            if data.get("key_id") != key_id(key):
                raise KeyFileError(_("The key file does not belong to this database."))
            old = data["slots"].get(name) or []
            data["slots"][name] = [wrap] + (old[:1] if keep_previous else [])

        self.update(change)

    def keep_only(self, username: str, generation: int, key: bytes, password: str, *,
                  hash_id: str | None = None, salt: str | None = None, master: bytes | None = None,
                  roles: dict[str, bytes] | None = None) -> None:
        """After a sign-in: keep only the wrap that opened (rewrapped as current).

        ``hash_id`` is the :func:`password_hash_id` of the hash the database checked the password
        against; the kept wrap carries it, so the next sign-in needs no second argon2id. ``salt``
        is the opened wrap's: a current wrap written meanwhile by another seat is left alone.
        """
        name = slot_name(username)

        def change(data: dict[str, Any]) -> None:
            wraps = data["slots"].get(name) or []
            if generation:
                data["slots"][name] = [wrap_with_password(key, name, password, hash_id, master, roles)]
                return
            if not wraps or not isinstance(wraps[0], dict) or (salt is not None and wraps[0].get("salt") != salt):
                return
            if hash_id:
                wraps[0]["hash_id"] = hash_id
            data["slots"][name] = wraps[:1]

        wraps = self.read()["slots"].get(name) or []
        unmarked = bool(hash_id and wraps and isinstance(wraps[0], dict) and wraps[0].get("hash_id") != hash_id)
        if generation or len(wraps) > 1 or unmarked:
            self.update(change)

    def remove_user(self, username: str) -> None:
        self.update(lambda data: data["slots"].pop(slot_name(username), None))

    def set_recovery(self, key: bytes, recovery_key: str) -> None:
        def change(data: dict[str, Any]) -> None:
            if data.get("key_id") != key_id(key):
                raise KeyFileError(_("The key file does not belong to this database."))
            data["recovery"] = wrap_with_recovery(key, recovery_key)

        self.update(change)

    def set_audit_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """A copy of the last signed audit checkpoint, outside the database (see services.security.checkpoints)."""
        self.update(lambda data: data.__setitem__("audit_checkpoint", checkpoint))

    def set_office(self, **values: Any) -> None:
        self.update(lambda data: data.setdefault("office", {}).update(values))

    def note_failure(self, username: str, reason: str, max_failures: int, lockout: timedelta,
                     now: datetime | None = None) -> datetime | None:
        """Count a refused attempt; return the lock end when this attempt locks the account."""
        now = now or _now()
        name = slot_name(username)
        locked: list[datetime] = []

        def change(data: dict[str, Any]) -> None:
            events = data.setdefault("pending_events", [])
            events.append({"at": now.isoformat(), "username": username.strip()[:64], "reason": reason})
            if name in data["slots"]:
                entry = data.setdefault("attempts", {}).setdefault(name, {"failed": 0, "locked_until": None})
                entry["failed"] = int(entry.get("failed") or 0) + 1
                if entry["failed"] >= max_failures:
                    until = now + lockout
                    entry.update(failed=0, locked_until=until.isoformat())
                    events.append({"at": now.isoformat(), "username": username.strip()[:64], "reason": "lockout"})
                    locked.append(until)
            del events[:-MAX_PENDING_EVENTS]

        self.update(change)
        return locked[0] if locked else None

    def clear_failures(self, username: str) -> None:
        name = slot_name(username)
        if (self.read().get("attempts") or {}).get(name):
            self.update(lambda data: data.setdefault("attempts", {}).pop(name, None))

    def take_pending_events(self) -> list[dict[str, Any]]:
        taken: list[dict[str, Any]] = []

        def change(data: dict[str, Any]) -> None:
            taken.extend(data.get("pending_events") or [])
            data["pending_events"] = []

        if self.read().get("pending_events"):
            self.update(change)
        return taken

    def snapshot(self) -> dict[str, Any]:
        """The file's content for a backup: slots and recovery, without counters and pending events."""
        data = self.read()
        data["attempts"] = {}
        data["pending_events"] = []
        return data


class Keyring:
    """An unlocked encrypted database's key together with its key file (kept on the Database).

    ``master`` is the office master key when the person who opened it holds it (an administrator,
    or the recovery key): it is what replacing the database key needs, and it gives every role key.
    ``roles`` are the role keys the person's slot granted (:mod:`desktop.store.wraps`).
    """

    def __init__(self, key_file: KeyFile, key: bytes, master: bytes | None = None,
                 roles: dict[str, bytes] | None = None) -> None:
        self.key_file = key_file
        self.key = key
        self.master = master
        self.roles = dict(roles or {})

    def file_salt(self) -> bytes | None:
        """The database's salt when its key derives from the master key (None: an older database)."""
        try:
            salt = bytes.fromhex(str(self.key_file.read().get("file_salt") or ""))
        except (KeyFileError, ValueError):
            return None
        return salt if len(salt) == 16 else None

    def has_role_keys(self) -> bool:
        """Role keys exist for a database whose key derives from the master key (see desktop.store.wraps)."""
        return self.file_salt() is not None

    def role_key(self, name: str) -> bytes | None:
        """Role key ``name`` if this keyring holds it: derived from the master key, or granted by the slot."""
        from desktop.store import wraps

        salt = self.file_salt()
        if salt is None:
            return None
        if self.master is not None:
            from desktop.store.key_hierarchy import database_key

            if key_id(database_key(self.master, salt)) == key_id(self.key):
                return wraps.role_key(self.master, salt, name)
            return None
        return self.roles.get(name)

    def grants_for(self, role: str | None) -> dict[str, bytes]:
        """The role keys a slot of an account with ``role`` gets, among those this keyring holds."""
        from desktop.store import wraps

        found = {name: self.role_key(name) for name in wraps.keys_for_role(role)}
        return {name: value for name, value in found.items() if value is not None}

    def set_password(self, username: str, password: str, hash_id: str | None = None, *, admin: bool = False,
                     keep_previous: bool = True, role: str | None = None) -> None:
        self.key_file.set_password(self.key, username, password, hash_id=hash_id,
                                   master=self.master if admin else None, keep_previous=keep_previous,
                                   roles=self.grants_for(role))

