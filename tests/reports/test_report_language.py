"""One language per job: an English report made in the background leaves the window in Spanish."""

from __future__ import annotations

import csv
import threading
from datetime import UTC, date, datetime

import openpyxl

from desktop.i18n import _, current_language, current_locale, format_number, set_language
from desktop.services.reports import Period
from desktop.services.reports.export import export_report
from tests.reports import factories as f

NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)
SPANISH = ("Mujer", "Hombre", "Intersexual", "En destino", "En tránsito", "Salud", "Educación", "Perú", "Haití",
           "Brasil", "Completada", "Enviada", "Alcaldía", "Personería", "Sí", "No registrado", "Recurrentes")


def _office(ctx) -> None:
    with ctx.db.transaction() as s:
        health = f.service(s, "Cruz Roja", "Atención en salud", ("health", "Salud"))
        school = f.service(s, "Colegio", "Matrícula", ("education", "Educación"))
        for k, (nationality, sex) in enumerate([("PE", "female"), ("HT", "male"), ("BR", "intersex")] * 4):
            p = f.person(s, registered=f.local(date(2026, 11, 3 + k)), sex=sex, nationality=nationality,
                         population_type=("destination", "transit")[k % 2], birth_date=date(1980 + k, 1, 1))
            sent = f.local(date(2026, 11, 4 + k))
            f.referral(s, p, (health, school)[k % 2], created=sent, sent=sent, accepted=sent,
                       closed=sent + f.days(2) if k % 3 == 0 else None)
        course, sessions = f.course(s, "GOB", [(date(2026, 11, 10), 4.0)])
        for institution in ("alcaldia", "personeria", "alcaldia"):
            f.enroll(s, course, f.participant(s, institution=institution), {sessions[0]: "present"})


def test_an_english_report_in_a_worker_leaves_the_window_in_spanish(ctx_for, tmp_path):
    ctx = ctx_for("supervisor")
    _office(ctx)
    set_language("es", "es_CO")  # the window
    inside, resume = threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def progress(done, total):
        if done == 1 and not inside.is_set():
            seen["worker"] = (current_language(), _("Referrals"))
            inside.set()
            assert resume.wait(10)

    def job():
        seen["path"] = export_report(ctx, NOV, "csv", tmp_path / "en.csv", language="en", now=NOW,
                                     progress=progress)

    worker = threading.Thread(target=job)
    worker.start()
    try:
        assert inside.wait(30)
        # Meanwhile, on the window's thread: still Spanish, Colombian numbers.
        assert current_language() == "es" and current_locale() == "es_CO"
        assert _("Referrals") == "Remisiones" and format_number(1234.5) == "1.234,5"
    finally:
        resume.set()
        worker.join(60)
    assert seen["worker"] == ("en", "Referrals")
    assert current_language() == "es" and _("Referrals") == "Remisiones"
    text = (tmp_path / "en.csv").read_text(encoding="utf-8-sig")
    assert "People served by nationality and sex" in text


def test_english_outputs_have_no_spanish_category_names(ctx_for, tmp_path):
    ctx = ctx_for("supervisor")
    _office(ctx)
    set_language("es", "es_CO")
    csv_path = export_report(ctx, NOV, "csv", tmp_path / "en.csv", language="en", now=NOW)
    xlsx_path = export_report(ctx, NOV, "xlsx", tmp_path / "en.xlsx", language="en", now=NOW)
    with csv_path.open(encoding="utf-8-sig") as fh:
        labels = {cell for row in csv.reader(fh) for cell in row[:4]}
    book = openpyxl.load_workbook(xlsx_path)
    for sheet in book.worksheets:
        labels |= {str(c) for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)}
    for word in SPANISH:
        assert word not in labels, word
    for word in ("Female", "Male", "Intersex", "Peru", "Haiti", "Brazil", "Health", "Education", "Completed",
                 "In destination", "Mayor's office"):
        assert any(word in label for label in labels), word
    assert current_language() == "es"
