"""The importers' pure parsers never crash on arbitrary input: they return rows or rejections."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from desktop.services.directory import hsds as directory_hsds
from desktop.services.directory import normalize, query_stems
from desktop.services.directory import sheet as directory_sheet
from desktop.services.directory.hours import parse_hours_text, validate_rrule

SERVICES_HEADER = "id,organization_id,name,status,minimum_age,assured_date,email,last_modified\n"
cells = st.text(alphabet=string.printable + "áéíóúñÁÉÍÓÚÑ“”–", max_size=30)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400))
def test_parse_table_accepts_or_rejects_any_text(text) -> None:
    for table in ("service", "schedule"):
        result = directory_hsds.parse_table(table, text, "x.csv")
        for row in result.rows:
            assert row["id"] is not None
        for reject in result.rejects:
            assert reject.reason and reject.line()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, min_size=8, max_size=8), max_size=6))
def test_parse_table_types_every_accepted_value(rows) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    result = directory_hsds.parse_table("service", SERVICES_HEADER + buf.getvalue(), "services.csv")
    assert len(result.rows) + len(result.rejects) <= len(rows)
    for row in result.rows:
        assert row["status"] in ("active", "inactive", "defunct", "temporarily closed")
        assert row["minimum_age"] is None or isinstance(row["minimum_age"], float)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(cells, max_size=6), max_size=6), st.lists(cells, max_size=6))
def test_parse_sheet_rows_never_crashes(rows, headers) -> None:
    mapping = directory_sheet.guess_mapping(headers)
    result = directory_sheet.parse_sheet_rows(headers, rows, mapping, "hoja.xlsx")
    assert len(result.services) + len(result.rejects) <= max(len(rows), 1)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=80))
def test_hours_text_and_search_text_never_crash(text) -> None:
    hours = parse_hours_text(text)
    assert hours is None or all(h.opens_at < h.closes_at for h in hours)
    assert normalize(text) == normalize(normalize(text))
    assert all(stem and " " not in stem for stem in query_stems(text))


@settings(max_examples=200, deadline=None)
@given(st.fixed_dictionaries({}, optional={
    "freq": st.sampled_from(["WEEKLY", "MONTHLY", "DAILY", "", "weekly"]),
    "byday": st.text(alphabet="MOTUWEHFRSA,+-1234 ", max_size=12),
    "bymonthday": st.text(alphabet="0123456789,- ", max_size=10),
    "interval": st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=50),
    "count": st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=50),
    "wkst": st.sampled_from(["MO", "SU", "XX", ""]),
}))
def test_validate_rrule_answers_with_field_problems_only(fields) -> None:
    problems = validate_rrule(fields)
    assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in problems.items())
