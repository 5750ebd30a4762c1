"""What a PC needs before any database is open: where the office database lives by default, and
the warm-up the sign-in screen runs while a person types. Nothing heavy is imported at module level."""

from __future__ import annotations

from desktop.store import keys


def prepare_store() -> None:
    """Map the models and read the migration heads now rather than at the first query after sign-in."""
    from sqlalchemy.orm import configure_mappers

    from desktop.store.database import head_revisions

    configure_mappers()
    head_revisions()


def kdf_seconds() -> float:
    """Seconds the last password derivation took (the start-up benchmark reports it)."""
    return keys.kdf_seconds


def default_location() -> str:
    """Where a PC keeps its office database when nothing else is said (``--db``, ``ENLACE_DB``)."""
    from platformdirs import user_data_path

    return str(user_data_path("Enlace", appauthor=False) / "enlace.db")
