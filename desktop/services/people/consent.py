"""Informed consent: recording, withdrawal (kept as history) and the printable consent form."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, office_today
from desktop.services.core.context import AppContext
from desktop.services.core.errors import NotFound, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit, auth
from desktop.store.base import utcnow
from desktop.store.models import Consent, Person, Service

SCOPES: dict[str, str] = {
    "registration": N_("Registration of personal data"),
    "share_with_services": N_("Sharing data with the services the person is referred to"),
    "follow_up_contact": N_("Follow-up contact"),
}
SHORT_SCOPES: dict[str, str] = {
    "registration": N_("Registration"),
    "share_with_services": N_("Share with services"),
    "follow_up_contact": N_("Follow-up"),
}
# Why a person is registered without consent to register their data: the clerk's answer at save.
NO_CONSENT_ANSWERS: dict[str, str] = {
    "refused": N_("The person refused consent to register their data"),
    "not_asked": N_("Consent to register has not been asked yet"),
}
METHODS: dict[str, str] = {
    "signed_form": N_("Signed form"),
    "verbal_witness": N_("Verbal, with a witness"),
}


@dataclass(frozen=True)
class ConsentInfo:
    id: uuid.UUID
    scope: str
    service_id: uuid.UUID | None
    service_name: str
    given_on: date
    method: str
    witness_name: str
    taken_by: str
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_note: str
    taken_by_name: str = ""  # the account's full name, for histories

    @property
    def active(self) -> bool:
        return self.withdrawn_at is None


def _info(session: Session, c: Consent) -> ConsentInfo:
    service_name = session.scalar(select(Service.name).where(Service.id == c.service_id)) if c.service_id else ""
    return ConsentInfo(c.id, c.scope, c.service_id, service_name or "", c.given_on, c.method, c.witness_name,
                       c.taken_by, c.withdrawn_at, c.withdrawn_by, c.withdrawal_note,
                       auth.staff_name(session, c.taken_by))


def _person(session: Session, person_id: uuid.UUID) -> Person:
    person = session.get(Person, person_id)
    if person is None or person.deleted_at is not None:
        raise NotFound(_("That person is no longer in the register."))
    return person


def record_consent(ctx: AppContext, person_id: uuid.UUID, scopes: list[str], given_on: date, method: str,
                   witness_name: str = "", service_id: uuid.UUID | None = None) -> list[ConsentInfo]:
    """Record consent for one or more scopes, taken now by the signed-in user.

    A verbal consent needs a witness. A scope that is already active is not recorded twice.
    """
    ctx.require(Permission.EDIT_PEOPLE)
    errors: dict[str, str] = {}
    scopes = [s for s in dict.fromkeys(scopes)]
    if not scopes:
        errors["scopes"] = _("Choose at least one thing the person agrees to.")
    elif any(s not in SCOPES for s in scopes):
        errors["scopes"] = _("Unknown consent scope.")
    if method not in METHODS:
        errors["method"] = _("Choose how consent was given.")
    elif method == "verbal_witness" and not witness_name.strip():
        errors["witness_name"] = _("A verbal consent needs the name of a witness.")
    if given_on is None or given_on > office_today():
        errors["given_on"] = _("The consent date cannot be in the future.")
    if errors:
        raise ValidationError(next(iter(errors.values())) if len(errors) == 1
                              else _("Please correct the highlighted fields."), errors)
    with ctx.db.transaction() as session:
        person = _person(session, person_id)
        if person.birth_date is not None and given_on < person.birth_date:
            raise ValidationError(_("The consent date is before the birth date."),
                                  {"given_on": _("Before the birth date")})
        if service_id is not None and "share_with_services" in scopes and session.get(Service, service_id) is None:
            # Checked here: in an encrypted office consent and the directory are in two files, and no
            # foreign key joins them (desktop.store.role_files).
            raise ValidationError(_("That service is not in the directory."), {"service": _("Not in the directory")})
        if "registration" in scopes and person.registration_consent_answer:
            person.registration_consent_answer = ""  # consent given now: the earlier answer no longer holds
        active = {(c.scope, c.service_id) for c in session.scalars(select(Consent).where(
            Consent.person_id == person_id, Consent.withdrawn_at.is_(None)))}
        created = []
        for scope in scopes:
            target = service_id if scope == "share_with_services" else None
            if (scope, target) in active:
                continue
            consent = Consent(person_id=person_id, scope=scope, service_id=target, given_on=given_on,
                              method=method, witness_name=witness_name.strip(), taken_by=ctx.username,
                              created_by=ctx.username, updated_by=ctx.username)
            session.add(consent)
            session.flush()
            audit.record(session, ctx.username, "create", "consent", consent.id, ["scope", "method", "given_on"],
                         {"person": str(person_id), "scope": scope})
            created.append(_info(session, consent))
        return created


def withdraw_consent(ctx: AppContext, consent_id: uuid.UUID, note: str = "") -> ConsentInfo:
    """Mark a consent withdrawn now. The row stays: the history shows when it was given and withdrawn."""
    ctx.require(Permission.EDIT_PEOPLE)
    with ctx.db.transaction() as session:
        consent = session.get(Consent, consent_id)
        if consent is None:
            raise NotFound(_("That consent record no longer exists."))
        if consent.withdrawn_at is not None:
            raise ValidationError(_("This consent was already withdrawn."))
        consent.withdrawn_at = utcnow()
        consent.withdrawn_by = ctx.username
        consent.withdrawal_note = note.strip()
        consent.updated_by = ctx.username
        audit.record(session, ctx.username, "update", "consent", consent.id, ["withdrawn_at"],
                     {"person": str(consent.person_id), "scope": consent.scope})
        session.flush()
        return _info(session, consent)


def registration_consent_given(ctx: AppContext, person_id: uuid.UUID) -> bool:
    """True while the person has an active consent to the registration of their data."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return session.scalar(select(Consent.id).where(
            Consent.person_id == person_id, Consent.scope == "registration",
            Consent.withdrawn_at.is_(None)).limit(1)) is not None


def record_no_consent_answer(ctx: AppContext, person_id: uuid.UUID, answer: str) -> None:
    """Record why the person is registered without registration consent: ``refused`` or ``not_asked``.

    Sharing stays gated by the consent records alone: this answer never lets anything be shared.
    """
    ctx.require(Permission.EDIT_PEOPLE)
    if answer not in NO_CONSENT_ANSWERS:
        raise ValidationError(_("Say whether the person refused consent or was not asked yet."),
                              {"consent_answer": _("Choose an answer")})
    with ctx.db.transaction() as session:
        person = _person(session, person_id)
        if person.registration_consent_answer != answer:
            person.registration_consent_answer = answer
            person.updated_by = ctx.username
            audit.record(session, ctx.username, "update", "person", person.id, ["registration_consent_answer"],
                         {"answer": answer})


def no_consent_answer(ctx: AppContext, person_id: uuid.UUID) -> str:
    """``refused``, ``not_asked`` or "" (never answered, or consent was given)."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        return _person(session, person_id).registration_consent_answer


def list_consents(ctx: AppContext, person_id: uuid.UUID) -> list[ConsentInfo]:
    """The person's consent history, newest first (active and withdrawn)."""
    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        rows = session.scalars(select(Consent).where(Consent.person_id == person_id)
                               .order_by(Consent.given_on.desc(), Consent.created_at.desc()))
        return [_info(session, c) for c in rows]


def sharing_allowed(session: Session, person_id: uuid.UUID, service_id: uuid.UUID) -> bool:
    """True when an active consent lets the office share the person's data with that service."""
    return session.scalar(select(Consent.id).where(
        Consent.person_id == person_id, Consent.scope == "share_with_services", Consent.withdrawn_at.is_(None),
        (Consent.service_id.is_(None)) | (Consent.service_id == service_id)).limit(1)) is not None


def consent_form_pdf(ctx: AppContext, person_id: uuid.UUID) -> bytes:
    """The printable consent form (plain-language Spanish or English, office header, signature lines)."""
    from desktop.documents.consent_form import ConsentFormData, build_consent_form
    from desktop.services.office import current_office, get_setting
    from desktop.services.people import catalog_labels, full_name

    ctx.require(Permission.VIEW_PEOPLE)
    with ctx.db.session() as session:
        person = _person(session, person_id)
        office = current_office(session)
        clerk = auth.staff_name(session, ctx.username)
        doc_label = catalog_labels(session, "document_type").get(person.document_type, "")
        data = ConsentFormData(
            office_name=office.name, office_municipality=office.municipality, logo=office.logo,
            person_name=full_name(person.given_names, person.family_name_1, person.family_name_2),
            document=(f"{doc_label} {person.document_number}".strip() if person.document_number else doc_label),
            clerk_name=clerk, today=office_today(), page_size=get_setting(session, "page_size"))
    pdf = build_consent_form(data)
    audit.log(ctx, "print", "person", person_id, detail={"document": "consent_form"})
    return pdf
