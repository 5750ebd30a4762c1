"""The referral state machine of DESIGN.md: its states, the moves between them, and the urgencies.

States and transitions, exactly::

    draft ──send──▶ sent ──accept──▶ accepted ──complete──▶ completed
      │               │                 └──no-show──▶ not_attended
      └─cancel─┐      ├──reject──▶ rejected
               ▼      └──cancel──▶ cancelled
           cancelled

Every transition writes a ReferralEvent (from, to, who, when, note): see
:mod:`desktop.services.referrals.tracking`.
"""

from __future__ import annotations

from desktop.i18n import N_, _

STATUSES: dict[str, str] = {
    "draft": N_("Draft"),
    "sent": N_("Sent"),
    "accepted": N_("Accepted"),
    "completed": N_("Completed"),
    "not_attended": N_("Did not attend"),
    "rejected": N_("Rejected"),
    "cancelled": N_("Cancelled"),
}
OPEN_STATUSES = ("draft", "sent", "accepted")
CLOSED_STATUSES = ("completed", "not_attended", "rejected", "cancelled")
# action → (states it leaves from, state it goes to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "send": (("draft",), "sent"),
    "accept": (("sent",), "accepted"),
    "reject": (("sent",), "rejected"),
    "complete": (("accepted",), "completed"),
    "no_show": (("accepted",), "not_attended"),
    "cancel": (("draft", "sent"), "cancelled"),
}
ACTIONS: dict[str, str] = {
    "send": N_("Send"),
    "accept": N_("Accepted by the service"),
    "reject": N_("Rejected by the service"),
    "complete": N_("Completed"),
    "no_show": N_("Did not attend"),
    "cancel": N_("Cancel referral"),
}
URGENCIES: dict[str, str] = {"normal": N_("Normal"), "high": N_("High"), "urgent": N_("Urgent")}


def status_label(code: str) -> str:
    return _(STATUSES[code]) if code in STATUSES else code


def allowed_actions(status: str) -> list[str]:
    """The actions the state machine allows from ``status``, in a stable order."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if status in sources]
