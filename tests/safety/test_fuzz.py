"""Fuzzed inputs: every form validator and importer gets random and malformed data.

Nothing may raise anything but the service's own errors, and every message a person would see
(the error and each field's problem, every rejected import row's reasons) must come from the
translation catalog (checked in Spanish).
"""

from __future__ import annotations

import dataclasses
import io
import re
import types
import typing
import uuid
import zipfile
from datetime import date, time
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.i18n import set_language
from desktop.resources import resource_path
from desktop.services.core.errors import EnlaceError
from desktop.services.office import OfficeForm, validate_office

# derandomize: the same examples locally and in CI, so a run that passed here passes there.
FUZZ = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# Text a form or a spreadsheet cell can hold: names with accents, digits, punctuation, control
# characters, very long runs, right-to-left marks, lone surrogates excluded (they cannot be typed).
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from("aeiouñáéíóúÁÉÍÓÚüÜ AZ09-_.,;:@/\\'\"\t\n\r{}%$#°ªº"), max_size=60),
    st.sampled_from(["", " ", "0", "-1", "1e309", "NaN", "None", "null", "2026-02-30", "25:61", "{name}", "{",
                     "DROP TABLE person;--", "\u202eabc", "ñ" * 500, "a@b", "+57 300 000 0000"]),
)
CELL = st.one_of(st.none(), TEXT, st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                 st.dates(), st.booleans())


@cache
def _catalog_patterns() -> list[re.Pattern[str]]:
    """Every Spanish message (or its English source when not yet translated) as a pattern."""
    from babel.messages.pofile import read_po

    with resource_path("i18n/es/LC_MESSAGES/enlace.po").open("rb") as fh:
        catalog = read_po(fh)
    patterns = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in [s for s in strs if s] or list(ids):
            parts = re.split(r"\{[^{}]*\}", text)
            # Case-insensitive: a service may capitalise a message it places first in a sentence.
            patterns.append(re.compile(".*".join(re.escape(p) for p in parts), re.DOTALL | re.IGNORECASE))
    return patterns


def assert_translated(message: str) -> None:
    """The message (or each of its '; '-joined parts) comes from the catalog."""
    message = str(message)
    if not message.strip():
        raise AssertionError("an empty message")
    pieces = [message] if any(p.fullmatch(message) for p in _catalog_patterns()) else message.split("; ")
    for piece in pieces:
        assert any(p.fullmatch(piece) for p in _catalog_patterns()), f"not from the catalog: {piece!r}"


def assert_translated_error(exc: EnlaceError) -> None:
    assert_translated(str(exc))
    for problem in getattr(exc, "fields", {}).values():
        assert_translated(problem)


@pytest.fixture(autouse=True)
def _spanish():
    set_language("es")
    yield
    set_language("en")


def _strategy_for(hint) -> st.SearchStrategy:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*[_strategy_for(a) for a in args])
    if origin is list:
        return st.lists(_strategy_for(args[0]), max_size=3)
    if origin is tuple and args and args[-1] is not Ellipsis:
        return st.tuples(*[_strategy_for(a) for a in args])
    if hint is type(None):
        return st.none()
    if hint is str:
        return TEXT
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(-1000, 10**6)
    if hint is float:
        return st.floats(allow_nan=True, allow_infinity=True)
    if hint is date:
        return st.dates()
    if hint is time:
        return st.times()
    if hint is bytes:
        return st.binary(max_size=64)
    if hint is uuid.UUID:
        return st.uuids()
    if dataclasses.is_dataclass(hint):
        return form_strategy(hint)
    raise TypeError(hint)


def form_strategy(cls) -> st.SearchStrategy:
    """Random values for every field of a form dataclass, from its type hints."""
    hints = typing.get_type_hints(cls)
    return st.builds(cls, **{f.name: _strategy_for(hints[f.name]) for f in dataclasses.fields(cls) if f.init})


def _call(fn, *args, **kwargs):
    try:
        result = fn(*args, **kwargs)
    except EnlaceError as exc:
        assert_translated_error(exc)
        return None
    if isinstance(result, dict):  # validators that return {field: problem}
        for problem in result.values():
            assert_translated(problem)
    return result


# -- forms -----------------------------------------------------------------------------------


@FUZZ
@given(form=form_strategy(OfficeForm))
def test_office_form(form) -> None:
    _call(validate_office, form)


@FUZZ
@given(username=TEXT, password=TEXT)
def test_user_name_and_password_rules(username: str, password: str) -> None:
    from desktop.services.security import auth

    _call(auth.validate_username, username)
    problem = auth.password_problem(username, password)
    if problem is not None:
        assert_translated(problem)


@FUZZ
@given(username=TEXT, full_name=TEXT, role=TEXT, password=TEXT, language=TEXT)
def test_creating_a_user(admin_ctx, username, full_name, role, password, language) -> None:
    from desktop.services.security import auth

    _call(auth.create_user, admin_ctx, username, full_name, role, password, language)


@FUZZ
@given(data=st.data())
def test_course_session_and_participant_forms(data) -> None:
    from desktop.services import training
    for form_cls, validate in ((training.CourseForm, training.validate_course),
                               (training.SessionForm, training.validate_session),
                               (training.ParticipantForm, training.validate_participant)):
        _call(validate, data.draw(form_strategy(form_cls)))


@FUZZ
@given(data=st.data())
def test_service_and_hours_forms(data) -> None:
    from desktop.services import directory
    _call(directory.validate_service, data.draw(form_strategy(directory.ServiceForm)))
    _call(directory.parse_clock, data.draw(TEXT))
    from desktop.services.directory import hours
    _call(hours.parse_hours_text, data.draw(TEXT))
    _call(hours.validate_rrule, data.draw(st.dictionaries(TEXT, CELL, max_size=6)))


@FUZZ
@given(data=st.data())
def test_organization_form(admin_ctx, data) -> None:
    from desktop.services import directory
    _call(directory.save_organization, admin_ctx, data.draw(form_strategy(directory.OrganizationForm)))


@FUZZ
@given(data=st.data())
def test_person_form(office_db, data) -> None:
    from desktop.services import people
    with office_db.session() as session:
        _call(people.validate_person, session, data.draw(form_strategy(people.PersonForm)))


@FUZZ
@given(data=st.data())
def test_referral_form(office_db, data) -> None:
    from desktop.services import referrals
    with office_db.session() as session:
        _call(referrals._validate, session, data.draw(form_strategy(referrals.ReferralForm)), date.today())


@FUZZ
@given(data=st.data())
def test_certificate_template_text(data) -> None:
    from desktop.services.training import certificates
    problem = certificates.template_problem(data.draw(TEXT))
    if problem is not None:
        assert_translated(problem)


@FUZZ
@given(value=st.recursive(CELL, lambda inner: st.lists(inner, max_size=4), max_leaves=12))
def test_age_bands_setting(value) -> None:
    from desktop.services.reports import disaggregation as reports
    _call(reports.parse_age_bands, value)


@FUZZ
@given(text=TEXT)
def test_typed_recovery_key(text: str) -> None:
    from desktop.store.keys import normalize_recovery_key

    result = normalize_recovery_key(text)
    assert result is None or re.fullmatch(r"([A-Z2-7]{4}-){7}[A-Z2-7]{4}", result)


# -- importers --------------------------------------------------------------------------------


def _csv_bytes(rows: list[list[object]], delimiter: str, encoding: str) -> bytes:
    import csv

    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows([["" if c is None else c for c in r] for r in rows])
    return buf.getvalue().encode(encoding, errors="replace")


SHEET_ROWS = st.lists(st.lists(CELL, max_size=8), max_size=8)
HEADERS = st.lists(st.sampled_from(["Nombres", "Apellidos", "Cédula", "Entidad", "Cargo", "Sexo", "Correo",
                                    "Celular", "Fecha", "Municipio", "Tipo de documento", "Nombre completo",
                                    "Organización", "Servicio", "Teléfono", "Dirección", "x", ""]), max_size=8)


def _xlsx_bytes(rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append([c if not isinstance(c, str) else c.replace("\x00", "")[:300] for c in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _clean(rows):
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return [[ILLEGAL_CHARACTERS_RE.sub("", c) if isinstance(c, str) else
             (None if isinstance(c, float) and c != c else c) for c in row] for row in rows]


@settings(FUZZ, max_examples=30)
@given(header=HEADERS, rows=SHEET_ROWS, delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16"]), kind=st.sampled_from(["csv", "xlsx"]),
       garbage=st.binary(max_size=200), corrupt=st.booleans())
def test_participant_spreadsheets(header, rows, delimiter, encoding, kind, garbage, corrupt) -> None:
    from desktop.services.training import roster_import as pi
    table_rows = [header, *rows]
    if corrupt:
        data, name = garbage, f"lista.{kind}"
    elif kind == "csv":
        data, name = _csv_bytes(table_rows, delimiter, encoding), "lista.csv"
    else:
        data, name = _xlsx_bytes(_clean(table_rows)), "lista.xlsx"
    table = _call(pi.read_spreadsheet, data, name)
    if table is None:
        return
    index = pi.find_header_row(table.rows)
    mapping = pi.guess_mapping(table.rows[index] if table.rows else [])
    problem = pi.mapping_problem(mapping)
    if problem:
        assert_translated(problem)
        return
    for row in _call(pi.parse_rows, table.rows, index, mapping) or []:
        for reason in [*row.problems, *row.notes]:
            assert_translated(reason)


@FUZZ
@given(value=CELL)
def test_participant_cells(value) -> None:
    from desktop.services.training import roster_import as pi
    for parse in (pi.parse_document, pi.parse_document_type, pi.parse_sex, pi.parse_email, pi.parse_phone,
                  pi.parse_date):
        _result, problem = parse(value)
        if problem:
            assert_translated(problem)


@FUZZ
@given(header=HEADERS, rows=SHEET_ROWS, kind=st.sampled_from(["csv", "xlsx", "txt"]), garbage=st.binary(max_size=300),
       corrupt=st.booleans())
def test_directory_spreadsheets(tmp_path_factory, header, rows, kind, garbage, corrupt) -> None:
    from desktop.services.directory import sheet
    path = tmp_path_factory.mktemp("sheet") / f"directorio.{kind}"
    if corrupt:
        path.write_bytes(garbage)
    elif kind == "xlsx":
        path.write_bytes(_xlsx_bytes(_clean([header, *rows])))
    else:
        path.write_bytes(_csv_bytes([header, *rows], ";", "utf-8"))
    data = _call(sheet.read_sheet, path)
    if data is None:
        return
    headers = [str(h) for h in (header or ["Organización"])]
    mapping = {"organization_name": 0, "service_name": min(1, len(headers) - 1)}
    parsed = _call(sheet.parse_sheet_rows, headers, [[("" if c is None else str(c)) for c in r] for r in rows],
                   mapping, "directorio.csv")
    if parsed is not None:
        for reject in parsed.rejects:
            assert_translated(reject.reason)
        for notice in parsed.notices:
            assert_translated(notice)


HSDS_TABLES = ["organization", "service", "location", "service_at_location", "phone", "schedule", "contact", "address"]


@FUZZ
@given(table=st.sampled_from(HSDS_TABLES), header=st.lists(st.sampled_from(
    ["id", "name", "organization_id", "service_id", "location_id", "description", "email", "url", "status", "number",
     "opens_at", "closes_at", "byday", "latitude", "longitude", "address_1", "city", "country", "last_modified", "",
     "extra"]), max_size=8), rows=SHEET_ROWS)
def test_hsds_tables(table, header, rows) -> None:
    from desktop.services.directory import hsds
    text = _csv_bytes([header, *rows], ",", "utf-8").decode("utf-8")
    parsed = _call(hsds.parse_table, table, text, f"{table}.csv")
    if parsed is not None:
        for reject in parsed.rejects:
            assert_translated(reject.reason)
        for notice in parsed.notices:
            assert_translated(notice)


@FUZZ
@given(files=st.dictionaries(st.sampled_from(["datapackage.json", "organizations.csv", "services.csv", "x.csv",
                                              "../escape.csv"]),
                             st.one_of(st.binary(max_size=200), st.just(b'{"resources": [{"name": "organization", '
                                                                        b'"path": "organizations.csv"}]}')),
                             max_size=4),
       as_zip=st.booleans())
def test_hsds_packages(tmp_path_factory, files, as_zip) -> None:
    from desktop.services.directory import hsds
    folder = tmp_path_factory.mktemp("pkg")
    if as_zip:
        target = folder / "paquete.zip"
        with zipfile.ZipFile(target, "w") as zf:
            for name, content in files.items():
                zf.writestr(name, content)
    else:
        target = folder / "paquete"
        target.mkdir()
        for name, content in files.items():
            (target / Path(name).name).write_bytes(content)
    result = _call(hsds.parse_package, target)
    if result is not None:
        _parsed, notices = result
        for notice in notices:
            assert_translated(notice)


# -- signing in ---------------------------------------------------------------------------------

JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=12),
                       lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner,
                                                                                   max_size=3), max_leaves=8)


@settings(FUZZ, max_examples=25)
@given(username=TEXT, password=TEXT)
def test_signing_in_with_anything(encrypted_office, username, password) -> None:
    from desktop.services import workspace
    from desktop.store.database import StoreError

    try:
        ctx = workspace.open_signed_in(encrypted_office.path, username, password)
    except EnlaceError as exc:
        assert_translated_error(exc)
    except StoreError as exc:
        assert_translated(str(exc))
    else:  # pragma: no cover - hypothesis does not guess passwords
        ctx.db.dispose()


@settings(FUZZ, max_examples=25)
@given(field=st.sampled_from(["slots", "recovery", "key_id", "attempts", "pending_events", "office", "format"]),
       value=JSONISH, slot_value=JSONISH, data=st.data())
def test_a_tampered_key_file_is_refused_cleanly(encrypted_office, field, value, slot_value, data) -> None:
    import json

    from desktop.services import workspace
    from desktop.store import keys
    from desktop.store.database import StoreError

    kf = keys.key_file_for(encrypted_office.path)
    original = kf.read_text()
    content = json.loads(original)
    content[field] = value
    if isinstance(content.get("slots"), dict) and data.draw(st.booleans()):
        content["slots"]["admin"] = slot_value
    kf.write_text(json.dumps(content))
    try:
        for call in (lambda: workspace.open_signed_in(encrypted_office.path, "admin", "correct-horse-9"),
                     lambda: workspace.open_store(encrypted_office.path,
                                                  workspace.Unlock(recovery_key=encrypted_office.recovery_key)),
                     lambda: workspace.office_label(encrypted_office.path),
                     lambda: workspace.needs_setup(encrypted_office.path),
                     lambda: workspace.is_demo(encrypted_office.path)):
            try:
                result = call()
            except EnlaceError as exc:
                assert_translated_error(exc)
            except StoreError as exc:
                assert_translated(str(exc))
            else:
                db = getattr(result, "db", result)
                if hasattr(db, "dispose"):
                    db.dispose()
    finally:
        kf.write_text(original)
        for leftover in kf.parent.glob("*.abandoned-*"):  # a file with no slots is set aside, put it back
            leftover.rename(leftover.with_name(leftover.name.split(".abandoned-")[0]))
