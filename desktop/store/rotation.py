"""Replacing the key of an encrypted database (SQLCipher): after a deactivation, a reset, a new recovery key.

The database is copied under the new key beside itself, every remaining key slot gets a grant
of the new key (:func:`desktop.store.keys.regrant`), and both files are swapped in through the
journal of :mod:`desktop.store.swap`. Copies of the old key file and old backups keep the old
key: they still open old backups (with the passwords and recovery key of their day), never the
live database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from desktop.i18n import _
from desktop.store import keys, role_files, swap, wraps
from desktop.store.files import StoreError, crash_point, fsync_file, key_pragma_for, sqlcipher_module


def export_copy(source: Path, source_key: bytes | None, dest: Path, key: bytes, salt: bytes, *,
                check: bool = True) -> None:
    """Write an encrypted copy of ``source`` at ``dest`` (key ``key``, SQLCipher salt ``salt``), synced and
    checked (unless ``check`` is False: the caller checks what it makes of the copy)."""
    from desktop.store.database import integrity_check

    dest.unlink(missing_ok=True)
    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600))
    try:
        conn = sqlcipher_module().connect(str(source))  # SQLCipher's module reads plain files too
        try:
            if source_key is not None:
                key_pragma_for(source_key)(conn)
            conn.execute(f"ATTACH DATABASE ? AS enc KEY \"x'{key.hex()}{salt.hex()}'\"", (str(dest),))
            conn.execute("SELECT sqlcipher_export('enc')")
            conn.execute("DETACH DATABASE enc")
        finally:
            conn.close()
        fsync_file(dest)
        crash_point("export:written")
        if check and integrity_check(dest, key):
            raise StoreError(_("The encrypted copy failed its check; the database was not changed."))
    except BaseException:
        for leftover in (dest, Path(f"{dest}-journal")):
            leftover.unlink(missing_ok=True)
        raise


def regrant(data: dict[str, Any], key: bytes, salt: bytes | None, master: bytes | None,
            drop: tuple[str, ...] = (), admins: set[str] | None = None,
            roles: dict[str, str] | None = None) -> list[str]:
    """Point a key file's slots at a new database key: each slot gets a new grant (the slots of
    ``admins``, default those that had it, with the master key; with ``roles``, slot → role, the
    role keys of that role, derived from ``master`` and ``salt``); slots of ``drop`` and slots from
    before grants are removed. Returns the accounts whose slot was removed."""
    from desktop.store.key_hierarchy import _unb64 as unb64
    from desktop.store.key_hierarchy import master_id

    removed: list[str] = []
    dropped = {keys.slot_name(name) for name in drop}
    for name, slot_wraps in list(data["slots"].items()):
        kept = []
        for wrap in slot_wraps:
            if name in dropped or not isinstance(wrap, dict) or "public" not in wrap:
                continue
            had_master = isinstance(wrap.get("grant"), dict) and "master" in wrap["grant"]
            admin = name in admins if admins is not None else had_master
            granted = (wraps.role_keys(master, salt, wraps.keys_for_role(roles.get(name)))
                       if roles is not None and master is not None and salt is not None else None)
            wrap["grant"] = keys.grant_for(unb64(wrap["public"]), key, name, master if admin else None, granted)
            kept.append(wrap)
        if kept:
            data["slots"][name] = kept
        else:
            del data["slots"][name]
            removed.append(name)
        data.get("attempts", {}).pop(name, None)
    data["key_id"] = keys.key_id(key)
    data.pop("recovery", None)  # the recovery key derives the key from the file's salt (key_hierarchy)
    if salt is not None:
        data["file_salt"] = salt.hex()
        data["scheme"] = "derived-v2"
    if master is not None:
        data["master_id"] = master_id(master)
    return removed


def reseal_copy(path: Path, key: bytes, old: bytes | None, new: bytes) -> int:
    """Seal the signing key of the copy at ``path`` (key ``key``) under the new ``sign`` role key."""
    from desktop.store.files import connect_raw

    conn = connect_raw(path, key)
    try:
        changed = wraps.reseal_rows(conn, old, new)
        conn.commit()
    finally:
        conn.close()
    if changed:
        fsync_file(path)
    return changed


def rotate(db, *, drop: tuple[str, ...] = (), recovery_key: str | None = None) -> list[str]:
    """Give the open encrypted database ``db`` a new key; return the accounts left without a slot.

    ``drop``: accounts whose slots go (a deactivation). ``recovery_key``: a new recovery key,
    hence a new master key (the caller shows it). Without one, the master key of the person who
    opened the database is needed (an administrator). A plain database is left alone.
    """
    from desktop.store.key_hierarchy import database_key, master_key, new_salt

    keyring = db.keyring
    if not isinstance(keyring, keys.Keyring) or db.path is None:
        return []
    if recovery_key is not None:
        master = master_key(keys.normalize_recovery_key(recovery_key) or recovery_key)
    elif keyring.master is not None:
        master = keyring.master
    else:
        raise StoreError(_("This database was encrypted by an older version of Enlace: make a new recovery key "
                           "first (Administration → Backups), then try again."))
    path = Path(db.path)
    salt = new_salt()
    key = database_key(master, salt)
    files = dict(db.files)  # the attached role files, name → (path, key): rekeyed with the main file
    with keyring.key_file.locked():
        data = keyring.key_file.read()
        old_sign = keyring.role_key("sign")
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql("SELECT username, role FROM user_account WHERE active").all()
            conn.rollback()
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # every attached file's
            for name in role_files.NAMES:
                if name not in files and role_files.is_split(conn, name):
                    raise role_files.RoleFileMissingError(role_files.missing_message(path, name))
        admins = {keys.slot_name(name) for (name, role) in rows if role == "admin"}
        roles = {keys.slot_name(name): role for (name, role) in rows}
        db.dispose()
        staged = swap.aside(path, "rotating")
        staged_keys = swap.aside(path, "keys-new")
        staged_files = {name: swap.aside(path, f"{name}-new") for name in files}
        try:
            export_copy(path, db.key, staged, key, salt)
            reseal_copy(staged, key, old_sign, wraps.role_key(master, salt, "sign"))
            for name, (file_path, file_key) in files.items():  # each role file under its new role key
                export_copy(file_path, file_key, staged_files[name], wraps.role_key(master, salt, name), new_salt())
                crash_point(f"rotate:{name}")
            removed = regrant(data, key, salt, master, drop, admins, roles)
            keys.write_private(staged_keys, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
            crash_point("rotate:staged")
        except BaseException:
            for leftover in (staged, staged_keys, *staged_files.values()):
                leftover.unlink(missing_ok=True)
            raise
        swap.commit_swap(path, db_from=staged, keys_from=staged_keys, files_from=staged_files)
    db.rekey(key)
    for name, (file_path, _file_key) in files.items():
        db.attach_file(name, file_path, wraps.role_key(master, salt, name))
    keyring.key = key
    keyring.master = master
    if recovery_key is not None:
        keyring.new_recovery_key = recovery_key  # type: ignore[attr-defined]
    return removed
