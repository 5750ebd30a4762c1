"""A report asked for in one language is in that language, whatever language the process (the window) speaks."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, date, datetime

import pytest

from desktop.i18n import country_name, set_language, use_language
from desktop.services.reports import Period
from desktop.services.reports.disaggregation import (
    PARTICIPANT_SEXES,
    PERSON_SEXES,
    POPULATION_TYPES,
    REFERRAL_STATUSES,
    SERVICE_CATEGORIES,
)
from desktop.services.reports.export import export_report
from desktop.services.training.catalog import INSTITUTIONS
from tests.reports import factories as f

NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)
NATIONALITIES = ("VE", "CO", "PE", "HT", "US", "EC")
# The directory's own (Spanish) names of its service categories, as an office stores them.
STORED_CATEGORIES = {"health": "Salud", "education": "Educación", "legal": "Asistencia jurídica",
                     "psychosocial": "Apoyo psicosocial", "shelter": "Alojamiento"}


def _names(language: str) -> set[str]:
    """Every category name a report may print in ``language`` that reads differently in the other language."""
    other = "en" if language == "es" else "es"
    labels = {language: set(), other: set()}
    for lang in labels:
        with use_language(lang):
            for table in (PERSON_SEXES, PARTICIPANT_SEXES, POPULATION_TYPES, REFERRAL_STATUSES, SERVICE_CATEGORIES):
                labels[lang] |= {_translate(text) for text in table.values()}
            labels[lang] |= {country_name(code) for code in NATIONALITIES}
    labels["es"] |= {es for _code, es, en, _c in INSTITUTIONS if es not in en} | set(STORED_CATEGORIES.values())
    labels["en"] |= {en for _code, es, en, _c in INSTITUTIONS if en not in es}
    return labels[language] - labels[other]


def _translate(text: str) -> str:
    from desktop.i18n import _

    return _(text)


@pytest.mark.parametrize(("report", "window", "expected"), [
    ("en", "es", ("November 2026", "Female", "Intersex", "Peru", "Health", "In transit", "Did not attend",
                  "Legal assistance", "Mayor's office")),
    ("es", "en", ("noviembre de 2026", "Mujer", "Intersexual", "Perú", "Salud", "En tránsito", "No asistió",
                  "Asistencia jurídica", "Alcaldía"))])
def test_a_report_pdf_has_no_category_name_of_the_window_s_language(ctx_for, tmp_path, report, window,
                                                                    expected):
    """Sexes, statuses, nationalities, population types, service categories and institutions."""
    ctx = ctx_for("supervisor")
    sexes = ["female", "male", "intersex"]
    populations = list(POPULATION_TYPES)
    with ctx.db.transaction() as s:
        services = [f.service(s, f"Organización {i}", f"Servicio {i}", (code, name))
                    for i, (code, name) in enumerate(STORED_CATEGORIES.items())]
        people = [f.person(s, registered=f.local(date(2026, 11, 1 + i % 28)), sex=sexes[i % 3],
                           birth_date=date(1960 + i % 50, 1, 1), nationality=NATIONALITIES[i % len(NATIONALITIES)],
                           population_type=populations[i % len(populations)]) for i in range(90)]
        day = f.local(date(2026, 11, 5))
        for i, person in enumerate(people):
            kind = i % 5
            f.referral(s, person, services[i // 5 % len(services)], created=day, sent=day if kind else None,
                       accepted=day if kind >= 2 else None, closed=day if kind >= 3 else None,
                       final=("completed", "not_attended")[kind % 2])
        course, held = f.course(s, "MESA-2026", [(date(2026, 11, 10), 4.0), (date(2026, 11, 11), 4.0)])
        for i, (code, _es, _en, _c) in enumerate(INSTITUTIONS * 2):
            f.enroll(s, course, f.participant(s, sex="FMI"[i % 3], institution=code),
                     {held[0]: "present", held[1]: "present" if i % 2 else "absent"})
    set_language(window)  # the person at the window reads the other language
    path = export_report(ctx, NOV, "pdf", tmp_path / "report.pdf", language=report, now=NOW)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert [word for word in expected if word not in text] == []
    wrong = _names(window)
    assert len(wrong) > 40 and ("Mujer" in wrong or "Female" in wrong)  # not empty by mistake
    found = sorted(name for name in wrong if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text))
    assert found == []
