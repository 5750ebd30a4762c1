"""Audit events in words: "Ana Gómez cambió el teléfono de la persona Luz Pérez".

The audit screen shows one sentence per event in the interface language. Who did it is the user's full
name, the record is its human number or name (a referral's number, a person's name, a course's code),
and changed fields are named as the forms name them. :func:`describe` reads a page of events with a
fixed number of statements: one for the users, one per kind of record on the page (never one per row).
Events the module does not know still read as a sentence (the action's label and the record).
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from babel.lists import format_list
from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _, current_language, current_locale
from desktop.services.core.context import SYSTEM, AppContext
from desktop.services.core.permissions import Permission
from desktop.services.security.audit import action_label, entity_label
from desktop.store.models import (
    Case,
    Certificate,
    Consent,
    Course,
    Enrollment,
    Household,
    InboundReferral,
    Office,
    Organization,
    Participant,
    Person,
    Referral,
    Service,
    TrainingSession,
    User,
)

# Field names in sentences ("cambió el teléfono y la dirección de …"): each with its article.
FIELDS: dict[str, str] = {
    "active": N_("the active status"),
    "address": N_("the address"),
    "arrival_date": N_("the arrival date"),
    "birth_date": N_("the date of birth"),
    "caseworker": N_("the caseworker"),
    "code": N_("the code"),
    "country": N_("the country"),
    "document_number": N_("the document number"),
    "document_type": N_("the document type"),
    "documents": N_("the identity documents"),
    "email": N_("the email"),
    "ethnicity": N_("the ethnic self-identification"),
    "family_name_1": N_("the first surname"),
    "family_name_2": N_("the second surname"),
    "family_names": N_("the surnames"),
    "follow_up_on": N_("the follow-up date"),
    "full_name": N_("the full name"),
    "gender_identity": N_("the gender identity"),
    "given_names": N_("the given names"),
    "languages": N_("the languages"),
    "lgbtiq": N_("the LGBTIQ+ self-identification"),
    "locked_until": N_("the lockout"),
    "members": N_("the members"),
    "municipality": N_("the municipality"),
    "name": N_("the name"),
    "nationality": N_("the nationality"),
    "needs": N_("the specific needs"),
    "outcome": N_("the outcome"),
    "password": N_("the password"),
    "person_id": N_("the person"),
    "phone": N_("the phone"),
    "population_type": N_("the population type"),
    "preferred_language": N_("the preferred language"),
    "priority": N_("the priority"),
    "reason": N_("the reason"),
    "reason_code": N_("the reason"),
    "registration_consent_answer": N_("the consent answer"),
    "revoke_reason": N_("the revocation reason"),
    "revoked_at": N_("the revocation"),
    "role": N_("the role"),
    "service_id": N_("the service"),
    "sex": N_("the sex"),
    "status": N_("the status"),
    "timezone": N_("the time zone"),
    "title": N_("the title"),
    "urgency": N_("the urgency"),
    "username": N_("the user name"),
}

# A record in a sentence: "{ref}" is its number or name.
RECORDS: dict[str, str] = {
    "case": N_("case {ref}"),
    "case_note": N_("a note of case {ref}"),
    "certificate": N_("certificate {ref}"),
    "consent": N_("a consent of {ref}"),
    "course": N_("course {ref}"),
    "enrollment": N_("the enrollment of {ref}"),
    "household": N_("household {ref}"),
    "inbound_referral": N_("the incoming referral {ref}"),
    "office": N_("the office {ref}"),
    "office_setting": N_("the office setting {ref}"),
    "organization": N_("organization {ref}"),
    "participant": N_("participant {ref}"),
    "person": N_("person {ref}"),
    "referral": N_("referral {ref}"),
    "service": N_("service {ref}"),
    "training_session": N_("training session {ref}"),
    "user": N_("user {ref}"),
}

# Referral statuses, as the referrals screen names them (same messages, same translations).
REFERRAL_STATUSES: dict[str, str] = {
    "draft": N_("Draft"), "sent": N_("Sent"), "accepted": N_("Accepted"), "completed": N_("Completed"),
    "not_attended": N_("Did not attend"), "rejected": N_("Rejected"), "cancelled": N_("Cancelled"),
}

FAILED_SIGN_IN: dict[str, str] = {
    "password": N_("{actor} could not sign in: wrong password"),
    "locked": N_("{actor} could not sign in: the account is locked"),
    "inactive": N_("{actor} could not sign in: the account is deactivated"),
    "export": N_("{actor} was refused an export of personal data"),
}

# (action, entity) -> sentence; then action alone. "{actor}", "{record}" and "{fields}" are filled in.
SENTENCES: dict[tuple[str, str | None], str] = {
    ("create", "person"): N_("{actor} registered {record}"),
    ("create", "certificate"): N_("{actor} issued {record}"),
    ("print", "referral"): N_("{actor} printed the slip of {record}"),
    ("backup", "backup"): N_("{actor} made a backup ({record})"),
    ("restore", "backup"): N_("{actor} restored the backup {record}"),
    ("view", "person"): N_("{actor} opened the sensitive data of {record}"),
}
BY_ACTION: dict[str, str] = {
    "create": N_("{actor} created {record}"),
    "update": N_("{actor} changed {fields} of {record}"),
    "delete": N_("{actor} deleted {record}"),
    "view": N_("{actor} viewed {record}"),
    "export": N_("{actor} exported {record}"),
    "print": N_("{actor} printed {record}"),
    "import": N_("{actor} imported {record}"),
    "merge": N_("{actor} merged {record} with a duplicate"),
    "anonymize": N_("{actor} anonymized {record}"),
    "login": N_("{actor} signed in"),
    "logout": N_("{actor} signed out"),
    "lockout": N_("The account of {actor} was locked after too many failed attempts"),
    "setup": N_("{actor} set up {record}"),
    "job_failed": N_("A job of {actor} failed: {record}"),
    "trust": N_("{actor} trusted {record}"),
    "distrust": N_("{actor} stopped trusting {record}"),
    "refuse": N_("{actor} refused {record}"),
}
MAX_FIELDS = 3


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _full(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


# Per kind of record: one statement for all the ids of a page -> {id: human reference}.
def _people(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Person.id, Person.given_names, Person.family_name_1, Person.family_name_2)
                           .where(Person.id.in_(ids)))
    return {r.id: _full(r.given_names, r.family_name_1, r.family_name_2) for r in rows}


def _numbered(model) -> Callable[[Session, set[uuid.UUID]], dict[uuid.UUID, str]]:
    def look_up(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {r[0]: r[1] for r in session.execute(select(model.id, model.number).where(model.id.in_(ids)))}
    return look_up


def _named(model, column) -> Callable[[Session, set[uuid.UUID]], dict[uuid.UUID, str]]:
    def look_up(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
        return {r[0]: r[1] for r in session.execute(select(model.id, column).where(model.id.in_(ids)))}
    return look_up


def _users(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {r[0]: r[1] for r in session.execute(select(User.id, User.full_name).where(User.id.in_(ids)))}


def _courses(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Course.id, Course.code, Course.title).where(Course.id.in_(ids)))
    return {r.id: f"{r.code} ({r.title})" for r in rows}


def _sessions(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(TrainingSession.id, TrainingSession.number, Course.code)
                           .join(Course, Course.id == TrainingSession.course_id)
                           .where(TrainingSession.id.in_(ids)))
    return {r.id: f"{r.code}-S{r.number:02d}" for r in rows}


def _participants(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Participant.id, Participant.given_names, Participant.family_names)
                           .where(Participant.id.in_(ids)))
    return {r.id: _full(r.given_names, r.family_names) for r in rows}


def _enrollments(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Enrollment.id, Participant.given_names, Participant.family_names, Course.code)
                           .join(Participant, Participant.id == Enrollment.participant_id)
                           .join(Course, Course.id == Enrollment.course_id)
                           .where(Enrollment.id.in_(ids)))
    return {r.id: f"{_full(r.given_names, r.family_names)} ({r.code})" for r in rows}


def _consents(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = session.execute(select(Consent.id, Person.given_names, Person.family_name_1, Person.family_name_2)
                           .join(Person, Person.id == Consent.person_id).where(Consent.id.in_(ids)))
    return {r.id: _full(r.given_names, r.family_name_1, r.family_name_2) for r in rows}


RESOLVERS: dict[str, Callable[[Session, set[uuid.UUID]], dict[uuid.UUID, str]]] = {
    "person": _people,
    "referral": _numbered(Referral),
    "case": _numbered(Case),
    "certificate": _numbered(Certificate),
    "inbound_referral": _numbered(InboundReferral),
    "user": _users,
    "service": _named(Service, Service.name),
    "organization": _named(Organization, Organization.name),
    "household": _named(Household, Household.name),
    "office": _named(Office, Office.name),
    "course": _courses,
    "training_session": _sessions,
    "participant": _participants,
    "enrollment": _enrollments,
    "consent": _consents,
}


def field_label(name: str) -> str:
    return _(FIELDS[name]) if name in FIELDS else name.replace("_", " ")


def fields_text(names: Sequence[str]) -> str:
    """"the phone and the address" (at most three named, then how many more)."""
    labels = [field_label(n) for n in names[:MAX_FIELDS]]
    if len(names) > MAX_FIELDS:
        labels.append(_("{n} more fields").format(n=len(names) - MAX_FIELDS))
    if not labels:
        return _("the details")
    return format_list(labels, locale=current_locale())


class Lookup:
    """Names for a page of events, read in a fixed number of statements."""

    def __init__(self, session: Session, events: Iterable) -> None:
        events = list(events)
        names = {e.username for e in events if e.username}
        wanted: dict[str, set[uuid.UUID]] = defaultdict(set)
        for e in events:
            if e.entity == "case_note":
                continue  # named by the case number in its detail
            key = _uuid(e.entity_id)
            if key is not None and e.entity in RESOLVERS:
                wanted[e.entity].add(key)
        self.actors: dict[str, str] = {}
        if names:
            rows = session.execute(select(User.username, User.full_name).where(User.username.in_(names)))
            self.actors = {r.username: r.full_name or r.username for r in rows}
        self.records: dict[tuple[str, uuid.UUID], str] = {}
        for entity, ids in wanted.items():
            for key, text in RESOLVERS[entity](session, ids).items():
                self.records[(entity, key)] = text

    def actor(self, username: str | None) -> str:
        if not username:
            return _("Someone")
        if username == SYSTEM.username and username not in self.actors:
            return _("The system")
        return self.actors.get(username, username)

    def reference(self, entity: str | None, entity_id: str | None, detail: dict) -> str:
        if entity == "case_note" and detail.get("case"):
            return str(detail["case"])
        key = _uuid(entity_id)
        if entity and key is not None and (entity, key) in self.records:
            return self.records[(entity, key)]
        if key is not None:
            return str(key)[:8]  # removed since: the start of its id, as the lists show it
        return entity_id or ""


def _detail(event) -> dict:
    try:
        value = json.loads(event.detail or "{}")
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _fields(event) -> list[str]:
    try:
        value = json.loads(event.fields or "[]")
    except ValueError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def _record_phrase(entity: str | None, reference: str) -> str:
    if entity in RECORDS:
        return _(RECORDS[entity]).format(ref=reference)
    label = entity_label(entity)
    return _full(label.lower() if label else "", reference) or _("a record")


def _fill(template: str, record: str, **values: str) -> str:
    """Put the record in a translated sentence. Spanish contracts "de el" and "a el" (del, al) where a
    record phrase starting with the article follows the preposition; only at that seam, never inside names."""
    if current_language() == "es" and record.startswith("el ") and ("de {record}" in template
                                                                    or " a {record}" in template):
        template = template.replace("de {record}", "del {record}").replace(" a {record}", " al {record}")
        record = record[3:]
    return template.format(record=record, **values)


def sentence(event, lookup: Lookup) -> str:
    """One event as a sentence in the interface language."""
    detail = _detail(event)
    fields = _fields(event)
    actor = lookup.actor(event.username)
    action, entity = event.action, event.entity
    reference = lookup.reference(entity, event.entity_id, detail)
    record = _record_phrase(entity, reference)
    if action == "login_failed":
        reason = detail.get("reason")
        if reason == "unknown" or entity is None:
            return _("Failed sign-in with the unknown user name “{name}”").format(name=event.username or "")
        return _(FAILED_SIGN_IN.get(reason, N_("{actor} could not sign in"))).format(actor=actor)
    if action in ("backup", "restore") and entity == "backup":
        if detail.get("ok") is False:
            return _("{actor} tried to make a backup and it failed: {error}").format(
                actor=actor, error=detail.get("error", ""))
        return _(SENTENCES[(action, entity)]).format(actor=actor, record=event.entity_id or "")
    if action == "update" and entity == "referral" and "status" in fields and detail.get("to"):
        status = detail["to"]
        label = _(REFERRAL_STATUSES[status]) if status in REFERRAL_STATUSES else status
        return _fill(_("{actor} moved {record} to “{status}”"), record, actor=actor, status=label)
    if action == "update" and entity == "certificate" and "revoked_at" in fields:
        return _fill(_("{actor} revoked {record}"), record, actor=actor)
    if action == "update" and entity == "user" and fields == ["active"] and "active" in detail:
        text = (N_("{actor} reactivated the account of {name}") if detail["active"]
                else N_("{actor} deactivated the account of {name}"))
        return _(text).format(actor=actor, name=reference)
    if action == "update" and entity == "user" and fields == ["locked_until"]:
        return _("{actor} unlocked the account of {name}").format(actor=actor, name=reference)
    if action == "job_failed":
        return _(BY_ACTION[action]).format(actor=actor, record=detail.get("job", ""))
    template = SENTENCES.get((action, entity)) or BY_ACTION.get(action)
    if template is None:
        return _fill(_("{actor}: {action} — {record}"), record, actor=actor, action=action_label(action))
    return _fill(_(template), record, actor=actor, fields=fields_text(fields))


def describe(ctx: AppContext, events: Sequence) -> list[str]:
    """Sentences for a page of events (as :func:`desktop.services.security.audit.list_events` returns them)."""
    ctx.require(Permission.VIEW_AUDIT)
    if not events:
        return []
    with ctx.db.session() as session:
        lookup = Lookup(session, events)
    return [sentence(e, lookup) for e in events]
