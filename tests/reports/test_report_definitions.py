"""The report's definitions, as its definitions page states them, and the same figures in every format."""

from __future__ import annotations

import csv
import re
import subprocess
from datetime import UTC, date, datetime

import openpyxl
import pytest

from desktop.services.reports import Period, build_report
from desktop.services.reports.export import export_report
from tests.reports import factories as f

NOV = Period.month("2026-11")
MID_NOV = datetime(2026, 11, 15, 17, tzinfo=UTC)  # 15 November, noon in Bogotá
AFTER = datetime(2026, 12, 15, tzinfo=UTC)


@pytest.fixture
def office(ctx_for):
    """37 referrals sent in November, 8 completed (21.62 %); a course finished on 10 November; a course
    with a session on 10 November and its last on 20 November."""
    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        svc = f.service(s)
        for k in range(37):
            p = f.person(s, registered=f.local(date(2026, 11, 1 + k % 14)), birth_date=date(1990, 1, 1))
            sent = f.local(date(2026, 11, 1 + k % 14))
            closed = sent + f.days(1) if k < 8 else None
            f.referral(s, p, svc, created=sent, sent=sent, accepted=sent if closed else None, closed=closed)
        done, done_sessions = f.course(s, "DONE", [(date(2026, 11, 3), 4.0), (date(2026, 11, 10), 4.0)])
        running, running_sessions = f.course(s, "RUN", [(date(2026, 11, 10), 4.0), (date(2026, 11, 20), 4.0)])
        for k in range(12):
            p = f.participant(s, sex="F" if k % 2 else "M")
            f.enroll(s, done, p, {sess: "present" if k < 9 or sess.number == 1 else "absent"
                                  for sess in done_sessions})
            f.enroll(s, running, p, {running_sessions[0]: "present"})
    return ctx


def test_a_session_is_held_only_on_or_before_today_and_a_running_course_is_not_finished(office):
    mid = build_report(office, NOV, now=MID_NOV)
    assert mid.figure("sessions_held").value == 3  # 3, 10 and 10 November; not the 20th
    assert mid.figure("hours_delivered").value == 12
    # Only DONE has finished: 9 of its 12 enrollments attended 80 % of its hours.
    assert mid.figure("training_completion_rate").value == pytest.approx(9 / 12)
    assert mid.figure("training_completion_rate").basis == 12
    after = build_report(office, NOV, now=AFTER)
    assert after.figure("sessions_held").value == 4
    assert after.figure("training_completion_rate").basis == 24  # RUN has finished too (its people: absent)


def test_people_are_counted_once_however_many_services_they_used(ctx_for):
    ctx = ctx_for("supervisor")
    with ctx.db.transaction() as s:
        svc, other = f.service(s), f.service(s, "Otra", "Otro servicio", ("legal", "Jurídica"))
        p = f.person(s, registered=f.local(date(2026, 11, 2)))
        for day in (3, 10, 20):
            for service in (svc, other):
                f.referral(s, p, service, created=f.local(date(2026, 11, day)), sent=f.local(date(2026, 11, day)))
    report = build_report(ctx, NOV, now=AFTER)
    assert report.figure("people_served").value == 1 and report.figure("referrals_made").value == 6
    assert report.figure("people_referred").value == 1


def _pdf_figures(path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def _number(text: str) -> float:
    """A number as the PDF prints it in English (1,234.5 or 21.6 %)."""
    return float(text.replace(",", "").replace("%", "").strip())


def test_figures_are_identical_in_pdf_xlsx_and_csv_and_rates_are_rounded_once(office, tmp_path):
    paths = {fmt: export_report(office, NOV, fmt, tmp_path / f"r.{fmt}", language="en", now=AFTER)
             for fmt in ("pdf", "xlsx", "csv")}
    report = build_report(office, NOV, now=AFTER)
    assert report.figure("completion_rate").value == pytest.approx(8 / 37)  # 21.62 %

    with paths["csv"].open(encoding="utf-8-sig") as fh:
        from_csv = {r["Row"]: r["Value"] for r in csv.DictReader(fh) if r["Table"] == "Figures"}
    assert from_csv["Completion rate"] == "21.6%"
    sheet = openpyxl.load_workbook(paths["xlsx"])["Figures"]
    from_xlsx = {}
    for _section, label, value in sheet.iter_rows(min_row=2):
        number = value.value
        if "%" in value.number_format:
            assert value.number_format == "0.0%"
            number = round(number * 100, 6)
        from_xlsx[label.value] = number
    text = _pdf_figures(paths["pdf"])
    assert "21.6 %" in text and "22.0" not in text and "22 %" not in text

    checked = 0
    for section in report.sections:
        for fig in section.figures:
            csv_value, xlsx_value = from_csv[fig.label], from_xlsx[fig.label]
            if fig.value is None:
                assert csv_value == "" and xlsx_value in ("", None)
                continue
            number = _number(csv_value)
            assert xlsx_value == pytest.approx(number, abs=1e-9), fig.label
            pattern = re.compile(rf"^\s*{re.escape(fig.label)}\s{{2,}}([\d,]+(?:\.\d+)?)\s*(%|days)?\s*$")
            printed = next(m for ln in text.splitlines() if (m := pattern.match(ln)))
            assert _number(printed.group(1)) == pytest.approx(number), fig.label
            checked += 1
    assert checked >= 12


def test_the_definitions_page_and_sheet_state_the_rules(office, tmp_path):
    pdf = export_report(office, NOV, "pdf", tmp_path / "r.pdf", language="en", now=AFTER)
    text = " ".join(_pdf_figures(pdf).split())
    for rule in ("on or before the day the report was made", "a running course is not finished",
                 "each person counted once in the period", "rounded once, to one decimal"):
        assert rule in text
    xlsx = export_report(office, NOV, "xlsx", tmp_path / "r.xlsx", language="en", now=AFTER)
    sheet = openpyxl.load_workbook(xlsx)["Definitions"]
    rules = " ".join(str(r[1]) for r in sheet.iter_rows(min_row=2, values_only=True))
    assert "a running course is not finished" in rules and "rounded once, to one decimal" in rules
