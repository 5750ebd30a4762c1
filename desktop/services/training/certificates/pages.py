"""What a printed certificate says (layout and page texts), and the temporary files of a print run.

A PDF is first written as a hidden ``.enlace-<pid>-….pdf.part`` file beside its final name and
renamed only when complete. Such a file is removed when the run fails or is cancelled, and a run
killed outright leaves one that the next run into the same folder removes (:func:`remove_leftovers`).
Every certificate in such a file was committed to the database before the file was written.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
import unicodedata
from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktop.i18n import LANGUAGES, _, format_date, format_number
from desktop.services.core.errors import ValidationError
from desktop.services.office import get_setting
from desktop.services.training.catalog import MODALITY_LABELS, institution_choices
from desktop.services.training.certificates.codes import format_code
from desktop.services.training.certificates.templates import TemplateForm, fill
from desktop.store.models import Certificate, Course, Office, Participant, TrainingSession

TEMP_PREFIX = ".enlace-"
TEMP_SUFFIX = ".pdf.part"
_TEMP_NAME = re.compile(r"^\.enlace-(\d+)-.*\.pdf\.part$")
STALE_SECONDS = 6 * 3600  # where a process cannot be asked whether it still runs (Windows)


def safe_filename(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^A-Za-z0-9]+", "_", plain).strip("_")[:80] or "certificado"


def print_language(office: Office, language: str | None = None) -> tuple[str, str | None]:
    """(language, locale) a certificate is printed in: the office's (from its locale), whoever runs the window,
    unless ``language`` is chosen. For ``use_language``."""
    locale = office.locale or "es_CO"
    chosen = language or locale.split("_")[0]
    if chosen not in LANGUAGES:
        raise ValidationError(_("The certificate language must be es or en."))
    return chosen, locale if locale.startswith(chosen) else None


def layout_for(session: Session, office: Office, template: TemplateForm):
    from desktop.documents.certificate import Layout, Signatory

    return Layout(
        office_name=office.name, logo=office.logo, heading=template.heading,
        signatories=[Signatory(s.name, s.title, s.signature) for s in template.signatories],
        page_size=get_setting(session, "page_size"),
        labels={"number": _("Certificate No. {number}"), "code": _("Verification code: {code}"),
                "verify": _("Verify it with Enlace: scan the code or type the number and verification code."),
                "revoked": _("REVOKED"), "revoked_note": _("This certificate was revoked on {date}: {reason}")})


class PageMaker:
    """Builds the pages of one course's certificates (what every page needs is read once)."""

    def __init__(self, session: Session, office: Office, course: Course, template: TemplateForm) -> None:
        self.office, self.course, self.template = office, course, template
        lo, hi = session.execute(select(func.min(TrainingSession.date), func.max(TrainingSession.date))
                                 .where(TrainingSession.course_id == course.id)).one()
        self.dates: tuple[date | None, date | None] = (lo, hi)
        self.labels = dict(institution_choices(session))

    def page(self, cert: Certificate, participant: Participant | None):
        institution = ((participant.institution_detail or self.labels.get(participant.institution, ""))
                       if participant else "")
        return _page(self.template, _page_values(self.office, self.course, cert, participant, self.dates,
                                                 institution), cert)


def _page_values(office: Office, course: Course, cert: Certificate, participant: Participant | None,
                 course_dates: tuple[date | None, date | None], institution: str) -> dict[str, str]:
    hours = format_number(cert.hours)
    doc_type, _sp, doc_number = cert.holder_document.partition(" ")
    return {
        "nombre": cert.holder_name,
        "documento": _("{type} No. {number}").format(type=_doc_type_short(doc_type), number=doc_number),
        "curso": cert.course_title, "codigo_curso": cert.course_code, "horas": hours,
        "fecha_inicio": format_date(course_dates[0], "long") if course_dates[0] else "",
        "fecha_fin": format_date(course_dates[1], "long") if course_dates[1] else "",
        "modalidad": _(MODALITY_LABELS.get(course.modality, course.modality)).lower(),
        "entidad": institution, "cargo": participant.position if participant else "",
        "ciudad": office.municipality or office.name, "fecha": format_date(cert.issued_on, "long"),
        "oficina": office.name, "numero": cert.number,
    }


def _doc_type_short(code: str) -> str:
    return {"CC": "C.C.", "CE": "C.E.", "TI": "T.I.", "PA": _("passport"), "OTRO": _("document")}.get(code, code)


def _page(template: TemplateForm, values: dict[str, str], cert: Certificate):
    from desktop.documents.certificate import Page

    body = template.body
    marker = "{nombre}" if "{nombre}" in body else "{name}"
    before, _sep, after = body.partition(marker)
    revoked_text = ""
    if cert.revoked_at is not None:
        revoked_text = _("This certificate was revoked on {date}: {reason}").format(
            date=format_date(cert.revoked_at, "long"), reason=cert.revoke_reason or "")
    return Page(number=cert.number, verification_code=format_code(cert.verification_code), qr_text=cert.payload,
                intro=fill(before, values).strip(), holder_name=cert.holder_name,
                body=fill(after, values).lstrip(" ,;:").strip(), place_line=fill(template.place_line, values),
                revoked=cert.revoked_at is not None, revoked_text=revoked_text)


# -- temporary files ---------------------------------------------------------------------------------


def temp_beside(path: Path) -> Path:
    """A new hidden temporary file in ``path``'s folder, named with this process's id."""
    fd, name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=TEMP_SUFFIX, dir=path.parent)
    os.close(fd)
    return Path(name)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return True  # no harmless probe there: the age decides
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files of print runs that were killed (their process is gone, or they are
    older than :data:`STALE_SECONDS`). Returns what was removed."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_NAME.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            stale = now - entry.stat(follow_symlinks=False).st_mtime > STALE_SECONDS
            if stale or not _running(int(match.group(1))):
                os.unlink(entry.path)
                removed.append(Path(entry.path))
        except OSError:
            continue
    return removed
