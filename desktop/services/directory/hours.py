"""Opening hours: HSDS 3.0 RRULE-based schedules checked, read aloud in plain language, and tested.

HSDS keeps a schedule as iCalendar RRULE parts (``freq``, ``byday``, ``bymonthday``, …) plus
``opens_at``/``closes_at``. This module validates those parts with python-dateutil's ``rrule``,
describes them as a clerk would say them ("lunes a viernes, 8:00–12:00"), answers "is it open
now", and reads the free-text hours offices type in spreadsheets ("Lunes a viernes 8 a 12").

Everything here is pure: plain values in, plain values out (it is fuzzed with hypothesis).
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

from desktop.i18n import _, current_language, current_locale

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
FREQS = ("WEEKLY", "MONTHLY")
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")


@dataclass(frozen=True)
class Hours:
    """The part of a schedule this module needs (an HSDS ``schedule`` row, or a form)."""

    freq: str | None = None
    byday: str | None = None
    bymonthday: str | None = None
    opens_at: time | None = None
    closes_at: time | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    description: str | None = None

    @classmethod
    def of(cls, row: object) -> Hours:
        get = row.get if isinstance(row, Mapping) else (lambda k: getattr(row, k, None))
        return cls(get("freq"), get("byday"), get("bymonthday"), get("opens_at"), get("closes_at"),
                   get("valid_from"), get("valid_to"), get("description"))


def _int_list(text: str, low: int, high: int) -> list[int] | None:
    values = []
    for part in text.split(","):
        part = part.strip()
        if not re.fullmatch(r"[+-]?\d{1,3}", part):
            return None
        value = int(part)
        if value == 0 or not low <= value <= high:
            return None
        values.append(value)
    return values


RULE_FIELDS = ("freq", "wkst", "byday", "bymonthday", "byyearday", "byweekno", "interval", "count", "until",
               "dtstart")


def validate_rrule(fields: Mapping[str, object]) -> dict[str, str]:
    """Check the RRULE parts of a schedule; return {field: translated problem} (empty when fine).

    ``fields`` holds already-typed values (ints for ``count``/``interval``, dates, strings for
    the ``by*`` lists). The rule is finally built with ``dateutil.rrule`` so that anything
    dateutil refuses is refused here too.
    """
    key = tuple(fields.get(name) for name in RULE_FIELDS)
    try:
        return dict(_validate_cached(key, current_language()))
    except TypeError:  # an unhashable value: check without the cache
        return _validate(dict(zip(RULE_FIELDS, key, strict=True)))


@lru_cache(maxsize=1024)  # a directory repeats a handful of rules thousands of times
def _validate_cached(key: tuple, _language: str) -> tuple[tuple[str, str], ...]:
    return tuple(_validate(dict(zip(RULE_FIELDS, key, strict=True))).items())


def _validate(fields: Mapping[str, object]) -> dict[str, str]:
    problems: dict[str, str] = {}
    freq = fields.get("freq")
    if freq not in (None, "") and freq not in FREQS:
        problems["freq"] = _("repeat must be WEEKLY or MONTHLY, not “{value}”").format(value=freq)
    wkst = fields.get("wkst")
    if wkst not in (None, "") and wkst not in WEEKDAYS:
        problems["wkst"] = _("week start must be one of MO, TU, WE, TH, FR, SA, SU")
    byday = fields.get("byday") or ""
    if byday:
        bad = [p for p in str(byday).split(",") if not _BYDAY_RE.match(p.strip())]
        if bad:
            problems["byday"] = _("“{value}” is not a day (use MO, TU, WE, TH, FR, SA, SU)").format(
                value=bad[0].strip())
    for name, low, high in (("bymonthday", -31, 31), ("byyearday", -366, 366), ("byweekno", -53, 53)):
        value = fields.get(name)
        if value not in (None, "") and _int_list(str(value), low, high) is None:
            problems[name] = _("“{value}” must be a comma-separated list of numbers from {low} to {high}, "
                               "without 0").format(value=value, low=low, high=high)
    for name in ("interval", "count"):
        value = fields.get(name)
        if value not in (None, "") and (not float(value).is_integer() or float(value) < 1):  # type: ignore[arg-type]
            problems[name] = _("must be a whole number of at least 1")
    if byday and not freq:
        problems.setdefault("freq", _("days are given but not how often the schedule repeats"))
    if problems or not freq:
        return problems
    parts = [f"FREQ={freq}"]
    for name in ("interval", "count"):
        if fields.get(name) not in (None, ""):
            parts.append(f"{name.upper()}={int(float(fields[name]))}")  # type: ignore[arg-type]
    for name in ("byday", "bymonthday", "byyearday", "byweekno"):
        if fields.get(name) not in (None, ""):
            parts.append(f"{name.upper()}={str(fields[name]).replace(' ', '')}")
    if wkst:
        parts.append(f"WKST={wkst}")
    until = fields.get("until")
    # COUNT with UNTIL is deprecated by RFC 5545 but appears in real data; check COUNT alone then.
    if isinstance(until, date) and fields.get("count") in (None, ""):
        parts.append("UNTIL=" + until.strftime("%Y%m%d"))
    start = fields.get("dtstart") if isinstance(fields.get("dtstart"), date) else date(2000, 1, 3)
    from dateutil.rrule import rrulestr

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rrulestr(";".join(parts), dtstart=datetime.combine(start, time()))  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        problems["freq"] = _("the repeat rule is not valid: {reason}").format(reason=exc)
    return problems


def _weekdays_of(byday: str | None) -> list[int]:
    days = []
    for part in (byday or "").split(","):
        match = _BYDAY_RE.match(part.strip())
        if match:
            index = WEEKDAYS.index(match.group(2))
            if index not in days:
                days.append(index)
    return sorted(days)


def _day_names() -> list[str]:
    from babel.dates import get_day_names

    names = get_day_names("wide", locale=current_locale())
    return [names[i] for i in range(7)]


def _join(items: list[str]) -> str:
    from babel.lists import format_list

    return format_list(items, locale=current_locale()) if items else ""


def clock(value: time) -> str:
    """8:00, 14:30 (24-hour, as Latin American offices post their hours)."""
    return f"{value.hour}:{value.minute:02d}"


def describe_days(weekdays: list[int]) -> str:
    """[0..4] → "lunes a viernes"; [0, 2, 4] → "lunes, miércoles y viernes"."""
    names = _day_names()
    runs: list[list[int]] = []
    for day in weekdays:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(_("{first} to {last}").format(first=names[run[0]], last=names[run[-1]]))
        else:
            parts.extend(names[d] for d in run)
    return _join(parts)


def _span(hours: Hours) -> str:
    if hours.opens_at == time(0) and hours.closes_at and hours.closes_at >= time(23, 59):
        return _("24 hours")
    if hours.opens_at and hours.closes_at:
        return f"{clock(hours.opens_at)}–{clock(hours.closes_at)}"
    if hours.opens_at:
        return _("from {time}").format(time=clock(hours.opens_at))
    return ""


def describe(schedules: Iterable[object]) -> list[str]:
    """Plain-language lines for a service's schedules, one per group of days.

    Weekly rows with the same days are merged: "lunes a viernes, 8:00–12:00 y 14:00–17:00".
    A row with no rule falls back to its free-text description.
    """
    groups: dict[tuple, list[str]] = {}
    order: list[tuple] = []
    texts: list[str] = []
    for row in schedules:
        hours = row if isinstance(row, Hours) else Hours.of(row)
        span = _span(hours)
        if hours.freq == "WEEKLY" and _weekdays_of(hours.byday):
            key: tuple = ("W", tuple(_weekdays_of(hours.byday)))
        elif hours.freq == "MONTHLY" and hours.bymonthday:
            key = ("M", hours.bymonthday.replace(" ", ""))
        elif span and hours.freq == "WEEKLY":
            key = ("W", tuple(range(7)))
        else:
            if hours.description:
                texts.append(hours.description.strip())
            elif span:
                texts.append(span)
            continue
        if key not in groups:
            groups[key] = []
            order.append(key)
        if span and span not in groups[key]:
            groups[key].append(span)
    lines = []
    for key in order:
        if key[0] == "W":
            days = _("every day") if len(key[1]) == 7 else describe_days(list(key[1]))
        else:
            days = _("day {days} of each month").format(days=_join(key[1].split(",")))
        spans = _join(groups[key])
        lines.append(_("{days}, {hours}").format(days=days, hours=spans) if spans else days)
    return lines + [t for t in texts if t not in lines]


def is_open(schedules: Iterable[object], when: datetime) -> bool:
    """Whether any schedule has the service open at ``when`` (a local, naive or aware, datetime)."""
    today, now = when.date(), when.time().replace(tzinfo=None)
    for row in schedules:
        hours = row if isinstance(row, Hours) else Hours.of(row)
        if not (hours.opens_at and hours.closes_at):
            continue
        if (hours.valid_from and today < hours.valid_from) or (hours.valid_to and today > hours.valid_to):
            continue
        if hours.freq == "WEEKLY":
            days = _weekdays_of(hours.byday) or list(range(7))
            if today.weekday() not in days:
                continue
        elif hours.freq == "MONTHLY":
            monthdays = _int_list(hours.bymonthday or "", -31, 31) or []
            if today.day not in monthdays:
                continue
        else:
            continue
        opens, closes = hours.opens_at.replace(tzinfo=None), hours.closes_at.replace(tzinfo=None)
        if opens <= now < closes:
            return True
    return False


# --- free-text hours from spreadsheets ---------------------------------------------------------

_DAY_WORDS = {
    "lunes": 0, "lun": 0, "lu": 0, "monday": 0, "mon": 0,
    "martes": 1, "mar": 1, "ma": 1, "tuesday": 1, "tue": 1,
    "miercoles": 2, "mie": 2, "mi": 2, "wednesday": 2, "wed": 2,
    "jueves": 3, "jue": 3, "ju": 3, "thursday": 3, "thu": 3,
    "viernes": 4, "vie": 4, "vi": 4, "friday": 4, "fri": 4,
    "sabado": 5, "sab": 5, "sa": 5, "saturday": 5, "sat": 5,
    "domingo": 6, "dom": 6, "do": 6, "sunday": 6, "sun": 6,
}
_TIME = r"(\d{1,2})(?:[:.h](\d{2}))?\s*(a\.?\s?m\.?|p\.?\s?m\.?|m\b)?"
_TIME_RANGE_RE = re.compile(_TIME + r"\s*(?:a|-|–|hasta|to)\s*" + _TIME)
_DAY_TOKEN_RE = re.compile(r"[a-z]+")


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _to_time(hour: str, minute: str | None, suffix: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    suffix = (suffix or "").replace(".", "").replace(" ", "")
    if suffix == "pm" and h < 12:
        h += 12
    elif suffix == "am" and h == 12:
        h = 0
    elif suffix == "m" and h == 12:  # "12 m." is noon in Colombia
        h = 12
    if not (0 <= h <= 23 and 0 <= m <= 59):
        return None
    return time(h, m)


def _singular(word: str) -> str:
    """"sábados" → "sabado" (after folding); "lunes" stays."""
    return word[:-1] if word not in _DAY_WORDS and word.endswith("s") and word[:-1] in _DAY_WORDS else word


def _days_in(segment: str) -> list[int]:
    tokens = [(_singular(m.group(0)), m.start()) for m in _DAY_TOKEN_RE.finditer(segment)]
    days: list[int] = []
    i = 0
    while i < len(tokens):
        word = tokens[i][0]
        if word in _DAY_WORDS:
            start = _DAY_WORDS[word]
            if i + 2 < len(tokens) and tokens[i + 1][0] in ("a", "al", "to", "hasta") \
                    and tokens[i + 2][0] in _DAY_WORDS:
                end = _DAY_WORDS[tokens[i + 2][0]]
                span = range(start, end + 1) if end >= start else [*range(start, 7), *range(0, end + 1)]
                days.extend(span)
                i += 3
                continue
            days.append(start)
        i += 1
    # "L-V" / "lun-vie"
    for first, last in re.findall(r"\b([a-z]{1,9})\s*-\s*([a-z]{1,9})\b", segment):
        pair = {"l": 0, "v": 4, "s": 5, "d": 6}
        a, b = _DAY_WORDS.get(first, pair.get(first)), _DAY_WORDS.get(last, pair.get(last))
        if a is not None and b is not None and b >= a:
            days.extend(range(a, b + 1))
    return sorted(set(days))


def parse_hours_text(text: str) -> list[Hours] | None:
    """Read office-typed hours ("Lunes a viernes 8:00 a 12:00 y 14:00 a 17:00; sábados 8 a 12").

    Returns weekly ``Hours`` (one per time range and group of days), or None when the text
    cannot be read with confidence (the caller keeps it as a free-text description).
    """
    folded = _fold(text or "").strip()
    if not folded:
        return None
    result: list[Hours] = []
    for segment in re.split(r"[;\n/]", folded):
        segment = segment.strip()
        if not segment:
            continue
        ranges = list(_TIME_RANGE_RE.finditer(segment))
        if not ranges:
            continue
        day_part = segment[: ranges[0].start()] + " " + segment[ranges[-1].end():]
        days = _days_in(day_part) or (_days_in(segment) if not result else [])
        if not days:
            return None
        byday = ",".join(WEEKDAYS[d] for d in days)
        for match in ranges:
            opens = _to_time(match.group(1), match.group(2), match.group(3))
            closes = _to_time(match.group(4), match.group(5), match.group(6))
            if opens is None or closes is None:
                return None
            if not (match.group(3) or match.group(6)) and opens.hour < 7 and closes.hour <= 7:
                opens, closes = time(opens.hour + 12, opens.minute), time(closes.hour + 12, closes.minute)
            if closes <= opens and not match.group(6) and closes.hour < 12:
                closes = time(closes.hour + 12, closes.minute)  # "2 a 5" in the afternoon
            if closes <= opens:
                return None
            result.append(Hours(freq="WEEKLY", byday=byday, opens_at=opens, closes_at=closes))
    return result or None
