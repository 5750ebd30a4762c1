"""The report's figures: what a supervisor reads for a month must match the records, exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from desktop.services import reports
from desktop.services.core.context import Actor, AppContext
from desktop.services.core.errors import PermissionDenied, ValidationError
from desktop.services.office import OfficeForm
from desktop.services.reports import Period, build_report
from desktop.services.reports.disaggregation import (
    age_band_python,
    parse_age_bands,
)
from desktop.services.reports.tables import NOT_RECORDED
from desktop.services.workspace.setup import setup_office
from desktop.store.database import open_database
from tests.reports import factories as f

NOV = Period.month("2026-11")
NOW = datetime(2026, 12, 15, tzinfo=UTC)


@pytest.fixture
def supervisor(ctx_for) -> AppContext:
    return ctx_for("supervisor")


def test_month_and_range_periods_are_read_and_checked():
    assert (NOV.first_day, NOV.last_day, NOV.key) == (date(2026, 11, 1), date(2026, 11, 30), "2026-11")
    feb = Period.month("2028-02")
    assert feb.last_day == date(2028, 2, 29)
    rng = Period.between("2026-11-03", "2026-11-10")
    assert rng.key == "2026-11-03_2026-11-10" and not rng.is_month
    assert Period.between("2026-11-01", "2026-11-30").is_month
    for bad in ("2026-13", "11-2026", "", "2026/11"):
        with pytest.raises(ValidationError):
            Period.month(bad)
    with pytest.raises(ValidationError, match="ends before it starts"):
        Period.between("2026-11-10", "2026-11-03")
    with pytest.raises(ValidationError, match="YYYY-MM-DD"):
        Period.between("3 Nov", "2026-11-03")


def test_period_bounds_are_office_local_midnights():
    b = NOV.bounds("America/Bogota", NOW)
    assert b.start == datetime(2026, 11, 1, 5, tzinfo=UTC) and b.end == datetime(2026, 12, 1, 5, tzinfo=UTC)


def test_clerks_and_trainers_cannot_run_reports(ctx_for):
    for role in ("clerk", "trainer"):
        with pytest.raises(PermissionDenied):
            build_report(ctx_for(role), NOV)


def test_the_5w_counts_what_people_said_of_themselves(supervisor):
    nov = f.local(date(2026, 11, 3))
    with supervisor.db.transaction() as s:
        svc = f.service(s)
        people = [
            f.person(s, registered=nov, ethnicity="indigenous", needs=("disability",)),
            f.person(s, registered=nov, ethnicity="raizal", lgbtiq="yes"),
            f.person(s, registered=nov, ethnicity="afro_descendant"),
            f.person(s, registered=nov, ethnicity="declined", lgbtiq="declined"),
            f.person(s, registered=nov, needs=("lgbtiq_at_risk",)),  # not asked, but recorded as at risk
            f.person(s, registered=nov, lgbtiq="no", population_type="in_transit"),
        ]
        f.referral(s, people[0], svc, created=nov, sent=nov)
    of_which = build_report(supervisor, NOV, now=NOW).table("fivew_of_which")
    assert of_which.value("destination", "indigenous") == 1
    assert of_which.value("destination", "afro") == 2  # Afro-descendant and Raizal
    assert of_which.value("destination", "lgbti") == 2  # said yes, or the specific need
    assert of_which.value("destination", "disability") == 1
    assert of_which.value("in_transit", "lgbti") == 0 and of_which.value("in_transit", "new") == 1


def test_a_month_counts_people_referrals_and_trainings(supervisor):
    db = supervisor.db
    with db.transaction() as s:
        svc = f.service(s)
        other = f.service(s, "Pastoral Social", "Asesoría jurídica", ("legal", "Jurídica"))
        # New in November: a girl of 4 and a woman of 30 with a disability.
        girl = f.person(s, registered=f.local(date(2026, 11, 3)), birth_date=date(2022, 5, 1))
        woman = f.person(s, registered=f.local(date(2026, 11, 4)), birth_date=date(1996, 1, 1), needs=("disability",))
        # Registered in October, referred twice in November: returning, counted once.
        man = f.person(s, registered=f.local(date(2026, 10, 2)), sex="male", birth_date=date(1980, 2, 2),
                       nationality="CO", population_type="host_community")
        # Registered 1 December 00:30 local = 05:30 UTC: not November.
        f.person(s, registered=f.local(date(2026, 12, 1), 0))
        # Registered in October and not seen since; deleted people never count.
        f.person(s, registered=f.local(date(2026, 10, 5)))
        f.person(s, registered=f.local(date(2026, 11, 5)), deleted=True)
        f.referral(s, man, svc, created=f.local(date(2026, 11, 6)), sent=f.local(date(2026, 11, 6)),
                   accepted=f.local(date(2026, 11, 8)), closed=f.local(date(2026, 11, 11)), final="completed")
        f.referral(s, man, other, created=f.local(date(2026, 11, 20)), sent=f.local(date(2026, 11, 20)),
                   accepted=f.local(date(2026, 11, 21)), closed=f.local(date(2026, 12, 2)), final="completed",
                   follow_up_on=date(2026, 11, 25))
        f.referral(s, woman, svc, created=f.local(date(2026, 11, 7)), sent=f.local(date(2026, 11, 7)),
                   closed=f.local(date(2026, 11, 9)), final="cancelled")
        # A draft is not a referral made.
        f.referral(s, girl, svc, created=f.local(date(2026, 11, 8)))
        course, (s1, s2) = f.course(s, "C1", [(date(2026, 11, 10), 4.0), (date(2026, 11, 17), 4.0)])
        p1, p2 = f.participant(s, "F", "alcaldia"), f.participant(s, "M", "icbf")
        e1 = f.enroll(s, course, p1, {s1: "present", s2: "late"})
        f.enroll(s, course, p2, {s1: "present", s2: "absent"})
        f.certificate(s, e1, f.local(date(2026, 11, 18)))

    report = build_report(supervisor, NOV, now=NOW)
    assert report.figure("people_served").value == 3
    assert report.figure("people_new").value == 2 and report.figure("people_returning").value == 1
    ages = report.table("people_age_sex")
    assert ages.value("0-5", "female") == 1 and ages.value("18-59", "female") == 1 and ages.value("18-59", "male") == 1
    for table in report.sections[0].tables:
        assert table.total == 3
    assert report.table("fivew").value("host_community", "male|adult") == 1
    assert report.table("fivew_of_which").value("destination", "disability") == 1
    assert report.table("fivew_of_which").value("destination", "new") == 2

    assert report.figure("referrals_made").value == 3
    assert report.figure("people_referred").value == 2
    status = report.table("referrals_status")
    # The second referral closed in December: at the end of November it was accepted.
    assert status.value("completed", "count") == 1 and status.value("accepted", "count") == 1
    assert status.value("cancelled", "count") == 1
    assert report.figure("completion_rate").value == pytest.approx(0.5)
    assert report.figure("median_days").value == pytest.approx(3.5)  # 5 days and 2 days
    assert report.figure("overdue_follow_ups").value == 1
    assert report.table("referrals_category_status").value("health", "completed") == 1
    assert report.table("referrals_category_status").value("legal", "accepted") == 1

    assert report.figure("courses_held").value == 1 and report.figure("sessions_held").value == 2
    assert report.figure("hours_delivered").value == 8.0
    assert report.figure("participants").value == 2
    assert report.figure("training_completion_rate").value == pytest.approx(0.5)
    assert report.figure("certificates_issued").value == 1
    inst = report.table("participants_institution_sex")
    assert inst.value("alcaldia", "F") == 1 and inst.value("icbf", "M") == 1


def test_the_report_is_in_spanish_by_default_and_english_on_request(supervisor):
    with reports.report_language(None):
        es = build_report(supervisor, NOV, now=NOW)
    with reports.report_language("en"):
        en = build_report(supervisor, NOV, now=NOW)
    assert es.period_label == "noviembre de 2026" and es.language == "es"
    assert es.figure("people_served").label == "Personas atendidas"
    assert en.period_label == "November 2026" and en.figure("people_served").label == "People served"


def test_unusable_age_bands_give_a_clear_message():
    with pytest.raises(ValidationError, match="without gaps"):
        parse_age_bands([[0, 5], [7, None]])
    with pytest.raises(ValidationError, match="not valid"):
        parse_age_bands("0-5")


# -- property: every table adds up to the people and referrals it should count ---------------


@pytest.fixture(scope="module")
def shared_db(tmp_path_factory):
    from desktop.services.security import auth

    auth.use_fast_hashing_for_tests()
    db = open_database(tmp_path_factory.mktemp("reports") / "prop.db")
    setup_office(db, OfficeForm(code="BGA", name="Oficina", country="CO"), "admin", "Ana", "correct-horse-9")
    yield db
    db.dispose()


DAYS = st.dates(date(2026, 9, 1), date(2027, 1, 31))
PEOPLE = st.lists(st.tuples(
    DAYS, st.sampled_from(["female", "male", "intersex"]), st.one_of(st.none(), st.dates(date(1920, 1, 1),
                                                                                           date(2026, 12, 31))),
    st.sampled_from([None, "VE", "CO", "HT"]), st.sampled_from(["destination", "transit", "returnee"]),
    st.sampled_from(["", "Bucaramanga", "Girón"]), st.booleans(), st.booleans()), min_size=0, max_size=25)
REFERRALS = st.lists(st.tuples(st.integers(0, 24), DAYS, st.integers(0, 3), st.integers(0, 20),
                               st.sampled_from(["completed", "rejected", "cancelled", "not_attended"])),
                     max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(PEOPLE, REFERRALS, st.sampled_from(["2026-10", "2026-11", "2026-12"]))
def test_every_table_adds_up_to_the_people_and_referrals_counted_once(shared_db, people, refs, month):
    period = Period.month(month)
    later = datetime(2027, 3, 1, tzinfo=UTC)  # after every generated date: the story is complete
    b = period.bounds("America/Bogota", later)
    bands = parse_age_bands([[0, 5], [6, 11], [12, 17], [18, 59], [60, None]])
    with shared_db.transaction() as s:
        f.clear(s)
        svc = f.service(s)
        made = [f.person(s, registered=f.local(day), sex=sex, birth_date=born, nationality=nat, population_type=pop,
                         municipality=mun, needs=("disability",) if dis else (), deleted=gone)
                for day, sex, born, nat, pop, mun, dis, gone in people]
        stored = []
        for who, day, stage, length, final in refs:
            if not made:
                break
            person = made[who % len(made)]
            sent = f.local(day) if stage >= 1 else None
            # As the workflow allows: rejected and cancelled only from sent, never after acceptance.
            accepted = f.local(day + f.days(length // 2)) if stage >= 2 and final not in ("rejected", "cancelled") \
                else None
            closed = f.local(day + f.days(length)) if stage >= 3 else None
            f.referral(s, person, svc, created=f.local(day), sent=sent, accepted=accepted, closed=closed, final=final)
            stored.append((person, sent, accepted, closed, final, people[made.index(person)][7]))
    ctx = AppContext(shared_db, Actor(None, "sup", "Sup", "supervisor"))
    report = build_report(ctx, period, now=later)

    # Independent count, in Python, of who was served in the month.
    def inside(at):
        return at is not None and b.start <= at < b.end

    served = {id(p) for p, spec in zip(made, people, strict=True) if not spec[7] and inside(f.local(spec[0]))}
    served |= {id(p) for p, sent, *_rest, gone in stored if inside(sent) and not gone}
    by_person = {id(p): spec for p, spec in zip(made, people, strict=True)}
    for table in report.sections[0].tables + report.sections[1].tables[:1]:
        assert table.total == len(served), table.key
        assert sum(table.row_totals) == sum(table.column_totals) == table.total
    ages = report.table("people_age_sex")
    for key in {age_band_python(by_person[i][2], period.last_day, bands) for i in served}:
        expected = sum(1 for i in served if age_band_python(by_person[i][2], period.last_day, bands) == key)
        row = next(r for r in range(len(ages.rows)) if ages.rows[r].key == key)
        assert ages.row_totals[row] == expected
    assert report.figure("people_new").value == sum(1 for i in served if inside(f.local(by_person[i][0])))

    made_in = [r for r in stored if inside(r[1])]
    assert report.table("referrals_status").total == len(made_in) == report.figure("referrals_made").value
    for table in report.sections[2].tables:
        assert table.total == len(made_in)

    def status_at_end(sent, accepted, closed, final):
        if closed is not None and closed < b.end:
            return final
        return "accepted" if accepted is not None and accepted < b.end else "sent"

    status = report.table("referrals_status")
    for row, cat in enumerate(status.rows):
        expected = sum(1 for _p, sent, acc, clo, fin, _g in made_in if status_at_end(sent, acc, clo, fin) == cat.key)
        assert status.cells[row][0] == expected, cat.key
    assert NOT_RECORDED not in {c.key for c in status.rows}
    referred = {id(p) for p, sent, *_rest in made_in}
    assert report.figure("people_referred").value == len(referred)
    closed_in = sorted((clo - sent).total_seconds() / 86400 for _p, sent, _a, clo, _f, _g in stored
                       if sent is not None and inside(clo))
    if closed_in:
        middle = (closed_in[(len(closed_in) - 1) // 2] + closed_in[len(closed_in) // 2]) / 2
        assert report.figure("median_days").value == pytest.approx(round(middle, 1), abs=0.051)
    else:
        assert report.figure("median_days").value is None


def test_a_month_not_over_yet_shows_each_referral_as_it_is_now(supervisor):
    with supervisor.db.transaction() as s:
        svc = f.service(s)
        who = f.person(s, registered=f.local(date(2026, 12, 1)))
        f.referral(s, who, svc, created=f.local(date(2026, 12, 2)), sent=f.local(date(2026, 12, 2)),
                   accepted=f.local(date(2026, 12, 3)))
    report = build_report(supervisor, Period.month("2026-12"), now=NOW)
    assert report.table("referrals_status").value("accepted", "count") == 1
    assert report.figure("people_served").value == 1
