"""The one engine/session factory, and opening a database file safely.

Everything that connects to a database goes through :class:`Database`. It is the single place
where SQLite pragmas, write-transaction locking, encryption keys and server URLs are decided.
"""

from __future__ import annotations

import os
import re
import weakref
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
    DatabaseBusyError,
    SchemaTooNewError,
    ServerLoginRefusedError,
    ServerTlsMissingError,
    ServerUnreachableError,
    StoreError,
    UnreadableDatabaseError,
    busy_message,
    connect_raw,
    crash_point,
    fsync_dir,
    fsync_file,
    is_busy_error,
    is_plain_sqlite,
    key_pragma_for,
    set_wait_notice,
    sqlcipher_module,
    sqlite_url,
    wait_notice,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 30_000
QUICK_WAIT_MS = 400  # a write that waits longer than this says so (see set_wait_notice)

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


def _configure_sqlite(engine: Engine, key_pragma: Callable[[object], None] | None,
                      attach: Callable[[object], None] | None = None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        if key_pragma is not None:
            key_pragma(dbapi_conn)
        if attach is not None:
            attach(dbapi_conn)  # before the pragmas below, which then apply to every attached file too
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
        if not conn.get_execution_options().get("enlace_write"):
            conn.exec_driver_sql("BEGIN")
        elif wait_notice() is None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            _begin_noticing_waits(conn.connection.dbapi_connection, wait_notice())


def _begin_noticing_waits(raw, notice: Callable[[], None]) -> None:
    """BEGIN IMMEDIATE; if the lock is not free within QUICK_WAIT_MS, say so and keep waiting."""
    raw.execute(f"PRAGMA busy_timeout = {QUICK_WAIT_MS}")
    try:
        try:
            raw.execute("BEGIN IMMEDIATE")
            return
        except Exception as exc:
            if not is_busy_error(exc):
                raise
        notice()
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS - QUICK_WAIT_MS}")
        raw.execute("BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1"})


def needs_tls(url) -> bool:
    """A server on another machine is reached over TLS only (passwords and personal data cross the
    network); one on this PC (or its Unix socket) may be plain. An explicit ``sslmode`` is respected."""
    url = make_url(url) if isinstance(url, str) else url
    if "sslmode" in url.query:
        return False
    host = url.host or str(url.query.get("host") or "")
    return not (host in LOCAL_HOSTS or host.startswith("/"))


CONNECT_TIMEOUT_S = 10  # a server that does not answer is said so after this, not after the OS's TCP timeout


def server_connect_args(url) -> dict:
    """psycopg's connection options for an office server: TLS when it is on another machine, a timeout."""
    url = make_url(url) if isinstance(url, str) else url
    args: dict = {} if "connect_timeout" in url.query else {"connect_timeout": CONNECT_TIMEOUT_S}
    if needs_tls(url):
        args["sslmode"] = "require"
    return args


# Key of the transaction-level advisory lock every write transaction on a server takes first.
WRITE_LOCK_KEY = 0x456E6C61  # "Enla"


def _configure_server(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # As BEGIN IMMEDIATE on SQLite: one writer at a time per database, taken before anything is
        # read. The audit chain is appended in order, and two writers can never deadlock on rows
        # they lock in different orders (a number counter, the last audit event).
        if conn.get_execution_options().get("enlace_write"):
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({WRITE_LOCK_KEY})")


class Database:
    """An open database: engine plus read and write session factories."""

    def __init__(self, url: str, *, key_pragma: Callable[[object], None] | None = None,
                 module: object | None = None, echo: bool = False, key: bytes | None = None,
                 salt: bytes | None = None, files: dict[str, tuple[Path, bytes]] | None = None) -> None:
        self.url = make_url(url)
        # The role files attached to every connection, name → (path, key) (desktop.store.role_files): those
        # whose keys this session holds.
        self.files: dict[str, tuple[Path, bytes]] = dict(files or {})
        self.key = key  # the raw SQLCipher key of an encrypted file (None: plain SQLite or a server)
        self.keyring: object | None = None  # desktop.store.keys.Keyring of an encrypted file, set by workspace
        if key is not None:
            key_pragma = self._apply_key
            self._salt = salt
            module = module or sqlcipher_module()
        kwargs: dict = {"echo": echo, "future": True}
        if module is not None:
            kwargs["module"] = module
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        if self.is_server:
            kwargs["pool_pre_ping"] = True  # a seat outlives server restarts and idle-connection timeouts
            kwargs["connect_args"] = server_connect_args(self.url)
        self.engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            _configure_sqlite(self.engine, key_pragma, self._attach_files)
        elif self.is_server:
            _configure_server(self.engine)
        # A Database dropped without dispose() (a command that returns early) still closes its
        # connections: a server counts them, and psycopg warns about connections left open.
        weakref.finalize(self, self.engine.dispose)
        # Sessions know their Database (password changes rewrap the key file through it).
        self._read = sessionmaker(self.engine, expire_on_commit=False, info={"database": self})
        self._write = sessionmaker(self.engine.execution_options(enlace_write=True), expire_on_commit=False,
                                   info={"database": self})

    def _apply_key(self, dbapi_conn) -> None:
        key_pragma_for(self.key, self._salt)(dbapi_conn)  # type: ignore[arg-type]

    def _attach_files(self, dbapi_conn) -> None:
        if self.files:
            from desktop.store.role_files import attach

            for name, (path, key) in self.files.items():
                attach(dbapi_conn, name, path, key)

    def attach_file(self, name: str, path: Path, key: bytes) -> None:
        """Connections from now on attach role file ``name`` at ``path`` under ``key``."""
        self.engine.dispose()
        self.files[name] = (Path(path), key)

    @property
    def people(self) -> tuple[Path, bytes] | None:
        """The attached people file (path, key), if this session holds its key."""
        return self.files.get("people")

    def rekey(self, key: bytes) -> None:
        """The file now has another key (desktop.store.rotation): new connections use it."""
        self.engine.dispose()
        self.key = key
        self._salt = None

    @property
    def encrypted(self) -> bool:
        return self.key is not None

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_server(self) -> bool:
        """A PostgreSQL office server (several seats) rather than this PC's file."""
        return self.url.get_backend_name() == "postgresql"

    @property
    def location(self) -> str:
        """What opens this database again: the file's path, or the server URL (with its password)."""
        path = self.path
        return str(path) if path is not None else self.url.render_as_string(hide_password=False)

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
            try:
                yield session
            except Exception as exc:
                self._raise_if_not_held(exc)
                raise

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write session: commits when the block ends, rolls back on any exception.

        Waits up to BUSY_TIMEOUT_MS for another writer; past that, ``DatabaseBusyError`` (translated).
        """
        try:
            with self._write() as session:
                with session.begin():
                    yield session
        except DatabaseBusyError:
            raise
        except Exception as exc:
            if is_busy_error(exc):
                raise DatabaseBusyError(busy_message(BUSY_TIMEOUT_MS // 1000)) from exc
            self._raise_if_not_held(exc)
            raise

    def _raise_if_not_held(self, exc: BaseException) -> None:
        """A query that reached a table of a role file this session holds no key to (desktop.store.role_files):
        say so in the user's language, instead of SQLite's ``no such table``."""
        if self.key is None:
            return
        match = re.search(r"no such table: (?:\w+\.)?(\w+)", str(exc))
        if match is None:
            return
        from desktop.store.role_files import RoleFileNotHeldError, not_held_message, owner_of

        name = owner_of(match.group(1))
        if name is not None and name not in self.files:
            raise RoleFileNotHeldError(not_held_message(name)) from exc

    def dispose(self) -> None:
        self.engine.dispose()

    def checkpoint(self) -> None:
        """Fold SQLite's write-ahead log into the file (before copying the file); nothing on a server."""
        if self.is_sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")

    # -- schema ---------------------------------------------------------------------------

    def _alembic_config(self, connection):
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.attributes["connection"] = connection
        return cfg

    def schema_state(self) -> tuple[set[str], set[str]]:
        """Return (revisions the database is at, head revisions of this Enlace).

        The history is one line of revisions (one head). The usual case (already at the head) is
        answered without importing Alembic, which would cost a good part of the window's start-up time.
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
        """Every pending migration in one transaction: a crash leaves the database as it was."""
        from alembic import command

        from desktop.store.old_heads import linearise

        with self.engine.begin() as conn:
            cfg = self._alembic_config(conn)
            linearise(conn, cfg)
            command.upgrade(cfg, target)
            crash_point("upgrade:before-commit")

    def downgrade(self, target: str) -> None:
        from alembic import command

        with self.engine.begin() as conn:
            command.downgrade(self._alembic_config(conn), target)


def days_between(bind: object, earlier, later, places: int = 3):
    """SQL: days (with fraction, rounded to ``places``) from ``earlier`` to ``later``, on either database.

    ``bind`` is a Session, Connection or Engine. PostgreSQL has no ``round(double, int)``: it
    rounds a numeric.
    """
    from sqlalchemy import Numeric, cast, func

    if _dialect_name(bind) == "sqlite":
        return func.round(func.julianday(later) - func.julianday(earlier), places)
    return func.round(cast(func.extract("epoch", later - earlier) / 86400.0, Numeric), places)


def _dialect_name(bind: object) -> str:
    get_bind = getattr(bind, "get_bind", None)
    if get_bind is not None:
        bind = get_bind()
    return bind.dialect.name  # type: ignore[attr-defined]


def next_counter_value(session: Session, table, keys: dict[str, object], *, value_column: str = "last_value",
                       floor=None, count: int = 1) -> int:
    """Take the next number (or the last of the next ``count``) of a series kept in a counter row.

    One statement that creates the row or adds one to it (``INSERT … ON CONFLICT DO UPDATE …
    RETURNING``), so the row is locked until the caller's transaction ends and two transactions
    never get the same number, on either database; a rollback gives the number back. ``floor`` (a
    scalar SQL expression, e.g. the highest number already used) starts a missing row above it.
    ``table`` is a Core table (the series' ``keys`` its primary key).
    """
    from sqlalchemy import literal

    if _dialect_name(session) == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert  # type: ignore[assignment]
    first = (floor + count) if floor is not None else literal(count)
    statement = insert(table).values({**keys, value_column: first})
    column = table.c[value_column]
    statement = statement.on_conflict_do_update(index_elements=list(keys),
                                                set_={value_column: column + count}).returning(column)
    return int(session.execute(statement).scalar_one())


def is_sqlite_bind(bind: object) -> bool:
    """True when a Session, Connection or Engine talks to SQLite (a file on this PC)."""
    return _dialect_name(bind) == "sqlite"


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
                pages_per_step: int = -1, progress: Callable[[int, int], None] | None = None,
                salt: bytes | None = None) -> Path:
    """Consistent copy of a live SQLite file with the online backup API, synced to disk.

    With ``key`` both files are SQLCipher databases under that key (the copy stays encrypted);
    the copy keeps the source's salt (``salt``, default: read from the source), so the recovery
    key derives its key as it does the original's. The copy is readable by the current OS user only.
    """
    from desktop.store.files import file_salt

    dest.parent.mkdir(parents=True, exist_ok=True)
    if key is not None and salt is None:
        salt = file_salt(src)
    source = connect_raw(src, key)
    try:
        fd = os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)
        target = connect_raw(dest, key, salt)
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
    fsync_file(dest)
    return dest


def _copy_aside(db: Database, dest: Path) -> Path:
    """The copy made before an upgrade: written under another name, synced, then renamed."""
    partial = dest.with_name(f".{dest.name}.{os.getpid()}.partial")
    try:
        backup_copy(db.path, partial, db.key)  # type: ignore[arg-type]
        os.replace(partial, dest)
        fsync_dir(dest.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return dest


def _server_error(db: Database, exc: Exception) -> StoreError:
    return server_error(db.url, exc)


def server_error(url, exc: Exception) -> StoreError:
    """A translated reason why the office server did not open."""
    url = make_url(url) if isinstance(url, str) else url
    text = str(getattr(exc, "orig", None) or exc)
    where = f"{url.host or 'localhost'}:{url.port or 5432}"
    if ("password authentication failed" in text or "no password supplied" in text or "not permitted to log in" in text
            or ("role" in text and "does not exist" in text)):
        return ServerLoginRefusedError(_("The office server refused this user name or password."))
    if "SSL" in text and ("not support" in text or "required" in text or "off" in text):
        return ServerTlsMissingError(_("The office server at {where} does not offer an encrypted (TLS) connection. "
                                        "Ask whoever runs it to turn on TLS (ssl = on); Enlace does not send "
                                        "passwords and personal data over the network unencrypted.").format(
            where=where))
    if "does not exist" in text and "database" in text:
        return ServerUnreachableError(_("The office server at {where} has no database {name}.").format(
            where=where, name=url.database))
    return ServerUnreachableError(_("The office server at {where} cannot be reached: {reason}").format(
        where=where, reason=text.strip().splitlines()[0] if text.strip() else type(exc).__name__))


OpenHook = Callable[[str], Database]


def open_database(target: str | os.PathLike[str], *, factory: OpenHook | None = None,
                  pre_upgrade_backup: Callable[[Database, Path], Path] | None = None,
                  key: bytes | None = None, salt: bytes | None = None,
                  files: dict[str, tuple[Path, bytes]] | None = None) -> Database:
    """Open (creating if needed) a database and bring its schema to the Alembic head.

    With ``key`` the file is a SQLCipher database under that raw key (created encrypted, with
    ``salt`` as its SQLCipher salt when given).
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
    db = factory(url) if factory else Database(url, key=key, salt=salt, files=files)
    try:
        current, heads = db.schema_state()
    except Exception as exc:  # not a database, wrong key, …
        db.dispose()
        if db.is_server:
            raise _server_error(db, exc) from exc
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
        (pre_upgrade_backup or _copy_aside)(db, dest)
        crash_point("upgrade:copied")
    db.upgrade()
    return db

