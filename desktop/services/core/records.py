"""Shared rules for saving records: optimistic concurrency and change tracking."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from desktop.i18n import _, format_datetime
from desktop.services.core.errors import ConflictError
from desktop.store.base import Entity


def conflict(changed_by: str | None, changed_at: Any) -> ConflictError:
    return ConflictError(
        _("This record was changed by {user} at {time} while you were editing it. Nothing was "
          "overwritten: reload it to see their changes, then apply yours again.").format(
            user=changed_by or _("another user"), time=format_datetime(changed_at, "short")),
        changed_by, changed_at)


def check_version(record: Entity, expected_version: int | None) -> None:
    """Refuse to save over a record that changed since the form read ``expected_version``."""
    if expected_version is not None and record.version != expected_version:
        raise conflict(record.updated_by, record.updated_at)


def apply_changes(record: Entity, values: dict[str, Any], by: str) -> list[str]:
    """Set attributes that differ; return the names of the changed fields (for the audit log)."""
    changed = [name for name, value in values.items() if getattr(record, name) != value]
    for name in changed:
        setattr(record, name, values[name])
    if changed:
        record.updated_by = by
    return changed


@contextmanager
def guard_stale(record_loader) -> Iterator[None]:
    """Turn a concurrent UPDATE that lost the race (StaleDataError) into a ConflictError.

    ``record_loader()`` returns the fresh record, to say who changed it and when.
    """
    try:
        yield
    except StaleDataError as exc:
        fresh = record_loader()
        raise conflict(getattr(fresh, "updated_by", None), getattr(fresh, "updated_at", None)) from exc


# -- lengths ----------------------------------------------------------------------------------------


def length_problems(record: object) -> dict[str, str]:
    """Text longer than its column allows (``String(n)``), field by field, with translated messages.

    SQLite stores any length; PostgreSQL refuses the whole save. Every ORM save is checked before
    it reaches the database (:func:`_check_lengths_before_flush`), so both say the same thing.
    """
    from sqlalchemy import String, inspect

    problems: dict[str, str] = {}
    mapper = inspect(record).mapper
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        length = getattr(column.type, "length", None)
        if not isinstance(column.type, String) or not length:
            continue
        value = getattr(record, attr.key, None)
        if isinstance(value, str) and len(value) > length:
            problems[attr.key] = _("At most {n} characters (this has {count}).").format(n=length, count=len(value))
    return problems


def check_lengths(record: object) -> None:
    """Raise ValidationError when a text of ``record`` is longer than its column allows."""
    from desktop.services.core.errors import ValidationError

    problems = length_problems(record)
    if problems:
        first = sorted(problems)[0]
        raise ValidationError(_("This entry is too long ({field}): {problem}").format(
            field=first.replace("_", " "), problem=problems[first]), problems)


def _check_lengths_before_flush(session, _context, _instances) -> None:
    for record in (*session.new, *session.dirty):
        check_lengths(record)


def _register_length_check() -> None:
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "before_flush", _check_lengths_before_flush):
        event.listen(Session, "before_flush", _check_lengths_before_flush)


_register_length_check()
