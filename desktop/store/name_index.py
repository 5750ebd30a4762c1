"""The person word index: names and identity document numbers, found by word, by word start and by a list of
near spellings, on either database. The one place that knows how each database does it.

The lines live in ``person_name_index`` (:class:`PersonNameIndex`: the person, their normalized names, their
normalized document numbers), written in the caller's transaction by :func:`put` and :func:`remove` (and by
``bulk.insert_rows`` in bulk loads). Over them, the database's own full-text index:

- SQLite: an FTS5 table ``person_name_fts`` reading ``person_name_index`` (external content; tokenizer
  ``unicode61 remove_diacritics 2``; prefix indexes for 2 and 3 characters), kept in step by three triggers,
  so every write to a line updates the index in the same transaction.
- PostgreSQL: GIN indexes on ``to_tsvector('simple', names)`` and ``to_tsvector('simple', documents)``
  (the server keeps them in step itself). Measured against ``pg_trgm`` (issue 17): see
  ``tests/benchmarks/bench_people_search_pg.py``.

A query is a list of word groups: a person matches when every group has a word of theirs. A group holds
alternatives; ``"jose*"`` is a word start, ``"jose"`` the word itself. Words are ``[a-z0-9]+`` (anything else
is dropped here, so nothing typed reaches the query syntax).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection, delete, insert, select, text, update
from sqlalchemy.orm import Session

from desktop.store.models import PersonNameIndex

FTS = "person_name_fts"
# What FTS5 adds to a SQLite file besides the model's table (the virtual table and its shadow tables).
SQLITE_TABLES = frozenset({FTS, f"{FTS}_data", f"{FTS}_idx", f"{FTS}_docsize", f"{FTS}_config"})
PG_INDEXES = {"ix_person_name_index_names_fts": "names", "ix_person_name_index_documents_fts": "documents"}
_TRIGGERS = {
    "person_name_index_ai": f"AFTER INSERT ON person_name_index BEGIN INSERT INTO {FTS}(rowid, names, documents) "
                            "VALUES (new.id, new.names, new.documents); END",
    "person_name_index_ad": f"AFTER DELETE ON person_name_index BEGIN INSERT INTO {FTS}({FTS}, rowid, names, "
                            "documents) VALUES ('delete', old.id, old.names, old.documents); END",
    "person_name_index_au": f"AFTER UPDATE ON person_name_index BEGIN INSERT INTO {FTS}({FTS}, rowid, names, "
                            "documents) VALUES ('delete', old.id, old.names, old.documents); "
                            f"INSERT INTO {FTS}(rowid, names, documents) VALUES (new.id, new.names, new.documents); "
                            "END",
}
_WORD = re.compile(r"[a-z0-9]+")


def is_index_object(name: str | None) -> bool:
    """Whether a table or index of that name is this module's (schema comparisons leave them out)."""
    return name in SQLITE_TABLES or name in PG_INDEXES


# -- the schema (the migration and the bulk loads call these) -----------------------------------------------


def _fts_ddl(schema: str | None = None) -> str:
    prefix = f"{schema}." if schema else ""
    return (f"CREATE VIRTUAL TABLE {prefix}{FTS} USING fts5(names, documents, content='person_name_index', "
            "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='2 3')")


def create(conn: Connection) -> None:
    """Build the full-text index over ``person_name_index`` (its rows included)."""
    if conn.dialect.name == "sqlite":
        from desktop.store.role_files import schema_of

        schema = schema_of(conn, "person_name_index")
        conn.exec_driver_sql(_fts_ddl(schema))
        _create_triggers(conn, schema)
        conn.exec_driver_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    elif conn.dialect.name == "postgresql":
        for name, column in PG_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON person_name_index USING gin "
                                 f"(to_tsvector('simple'::regconfig, {column}))")


def create_sqlite(raw) -> None:
    """:func:`create` on a bare SQLite connection whose main file holds ``person_name_index`` (the people file)."""
    raw.execute(_fts_ddl("main"))
    for name, body in _TRIGGERS.items():
        raw.execute(f"CREATE TRIGGER main.{name} {body}")
    raw.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def drop_sqlite(raw) -> None:
    """:func:`drop` on a bare SQLite connection (the main file, when the people tables leave it)."""
    for name in _TRIGGERS:
        raw.execute(f"DROP TRIGGER IF EXISTS main.{name}")
    raw.execute(f"DROP TABLE IF EXISTS main.{FTS}")


def drop(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        _drop_triggers(conn)
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FTS}")
    elif conn.dialect.name == "postgresql":
        for name in PG_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")


def _create_triggers(conn: Connection, schema: str | None = None) -> None:
    prefix = f"{schema}." if schema else ""
    for name, body in _TRIGGERS.items():
        conn.exec_driver_sql(f"CREATE TRIGGER {prefix}{name} {body}")


def _drop_triggers(conn: Connection) -> None:
    for name in _TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


@contextmanager
def built_after(conn: Connection, rows: int) -> Iterator[None]:
    """Around a large bulk load of ``person_name_index``: SQLite builds the FTS5 index once at the end (far
    faster than row by row through the triggers); PostgreSQL builds its GIN indexes once at the end."""
    active = rows > 20_000
    if active and conn.dialect.name == "sqlite":
        _drop_triggers(conn)
    elif active and conn.dialect.name == "postgresql":
        for name in PG_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
    yield
    if active and conn.dialect.name == "sqlite":
        from desktop.store.role_files import schema_of

        _create_triggers(conn, schema_of(conn, "person_name_index"))
        conn.exec_driver_sql(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    elif active and conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        for name, column in PG_INDEXES.items():
            conn.exec_driver_sql(f"CREATE INDEX {name} ON person_name_index USING gin "
                                 f"(to_tsvector('simple'::regconfig, {column}))")


# -- writing (in the caller's transaction) ----------------------------------------------------------------


def put(session: Session, person_id: uuid.UUID, names: str, documents: str) -> None:
    """The person's line: their normalized names and document numbers (replacing what was there)."""
    found = session.execute(update(PersonNameIndex).where(PersonNameIndex.person_id == person_id)
                            .values(names=names, documents=documents)
                            .execution_options(synchronize_session=False))
    if not found.rowcount:
        session.execute(insert(PersonNameIndex).values(person_id=person_id, names=names, documents=documents))


def remove(session: Session, person_id: uuid.UUID) -> None:
    session.execute(delete(PersonNameIndex).where(PersonNameIndex.person_id == person_id)
                    .execution_options(synchronize_session=False))


# -- finding ----------------------------------------------------------------------------------------------


def _clean(groups: Sequence[Sequence[str]]) -> list[list[tuple[str, bool]]]:
    """Each group's alternatives as (word, is a word start), words reduced to [a-z0-9]+."""
    out = []
    for group in groups:
        alternatives = {}
        for word in group:
            prefix = word.endswith("*")
            for part in _WORD.findall(word.lower()):
                alternatives[part] = alternatives.get(part, False) or prefix
        if not alternatives:
            return []
        out.append(sorted(alternatives.items()))
    return out


def _fts5_query(column: str, groups: list[list[tuple[str, bool]]]) -> str:
    ors = [" OR ".join(f'"{word}"{"*" if prefix else ""}' for word, prefix in group) for group in groups]
    return "{" + column + "} : (" + " AND ".join(f"({o})" for o in ors) + ")"


def _tsquery(groups: list[list[tuple[str, bool]]]) -> str:
    return " & ".join("(" + " | ".join(f"{word}{':*' if prefix else ''}" for word, prefix in group) + ")"
                      for group in groups)


def _match(session: Session, column: str, groups: Sequence[Sequence[str]], limit: int) -> list[tuple[uuid.UUID, str]]:
    clean = _clean(groups)
    if not clean:
        return []
    dialect = session.get_bind().dialect.name
    value = getattr(PersonNameIndex, column)
    if dialect == "sqlite":
        stmt = text(f"SELECT i.person_id, i.{column} FROM {FTS} f JOIN person_name_index i ON i.id = f.rowid "
                    f"WHERE {FTS} MATCH :q LIMIT :n").columns(PersonNameIndex.person_id, value)
        return [(r[0], r[1]) for r in session.execute(stmt, {"q": _fts5_query(column, clean), "n": limit})]
    if dialect == "postgresql":
        stmt = text(f"SELECT person_id, {column} FROM person_name_index WHERE to_tsvector('simple'::regconfig, "
                    f"{column}) @@ to_tsquery('simple'::regconfig, :q) LIMIT :n").columns(
            PersonNameIndex.person_id, value)
        return [(r[0], r[1]) for r in session.execute(stmt, {"q": _tsquery(clean), "n": limit})]
    found = []  # any other database: a scan
    for person_id, words in session.execute(select(PersonNameIndex.person_id, value)):
        have = words.split()
        if all(any(w == word or (prefix and w.startswith(word)) for word, prefix in group for w in have)
               for group in clean):
            found.append((person_id, words))
            if len(found) >= limit:
                break
    return found


def find_names(session: Session, groups: Sequence[Sequence[str]], limit: int) -> list[tuple[uuid.UUID, str]]:
    """(person id, names) of up to ``limit`` people with a name word in every group (in no particular order)."""
    return _match(session, "names", groups, limit)


def find_documents(session: Session, alternatives: Sequence[str], limit: int) -> list[tuple[uuid.UUID, str]]:
    """(person id, their document numbers) of up to ``limit`` people holding a number among ``alternatives``
    (``"v1234*"``: a number starting so)."""
    return _match(session, "documents", [alternatives], limit)
