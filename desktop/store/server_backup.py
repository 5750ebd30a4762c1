"""Backups of an office server: ``pg_dump --format=custom``, encrypted in chunks, streamed both ways.

A backup is two files, as on one PC: ``enlace-<OFFICE>-<YYYYmmdd-HHMMSS>[-<reason>].pgdump`` and
``<same>.pgdump.keys`` (JSON). The dump never touches the disk in clear: pg_dump writes to a pipe,
each MiB read from it is sealed with AES-256-GCM under a random key made for this backup, and
the ciphertext is written. The key is in the ``.keys`` file only wrapped, like a database key
in a key file (:func:`desktop.store.keys.wrap_with_password`: argon2id, then an X25519 grant),
for the administrator who made the backup, with their password of that day.

Encrypted file::

    MAGIC (8 bytes) | key id (16 bytes) | nonce prefix (7 random bytes)          -- the header
    then chunks:  length (4 bytes, big-endian) | AES-GCM(ciphertext + 16-byte tag)
    nonce of chunk i = prefix | i (4 bytes, big-endian) | 1 if it is the last chunk else 0
    associated data = the header

so a changed byte, a chunk moved, dropped or repeated, or a file cut short is refused (the
STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár).

The copy is consistent while the office keeps working: its row counts are taken in a
repeatable-read transaction whose snapshot pg_dump is given (``--snapshot``), so they describe
exactly the rows in the dump; a restore is checked against them table by table.

The PostgreSQL client programs are found on PATH or in ``/usr/lib/postgresql/<version>/bin``
(newest first); their password goes in ``PGPASSWORD``, never on their command line.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from desktop.i18n import _
from desktop.store import keys
from desktop.store.files import StoreError, fsync_dir

MAGIC = b"ENLPGD01"
FORMAT = "enlace-server-backup/1"
CHUNK = 1 << 20  # 1 MiB of dump per sealed chunk
TAG = 16
PREFIX_BYTES = 7
HEADER_BYTES = len(MAGIC) + 16 + PREFIX_BYTES
SUFFIX = ".pgdump"
TOOL_DIRS = "/usr/lib/postgresql/*/bin"  # Debian and Ubuntu keep each version's client programs here
SKIPPED_ON_RESTORE = ("POLICY",)  # made again for the target's own roles (desktop.store.server.install_roles)


class BackupDamagedError(StoreError):
    """The encrypted dump does not decrypt: changed, cut short, or not a backup of this kind."""


class ToolMissingError(StoreError):
    """pg_dump or pg_restore is not installed on this PC."""


def is_server_backup(path: str | os.PathLike[str]) -> bool:
    return str(path).endswith(SUFFIX)


def sidecar_for(path: Path) -> Path:
    return keys.key_file_for(path)


# -- the client programs -----------------------------------------------------------------------


def _version(path: str) -> tuple[int, ...]:
    match = re.search(r"/postgresql/(\d+)(?:\.(\d+))?/bin/", path)
    return tuple(int(p) for p in match.groups() if p) if match else (0,)


def find_tool(name: str) -> str:
    """The newest ``name`` (pg_dump, pg_restore) among /usr/lib/postgresql/*/bin and PATH."""
    versioned = sorted((p for p in glob.glob(os.path.join(TOOL_DIRS, name)) if os.access(p, os.X_OK)),
                       key=_version, reverse=True)
    found = versioned[0] if versioned else shutil.which(name)
    if not found:
        raise ToolMissingError(_("{tool} was not found on this computer. Backups of an office server need the "
                                 "PostgreSQL client programs, of the server's version or newer (on Debian or "
                                 "Ubuntu: the postgresql-client package; on Windows: the PostgreSQL installer's "
                                 "“Command Line Tools”).").format(tool=name))
    return found


def _client(url: URL) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for a client program; the password only in the environment."""
    from desktop.store.database import CONNECT_TIMEOUT_S, needs_tls

    args = ["--host", url.host or "localhost", "--port", str(url.port or 5432), "--dbname", url.database or ""]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)  # an owner password given as PGPASSWORD (README) reaches pg_restore too
    env.update({"PGCONNECT_TIMEOUT": str(CONNECT_TIMEOUT_S), "PGAPPNAME": "enlace-backup", "LC_MESSAGES": "C"})
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    sslmode = url.query.get("sslmode")
    if sslmode or needs_tls(url):
        env["PGSSLMODE"] = str(sslmode or "require")
    return args, env


def _engine(url: URL):
    from desktop.store.database import server_connect_args

    return create_engine(url, connect_args=server_connect_args(url), poolclass=NullPool)


def _tail(path: Path) -> str:
    lines = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


# -- sealing and opening the stream ----------------------------------------------------------------


def _aead(key: bytes):
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    return AESGCM(key)


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + struct.pack(">I", index) + (b"\x01" if last else b"\x00")


def encrypt_stream(source: IO[bytes], out: IO[bytes], key: bytes,
                   progress: Callable[[int], None] | None = None) -> int:
    """Seal everything ``source`` gives into ``out``; returns the plaintext size. Memory: two chunks."""
    aead = _aead(key)
    prefix = os.urandom(PREFIX_BYTES)
    header = MAGIC + bytes.fromhex(keys.key_id(key)) + prefix
    out.write(header)
    total, index = 0, 0
    current = source.read(CHUNK)
    while True:
        following = source.read(CHUNK) if current else b""
        last = not following
        sealed = aead.encrypt(_nonce(prefix, index, last), current, header)
        out.write(struct.pack(">I", len(sealed)) + sealed)
        total += len(current)
        if progress is not None:
            progress(total)
        if last:
            return total
        if index == 0xFFFFFFFF:
            raise StoreError(_("The dump is too large for one backup file."))
        current, index = following, index + 1


def header_key_id(path: Path) -> str | None:
    try:
        with open(path, "rb") as f:
            head = f.read(HEADER_BYTES)
    except OSError:
        return None
    return head[len(MAGIC):len(MAGIC) + 16].hex() if len(head) == HEADER_BYTES and head.startswith(MAGIC) else None


def decrypt_chunks(path: Path, key: bytes) -> Iterator[bytes]:
    """The dump, chunk by chunk; BackupDamagedError (translated) on any change, cut or extra byte."""
    from cryptography.exceptions import InvalidTag

    def damaged(why: str) -> BackupDamagedError:
        return BackupDamagedError(_("The backup {name} is damaged ({why}); nothing was restored from it.").format(
            name=path.name, why=why))

    aead = _aead(key)
    with open(path, "rb") as f:
        header = f.read(HEADER_BYTES)
        if len(header) != HEADER_BYTES or not header.startswith(MAGIC):
            raise damaged(_("it is not an Enlace server backup"))
        if header[len(MAGIC):len(MAGIC) + 16].hex() != keys.key_id(key):
            raise damaged(_("its key does not match"))
        prefix = header[-PREFIX_BYTES:]
        index = 0
        while True:
            size_bytes = f.read(4)
            if len(size_bytes) < 4:
                raise damaged(_("the file is cut short"))
            (size,) = struct.unpack(">I", size_bytes)
            if not TAG <= size <= CHUNK + TAG:
                raise damaged(_("a block of the file was changed"))
            sealed = f.read(size)
            if len(sealed) < size:
                raise damaged(_("the file is cut short"))
            plain = None
            for last in (False, True):
                try:
                    plain = aead.decrypt(_nonce(prefix, index, last), sealed, header)
                except InvalidTag:
                    continue
                break
            if plain is None:
                raise damaged(_("a block of the file was changed"))
            if last:
                if f.read(1):
                    raise damaged(_("there are bytes after its end"))
                if plain:
                    yield plain
                return
            yield plain
            index += 1


def verify(path: Path, key: bytes) -> int:
    """Decrypt the whole backup without keeping it; its dump's size. BackupDamagedError when changed."""
    return sum(len(chunk) for chunk in decrypt_chunks(path, key))


# -- the key file beside the backup ----------------------------------------------------------------


def write_sidecar(path: Path, key: bytes, username: str, password: str, meta: dict[str, Any]) -> None:
    slot = keys.slot_name(username)
    data = {"format": FORMAT, "key_id": keys.key_id(key),
            "slots": {slot: keys.wrap_with_password(key, slot, password)}, "backup": meta}
    keys.write_private(sidecar_for(path), json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))


def read_sidecar(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(sidecar_for(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("format") == FORMAT else {}


def unlock(path: Path, username: str, password: str) -> bytes | None:
    """The backup's key from its maker's password of that day; None when the password does not open it."""
    data = read_sidecar(path)
    slot = keys.slot_name(username)
    wrap = (data.get("slots") or {}).get(slot)
    if not isinstance(wrap, dict):
        keys.spend_kdf_time(password)  # as long as a wrong password for a known slot
        return None
    try:
        key, _master, _roles = keys.unwrap_with_password(wrap, str(data.get("key_id") or ""), slot, password)
    except keys.WrongSecret:
        return None
    return key if keys.key_id(key) == data.get("key_id") else None


# -- backing up --------------------------------------------------------------------------------


def table_counts(conn) -> dict[str, int]:
    names = conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                              "AND tablename <> 'alembic_version' ORDER BY tablename")).scalars().all()
    return {name: int(conn.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one()) for name in names}


def dump(url: str | URL, dest: Path, key: bytes, *, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Write the encrypted dump of the database at ``url`` to ``dest`` (a new file, this OS user only).

    Returns what the key file records: row counts and schema revisions of the dumped snapshot,
    the dump's size. ``dest`` is removed again when anything fails.
    """
    url = make_url(url) if isinstance(url, str) else url
    tool = find_tool("pg_dump")
    args, env = _client(url)
    engine = _engine(url)
    try:
        try:
            conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        except Exception as exc:
            from desktop.store.database import server_error

            raise server_error(url, exc) from exc
        with conn:
            conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            snapshot = str(conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar_one())
            counts = table_counts(conn)
            schema = sorted(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars())
            server_version = str(conn.exec_driver_sql("SHOW server_version").scalar_one())
            # pg_dump reads the same snapshot while this transaction stays open; it reads the users'
            # table through its row policies (an administrator's let every row through).
            command = [tool, "--format=custom", "--no-owner", "--enable-row-security", f"--snapshot={snapshot}",
                       *args]
            with tempfile.TemporaryFile() as errors, open(_new_private(dest), "wb") as out:
                proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, stdin=subprocess.DEVNULL,
                                        env=env)
                try:
                    assert proc.stdout is not None
                    size = encrypt_stream(proc.stdout, out, key, progress)
                finally:
                    if proc.stdout is not None:
                        proc.stdout.close()
                    status = proc.wait()
                if status != 0:
                    errors.seek(0)
                    reason = [line for line in errors.read().decode("utf-8", "replace").splitlines() if line.strip()]
                    raise StoreError(_("pg_dump could not copy the office database: {reason}").format(
                        reason=reason[-1].strip() if reason else status))
                out.flush()
                os.fsync(out.fileno())
            conn.rollback()
    except BaseException:
        dest.unlink(missing_ok=True)
        raise
    finally:
        engine.dispose()
    fsync_dir(dest.parent)
    return {"counts": counts, "schema": schema, "dump_size": size, "server_version": server_version,
            "source": url.database, "tool": os.path.basename(tool)}


def _new_private(path: Path) -> Path:
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return path


# -- restoring into an empty database ------------------------------------------------------------------


def user_tables(url: str | URL) -> list[str]:
    """Tables of the database at ``url`` outside PostgreSQL's own schemas (an empty database has none)."""
    url = make_url(url) if isinstance(url, str) else url
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT schemaname || '.' || tablename FROM pg_tables "
                "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")).scalars())
    except Exception as exc:
        from desktop.store.database import server_error

        raise server_error(url, exc) from exc
    finally:
        engine.dispose()


def counts_of(url: str | URL) -> dict[str, int]:
    url = make_url(url) if isinstance(url, str) else url
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return table_counts(conn)
    finally:
        engine.dispose()


def _feed(path: Path, key: bytes, command: list[str], env: dict[str, str], stdout) -> tuple[int, str]:
    """Run ``command`` with the decrypted dump on its stdin; (exit status, last line of its errors)."""
    with tempfile.TemporaryDirectory() as scratch:
        errors_path = Path(scratch) / "errors"
        with open(errors_path, "wb") as errors:
            proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=stdout, stderr=errors, env=env)
            assert proc.stdin is not None
            try:
                for chunk in decrypt_chunks(path, key):
                    proc.stdin.write(chunk)
            except BrokenPipeError:
                pass  # it stopped reading: its status and messages say why (pg_restore -l reads only the start)
            except BaseException:
                proc.kill()
                proc.wait()
                raise
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            status = proc.wait()
        return status, _tail(errors_path)


def restore(url: str | URL, path: Path, key: bytes) -> None:
    """pg_restore the backup into the (empty) database at ``url``, as its owner, in one transaction.

    Ownership and privileges are not restored (the target's owner owns everything; its roles are
    granted afterwards), nor the row policies naming the old database's roles.
    """
    url = make_url(url) if isinstance(url, str) else url
    tool = find_tool("pg_restore")
    args, env = _client(url)
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "toc"
        with open(listing, "wb") as out:
            status, reason = _feed(path, key, [tool, "--list"], env, out)
        if status != 0:
            raise StoreError(_("pg_restore could not read the backup: {reason}").format(reason=reason or status))
        kept = [line for line in listing.read_text(encoding="utf-8", errors="replace").splitlines()
                if not any(f" {kind} " in line for kind in SKIPPED_ON_RESTORE)]
        listing.write_text("\n".join(kept) + "\n", encoding="utf-8")
        command = [tool, "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                   f"--use-list={listing}", *args]
        status, reason = _feed(path, key, command, env, subprocess.DEVNULL)
    if status != 0:
        from desktop.store.database import server_error

        if "connection to server" in reason or "authentication" in reason or "SSL" in reason:
            raise server_error(url, Exception(reason))
        raise StoreError(_("pg_restore could not restore the backup; the database was left as it was: "
                           "{reason}").format(reason=reason or status))
