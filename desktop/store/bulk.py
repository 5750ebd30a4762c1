"""Loading many rows at once (the demo's large sizes, ``server migrate``), fast on either database.

SQLite: values converted here and handed to the driver's ``executemany`` (several times faster than
SQLAlchemy's per-value processing), secondary indexes dropped and built once at the end.
PostgreSQL: ``COPY … FROM STDIN`` through psycopg, the server's own bulk path.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Boolean, Connection, Date, Table, Uuid, insert

from desktop.store.base import UTCDateTime

BATCH = 5000


def _sqlite_converter(column):
    """How the SQLite driver gets a value of this column without SQLAlchemy's per-value processing."""
    kind = column.type
    if isinstance(kind, Uuid):
        return lambda v: None if v is None else v.hex
    if isinstance(kind, UTCDateTime):
        # Times are built in UTC already: the text before the offset is what SQLAlchemy stores.
        return lambda v: None if v is None else v.isoformat(sep=" ", timespec="microseconds")[:26]
    if isinstance(kind, Date):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(kind, Boolean):
        return lambda v: None if v is None else int(v)
    return None


def _pg_converter(column):
    if isinstance(column.type, UTCDateTime):
        return lambda v: None if v is None else column.type.process_bind_param(v, None)
    return None


def insert_rows(conn: Connection, table: Table, rows: Sequence[dict]) -> None:
    """Insert ``rows`` (dicts with the same keys) into ``table`` in the caller's transaction."""
    if not rows:
        return
    names = list(rows[0])
    dialect = conn.dialect.name
    if dialect == "postgresql":
        converters = [_pg_converter(table.c[name]) for name in names]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        columns = ", ".join(f'"{n}"' for n in names)
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = [row[name] for name in names]
                for i, convert in enumerate(converters):
                    if convert is not None:
                        values[i] = convert(values[i])
                copy.write_row(values)
        return
    if dialect != "sqlite":
        for start in range(0, len(rows), BATCH):
            conn.execute(insert(table), rows[start:start + BATCH])
        return
    converters = [_sqlite_converter(table.c[name]) for name in names]
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
    for start in range(0, len(rows), BATCH):
        batch = []
        for row in rows[start:start + BATCH]:
            values = [row[name] for name in names]
            for i, convert in enumerate(converters):
                if convert is not None:
                    values[i] = convert(values[i])
            batch.append(tuple(values))
        conn.exec_driver_sql(sql, batch)


@contextmanager
def loading(conn: Connection) -> Iterator[None]:
    """Around a bulk load: SQLite keeps index pages in memory (256 MB of cache)."""
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA cache_size = -262144")
    yield


@contextmanager
def indexes_built_after(conn: Connection, table: Table, rows: int) -> Iterator[None]:
    """Drop a table's secondary indexes for a large load and build each once at the end (a sort)."""
    rebuild = [ix for ix in table.indexes if conn.dialect.name == "sqlite" and rows > 20_000]
    for ix in rebuild:
        conn.exec_driver_sql(f"DROP INDEX {ix.name}")
    yield
    if rebuild:
        from desktop.store.role_files import schema_of

        schema = schema_of(conn, table.name)  # a role file's tables: their indexes go there too
        target = conn.execution_options(schema_translate_map={None: schema}) if schema else conn
        for ix in rebuild:
            ix.create(target)
