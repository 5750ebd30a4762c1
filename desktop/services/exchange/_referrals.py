"""Referrals between offices: the referral travels to the office that owns the service, with only
the data the person's consent allows; its status changes travel back as append-only events.

Event statuses (at the receiving office): received, accepted, attended, not_attended, rejected.
At the sending office they become ReferralEvents (with the partner's date) and move the referral
forward: accepted → ``accepted``, attended → ``completed``, not attended → ``not_attended``,
rejected → ``rejected``. An event never moves a referral backwards, so a replayed bundle changes nothing.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from desktop.i18n import N_, _
from desktop.services.exchange._bundle import Resource, canonical_json, iso, parse_iso
from desktop.services.people.consent import sharing_allowed
from desktop.store.base import utcnow
from desktop.store.models import (
    Consent,
    ExchangeRowHistory,
    InboundReferral,
    Person,
    Referral,
    ReferralEvent,
    ReferralOutcomeEvent,
)

REFERRALS_PATH, EVENTS_PATH = "referrals/referrals.json", "referrals/referral_events.json"
EVENT_STATUSES: dict[str, str] = {
    "received": N_("Received"),
    "accepted": N_("Accepted"),
    "attended": N_("Attended"),
    "not_attended": N_("Not attended"),
    "rejected": N_("Rejected"),
}
# event status → the sending office's referral status
REFERRAL_STATUS = {"accepted": "accepted", "attended": "completed", "not_attended": "not_attended",
                   "rejected": "rejected"}
_RANK = {"draft": 0, "sent": 1, "accepted": 2, "completed": 3, "not_attended": 3, "rejected": 3, "cancelled": 3}
# what a clerk may record next, from each inbound status
NEXT_STATUSES = {"received": ("accepted", "rejected"), "accepted": ("attended", "not_attended")}
# a person's fields that travel with the consent to share data with the service
SHARED_FIELDS = ("given_names", "family_name_1", "family_name_2", "sex", "birth_date", "nationality",
                 "document_type", "document_number", "population_type", "languages")


def event_order(status: str, at) -> tuple:
    """Events of the same second keep the order of the workflow."""
    return at, list(EVENT_STATUSES).index(status) if status in EVENT_STATUSES else 0


def event_label(code: str) -> str:
    return _(EVENT_STATUSES[code]) if code in EVENT_STATUSES else code


def _owners(session: Session) -> dict[uuid.UUID, str]:
    return dict(session.execute(select(ExchangeRowHistory.row_id, ExchangeRowHistory.owner_office).where(
        ExchangeRowHistory.table_name == "service", ExchangeRowHistory.owner_office != "")).all())


def _follow_up_allowed(session: Session, person_id: uuid.UUID) -> bool:
    return session.scalar(select(Consent.id).where(
        Consent.person_id == person_id, Consent.scope == "follow_up_contact", Consent.withdrawn_at.is_(None)
    ).limit(1)) is not None


def _person_data(session: Session, person: Person) -> dict[str, Any]:
    data = {name: getattr(person, name) for name in SHARED_FIELDS}
    data["birth_date"] = person.birth_date.isoformat() if person.birth_date else None
    if _follow_up_allowed(session, person.id):  # a phone number travels only for follow-up contact
        data["phone"] = person.phone
    return data


def outgoing(session: Session, recipients: set[str] | None) -> tuple[list[dict[str, Any]], list[str]]:
    """Referrals of this office to services owned by ``recipients`` (None: any other office) that the
    owning office has not yet confirmed receiving, and the numbers of those held back because the
    person's consent to share data with that service is not active."""
    owners = _owners(session)
    if not owners:
        return [], []
    received = set(session.scalars(select(ReferralOutcomeEvent.referral_id).where(
        ReferralOutcomeEvent.status == "received")))
    items, refused = [], []
    stmt = select(Referral).where(Referral.service_id.in_(list(owners)),
                                  Referral.status.in_(("sent", "accepted"))).order_by(Referral.number)
    for referral in session.scalars(stmt):
        owner = owners[referral.service_id]
        if (recipients is not None and owner not in recipients) or referral.id in received:
            continue
        person = session.get(Person, referral.person_id)
        if person is None or person.anonymized_at is not None or not sharing_allowed(
                session, referral.person_id, referral.service_id):
            refused.append(referral.number)
            continue
        items.append({"id": str(referral.id), "number": referral.number, "to_office": owner,
                      "service_id": str(referral.service_id), "reason": referral.reason, "urgency": referral.urgency,
                      "sent_at": iso(referral.sent_at or referral.created_at), "person": _person_data(session, person)})
    return items, refused


def held_back_message(numbers: list[str]) -> str:
    return _("These referrals did not travel because the person's consent to share data with that service is not "
             "active: {numbers}. Record the consent again or cancel the referral.").format(numbers=", ".join(numbers))


def referral_resources(session: Session, own_code: str, recipients: set[str] | None
                       ) -> tuple[list[Resource], dict[str, int]]:
    items, held_back = outgoing(session, recipients)
    stmt = select(ReferralOutcomeEvent).where(ReferralOutcomeEvent.office_code == own_code).order_by(
        ReferralOutcomeEvent.at)
    events = [{"id": str(e.id), "referral_id": str(e.referral_id), "office_code": e.office_code,
               "to_office": e.to_office, "status": e.status, "at": iso(e.at), "note": e.note}
              for e in session.scalars(stmt) if recipients is None or e.to_office in recipients]
    described = {"format": "json", "mediatype": "application/json"}
    return ([Resource("referrals", REFERRALS_PATH, canonical_json({"referrals": items}), described),
             Resource("referral_events", EVENTS_PATH, canonical_json({"events": events}), described)],
            {"referrals": len(items), "events": len(events), "held_back": held_back})


@dataclass
class ReferralsOutcome:
    inbound: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    skipped: int = 0


def plan_referrals(session: Session, resources: dict[str, bytes], sender: str, own_code: str) -> ReferralsOutcome:
    out = ReferralsOutcome()
    owners = _owners(session)
    if "referrals" in resources:
        for item in json.loads(resources["referrals"])["referrals"]:
            rid, service_id = uuid.UUID(item["id"]), uuid.UUID(item["service_id"])
            if item["to_office"] != own_code or owners.get(service_id, "") != "":
                out.skipped += 1  # for a service that is not this office's
                continue
            if session.get(InboundReferral, rid) is not None:
                continue
            person = {k: item["person"].get(k) for k in (*SHARED_FIELDS, "phone") if k in item["person"]}
            out.inbound.append({"id": rid, "sender_office": sender, "number": str(item["number"])[:32],
                                "service_id": service_id, "reason": str(item.get("reason", "")),
                                "urgency": str(item.get("urgency", "normal"))[:16],
                                "sent_at": parse_iso(item["sent_at"]), "person_data": json.dumps(person)})
    if "referral_events" in resources:
        for item in json.loads(resources["referral_events"])["events"]:
            eid, rid = uuid.UUID(item["id"]), uuid.UUID(item["referral_id"])
            if (item["to_office"] != own_code or item["office_code"] != sender or item["status"] not in EVENT_STATUSES
                    or session.get(ReferralOutcomeEvent, eid) is not None or session.get(Referral, rid) is None):
                continue
            out.events.append({"id": eid, "referral_id": rid, "office_code": sender, "to_office": own_code,
                               "status": item["status"], "at": parse_iso(item["at"]),
                               "note": str(item.get("note", ""))})
    return out


def apply_referrals(session: Session, outcome: ReferralsOutcome, own_code: str, by: str) -> None:
    now = utcnow().replace(microsecond=0)
    for item in outcome.inbound:
        session.add(InboundReferral(**item, status="received", received_at=now, created_by=by, updated_by=by))
        session.add(ReferralOutcomeEvent(referral_id=item["id"], office_code=own_code,
                                         to_office=item["sender_office"], status="received", at=now, note=""))
    for item in sorted(outcome.events, key=lambda e: event_order(e["status"], e["at"])):
        session.add(ReferralOutcomeEvent(**item))
        referral = session.get(Referral, item["referral_id"])
        target = REFERRAL_STATUS.get(item["status"], referral.status)
        moves = _RANK.get(target, 0) > _RANK.get(referral.status, 0)
        session.add(ReferralEvent(id=item["id"], referral_id=referral.id, from_status=referral.status,
                                  to_status=target if moves else referral.status, at=item["at"],
                                  by=item["office_code"], note=partner_note(item["status"], item["office_code"],
                                                                            item["at"].date(), item["note"])))
        if moves:
            referral.status = target
            referral.updated_by = by
            if _RANK[target] == 3:
                referral.closed_at = item["at"]
                referral.outcome = partner_note(item["status"], item["office_code"], item["at"].date(), item["note"])


def partner_note(status: str, office: str, on: date, note: str) -> str:
    from desktop.i18n import format_date

    text = _("{status} at {office} on {date}").format(status=event_label(status), office=office,
                                                      date=format_date(on, "long"))
    return f"{text}. {note}" if note else text
