"""Offices exchanging signed ``.enlace`` bundles (USB stick, e-mail): directory, certificate keys and
revocations, referrals and their outcomes. The format is in ``docs/exchange.md``.

Public surface (the UI and the CLI use only these):

- trust: :func:`office_card`, :func:`office_card_pdf`, :func:`read_card`, :func:`trust_office`,
  :func:`list_trusted`, :func:`remove_trust`;
- coordinators' trust lists: :func:`coordinator_key`, :func:`make_trust_list` (the coordinator's side, no
  database), :func:`read_trust_list`, :func:`preview_trust_list`, :func:`import_trust_list`,
  :func:`list_trust_lists`; refusals raise :class:`TrustListRefused`;
- bundles: :func:`parse_include`, :func:`preview_export`, :func:`export_bundle`, :func:`import_bundle`,
  :func:`list_bundles`; refusals raise :class:`BundleRefused`;
- clerks' work: :func:`list_conflicts`, :func:`resolve_conflict`, :func:`inbox`, :func:`get_inbound`,
  :func:`duplicate_suggestions`, :func:`register_inbound_person`, :func:`record_outcome`,
  :func:`partner_outcomes`;
- :func:`mark_services_owned_by` (the demo's partner services).
"""

from __future__ import annotations

import uuid

from desktop.services.core.context import AppContext
from desktop.services.exchange._bundle import SCHEMA_VERSION, BundleRefused
from desktop.services.exchange._inbox import (
    ConflictInfo,
    InboundInfo,
    PartnerOutcome,
    duplicate_suggestions,
    get_inbound,
    inbox,
    list_conflicts,
    partner_outcomes,
    person_form,
    record_outcome,
    register_inbound_person,
    resolve_conflict,
)
from desktop.services.exchange._referrals import EVENT_STATUSES, NEXT_STATUSES, event_label, held_back_message
from desktop.services.exchange._service import (
    CONTENTS,
    BundleRow,
    ExportResult,
    ImportReport,
    export_bundle,
    import_bundle,
    list_bundles,
    parse_include,
    preview_export,
)
from desktop.services.exchange._trust import (
    OfficeCard,
    TrustedOffice,
    fingerprint,
    list_trusted,
    office_card,
    read_card,
    remove_trust,
    trust_office,
)
from desktop.services.exchange._trust_list import (
    FollowedList,
    ListedOffice,
    TrustListFile,
    TrustListPlan,
    TrustListRefused,
    coordinator_key,
    import_trust_list,
    list_trust_lists,
    make_trust_list,
    preview_trust_list,
    read_coordinator_key,
    read_trust_list,
)


def office_card_pdf(ctx: AppContext) -> bytes:
    """The printable office card: office, key id and fingerprint in groups, a QR of the card file."""
    from desktop.documents.office_card import render_office_card
    from desktop.services.office import get_setting

    card = office_card(ctx)
    return render_office_card(card.office_code, card.office_name, card.municipality, card.key_id, card.fingerprint,
                              card.to_bytes().decode("utf-8"), get_setting(ctx.db, "page_size"))


def mark_services_owned_by(session, service_ids: list[uuid.UUID], office_code: str) -> None:
    """Record that these directory services belong to another office (referrals to them travel there)."""
    from desktop.services.exchange._directory import set_owner

    set_owner(session, "service", service_ids, office_code)


__all__ = ["CONTENTS", "EVENT_STATUSES", "NEXT_STATUSES", "SCHEMA_VERSION", "BundleRefused", "BundleRow",
           "ConflictInfo", "ExportResult", "FollowedList", "ImportReport", "InboundInfo", "ListedOffice",
           "OfficeCard", "PartnerOutcome", "TrustListFile", "TrustListPlan", "TrustListRefused", "TrustedOffice",
           "coordinator_key", "duplicate_suggestions", "event_label", "export_bundle", "fingerprint", "get_inbound",
           "held_back_message", "import_bundle", "import_trust_list", "inbox", "list_bundles", "list_conflicts",
           "list_trust_lists", "list_trusted", "make_trust_list", "mark_services_owned_by", "office_card",
           "office_card_pdf", "parse_include", "partner_outcomes", "person_form", "preview_export",
           "preview_trust_list", "read_card", "read_coordinator_key", "read_trust_list", "record_outcome",
           "register_inbound_person", "remove_trust", "resolve_conflict", "trust_office"]
