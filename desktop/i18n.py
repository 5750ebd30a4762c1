"""The one place for translations and locale formatting.

``_`` translates now, ``N_`` marks a string for extraction and is translated later (at use),
``ngettext`` picks a plural. Formatting helpers use Babel's CLDR data in the office locale.
Nothing is installed into builtins.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from desktop.resources import resource_path

if TYPE_CHECKING:
    from decimal import Decimal

DOMAIN = "enlace"
LANGUAGES = ("es", "en")
DEFAULT_LANGUAGE = "es"
DEFAULT_LOCALE = "es_CO"

_lock = threading.Lock()


@dataclass(frozen=True)
class _Language:
    translations: _gettext.NullTranslations
    language: str
    locale: str


# The interface's language (the window's, or the command's): what every thread uses by default.
_interface = _Language(_gettext.NullTranslations(), "en", "en_US")
# A job's own language (a report in English while the window is in Spanish): set by use_language()
# for the code it runs, in its thread (or task) only; other threads never see it.
_job: ContextVar[_Language | None] = ContextVar("enlace_job_language", default=None)


def _current() -> _Language:
    return _job.get() or _interface


_loaded: dict[str, tuple[tuple[float, float], _gettext.NullTranslations]] = {}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _load_catalog(language: str) -> _gettext.NullTranslations:
    """The language's catalog, read once per process (again only when its files change)."""
    mo = resource_path(f"locale/{language}/LC_MESSAGES/{DOMAIN}.mo")
    po = resource_path(f"i18n/{language}/LC_MESSAGES/{DOMAIN}.po")
    stamp = (_mtime(mo), _mtime(po))
    cached = _loaded.get(language)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    translations = _read_catalog(mo, po)
    _loaded[language] = (stamp, translations)
    return translations


def _read_catalog(mo: Path, po: Path) -> _gettext.NullTranslations:
    """Compiled .mo from the build if present; otherwise compile the .po in memory (source checkout)."""
    # In a source checkout an older build's .mo may lie beside newer .po edits: the newer one wins.
    if mo.is_file() and not (po.is_file() and po.stat().st_mtime > mo.stat().st_mtime):
        with mo.open("rb") as fh:
            return _gettext.GNUTranslations(fh)
    if po.is_file():
        compiled = compile_po(po)
        if mo.parent.is_dir():  # a source checkout with a build folder: refresh it for the next start
            try:
                partial = mo.with_name(f".{mo.name}.{os.getpid()}")
                partial.write_bytes(compiled)
                os.replace(partial, mo)  # atomic: another process never reads half a file
            except OSError:
                pass
        return _gettext.GNUTranslations(io.BytesIO(compiled))
    return _gettext.NullTranslations()


def compile_po(po: Path) -> bytes:
    """Compile a .po file to .mo bytes with Babel (fuzzy entries are left out)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh)
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _make(language: str, locale: str | None) -> _Language:
    language = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if locale is None or not locale.startswith(language):
        locale = DEFAULT_LOCALE if language == "es" else "en_US"
    translations = _load_catalog(language) if language != "en" else _gettext.NullTranslations()
    return _Language(translations, language, locale)


def set_language(language: str, locale: str | None = None) -> None:
    """Switch the interface language (``es``/``en``) and the formatting locale (every thread's default)."""
    global _interface
    with _lock:
        _interface = _make(language, locale)


def set_locale(locale: str) -> None:
    """Set the interface's formatting locale (e.g. the office's ``es_MX``) without changing its language."""
    global _interface
    with _lock:
        _interface = _Language(_interface.translations, _interface.language, locale)


@contextmanager
def use_language(language: str, locale: str | None = None) -> Iterator[str]:
    """Run a job (a report, a certificate, a slip) in ``language`` without touching anyone else's:
    only the code inside the block, in this thread, translates and formats in it."""
    with _lock:
        state = _make(language, locale)
    token = _job.set(state)
    try:
        yield state.language
    finally:
        _job.reset(token)


def current_language() -> str:
    return _current().language


def current_locale() -> str:
    return _current().locale


# -- the office's clock ------------------------------------------------------------------------
# "Today", greetings and lockout times follow the office's time zone (an office setting), not this PC's
# clock: a laptop set to another zone still opens on the office's day. Set when the window opens.
_office_zone: tzinfo | None = None


def set_timezone(tz: str | tzinfo | None) -> None:
    """The office's time zone (an IANA name such as "America/Bogota"); None: this PC's own zone."""
    global _office_zone
    if isinstance(tz, str):
        from zoneinfo import ZoneInfo

        tz = ZoneInfo(tz)
    _office_zone = tz


def office_timezone() -> tzinfo | None:
    """The office's zone, or None when none was set (then local times are this PC's)."""
    return _office_zone


def utc_now() -> datetime:
    """The one read of the clock (tests move it)."""
    return datetime.now(UTC)


def office_now() -> datetime:
    """Now, as an aware datetime on the office's clock (this PC's zone when no office zone is set)."""
    now = utc_now()
    return now.astimezone(_office_zone) if _office_zone is not None else now.astimezone()


def office_today() -> date:
    """Today's date at the office."""
    return office_now().date()


def to_office_time(value: datetime) -> datetime:
    """A stored (UTC) time on the office's clock."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(_office_zone) if _office_zone is not None else value.astimezone()


def _(message: str) -> str:
    return _current().translations.gettext(message)


def N_(message: str) -> str:
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    return _current().translations.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _current().translations.pgettext(context, message)


# --- formatting -----------------------------------------------------------------------------


def format_date(value: date | datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    from babel.dates import format_date as _fd

    return _fd(value, format=fmt, locale=_current().locale)


def format_datetime(value: datetime | None, fmt: str = "medium", tz: tzinfo | str | None = None) -> str:
    if value is None:
        return ""
    from babel.dates import format_datetime as _fdt

    return _fdt(value, format=fmt, tzinfo=tz, locale=_current().locale)


def format_time(value: time | datetime | None, fmt: str = "short") -> str:
    if value is None:
        return ""
    from babel.dates import format_time as _ft

    return _ft(value, format=fmt, locale=_current().locale)


def format_number(value: int | float | Decimal) -> str:
    from babel.numbers import format_decimal

    return format_decimal(value, locale=_current().locale)


def format_percent(value: float, digits: int = 0) -> str:
    from babel.numbers import format_percent as _fp

    pattern = "#,##0" + ("." + "0" * digits if digits else "") + " %"
    return _fp(value, format=pattern, locale=_current().locale)


def date_order(locale: str | None = None) -> str:
    """"DMY", "MDY" or "YMD": the order in which people of the locale write a date in numbers."""
    from babel import Locale

    pattern = Locale.parse(locale or current_locale()).date_formats["short"].pattern
    positions = sorted((pattern.find(ch), ch) for ch in "dMy" if ch in pattern)
    return "".join(ch for _pos, ch in positions).upper() if len(positions) == 3 else "DMY"


def date_input_format(locale: str | None = None) -> str:
    """How a typed date looks, for a placeholder: "dd/mm/aaaa" in Spanish, "mm/dd/yyyy" in the United States."""
    parts = {"D": _("dd"), "M": _("mm"), "Y": _("yyyy")}
    order = date_order(locale)
    return ("-" if order == "YMD" else "/").join(parts[ch] for ch in order)


def format_date_input(value: date | None, locale: str | None = None) -> str:
    """A date as it is typed back into a field: "05/03/2026" (dd/mm/yyyy in Latin America)."""
    if value is None:
        return ""
    order = date_order(locale)
    if order == "YMD":
        return value.isoformat()
    parts = {"D": f"{value.day:02d}", "M": f"{value.month:02d}", "Y": f"{value.year:04d}"}
    return "/".join(parts[ch] for ch in order)


def _fold(text: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(ch))


def _month_names(locale: str | None) -> dict[str, int]:
    from babel import Locale

    names: dict[str, int] = {}
    for code in dict.fromkeys((locale or current_locale(), "es", "en")):
        months = Locale.parse(code).months
        for context in ("format", "stand-alone"):
            for width in ("wide", "abbreviated"):
                for number, name in months.get(context, {}).get(width, {}).items():
                    names.setdefault(_fold(name).rstrip("."), number)
    return names


def _full_year(value: str, today: date) -> int:
    year = int(value)
    if len(value) <= 2:  # "d/m/aa": the nearest century that does not put the date more than 10 years ahead
        year += 2000 if 2000 + year <= today.year + 10 else 1900
    return year


def parse_date(text: str, locale: str | None = None, today: date | None = None) -> date | None:
    """A date as people type it: "5/3/2026", "05-03-26", "2026-03-05", "05032026", "5 de marzo de 2026".

    Numbers follow the locale's order (day first in Latin America). Empty text gives None; text that is
    not a date raises ValueError.
    """
    import re

    today = today or office_today()
    text = text.strip()
    if not text:
        return None
    numbers = re.fullmatch(r"(\d{1,4})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{1,4})", text)
    digits = re.fullmatch(r"(\d{2})(\d{2})(\d{4}|\d{2})", text)
    match = numbers or digits
    if match:
        first, second, third = match.groups()
        if len(first) == 4:
            year, month, day = int(first), int(second), int(third)
        elif len(first) <= 2 and len(third) in (2, 4):
            year = _full_year(third, today)
            month, day = (int(first), int(second)) if date_order(locale) == "MDY" else (int(second), int(first))
        else:
            raise ValueError(text)
        return date(year, month, day)
    words = [w for w in re.split(r"[\s,/.\-]+", _fold(text)) if w and w not in {"de", "del", "of", "the"}]
    months = _month_names(locale)
    month_words = [w for w in words if w in months]
    numbers_found = [w for w in words if w.isdigit()]
    if len(month_words) != 1 or len(numbers_found) != 2 or len(words) != 3:
        raise ValueError(text)
    day_text, year_text = sorted(numbers_found, key=len)
    if len(day_text) > 2 or len(year_text) not in (2, 4):
        raise ValueError(text)
    return date(_full_year(year_text, today), months[month_words[0]], int(day_text))


def country_name(code: str | None) -> str:
    """Country name for an ISO 3166 alpha-2 code in the interface language."""
    if not code:
        return ""
    from babel import Locale

    return Locale.parse(_current().locale).territories.get(code.upper(), code.upper())


def country_names() -> list[tuple[str, str]]:
    """All two-letter territories as (code, name) sorted by name in the interface language."""
    import unicodedata

    from babel import Locale

    territories = Locale.parse(_current().locale).territories
    pairs = [(code, name) for code, name in territories.items() if len(code) == 2 and code.isalpha()]
    pairs = [p for p in pairs if p[0] not in {"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"}]
    return sorted(pairs, key=lambda p: unicodedata.normalize("NFKD", p[1]).casefold())


def language_name(code: str) -> str:
    from babel import Locale

    return Locale.parse(_current().locale).languages.get(code, code)


set_language(DEFAULT_LANGUAGE)
