"""``enlace people …`` and ``enlace referrals …``: exact column orders, exit statuses, the slip file."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from desktop.cli import main
from desktop.services import office, people, referrals
from desktop.services.people import consent
from tests.conftest import PASSWORD
from tests.people.helpers import make_service, person_form

# The documented columns (issue 5), in this order; office scripts read them by position.
PEOPLE_HEADER = ["id", "given_names", "family_name_1", "family_name_2", "sex", "birth_date", "nationality",
                 "document_type", "document_number", "population_type", "municipality"]
# Added after them: the self-declared ethnic and LGBTIQ+ identification (codes).
PEOPLE_ADDED = ["ethnicity", "lgbtiq"]
REFERRALS_HEADER = ["number", "status", "person_id", "service", "organization", "created_at", "sent_at",
                    "closed_at"]


@pytest.fixture
def filled(ctx_for, db_location, monkeypatch):
    clerk = ctx_for("clerk")
    service = make_service(ctx_for("admin"))
    jose = people.register_person(clerk, person_form(ethnicity="indigenous", lgbtiq="declined"))
    people.register_person(clerk, person_form(given_names="Ana", family_name_1="Gómez", document_type="none",
                                              ethnicity=None, lgbtiq=None))
    consent.record_consent(clerk, jose.id, ["share_with_services"], date.today(), "signed_form")
    r = referrals.create_referral(clerk, referrals.ReferralForm(jose.id, service, "health"))
    referrals.transition(clerk, r.id, "send")
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    return db_location, jose, r


def run(capsys, *args) -> tuple[int, str, str]:
    status = main(["--lang", "en", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_people_list_csv_has_the_exact_columns_one_row_per_person(filled, capsys) -> None:
    db, jose, _r = filled
    status, out, _err = run(capsys, "--db", db, "--user", "clerk", "people", "list", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0] == PEOPLE_HEADER + PEOPLE_ADDED and len(rows) == 3
    assert [str(jose.id), "José", "Pérez", "Rodríguez", "male", "1990-05-17", "VE", "ve_cedula", "V-12.345.678",
            "destination", "Bucaramanga", "indigenous", "declined"] in rows
    assert ["not_asked", "not_asked"] in [row[11:] for row in rows]  # Ana was never asked


def test_people_search_finds_accents_and_word_order(filled, capsys) -> None:
    db, jose, _r = filled
    status, out, _err = run(capsys, "--db", db, "--user", "clerk", "people", "search", "Perez Josue", "--format",
                            "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0] == PEOPLE_HEADER + PEOPLE_ADDED and rows[1][0] == str(jose.id)
    assert rows[1][11:] == ["indigenous", "declined"]


def test_referrals_list_csv_in_a_period(filled, ctx_for, capsys) -> None:
    db, jose, r = filled
    zone = office.office_info(ctx_for("clerk").db).timezone  # --from/--to are the office's days, not this PC's
    today = datetime.now(ZoneInfo(zone)).date().isoformat()
    status, out, _err = run(capsys, "--db", db, "--user", "clerk", "referrals", "list", "--from", today, "--to",
                            today, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0] == REFERRALS_HEADER
    assert rows[1][:5] == [r.number, "sent", str(jose.id), "Atención en salud primaria", "Cruz Roja Colombiana"]
    assert rows[1][6] and not rows[1][7]
    status, out, _err = run(capsys, "--db", db, "--user", "clerk", "referrals", "list", "--to", "2000-01-01",
                            "--format", "csv")
    assert out.strip() == ",".join(REFERRALS_HEADER)


def test_referral_slip_is_written(filled, capsys, tmp_path) -> None:
    db, _jose, r = filled
    out_file = tmp_path / "out" / "slip.pdf"
    status, out, _err = run(capsys, "--db", db, "--user", "clerk", "referrals", "slip", r.number, "--out",
                            str(out_file))
    assert status == 0 and out_file.read_bytes().startswith(b"%PDF") and r.number in out


def test_bad_inputs_give_a_message_and_a_status(filled, capsys, tmp_path) -> None:
    db, _jose, _r = filled
    status, _out, err = run(capsys, "--db", db, "--user", "clerk", "referrals", "list", "--from", "2026-02-30")
    assert status == 2 and "not a date" in err
    status, _out, err = run(capsys, "--db", db, "--user", "clerk", "referrals", "slip", "NOPE", "--out",
                            str(tmp_path / "x.pdf"))
    assert status == 1 and "no referral number NOPE" in err
    status, _out, err = run(capsys, "--db", db, "--user", "trainer", "people", "list")
    assert status == 1 and "does not allow" in err


def test_people_list_leaves_self_identification_blank_for_a_role_that_may_not_see_it(filled, capsys) -> None:
    db, _jose, _r = filled
    status, out, _err = run(capsys, "--db", db, "--user", "admin", "people", "list", "--format", "csv")
    rows = list(csv.reader(io.StringIO(out)))
    assert status == 0 and rows[0] == PEOPLE_HEADER + PEOPLE_ADDED
    assert [row[11:] for row in rows[1:]] == [["", ""], ["", ""]]
    status, out, _err = run(capsys, "--db", db, "--user", "admin", "people", "search", "jose", "--format", "csv")
    assert list(csv.reader(io.StringIO(out)))[1][11:] == ["", ""]


def test_people_list_as_a_table_shows_the_answers_in_words(filled, capsys) -> None:
    db, _jose, _r = filled
    status, out, _err = run(capsys, "--db", db, "--user", "supervisor", "people", "list")
    assert status == 0 and "Indigenous" in out and "Prefers not to say" in out and "Not asked" in out
