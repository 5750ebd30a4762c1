"""The detail pane: one service in plain language, as a clerk would read it to a person."""

from __future__ import annotations

from html import escape

from desktop.i18n import _
from desktop.services.directory import ServiceSummary, status_label, verified_label


def summary_html(s: ServiceSummary, can_see_notes: bool = True) -> str:
    parts = [f"<h2 style='margin-bottom:2px'>{escape(s.name)}</h2>",
             f"<div style='color:#444'><i>{escape(s.organization_name)}</i></div>"]
    flags = []
    if s.status != "active":
        flags.append(f"<span style='color:#c62828'>{escape(status_label(s.status))}</span>")
    receives, refuses, confirm = _("Receives referrals"), _("Does not receive referrals"), _("To be confirmed")
    flags.append(f"<span style='color:#2e7d32'>{escape(receives)}</span>" if s.accepts_referrals
                 else f"<span style='color:#c62828'>{escape(refuses)}</span>")
    if s.stale:
        flags.append(f"<span style='color:#B45F06'>{escape(confirm)}: {escape(verified_label(s))}</span>")
    else:
        flags.append(f"<span style='color:#555'>{escape(verified_label(s))}</span>")
    parts.append("<p>" + " · ".join(flags) + "</p>")
    if s.alert:
        parts.append(f"<p style='color:#c62828'><b>{escape(s.alert)}</b></p>")
    if s.description:
        parts.append(f"<p>{escape(s.description)}</p>")
    rows = [
        (_("Categories"), ", ".join(s.categories)),
        (_("Population served"), ", ".join(s.populations)),
        (_("Address"), "<br>".join(escape(a) for a in s.addresses), True),
        (_("Hours"), "<br>".join(escape(h) for h in s.hours_lines), True),
        (_("Phone"), "<br>".join(escape(p) for p in s.phones), True),
        (_("Email"), s.email),
        (_("Website"), s.website),
        (_("Who can use it"), s.eligibility),
        (_("How to apply"), s.application_process),
        (_("Documents to bring"), "<br>".join(escape(d) for d in s.required_documents), True),
        (_("Cost"), s.cost),
        (_("Languages"), ", ".join(s.languages)),
        (_("Referral contact"), s.referral_contact),
    ]
    if can_see_notes:
        rows.append((_("Internal notes"), s.internal_notes))
    table = []
    for row in rows:
        label, value = row[0], row[1]
        if not value:
            continue
        html = value if len(row) > 2 else escape(value)
        table.append(f"<tr><td style='padding:2px 10px 2px 0; color:#555' valign='top'><b>{escape(label)}</b></td>"
                     f"<td style='padding:2px 0'>{html}</td></tr>")
    parts.append("<table>" + "".join(table) + "</table>")
    return "".join(parts)
