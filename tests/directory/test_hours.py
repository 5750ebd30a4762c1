"""Opening hours: RRULE checks, plain-Spanish descriptions, open-now, and office-typed hours."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest

from desktop.i18n import set_language
from desktop.services.directory.hours import Hours, describe, is_open, parse_hours_text, validate_rrule

WEEKDAYS = "MO,TU,WE,TH,FR"


@pytest.fixture(autouse=True)
def _spanish():
    set_language("es")


def test_weekday_ranges_read_as_a_clerk_says_them() -> None:
    assert describe([Hours("WEEKLY", WEEKDAYS, None, time(8), time(12))]) == ["lunes a viernes, 8:00–12:00"]
    assert describe([Hours("WEEKLY", "MO,WE,FR", None, time(7, 30), time(11))]) == \
        ["lunes, miércoles y viernes, 7:30–11:00"]
    assert describe([Hours("WEEKLY", "SA,SU", None, time(9), time(13))]) == ["sábado y domingo, 9:00–13:00"]


def test_split_shifts_on_the_same_days_are_joined() -> None:
    rows = [Hours("WEEKLY", WEEKDAYS, None, time(8), time(12)), Hours("WEEKLY", WEEKDAYS, None, time(14), time(17)),
            Hours("WEEKLY", "SA", None, time(8), time(12))]
    assert describe(rows) == ["lunes a viernes, 8:00–12:00 y 14:00–17:00", "sábado, 8:00–12:00"]


def test_monthly_all_day_and_free_text_schedules() -> None:
    assert describe([Hours("MONTHLY", None, "1,15", time(8), time(12))]) == ["el día 1 y 15 de cada mes, 8:00–12:00"]
    assert describe([Hours("WEEKLY", "MO,TU,WE,TH,FR,SA,SU", None, time(0), time(23, 59))]) == \
        ["todos los días, 24 horas"]
    assert describe([Hours(description="Con cita previa")]) == ["Con cita previa"]


@pytest.mark.parametrize(("fields", "bad"), [
    ({"freq": "DAILY"}, "freq"),
    ({"freq": "WEEKLY", "byday": "MO,XX"}, "byday"),
    ({"freq": "MONTHLY", "bymonthday": "0"}, "bymonthday"),
    ({"freq": "MONTHLY", "bymonthday": "1,40"}, "bymonthday"),
    ({"freq": "WEEKLY", "interval": 0}, "interval"),
    ({"freq": "WEEKLY", "count": 1.5}, "count"),
    ({"freq": "WEEKLY", "wkst": "XX"}, "wkst"),
    ({"byday": "MO"}, "freq"),
    ({"freq": "WEEKLY", "byweekno": "60"}, "byweekno"),
])
def test_invalid_rrules_are_refused_with_the_field(fields, bad) -> None:
    assert bad in validate_rrule(fields)


def test_valid_rrules_including_the_standards_example_pass() -> None:
    example = {"freq": "WEEKLY", "byday": "TH,FR", "byweekno": "41,42", "bymonthday": "2,3,4",
               "byyearday": "2,3,4", "count": 3.0, "interval": 1.0, "wkst": "TU", "until": date(2005, 1, 1),
               "dtstart": date(2005, 1, 1)}
    assert validate_rrule(example) == {}
    assert validate_rrule({"freq": "MONTHLY", "byday": "1MO,-1FR"}) == {}
    assert validate_rrule({}) == {}


def test_open_now_respects_days_hours_and_validity() -> None:
    rows = [Hours("WEEKLY", WEEKDAYS, None, time(8), time(12), valid_to=date(2026, 12, 31))]
    assert is_open(rows, datetime(2026, 11, 23, 9, 0))  # Monday
    assert not is_open(rows, datetime(2026, 11, 23, 12, 0))  # closes at 12
    assert not is_open(rows, datetime(2026, 11, 22, 9, 0))  # Sunday
    assert not is_open(rows, datetime(2027, 1, 4, 9, 0))  # after valid_to
    assert is_open([Hours("MONTHLY", None, "23", time(8), time(9))], datetime(2026, 11, 23, 8, 30))


@pytest.mark.parametrize(("text", "expected"), [
    ("Lunes a viernes 8:00 a 12:00 y 14:00 a 17:00", ["lunes a viernes, 8:00–12:00 y 14:00–17:00"]),
    ("L-V 7am-4pm", ["lunes a viernes, 7:00–16:00"]),
    ("Lun-Vie 7:30 a.m. - 4:30 p.m.; sábados 8 a 12", ["lunes a viernes, 7:30–16:30", "sábado, 8:00–12:00"]),
    ("Martes y jueves de 2 a 5", ["martes y jueves, 14:00–17:00"]),
    ("Lunes, miércoles y viernes 8 a 11", ["lunes, miércoles y viernes, 8:00–11:00"]),
])
def test_office_typed_hours_are_read(text, expected) -> None:
    assert describe(parse_hours_text(text)) == expected


@pytest.mark.parametrize("text", ["", "24 horas", "Con cita previa", "todos los días", "lunes 25 a 30"])
def test_unreadable_hours_are_left_for_a_note(text) -> None:
    assert parse_hours_text(text) is None
