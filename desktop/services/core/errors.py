"""Domain errors. Each carries a message already translated for the user."""

from __future__ import annotations

from desktop.store.files import (  # noqa: F401  (re-exported: the window and the CLI use them here)
    DatabaseBusyError,
    StoreError,
    busy_message,
    is_busy_error,
    set_wait_notice,
)


class EnlaceError(Exception):
    """Base of every error a service raises on purpose; ``str(error)`` is the user's message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(EnlaceError):
    """Bad input. ``fields`` maps a field name to its translated problem."""

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.fields = dict(fields or {})


class PermissionDenied(EnlaceError):
    pass


class NotFound(EnlaceError):
    pass


class ConflictError(EnlaceError):
    """The record was changed by someone else since it was read; nothing was overwritten."""

    def __init__(self, message: str, changed_by: str | None = None, changed_at=None) -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changed_at = changed_at


class AuthError(EnlaceError):
    """Sign-in refused (wrong password, locked, inactive)."""


class Cancelled(Exception):
    """Raised by a long job whose ``cancelled()`` callback said stop; its transaction is rolled back."""
