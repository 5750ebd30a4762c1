"""The one engine/session factory, and opening a database file safely.

Everything that connects to a database goes through :class:`Database`. It is the single place
where SQLite pragmas, write-transaction locking, encryption keys and server URLs are decided.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from desktop.i18n import _
from desktop.store.files import (  # noqa: F401  (re-exported: the store's public names)
    SQLITE_HEADER,
    SchemaTooNewError,
    StoreError,
    UnreadableDatabaseError,
    connect_raw,
    is_plain_sqlite,
    key_pragma_for,
    sqlcipher_module,
    sqlite_url,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000


def integrity_check(path: str | os.PathLike[str], key: bytes | None = None) -> list[str]:
    """Problems found by ``PRAGMA integrity_check`` (and SQLCipher's page HMAC check); [] when sound."""
    try:
        conn = connect_raw(path, key)
    except Exception as exc:
        return [str(exc)]
    try:
        conn.execute("PRAGMA cache_size = -65536")  # 64 MB: halves the check's time on a large file
        rows = [r[0] for r in conn.execute("PRAGMA integrity_check").fetchall()]
        problems = [] if rows == ["ok"] else rows
        if key is not None:
            problems += [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check").fetchall()]
        return problems
    except Exception as exc:
        return [str(exc)]
    finally:
        conn.close()


def _configure_sqlite(engine: Engine, key_pragma: Callable[[object], None] | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        if key_pragma is not None:
            key_pragma(dbapi_conn)
        # We issue BEGIN ourselves (below) so writes can take the lock up front.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A write transaction that starts deferred and later upgrades can fail with SQLITE_BUSY
        # without waiting; BEGIN IMMEDIATE waits (busy_timeout) for the write lock instead.
        if conn.get_execution_options().get("enlace_write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


class Database:
    """An open database: engine plus read and write session factories."""

    def __init__(self, url: str, *, key_pragma: Callable[[object], None] | None = None,
                 module: object | None = None, echo: bool = False, key: bytes | None = None) -> None:
        self.url = make_url(url)
        self.key = key  # the raw SQLCipher key of an encrypted file (None: plain SQLite or a server)
        self.keyring: object | None = None  # desktop.store.keys.Keyring of an encrypted file, set by workspace
        if key is not None:
            key_pragma = key_pragma_for(key)
            module = module or sqlcipher_module()
        kwargs: dict = {"echo": echo, "future": True}
        if module is not None:
            kwargs["module"] = module
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        self.engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, key_pragma)
        # Sessions know their Database (password changes rewrap the key file through it).
        self._read = sessionmaker(self.engine, expire_on_commit=False, info={"database": self})
        self._write = sessionmaker(self.engine.execution_options(enlace_write=True), expire_on_commit=False,
                                   info={"database": self})

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def path(self) -> Path | None:
        if self.is_sqlite and self.url.database and self.url.database != ":memory:":
            return Path(self.url.database)
        return None

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read session; anything written in it is rolled back.

        Closing (not ``rollback()``) ends it: a rollback would expire the loaded objects, and a
        service returns them to callers that read their attributes after the block.
        """
        with self._read() as session:
            yield session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session: commits when the block ends, rolls back on any exception."""
        with self._write() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()

    # -- schema ---------------------------------------------------------------------------

    def _alembic_config(self, connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_state(self) -> tuple[set[str], set[str]]:
        """Return (revisions the database is at, head revisions of this Enlace).

        Feature areas have their own migration branches, so there may be several heads.
        The usual case (already at the heads) is answered without importing Alembic, which
        would cost a good part of the window's start-up time.
        """
        from sqlalchemy import inspect

        with self.engine.connect() as conn:
            current: set[str] = set()
            if inspect(conn).has_table("alembic_version"):  # raises on a file that is no database
                current = {row[0] for row in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
        heads = head_revisions()
        if current == heads:
            return current, heads
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
            script = ScriptDirectory.from_config(self._alembic_config(conn))
            heads = set(script.get_heads())
        return current, heads

    def known_revision(self, revision: str) -> bool:
        from alembic.script import ScriptDirectory
        from alembic.util import CommandError

        script = ScriptDirectory.from_config(self._alembic_config(None))
        try:
            return script.get_revision(revision) is not None
        except CommandError:
            return False

    def upgrade(self, target: str = "heads") -> None:
        from alembic import command

        with self.engine.begin() as conn:
            command.upgrade(self._alembic_config(conn), target)


_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)
_heads_cache: dict[tuple, set[str]] = {}


def _revision_values(path: Path) -> dict[str, object]:
    """A revision file's ``revision`` and ``down_revision``: from their lines, else by parsing it all."""
    import ast

    text = path.read_text(encoding="utf-8")
    values: dict[str, object] = {}
    try:
        for name, value in _REVISION_LINE.findall(text):
            values.setdefault(name, ast.literal_eval(value))
        if "revision" in values and "down_revision" in values:
            return values
    except (ValueError, SyntaxError):  # a value over several lines
        pass
    values = {}
    for node in ast.parse(text).body:
        target = node.targets[0] if isinstance(node, ast.Assign) else getattr(node, "target", None)
        if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and node.value:
            values[target.id] = ast.literal_eval(node.value)
    return values


def head_revisions(versions: Path = MIGRATIONS_DIR / "versions") -> set[str]:
    """The head revisions, read from the revision files' ``revision``/``down_revision`` lines.

    Remembered while the files are unchanged: opening a database at the heads asks every time.
    """
    files = sorted(versions.glob("*.py"))
    stamp = (str(versions), *((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files))
    cached = _heads_cache.get(stamp)
    if cached is not None:
        return set(cached)
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in files:
        values = _revision_values(path)
        if isinstance(values.get("revision"), str):
            revisions.add(values["revision"])  # type: ignore[arg-type]
        down = values.get("down_revision")
        downs.update([down] if isinstance(down, str) else list(down or ()))  # type: ignore[call-overload]
    heads = revisions - downs
    _heads_cache.clear()
    _heads_cache[stamp] = heads
    return set(heads)


def backup_copy(src: Path, dest: Path, key: bytes | None = None, *,
                pages_per_step: int = -1, progress: Callable[[int, int], None] | None = None) -> Path:
    """Consistent copy of a live SQLite file with the online backup API.

    With ``key`` both files are SQLCipher databases under that key (the copy stays encrypted).
    The copy is readable by the current OS user only.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    source = connect_raw(src, key)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        target = connect_raw(dest, key)
        try:
            kwargs: dict = {"pages": pages_per_step}
            if progress is not None:
                kwargs["progress"] = lambda _status, remaining, total: progress(total - remaining, total)
            source.backup(target, **kwargs)
            target.commit()
        finally:
            target.close()
    finally:
        source.close()
    return dest


OpenHook = Callable[[str], Database]


def open_database(target: str | os.PathLike[str], *, factory: OpenHook | None = None,
                  pre_upgrade_backup: Callable[[Database, Path], Path] | None = None,
                  key: bytes | None = None) -> Database:
    """Open (creating if needed) a database and bring its schema to the Alembic head.

    With ``key`` the file is a SQLCipher database under that raw key (created encrypted).
    A database written by a newer Enlace is refused untouched. An older one is first copied
    aside (``<file>.pre-<revision>-<time>.bak``), then upgraded.
    """
    target_str = str(target)
    url = target_str if "://" in target_str else sqlite_url(target_str)
    if "://" not in target_str:
        path = Path(target_str).expanduser().resolve()
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)  # the data folder: this OS user only
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    db = factory(url) if factory else Database(url, key=key)
    try:
        current, heads = db.schema_state()
    except Exception as exc:  # not a database, wrong key, …
        db.dispose()
        raise UnreadableDatabaseError(
            _("The database file {path} cannot be read: it is damaged, encrypted with another key, "
              "or not an Enlace database.").format(path=target_str)) from exc
    if current == heads:
        return db
    unknown = sorted(rev for rev in current if not db.known_revision(rev))
    if unknown:
        db.dispose()
        raise SchemaTooNewError(
            _("This database was written by a newer version of Enlace (schema {revision}). "
              "Install the newer version to open it; the file has not been changed.").format(
                revision=", ".join(unknown)))
    if current and db.path is not None:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = db.path.with_name(f"{db.path.name}.pre-{'+'.join(sorted(current))}-{stamp}.bak")
        (pre_upgrade_backup or (lambda _db, d: backup_copy(_db.path, d, _db.key)))(db, dest)  # type: ignore[arg-type]
    db.upgrade()
    return db

