"""Certificate templates: heading, text with placeholders, place line and signatories of a course."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit
from desktop.services.training.courses import _course
from desktop.store.models import (
    CertificateSignatory,
    CertificateTemplate,
)

DEFAULT_HEADING = "CONSTANCIA DE PARTICIPACIÓN"
DEFAULT_BODY = ("Se certifica que {nombre}, identificado(a) con {documento}, participó en el curso «{curso}» "
                "con una intensidad de {horas} horas, realizado del {fecha_inicio} al {fecha_fin} "
                "en modalidad {modalidad}.")
DEFAULT_PLACE = "Expedida en {ciudad}, el {fecha}."

PLACEHOLDERS: dict[str, str] = {
    "nombre": N_("holder's full name"),
    "documento": N_("document type and number"),
    "curso": N_("course title"),
    "codigo_curso": N_("course code"),
    "horas": N_("course hours"),
    "fecha_inicio": N_("first session date"),
    "fecha_fin": N_("last session date"),
    "modalidad": N_("modality"),
    "entidad": N_("holder's institution"),
    "cargo": N_("holder's position"),
    "ciudad": N_("office municipality"),
    "fecha": N_("issue date"),
    "oficina": N_("office name"),
    "numero": N_("certificate number"),
}
# English names work too, for offices that write their templates in English.
_ALIASES = {"name": "nombre", "document": "documento", "course": "curso", "course_code": "codigo_curso",
            "hours": "horas", "start_date": "fecha_inicio", "end_date": "fecha_fin", "modality": "modalidad",
            "institution": "entidad", "position": "cargo", "city": "ciudad", "date": "fecha", "office": "oficina",
            "number": "numero"}


# -- templates ------------------------------------------------------------------------------------------


@dataclass
class SignatoryForm:
    name: str
    title: str = ""
    signature: bytes | None = None


@dataclass
class TemplateForm:
    heading: str = DEFAULT_HEADING
    body: str = DEFAULT_BODY
    place_line: str = DEFAULT_PLACE
    signatories: list[SignatoryForm] = field(default_factory=list)
    version: int | None = None


def template_problem(text: str) -> str | None:
    """The translated reason a template text is refused (unknown or broken placeholders), or None."""
    names = re.findall(r"\{([^{}]*)\}", text)
    unknown = [n for n in names if n not in PLACEHOLDERS and n not in _ALIASES]
    if unknown:
        return _("Unknown placeholder {{{name}}}. Use: {names}.").format(
            name=unknown[0], names=", ".join("{" + n + "}" for n in PLACEHOLDERS))
    if re.sub(r"\{[^{}]*\}", "", text).count("{") or re.sub(r"\{[^{}]*\}", "", text).count("}"):
        return _("A brace {{ or }} is not closed.")
    return None


def fill(text: str, values: dict[str, str]) -> str:
    """Replace the placeholders of a template text (validated with :func:`template_problem`)."""

    def sub(match: re.Match) -> str:
        name = match.group(1)
        return values.get(_ALIASES.get(name, name), match.group(0))

    return re.sub(r"\{([^{}]*)\}", sub, text)


def _template_row(session: Session, course_id: uuid.UUID) -> CertificateTemplate | None:
    return session.scalar(select(CertificateTemplate).where(CertificateTemplate.course_id == course_id))


def get_template(ctx: AppContext, course_id: uuid.UUID) -> TemplateForm:
    """The course's certificate template (the default text when none was saved yet)."""
    ctx.require(Permission.VIEW_TRAININGS)
    with ctx.db.session() as session:
        _course(session, course_id)
        return _template_form(session, course_id)


def _template_form(session: Session, course_id: uuid.UUID) -> TemplateForm:
    row = _template_row(session, course_id)
    if row is None:
        return TemplateForm()
    signatories = [SignatoryForm(s.name, s.title, s.signature) for s in session.scalars(
        select(CertificateSignatory).where(CertificateSignatory.template_id == row.id)
        .order_by(CertificateSignatory.sort_order))]
    return TemplateForm(row.heading, row.body, row.place_line, signatories, row.version)


def _is_image(data: bytes) -> bool:
    return data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8")


def save_template(ctx: AppContext, course_id: uuid.UUID, form: TemplateForm) -> TemplateForm:
    """Save the certificate text and signatories (at most three) of a course."""
    from desktop.services.core.records import check_version

    ctx.require(Permission.EDIT_TRAININGS)
    errors: dict[str, str] = {}
    if not form.heading.strip():
        errors["heading"] = _("Required")
    for name, text in (("heading", form.heading), ("body", form.body), ("place_line", form.place_line)):
        problem = template_problem(text)
        if problem:
            errors[name] = problem
    if "{nombre}" not in form.body and "{name}" not in form.body:
        errors.setdefault("body", _("The text must contain {nombre}, where the holder's name goes."))
    signatories = [s for s in form.signatories if s.name.strip() or s.title.strip() or s.signature]
    if len(signatories) > 3:
        errors["signatories"] = _("A certificate has room for three signatories at most.")
    for s in signatories:
        if not s.name.strip():
            errors["signatories"] = _("Every signatory needs a name.")
        if s.signature is not None and not _is_image(s.signature):
            errors["signatories"] = _("A signature image must be a PNG or JPEG file.")
    if errors:
        raise ValidationError(_("Please correct the highlighted fields."), errors)
    with ctx.db.transaction() as session:
        _course(session, course_id)
        row = _template_row(session, course_id)
        if row is None:
            row = CertificateTemplate(course_id=course_id, created_by=ctx.username)
            session.add(row)
        else:
            check_version(row, form.version)
        row.heading, row.body, row.place_line = form.heading.strip(), form.body.strip(), form.place_line.strip()
        row.updated_by = ctx.username
        session.flush()
        for old in session.scalars(select(CertificateSignatory).where(CertificateSignatory.template_id == row.id)):
            session.delete(old)
        for order, s in enumerate(signatories):
            session.add(CertificateSignatory(template_id=row.id, name=s.name.strip(), title=s.title.strip(),
                                             signature=s.signature, sort_order=order, created_by=ctx.username,
                                             updated_by=ctx.username))
        session.flush()
        audit.record(session, ctx.username, "update", "certificate_template", row.id,
                     ["heading", "body", "place_line", "signatories"])
        return _template_form(session, course_id)
