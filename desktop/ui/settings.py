"""User preferences: one typed registry over QSettings, so each has one name, type and default."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Option(Generic[T]):
    key: str
    type: type
    default: T

    def get(self) -> T:
        value = _store().value(self.key, self.default)
        if value is None:
            return self.default
        if self.type is bool and isinstance(value, str):  # QSettings' INI backend returns strings
            return value.lower() in ("true", "1")  # type: ignore[return-value]
        if self.type in (dict, list) and not isinstance(value, self.type):
            return self.default
        try:
            return self.type(value)  # type: ignore[no-any-return]
        except (TypeError, ValueError):
            return self.default

    def set(self, value: T) -> None:
        _store().setValue(self.key, value)


_settings: QSettings | None = None


def _store() -> QSettings:
    global _settings
    if _settings is None:
        _settings = QSettings("Enlace", "Enlace")
    return _settings


def use_settings_file(path: str) -> None:
    """Keep preferences in an INI file (tests, portable installs)."""
    global _settings
    _settings = QSettings(path, QSettings.Format.IniFormat)


def clear() -> None:
    _store().clear()


# The registry. Features add their options here.
LANGUAGE: Option[str] = Option("ui/language", str, "")  # "" = the user's preferred language
LAST_DATABASE: Option[str] = Option("db/last_path", str, "")
OFFICE_SERVER: Option[str] = Option("db/office_server", str, "")  # host, port, database: never a password
LOCAL_DATABASE: Option[str] = Option("db/local_path", str, "")  # the way back from the server to this PC's file
LAST_USERNAME: Option[str] = Option("auth/last_username", str, "")
WINDOW_GEOMETRY: Option[Any] = Option("ui/window_geometry", bytes, b"")
LAST_SECTION: Option[str] = Option("ui/last_section", str, "home")
DIRECTORY_IMPORT_MAPPING: Option[dict] = Option("directory/spreadsheet_mapping", dict, {})
PARTICIPANT_IMPORT_MAPPING: Option[dict] = Option("training/participant_mapping", dict, {})
LAST_EXPORT_DIR: Option[str] = Option("ui/last_export_dir", str, "")
