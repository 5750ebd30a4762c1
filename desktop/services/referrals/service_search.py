"""The referral form's service search: the directory's matches, best first (not alphabetical).

The directory finds every service whose text holds the typed words; here they are ordered by how well the
service's own name answers the query (then its organization's), with rapidfuzz, so "salud mental" puts
"Atención en salud mental" before "Afiliación al régimen subsidiado de salud"."""

from __future__ import annotations

from collections.abc import Sequence

from desktop.services.directory import normalize, query_stems

CANDIDATES = 300  # matches ranked per keystroke; the directory of an office holds a few hundred services


def relevance(query: str, name: str, organization: str, accepts_referrals: bool = True) -> float:
    """How well a service answers ``query`` (0–130): its name first, then its organization."""
    from rapidfuzz import fuzz

    q, n, o = normalize(query), normalize(name), normalize(organization)
    if not q:
        return 0.0
    stems = query_stems(query) or q.split()
    words = n.split()
    in_name = sum(1 for s in stems if any(w.startswith(s) for w in words))
    # token_set: the words typed are all there; token_sort: and the name is not much more than them.
    score = 0.5 * fuzz.token_set_ratio(q, n) + 0.5 * fuzz.token_sort_ratio(q, n)
    score += 20 * in_name / len(stems)
    if n.startswith(q) or any(w.startswith(stems[0]) for w in words[:1]):
        score += 10
    score = max(score, 0.8 * fuzz.token_set_ratio(q, o))
    return score - (0 if accepts_referrals else 5)


def rank(query: str, rows: Sequence, limit: int) -> list:
    """``rows`` (with ``name``, ``organization_name``, ``accepts_referrals``) best first; ties alphabetical."""
    scored = [(relevance(query, r.name, r.organization_name, r.accepts_referrals), i, r) for i, r in enumerate(rows)]
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [r for _s, _i, r in scored[:limit]]
