"""Names, document numbers and ages as the people services compare and show them."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from desktop.i18n import office_today

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def normalize(text: str) -> str:
    """Accent-free, lower case, words separated by one space: "  José  PÉREZ-Ñáñez" → "jose perez nanez"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM.sub(" ", plain).strip()


def normalize_document(number: str) -> str:
    """Capitals and digits only: "v-12.345.678" → "V12345678"."""
    return normalize(number).replace(" ", "").upper()


def full_name(given: str, family_1: str, family_2: str = "") -> str:
    return " ".join(part for part in (given.strip(), family_1.strip(), family_2.strip()) if part)


def age_on(birth_date: date | None, today: date | None = None) -> int | None:
    """Completed years on ``today`` (default: today); None without a birth date."""
    if birth_date is None:
        return None
    today = today or office_today()
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


def birth_date_from_age(age: int, today: date | None = None) -> date:
    """The birth date recorded for an estimated age: the middle of the year that gives that age today."""
    today = today or office_today()
    year = today.year - age - 1
    candidate = date(year, 7, 1)
    return candidate if age_on(candidate, today) == age else date(year + 1, 1, 1)


def name_terms(*parts: str) -> set[str]:
    return {word for part in parts for word in normalize(part).split() if word}


def name_score(query_words: list[str], name_words: list[str]) -> float:
    """0–100: each typed word against its best name word (same 100, start of it 95, else similarity),
    averaged, less one point per name word left unmatched. Word order does not matter."""
    from rapidfuzz import fuzz

    if not query_words or not name_words:
        return 0.0
    total = 0.0
    for word in query_words:
        best = 0.0
        for candidate in name_words:
            if candidate == word:
                best = 100.0
                break
            best = max(best, 95.0 if candidate.startswith(word) else fuzz.ratio(word, candidate))
        total += best
    return total / len(query_words) - max(0, len(name_words) - len(query_words))
