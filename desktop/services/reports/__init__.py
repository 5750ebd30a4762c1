"""Monthly (or any period's) report: people served, referrals and trainings, disaggregated.

``build_report`` computes everything with grouped SQL and returns a :class:`Report` of plain data
(labelled figures and :class:`~desktop.services.reports.tables.Table` s) in the language it was
built in. ``desktop.services.reports.export`` turns a report into PDF, XLSX or CSV, and is what the
window and ``enlace report`` call.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from desktop.i18n import (
    _,
    current_language,
    current_locale,
    format_date,
    use_language,
)
from desktop.services import office as office_service
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.reports.disaggregation import (
    age_band_dimension,
    category_names,
    labelled_dimension,
    municipality_dimension,
    nationality_dimension,
    newness_dimension,
    parse_age_bands,
    participant_sex_dimension,
    population_type_dimension,
    referral_status_dimension,
    sex_dimension,
)
from desktop.services.reports.figures import (
    PEOPLE_AXES,
    REFERRAL_AXES,
    Bounds,
    category_labels,
    course_rows,
    organization_labels,
    participant_cube,
    people_cube,
    people_flags,
    people_referred,
    referral_figures,
    referral_pass,
    training_figures,
)
from desktop.services.reports.suppression import (
    SMALL_MARK,
    WITHHELD_MARK,
    MarginKey,
    SuppressedTable,
    suppress_tables,
)
from desktop.services.reports.tables import (
    NOT_RECORDED,
    Category,
    Dimension,
    Table,
    build_table,
    count_dimension,
    marginal,
)

Progress = Callable[[int, int], None]
CancelFlag = Callable[[], bool]


# -- the period --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Calendar days ``first_day`` to ``last_day`` (both included) in the office's time zone."""

    first_day: date
    last_day: date
    is_month: bool = False

    @classmethod
    def month(cls, text: str) -> Period:
        """``YYYY-MM``."""
        match = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
            raise ValidationError(_("Give the month as YYYY-MM, e.g. 2026-03."), {"month": _("Invalid month")})
        year, month = int(match.group(1)), int(match.group(2))
        return cls(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]), True)

    @classmethod
    def between(cls, first: date | str, last: date | str) -> Period:
        first_day, last_day = _as_date(first, "from"), _as_date(last, "to")
        if last_day < first_day:
            raise ValidationError(_("The period ends before it starts."), {"to": _("Before the start")})
        if (last_day - first_day).days > 3660:
            raise ValidationError(_("The period may cover at most ten years."), {"to": _("Too long")})
        is_month = first_day.day == 1 and last_day == date(first_day.year, first_day.month,
                                                             calendar.monthrange(first_day.year, first_day.month)[1])
        return cls(first_day, last_day, is_month)

    @property
    def key(self) -> str:
        """Short text for file names and audit details: ``2026-03`` or ``2026-03-01_2026-03-15``."""
        if self.is_month:
            return f"{self.first_day:%Y-%m}"
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    def label(self) -> str:
        """The period in words in the current language: ``marzo de 2026`` or ``1 mar 2026 – 15 mar 2026``."""
        if self.is_month:
            from babel.dates import format_skeleton

            return format_skeleton("yMMMM", self.first_day, locale=current_locale())
        return _("{first} to {last}").format(first=format_date(self.first_day, "long"),
                                             last=format_date(self.last_day, "long"))

    def bounds(self, timezone: str, now: datetime | None = None) -> Bounds:
        tz = ZoneInfo(timezone)
        start = datetime.combine(self.first_day, datetime.min.time(), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(self.last_day + timedelta(days=1), datetime.min.time(), tzinfo=tz).astimezone(UTC)
        now = now or datetime.now(UTC)
        as_of_instant = min(end, now)
        as_of = min(self.last_day, now.astimezone(tz).date())
        return Bounds(start, end, self.first_day, self.last_day, as_of, as_of_instant)


def _as_date(value: date | str, name: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise ValidationError(_("Give dates as YYYY-MM-DD, e.g. 2026-03-15."), {name: _("Invalid date")}) from exc


# -- the report --------------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    label: str
    value: int | float | None
    kind: str = "count"  # count (people or their records: suppressed), number, percent (0–1), days, hours
    margin: MarginKey | None = None  # the table total this figure repeats (suppression keeps them alike)
    basis: int | None = None  # for a rate: how many it is computed over
    shown: int | float | str | None = None  # the value as a partner export prints it


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


@dataclass
class Report:
    office_code: str
    office_name: str
    office_place: str
    locale: str
    timezone: str
    period: Period
    period_label: str
    generated_at: datetime
    generated_by: str
    language: str
    sections: list[Section]
    definitions: list[tuple[str, str]]
    anonymized: bool = False
    suppressed: dict[str, SuppressedTable] = field(default_factory=dict)

    def tables(self) -> Iterator[Table]:
        for section in self.sections:
            yield from section.tables

    def table(self, key: str) -> Table:
        return next(t for t in self.tables() if t.key == key)

    def figure(self, key: str) -> Figure:
        return next(f for s in self.sections for f in s.figures if f.key == key)


@contextmanager
def report_language(language: str | None, office_locale: str | None = None) -> Iterator[str]:
    """Build and write a report in ``language`` (``es`` by default). Only this job (this thread) uses
    it: the window, and any other job running meanwhile, keep their own language."""
    language = language or "es"
    if language not in ("es", "en"):
        raise ValidationError(_("The report language must be es or en."))
    locale = office_locale if office_locale and office_locale.startswith(language) else None
    with use_language(language, locale):
        yield language


def _read(ctx: AppContext, part):
    with ctx.db.session() as session:
        return part(session)


def _step(progress: Progress | None, cancelled: CancelFlag | None, done: int, total: int) -> None:
    if cancelled and cancelled():
        raise Cancelled()
    if progress:
        progress(done, total)


STEPS = 6


def build_report(ctx: AppContext, period: Period, *, anonymized: bool = False, now: datetime | None = None,
                 progress: Progress | None = None, cancelled: CancelFlag | None = None) -> Report:
    """Compute the report for ``period`` in the current language (supervisors and administrators).

    With ``anonymized`` the tables are also suppressed for partners (``report.suppressed``); the
    report never holds names, documents, phones, addresses or birth dates in any case.
    """
    ctx.require(Permission.VIEW_REPORTS)
    _step(progress, cancelled, 0, STEPS)
    with ctx.db.session() as session:
        office = office_service.current_office(session)
        bands = parse_age_bands(office_service.get_setting(session, "age_bands"))
        b = period.bounds(office.timezone, now)
        office_code, office_name = office.code, office.name
        place = ", ".join(p for p in (office.municipality, office.region) if p)
        locale, timezone = office.locale, office.timezone

    def people_part(session):
        return people_cube(session, b, bands), people_referred(session, b)

    def other_part(session):
        from desktop.services.training import institution_choices

        passed = referral_pass(session, b)
        referral_labels = category_labels(session), organization_labels(session, {k[2] for k in passed.cube})
        courses = course_rows(session, b)
        participants = participant_cube(session, b)
        return (passed, referral_labels, courses, participants,
                training_figures(session, b, courses, participants), dict(institution_choices(session)))

    # The people (cube, and how many were referred) are read on their own connection while this
    # thread reads the rest (each table still comes from a single query, so every table adds up):
    # the office PC's second core shortens the wait.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report") as pool:
        people_job = pool.submit(_read, ctx, people_part)
        passed, (categories, organizations), courses, participants, tr_figures, institutions = _read(ctx, other_part)
        _step(progress, cancelled, 1, STEPS)
        training_section = _training_section(courses, participants, tr_figures, institutions, anonymized)
        _step(progress, cancelled, 2, STEPS)
        people, referred = people_job.result()
    _step(progress, cancelled, 3, STEPS)
    sections = [_people_section(people, bands), _fivew_section(people, people_flags(people)),
                _referral_section(passed.cube, referral_figures(referred, passed), bands, categories, organizations),
                training_section]
    _step(progress, cancelled, 4, STEPS)
    generated_at = now or datetime.now(UTC)
    report = Report(office_code, office_name, place, locale, timezone, period, period.label(), generated_at,
                    office_name if anonymized else ctx.actor.full_name, current_language(), sections,
                    definitions(bands), anonymized)
    if anonymized:
        _suppress(report)
    _step(progress, cancelled, STEPS, STEPS)
    return report


# -- sections ----------------------------------------------------------------------------------


def _cells_people(cube, row: str, column: str | None = "sex"):
    return marginal(cube, PEOPLE_AXES, row, column)


def _people_section(cube, bands) -> Section:
    served = sum(cube.values())
    new = sum(n for k, n in cube.items() if k[PEOPLE_AXES.index("newness")] == "new")
    sex = sex_dimension()
    m = "people"
    figures = [
        Figure("people_served", _("People served"), served, margin=(m, "*", "*")),
        Figure("people_new", _("New people (registered in the period)"), new, margin=(m, "newness", "new")),
        Figure("people_returning", _("Returning people"), served - new, margin=(m, "newness", "returning")),
    ]
    tables = [
        build_table("people_newness_sex", _("People served: new and returning, by sex"),
                    _cells_people(cube, "newness"), newness_dimension(), sex, m, chart="stacked"),
        build_table("people_age_sex", _("People served by age band and sex"),
                    _cells_people(cube, "age_band"), age_band_dimension(bands), sex, m, chart="stacked",
                    note=_("Age at the end of the period.")),
        build_table("people_population_sex", _("People served by population type and sex"),
                    _cells_people(cube, "population_type"), population_type_dimension(), sex, m, chart="stacked"),
        build_table("people_nationality_sex", _("People served by nationality and sex"),
                    _cells_people(cube, "nationality"), nationality_dimension(), sex, m, chart="bar"),
        build_table("people_municipality_sex", _("People served by municipality and sex"),
                    _cells_people(cube, "municipality"), municipality_dimension(), sex, m),
    ]
    return Section("people", _("People served"), figures, tables)


SEX_AGE_ORDER = ("female", "male", "intersex", NOT_RECORDED)
ADULT_ORDER = ("minor", "adult", NOT_RECORDED)


def _fivew_section(cube, flag_cube) -> Section:
    sex_labels = {c.key: c.label for c in sex_dimension().resolve([])}
    age_labels = {"minor": _("under 18"), "adult": _("18 and over"), NOT_RECORDED: _("age not recorded")}
    columns = []
    for s in SEX_AGE_ORDER:
        for a in ADULT_ORDER:
            columns.append(Category(f"{s}|{a}", _("{sex}, {age}").format(sex=sex_labels[s], age=age_labels[a])))
    sex_age = Dimension("sex_age", _("Sex and age"), columns)
    counts: dict[tuple[str, str], int] = {}
    ip, isx, ia = (PEOPLE_AXES.index(a) for a in ("population_type", "sex", "adult"))
    for key, n in cube.items():
        pair = (key[ip], f"{key[isx]}|{key[ia]}")
        counts[pair] = counts.get(pair, 0) + n
    main = build_table("fivew", _("5W: people served by population type, sex and age"), counts,
                       population_type_dimension(), sex_age, "people", chart="stacked",
                       note=_("Each person is counted once. Age at the end of the period."))
    # Female and male, under 18 and 18+, are always shown; other columns only when not empty.
    usual = {"female|minor", "female|adult", "male|minor", "male|adult"}
    present = [j for j, c in enumerate(main.columns) if c.key in usual or any(r[j] for r in main.cells)]
    main.columns = [main.columns[j] for j in present]
    main.cells = [[r[j] for j in present] for r in main.cells]

    flags = [("new", _("New in the period")), ("disability", _("With disability")),
             ("indigenous", _("Indigenous people")), ("afro", _("Afro-descendant people")),
             ("lgbti", _("LGBTIQ+ people"))]
    of_which: dict[tuple[str, str], int] = {}
    inew = PEOPLE_AXES.index("newness")
    for key, n in cube.items():
        if key[inew] == "new":
            of_which[(key[ip], "new")] = of_which.get((key[ip], "new"), 0) + n
    for (population, _newness, flag), n in flag_cube.items():
        of_which[(population, flag)] = of_which.get((population, flag), 0) + n
    flag_dim = Dimension("flag", _("Of which"), [Category(c, label) for c, label in flags])
    extra = build_table("fivew_of_which", _("5W: of which, by population type"), of_which,
                        population_type_dimension(), flag_dim, "people", additive=False,
                        note=_("Columns overlap: a person can be new and have a disability. Ethnic groups and "
                               "LGBTIQ+ count only what people said of themselves when asked; Afro-descendant "
                               "includes Black, Afro-Colombian, Raizal and Palenquero people; LGBTIQ+ also "
                               "counts the specific need \"LGBTIQ+ person at risk\"."))
    return Section("fivew", _("5W summary"), [], [main, extra])


def _referral_section(cube, figs, bands, categories, organizations) -> Section:
    m = "referrals"
    status = referral_status_dimension()
    closed_basis = figs.made - figs.cancelled
    figures = [
        Figure("referrals_made", _("Referrals made"), figs.made, margin=(m, "*", "*")),
        Figure("people_referred", _("People referred"), figs.people_referred),
        Figure("referrals_completed", _("Completed at period end"), figs.completed,
               margin=(m, "status", "completed")),
        Figure("completion_rate", _("Completion rate"), figs.completed / closed_basis if closed_basis else None,
               "percent", basis=closed_basis),
        Figure("median_days", _("Median days from sent to closed"), figs.median_days_to_close, "days",
               basis=figs.closed_in_period),
        Figure("overdue_follow_ups", _("Overdue follow-ups"), figs.overdue_follow_ups),
    ]
    category = labelled_dimension("category", _("Service category"), category_names(categories))
    organization = labelled_dimension("organization", _("Organization"), organizations)
    tables = [
        build_table("referrals_status", _("Referrals made, by status at period end"),
                    marginal(cube, REFERRAL_AXES, "status", None), status, count_dimension(_("Referrals")), m,
                    chart="pie"),
        build_table("referrals_category_status", _("Referrals made by service category and status"),
                    marginal(cube, REFERRAL_AXES, "category", "status"), category, status, m, chart="stacked"),
        build_table("referrals_organization_status", _("Referrals made by organization and status"),
                    marginal(cube, REFERRAL_AXES, "organization", "status"), organization, status, m),
    ]
    return Section("referrals", _("Referrals"), figures, tables)


def _training_section(courses, participants, figs, institutions, anonymized: bool) -> Section:
    m = "participants"
    figures = [
        Figure("courses_held", _("Courses held"), figs.courses, "number"),  # events, not people: never suppressed
        Figure("sessions_held", _("Sessions held"), figs.sessions, "number"),
        Figure("hours_delivered", _("Hours delivered"), figs.hours, "hours"),
        Figure("participants", _("Participants who attended"), figs.participants, margin=(m, "*", "*")),
        Figure("training_completion_rate", _("Completion rate (courses finished in the period)"),
               figs.enrollments_completed / figs.enrollments_finished if figs.enrollments_finished else None,
               "percent", basis=figs.enrollments_finished),
        Figure("certificates_issued", _("Certificates issued"), figs.certificates_issued),
        Figure("certificates_revoked", _("Certificates revoked"), figs.certificates_revoked),
    ]
    course_cols = [Category("sessions", _("Sessions held")), Category("hours", _("Hours delivered"))]
    if not anonymized:
        course_cols.append(Category("participants", _("Participants")))
    course_table = Table(
        "training_courses", _("Courses held"), _("Course"), [Category(c[0], c[1]) for c in courses], course_cols,
        [[c[2], c[3], c[4]][: len(course_cols)] for c in courses], "courses", "course", "figure", additive=False,
        note=_("Participants: people who attended at least one session of the course in the period."))
    institution = labelled_dimension("institution", _("Institution"), institutions)
    tables = [
        course_table,
        build_table("participants_institution_sex", _("Participants by institution and sex"), participants,
                    institution, participant_sex_dimension(), m, chart="stacked"),
    ]
    return Section("trainings", _("Trainings"), figures, tables)


def PARTNER_METHOD() -> str:
    return _("Complementary (secondary) suppression across every table of this export. Counts from 1 to 4 are "
             "shown as {small}; more counts are withheld ({withheld}: any count, 0 or more, possibly one from 1 "
             "to 4) until no withheld count can be worked out, or narrowed to fewer values than its mark "
             "admits, from all the numbers of the export taken together: totals repeated in several tables, "
             "the 5W table, figures and rates (checked with an integer-programming solver, HiGHS). Totals and "
             "rates are of all the people counted, withheld cells included; a total that would give a withheld "
             "count away is withheld too.").format(small=SMALL_MARK, withheld=WITHHELD_MARK)


def definitions(bands) -> list[tuple[str, str]]:
    return [
        (_("Period"), _("Calendar days in the office's time zone, first and last day included.")),
        (_("People served"), _("People registered in the period, or referred to a service in the period; each "
                               "person counted once in the period however many services they used. Deleted and "
                               "merged records are left out.")),
        (_("New / returning"), _("New: registered in the period. Returning: registered before it and referred in "
                                 "it.")),
        (_("Age band"), _("Age at the end of the period, from the birth date (or the date estimated from the "
                          "age given). Bands: {bands}.").format(bands=", ".join(b.label for b in bands))),
        (_("Referrals made"), _("Referrals sent to a service in the period. Drafts are not counted.")),
        (_("Status at period end"), _("The status each referral had when the period ended.")),
        (_("Service category"), _("The service's category in the directory; a service with several is counted "
                                  "under the first.")),
        (_("Completion rate"), _("Referrals completed by the end of the period, over referrals made minus those "
                                 "cancelled.")),
        (_("Median days from sent to closed"), _("Over referrals closed in the period.")),
        (_("Overdue follow-ups"), _("Referrals open at the end of the period (or today) whose follow-up date had "
                                    "passed.")),
        (_("Trainings"), _("Sessions held: sessions dated in the period and on or before the day the report was "
                           "made (a planned session is not held). Courses held: courses with a session held. "
                           "Participants: people who attended (present or late) at least one session held, each "
                           "counted once. Completion rate: enrollments of courses finished in the period (their last "
                           "session fell in it and has been held; a running course is not finished) that met the "
                           "course's attendance share (and evaluation).")),
        (_("Rates"), _("Computed from the exact counts and rounded once, to one decimal, the same in the PDF, the "
                       "spreadsheet and the CSV.")),
        (_("Certificates"), _("Issued or revoked in the period.")),
        (_("5W"), _("Population type × sex × under/over 18, each person once. Indigenous, Afro-descendant "
                    "and LGBTIQ+ people are counted where they said so themselves; people not asked are not "
                    "counted in those columns.")),
        (_("Partner export"), PARTNER_METHOD()),
    ]


# -- partner export ----------------------------------------------------------------------------


def _totals_only(table: Table) -> Table:
    """A two-way table reduced to its row totals (for a partner, when the full one cannot be shown)."""
    return Table(table.key, table.title, table.row_title, list(table.rows), [Category("count", _("Total"))],
                 [[total] for total in table.row_totals], table.measure, table.row_dimension, "count",
                 note=_("Totals only: the full table has too many small counts to be shared safely."),
                 chart=None)


def _suppress(report: Report) -> None:
    """Suppress small counts in every table and figure so that nothing withheld can be worked out
    from the whole export. A two-way table that cannot be protected whole is shared as its row
    totals; then the export is protected as one system (:mod:`.partner`)."""
    from desktop.services.reports.partner import ExportModel

    counted = ("people", "referrals", "participants")
    tables = [t for t in report.tables() if t.measure in counted]
    figures = {f.key: f for s in report.sections for f in s.figures}
    shown, _withheld = suppress_tables(tables)
    reduced = {t.key for t, sh in zip(tables, shown, strict=True)
               if sh.withheld and t.additive and not t.single_column}
    if reduced:
        for section in report.sections:
            section.tables = [_totals_only(t) if t.key in reduced else t for t in section.tables]
        tables = [t for t in report.tables() if t.measure in counted]
        shown, _withheld = suppress_tables(tables)
    report.suppressed = {t.key: s for t, s in zip(tables, shown, strict=True)}

    export = ExportModel(tables)
    quantities: dict[str, int] = {}
    for f in figures.values():
        if f.kind == "count" and isinstance(f.value, int) and f.key != "people_referred":
            quantities[f.key] = export.figure(f.key, f.value, f.margin)
    referred = figures.get("people_referred")
    if referred is not None and isinstance(referred.value, int):
        model = export.model
        low = quantities.get("people_returning")
        high = quantities.get("referrals_made")
        quantities["people_referred"] = export.figure(
            "people_referred", referred.value,
            between=(model.quantities[model.resolve(low)].form if low is not None else None,
                     model.quantities[model.resolve(high)].form if high is not None else None))
    export.seed(report.suppressed)
    export.protect()
    export.render(report.suppressed)

    def withheld(key) -> bool:
        qid = export.key_quantity(key)
        return qid is not None and isinstance(export.mark(qid), str)

    for f in figures.values():
        f.shown = f.value
        if f.key in quantities:
            f.shown = export.mark(quantities[f.key])
        elif f.kind in ("percent", "days") and f.basis is not None and f.basis < 10:
            f.shown = WITHHELD_MARK  # a rate over fewer than 10 tells too much about each person
    rate = figures.get("completion_rate")
    if rate is not None and any(withheld(("referrals", *k)) for k in (("*", "*"), ("status", "completed"),
                                                                      ("status", "cancelled"))):
        rate.shown = WITHHELD_MARK  # its terms are withheld: the rate would give them away
