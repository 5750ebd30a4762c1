"""How report counts are split: age bands from the office setting, and the labelled dimensions.

Age is the age at the end of the period, computed in SQL from birth dates by date comparison
(portable to SQLite and PostgreSQL): a person is at least ``a`` years old on ``end`` exactly when
they were born on or before ``end`` minus ``a`` years.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from sqlalchemy import case, literal
from sqlalchemy.sql.elements import ColumnElement

from desktop.i18n import N_, _, country_name
from desktop.services.core.errors import ValidationError
from desktop.services.reports.tables import NOT_RECORDED, Category, Dimension

ADULT_AGE = 18

REFERRAL_STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "completed": N_("Completed"),
    "not_attended": N_("Did not attend"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}
PERSON_SEXES: dict[str, str] = {"female": N_("Female"), "male": N_("Male"), "intersex": N_("Intersex")}
PARTICIPANT_SEXES: dict[str, str] = {"F": N_("Female"), "M": N_("Male"), "I": N_("Intersex")}
# The directory's built-in service categories (directory.catalogs.CATEGORIES, stored with Spanish names):
# an English report names them in English. An office's own categories keep the name it gave them.
SERVICE_CATEGORIES: dict[str, str] = {
    "education": N_("Education"),
    "health": N_("Health"),
    "psychosocial": N_("Psychosocial support"),
    "legal": N_("Legal assistance"),
    "shelter": N_("Shelter"),
    "food": N_("Food"),
    "social": N_("Social assistance"),
    "documentation": N_("Documentation"),
    "employment": N_("Employment and training"),
    "protection": N_("Child protection"),
}
POPULATION_TYPES: dict[str, str] = {
    "destination": N_("In destination"),
    "transit": N_("In transit"),
    "pendular": N_("Pendular"),
    "returnee": N_("Returnee"),
    "host_community": N_("Host community"),
}


@dataclass(frozen=True)
class AgeBand:
    low: int
    high: int | None  # None: and older

    @property
    def key(self) -> str:
        return f"{self.low}-{self.high}" if self.high is not None else f"{self.low}+"

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.high is not None else f"{self.low}+"


def parse_age_bands(value: object) -> list[AgeBand]:
    """The ``age_bands`` office setting (``[[0, 5], [6, 11], …, [60, null]]``), checked."""
    bands: list[AgeBand] = []
    try:
        for low, high in value:  # type: ignore[attr-defined]
            bands.append(AgeBand(int(low), None if high is None else int(high)))
    except (TypeError, ValueError) as exc:
        raise ValidationError(_("The office's age bands are not valid: {value}").format(value=value)) from exc
    problem = not bands or bands[0].low != 0 or any(b.high is not None and b.high < b.low for b in bands)
    for before, after in pairwise(bands):
        if before.high is None or after.low != before.high + 1:
            problem = True
    if problem:
        raise ValidationError(_("The office's age bands must start at 0 and follow each other without gaps "
                                "or overlaps, e.g. 0–5, 6–11, 12–17, 18–59, 60+."))
    return bands


def years_before(day: date, years: int) -> date:
    """``day`` minus whole years (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band_expression(birth_date: ColumnElement, on: date, bands: list[AgeBand]) -> ColumnElement:
    """SQL: the band key of the age on ``on``; NULL when the birth date is unknown or later than ``on``."""
    whens = []
    for band in bands:
        lower_cut = years_before(on, band.low)  # born on or before: at least ``low`` years old
        if band.high is None:
            whens.append((birth_date <= lower_cut, literal(band.key)))
        else:
            upper_cut = years_before(on, band.high + 1)  # born after: at most ``high`` years old
            whens.append(((birth_date <= lower_cut) & (birth_date > upper_cut), literal(band.key)))
    return case(*whens, else_=literal(None))


def adult_expression(birth_date: ColumnElement, on: date) -> ColumnElement:
    """SQL: ``adult`` (18 or older on ``on``), ``minor``, or NULL when the birth date is unknown."""
    return case((birth_date <= years_before(on, ADULT_AGE), literal("adult")),
                (birth_date <= on, literal("minor")), else_=literal(None))


def age_band_python(birth_date: date | None, on: date, bands: list[AgeBand]) -> str:
    """The same as :func:`age_band_expression`, in Python (tests compare the two)."""
    if birth_date is None or birth_date > on:
        return NOT_RECORDED
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    for band in bands:
        if age >= band.low and (band.high is None or age <= band.high):
            return band.key
    return NOT_RECORDED


# -- dimensions --------------------------------------------------------------------------------


def _fixed(key: str, title: str, labels: dict[str, str], not_recorded: str) -> Dimension:
    cats = [Category(code, _(text)) for code, text in labels.items()]
    return Dimension(key, title, cats, label_for=lambda code: code, not_recorded_label=not_recorded)


def not_recorded() -> str:
    return _("Not recorded")


def sex_dimension() -> Dimension:
    return _fixed("sex", _("Sex"), PERSON_SEXES, not_recorded())


def participant_sex_dimension() -> Dimension:
    return _fixed("sex", _("Sex"), PARTICIPANT_SEXES, _("Not stated"))


def population_type_dimension() -> Dimension:
    return _fixed("population_type", _("Population type"), POPULATION_TYPES, not_recorded())


def referral_status_dimension() -> Dimension:
    """Statuses a referral made (sent) can have: every one but draft."""
    made = {code: text for code, text in REFERRAL_STATUSES.items() if code != "draft"}
    return _fixed("status", _("Status at period end"), made, not_recorded())


def age_band_dimension(bands: list[AgeBand]) -> Dimension:
    return Dimension("age_band", _("Age band"), [Category(b.key, b.label) for b in bands],
                     not_recorded_label=_("Age not recorded"))


def adult_dimension() -> Dimension:
    return Dimension("adult", _("Age group"), [Category("minor", _("Under 18")), Category("adult", _("18 and over"))],
                     not_recorded_label=_("Age not recorded"))


def nationality_dimension() -> Dimension:
    return Dimension("nationality", _("Nationality"), [], label_for=lambda code: country_name(code) or code,
                     keep_empty=False, not_recorded_label=not_recorded())


def municipality_dimension() -> Dimension:
    return Dimension("municipality", _("Municipality"), [], keep_empty=False, not_recorded_label=not_recorded())


def newness_dimension() -> Dimension:
    return Dimension("newness", _("Registration"), [Category("new", _("New in the period")),
                                                    Category("returning", _("Returning"))])


def category_names(stored: dict[str, str]) -> dict[str, str]:
    """Service category code → its name in the report's language (built-in ones in English in an
    English report; the directory's stored name otherwise)."""
    from desktop.i18n import current_language

    if current_language() == "es":
        return dict(stored)
    return {code: _(SERVICE_CATEGORIES[code]) if code in SERVICE_CATEGORIES else name for code, name in stored.items()}


def labelled_dimension(key: str, title: str, labels: dict[str, str], *, keep_empty: bool = False) -> Dimension:
    """A dimension whose codes are labelled by a lookup (organizations, categories, institutions)."""
    return Dimension(key, title, [], label_for=lambda code: labels.get(code, code), keep_empty=keep_empty,
                     not_recorded_label=not_recorded())


__all__ = ["NOT_RECORDED", "AgeBand"]
