"""The pure part of the roster import: which column is which, and each cell's value.

No database, no files; nothing here raises on bad cell values: the functions return
``(value, problem)``. They are what a fuzzer should exercise: :func:`normalize_header`,
:func:`guess_field`, :func:`guess_mapping`, :func:`find_header_row`, :func:`normalize_name`,
:func:`split_full_name`, :func:`parse_document`, :func:`parse_document_type`, :func:`parse_sex`,
:func:`parse_email`, :func:`parse_phone`, :func:`parse_date`, :func:`parse_rows`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from desktop.i18n import N_, _

# -- fields ---------------------------------------------------------------------------------

FIELDS: dict[str, str] = {
    "given_names": N_("Given names"),
    "family_names": N_("Family names"),
    "full_name": N_("Full name (given names first)"),
    "full_name_family_first": N_("Full name (family names first)"),
    "document_type": N_("Document type"),
    "document_number": N_("Document number"),
    "sex": N_("Sex"),
    "institution": N_("Institution"),
    "position": N_("Position"),
    "municipality": N_("Municipality"),
    "email": N_("Email"),
    "phone": N_("Phone"),
    "enrolled_on": N_("Enrollment date"),
}

# Header words trainers use, normalized (lower case, no accents, no punctuation).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "given_names": ("nombres", "nombre", "primer y segundo nombre", "given names", "first name", "first names",
                    "name"),
    "family_names": ("apellidos", "apellido", "primer y segundo apellido", "family names", "last name",
                     "surname", "surnames", "last names"),
    "full_name": ("nombre completo", "nombres y apellidos", "nombre y apellido", "nombre y apellidos",
                  "nombres completos", "participante", "asistente", "nombre del participante",
                  "nombre del asistente", "nombre completo del participante", "full name"),
    "full_name_family_first": ("apellidos y nombres", "apellido y nombre", "apellidos nombres"),
    "document_type": ("tipo de documento", "tipo documento", "tipo doc", "tipo de identificacion",
                      "tipo identificacion", "tipo id", "td", "document type"),
    "document_number": ("cedula", "documento", "numero de documento", "no documento", "n documento",
                        "nro documento", "num documento", "numero documento", "identificacion",
                        "numero de identificacion", "no de identificacion", "no identificacion", "cc",
                        "c c", "numero de cedula", "no cedula", "documento de identidad", "doc",
                        "id", "document number", "document", "cedula de ciudadania"),
    "sex": ("sexo", "genero", "sexo genero", "sex"),
    "institution": ("entidad", "institucion", "organizacion", "entidad institucion", "nombre de la entidad",
                    "entidad a la que pertenece", "dependencia", "entidad u organizacion", "institution"),
    "position": ("cargo", "rol", "ocupacion", "cargo rol", "profesion", "position", "job title"),
    "municipality": ("municipio", "ciudad", "municipio ciudad", "lugar", "municipality", "city"),
    "email": ("correo", "correo electronico", "email", "e mail", "mail", "correo e"),
    "phone": ("celular", "telefono", "tel", "movil", "numero de celular", "telefono celular", "whatsapp",
              "contacto", "phone", "telefono de contacto"),
    "enrolled_on": ("fecha", "fecha de inscripcion", "fecha inscripcion", "fecha de registro", "date"),
}

# Document types: code -> words that mean it in a spreadsheet.
DOCUMENT_TYPE_WORDS: dict[str, tuple[str, ...]] = {
    "CC": ("cc", "c c", "cedula", "cedula de ciudadania", "cedula ciudadania", "cedula de ciudadano"),
    "CE": ("ce", "c e", "cedula de extranjeria", "cedula extranjeria"),
    "TI": ("ti", "t i", "tarjeta de identidad"),
    "PA": ("pa", "pas", "pasaporte", "passport", "pp"),
    "PPT": ("ppt", "permiso por proteccion temporal", "permiso de proteccion temporal"),
    "PEP": ("pep", "permiso especial de permanencia"),
    "DPI": ("dpi", "documento personal de identificacion"),
    "CURP": ("curp",),
    "INE": ("ine", "credencial para votar", "credencial ine"),
    "DNI": ("dni",),
    "OTRO": ("otro", "otra", "other"),
}

MAX_HEADER_SCAN = 20
_PARTICLES = {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "van", "von", "der"}

# -- headers ----------------------------------------------------------------------------------


def normalize_header(value: Any) -> str:
    """Lower case, accents and punctuation removed, spaces collapsed: "N° de Cédula" → "n de cedula"."""
    if value is None:
        return ""
    if isinstance(value, str) and len(value) <= 64:
        return _normalize_short(value)  # the same few words ("CC", "F", "Mujer") on every row
    return _normalize(str(value))


@lru_cache(maxsize=4096)
def _normalize_short(value: str) -> str:
    return _normalize(value)


def _normalize(value: str) -> str:
    text = unicodedata.normalize("NFKD", value)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = text.replace("°", " ").replace("º", " ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def guess_field(header: Any) -> str | None:
    """The participant field a header names, or None."""
    norm = normalize_header(header)
    if not norm:
        return None
    for name, words in SYNONYMS.items():
        if norm in words:
            return name
    best: tuple[int, str] | None = None
    padded = f" {norm} "
    for name, words in SYNONYMS.items():
        for word in words:
            if len(word) >= 4 and f" {word} " in padded and (best is None or len(word) > best[0]):
                best = (len(word), name)
    if best:
        return best[1]
    from rapidfuzz import fuzz, process

    choices = {word: name for name, words in SYNONYMS.items() for word in words if len(word) >= 5}
    match = process.extractOne(norm, list(choices), scorer=fuzz.ratio, score_cutoff=88)
    return choices[match[0]] if match else None


def guess_mapping(headers: Sequence[Any], remembered: dict[str, str] | None = None) -> dict[int, str]:
    """Column index → field. A remembered choice for the same header text wins over guessing.

    Each field is taken by the first column that names it.
    """
    remembered = remembered or {}
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        norm = normalize_header(header)
        if not norm:
            continue
        if norm in remembered:
            name = remembered[norm] or None
        else:
            name = guess_field(header)
        if name and name in FIELDS and name not in used:
            mapping[index] = name
            used.add(name)
    return mapping


def find_header_row(rows: Sequence[Sequence[Any]], remembered: dict[str, str] | None = None) -> int:
    """Index of the row (among the first rows) that looks most like a header; -1 if none does."""
    best, best_score = -1, 1
    for index, row in enumerate(rows[:MAX_HEADER_SCAN]):
        score = len(guess_mapping(row, remembered))
        if score > best_score:
            best, best_score = index, score
    return best


def mapping_problem(mapping: dict[int, str]) -> str | None:
    """The translated reason a column mapping cannot import, or None."""
    fields = set(mapping.values())
    missing = []
    if "document_number" not in fields:
        label = FIELDS["document_number"]
        missing.append(_(label))
    if not ({"given_names", "family_names"} <= fields or fields & {"full_name", "full_name_family_first"}):
        missing.append(_("Given names and family names, or a full name"))
    if missing:
        return _("Choose a column for: {fields}.").format(fields="; ".join(missing))
    return None


# -- cell values --------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def normalize_name(value: Any) -> str:
    """Clean a name; one typed all in capitals (or all in small letters) gets sensible case.

    "MARÍA DE LOS ÁNGELES" → "María de los Ángeles"; mixed case as typed is kept.
    """
    return _name_case(_text(value).strip(" ,.;-"))


_NAME_PUNCTUATION = re.compile(r"([-'’])")


@lru_cache(maxsize=8192)
def _name_case(text: str) -> str:
    letters = [c for c in text if c.isalpha()]
    if not letters or not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return text
    words = []
    for i, word in enumerate(text.lower().split(" ")):
        if i > 0 and word in _PARTICLES:
            words.append(word)
            continue
        parts = _NAME_PUNCTUATION.split(word)
        words.append("".join(p[:1].upper() + p[1:] if p not in "-'’" else p for p in parts))
    return " ".join(words)


def split_full_name(value: Any, family_first: bool = False) -> tuple[str, str]:
    """(given names, family names) from one cell. Particles stay with the word after them.

    With three or more parts the last two are family names (two surnames are normal), e.g.
    "María de los Ángeles Pérez Gómez" → ("María de los Ángeles", "Pérez Gómez").
    """
    text = normalize_name(value)
    if not text:
        return "", ""
    if "," in text:  # "Pérez Gómez, María" is family names first whatever the header says
        family, given = (part.strip() for part in text.split(",", 1))
        return given, family
    groups: list[str] = []
    pending: list[str] = []
    for word in text.split(" "):
        pending.append(word)
        if word.lower() not in _PARTICLES:
            groups.append(" ".join(pending))
            pending = []
    if pending:
        if groups:
            groups[-1] += " " + " ".join(pending)
        else:
            groups.append(" ".join(pending))
    if len(groups) == 1:
        return (groups[0], "") if not family_first else ("", groups[0])
    n_family = 2 if len(groups) >= 3 else 1
    if family_first:
        return " ".join(groups[n_family:]), " ".join(groups[:n_family])
    return " ".join(groups[:-n_family]), " ".join(groups[-n_family:])


def parse_document(value: Any) -> tuple[str, str | None]:
    """A document number normalized for matching: digits and capitals, no dots or spaces.

    Handles numbers stored as floats (1098765432.0) and "1.098.765.432"; refuses dates and
    numbers Excel turned into scientific notation (their digits are lost).
    """
    if value is None or value == "":
        return "", _("no document number")
    if isinstance(value, bool):
        return "", _("the document number is not valid")
    if isinstance(value, (datetime, date)):
        return "", _("the document number cell holds a date; format the column as text and type the number again")
    if isinstance(value, float):
        if not value.is_integer() or value <= 0:
            return "", _("the document number {value} is not a whole number").format(value=value)
        value = int(value)
    text = str(value).strip().upper()
    if text.isascii() and text.isdigit() and 3 <= len(text) <= 20:
        return text, None  # the usual case, already clean
    if re.fullmatch(r"\d+([.,]\d+)?E\+?\d+", text):
        return "", _("the document number was turned into scientific notation ({value}); its digits are lost — "
                     "format the column as text").format(value=text)
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    if re.fullmatch(r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}", text):
        return "", _("“{value}” looks like a date, not a document number").format(value=text)
    text = re.sub(r"^(C\.?C\.?|CC|NO\.?|N°|NRO\.?)\s*", "", text)
    text = re.sub(r"[\s.,\-_/]", "", text)
    if not text:
        return "", _("no document number")
    if not re.fullmatch(r"[A-Z0-9]+", text):
        return "", _("the document number “{value}” has characters that are not letters or digits").format(
            value=_text(value))
    if not 3 <= len(text) <= 20:
        return "", _("the document number “{value}” must have 3 to 20 characters").format(value=text)
    return text, None


def parse_document_type(value: Any, default: str = "CC") -> tuple[str, str | None]:
    """A document type code (CC, CE, TI, PA, PPT, PEP, …) from what a spreadsheet says."""
    norm = normalize_header(value)
    if not norm:
        return default, None
    for code, words in DOCUMENT_TYPE_WORDS.items():
        if norm in words or norm == code.lower():
            return code, None
    return default, _("unknown document type “{value}”; {default} assumed").format(value=_text(value),
                                                                                    default=default)


def parse_sex(value: Any, m_means_female: bool = False) -> tuple[str, str | None]:
    """"F", "M", "I" or "" from Femenino/Mujer/F, Masculino/Hombre/H/M, Intersexual.

    ``m_means_female``: the column uses H/M (hombre/mujer), so "M" is a woman.
    """
    norm = normalize_header(value)
    if not norm:
        return "", None
    if norm in ("f", "fem", "femenino", "mujer", "female", "woman"):
        return "F", None
    if norm == "m":
        return ("F" if m_means_female else "M"), None
    if norm in ("masc", "masculino", "hombre", "h", "male", "man"):
        return "M", None
    if norm in ("i", "intersexual", "intersex"):
        return "I", None
    return "", _("sex “{value}” not recognized; left blank").format(value=_text(value))


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[a-z]{2,}")
_NOT_PHONE = re.compile(r"[^\d+]")


def parse_email(value: Any) -> tuple[str, str | None]:
    text = _text(value).strip().strip("<>").lower().replace(" ", "")
    if not text:
        return "", None
    if _EMAIL.fullmatch(text):
        return text, None
    return "", _("email “{value}” is not valid; left blank").format(value=_text(value))


def parse_phone(value: Any) -> tuple[str, str | None]:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = _text(value)
    if not text:
        return "", None
    cleaned = _NOT_PHONE.sub("", text)
    if 7 <= len(cleaned.lstrip("+")) <= 15:
        return cleaned, None
    return "", _("phone “{value}” is not valid; left blank").format(value=text)


_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4})")
_MONTHS = {"enero": 1, "febrero": 2, "marzo": 3, "abril": 4, "mayo": 5, "junio": 6, "julio": 7, "agosto": 8,
           "septiembre": 9, "setiembre": 9, "octubre": 10, "noviembre": 11, "diciembre": 12,
           "ene": 1, "feb": 2, "mar": 3, "abr": 4, "may": 5, "jun": 6, "jul": 7, "ago": 8, "sep": 9,
           "oct": 10, "nov": 11, "dic": 12}


def parse_date(value: Any) -> tuple[date | None, str | None]:
    """A date from a date cell, an Excel serial number or text (15/03/2026, 2026-03-15, 15 de marzo de 2026)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # Excel's day count from 1899-12-30
            return date(1899, 12, 30) + timedelta(days=int(value)), None
        return None, _("“{value}” is not a date").format(value=_text(value))
    text = _text(value).strip()
    quick = _DAY_MONTH_YEAR.fullmatch(text)  # the usual 15/03/2026, without strptime's cost
    if quick:
        try:
            return date(int(quick.group(4)), int(quick.group(3)), int(quick.group(1))), None
        except ValueError:
            pass
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%Y-%m-%d", "%d.%m.%Y", "%d/%m/%y", "%Y/%m/%d"):
        try:
            return datetime.strptime(text, fmt).date(), None
        except ValueError:
            pass
    m = re.fullmatch(r"(\d{1,2})\s*(?:de\s+)?([a-záéíóú]+)\.?\s*(?:de\s+|del\s+)?(\d{4})", text.lower())
    if m and normalize_header(m.group(2)) in _MONTHS:
        try:
            return date(int(m.group(3)), _MONTHS[normalize_header(m.group(2))], int(m.group(1))), None
        except ValueError:
            pass
    return None, _("“{value}” is not a date (write it as DD/MM/AAAA)").format(value=text)


# -- rows --------------------------------------------------------------------------------------


@dataclass
class ParsedRow:
    """One data row: ``values`` normalized; ``problems`` reject the row; ``notes`` do not."""

    row_number: int  # as the spreadsheet shows it (1-based)
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _is_empty(cells: Sequence[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def parse_rows(rows: Sequence[Sequence[Any]], header_index: int, mapping: dict[int, str],
               default_document_type: str = "CC") -> list[ParsedRow]:
    """Validate the data rows under ``header_index`` with ``mapping``. Empty rows are skipped;
    a document repeated inside the file is rejected after its first appearance."""
    sex_cols = [i for i, f in mapping.items() if f == "sex"]
    sex_values = {normalize_header(r[i]) for r in rows[header_index + 1:] for i in sex_cols if i < len(r)}
    m_means_female = "h" in sex_values or "hombre" in sex_values
    parsed: list[ParsedRow] = []
    seen: dict[tuple[str, str], int] = {}
    for offset, raw in enumerate(rows[header_index + 1:]):
        number = header_index + offset + 2
        width = len(raw)
        cells = {name: (raw[i] if i < width else None) for i, name in mapping.items()}
        for value in cells.values():
            if value is not None and (value.__class__ is not str or value.strip()):
                break
        else:
            continue  # an empty row
        row = ParsedRow(number, {})
        given = normalize_name(cells.get("given_names"))
        family = normalize_name(cells.get("family_names"))
        for full_field, family_first in (("full_name", False), ("full_name_family_first", True)):
            if full_field in cells and not (given and family):
                g, f = split_full_name(cells[full_field], family_first)
                given, family = given or g, family or f
        if not given:
            row.problems.append(_("no given names"))
        if not family:
            row.problems.append(_("no family names"))
        doc, problem = parse_document(cells.get("document_number"))
        if problem:
            row.problems.append(problem)
        doc_type, note = parse_document_type(cells.get("document_type"), default_document_type)
        if note:
            row.notes.append(note)
        sex, note = parse_sex(cells.get("sex"), m_means_female)
        if note:
            row.notes.append(note)
        email, note = parse_email(cells.get("email"))
        if note:
            row.notes.append(note)
        phone, note = parse_phone(cells.get("phone"))
        if note:
            row.notes.append(note)
        enrolled_on, problem = parse_date(cells.get("enrolled_on"))
        if problem:
            row.problems.append(problem)
        institution, position = _text(cells.get("institution")), _text(cells.get("position"))
        municipality = normalize_name(cells.get("municipality"))
        for name, text, size in (("given_names", given, 120), ("family_names", family, 120),
                                 ("institution", institution, 300), ("position", position, 200),
                                 ("municipality", municipality, 120)):
            if len(text) > size:  # said, not silently cut
                row.notes.append(_("{field} is longer than {size} characters; only the first {size} are kept").format(
                    field=_(FIELDS[name]), size=size))
        row.values = {
            "given_names": given[:120], "family_names": family[:120], "document_type": doc_type,
            "document_number": doc, "sex": sex, "institution_text": institution[:300], "position": position[:200],
            "municipality": municipality[:120], "email": email[:200], "phone": phone[:40], "enrolled_on": enrolled_on,
        }
        if doc:
            key = (doc_type, doc)
            if key in seen:
                row.problems.append(_("the same document is already on row {row} of this file").format(row=seen[key]))
            else:
                seen[key] = number
        parsed.append(row)
    return parsed
