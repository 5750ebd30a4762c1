"""The monthly report's figures as hand-written SQL (SQLite), one grouped query per figure family.

Written from the report's definitions page, not from its code: the tests compare the report with
these, and ``tests/benchmarks/bench_report.py`` times them on the same connection as the baseline.
Every function takes a DB-API connection and :func:`params` and returns plain dictionaries.
"""

from __future__ import annotations

from datetime import UTC, datetime

from desktop.services.reports.disaggregation import years_before
from desktop.store.models.directory import CATEGORY_TAXONOMY_ID

FMT = "%Y-%m-%d %H:%M:%S.%f"


def params(period, timezone: str, bands, now: datetime) -> dict:
    b = period.bounds(timezone, now)
    p = {"start": b.start.astimezone(UTC).strftime(FMT), "end": b.end.astimezone(UTC).strftime(FMT),
         "first_day": b.first_day.isoformat(), "last_day": b.last_day.isoformat(), "as_of": b.as_of.isoformat(),
         "as_of_instant": b.as_of_instant.astimezone(UTC).strftime(FMT),
         "adult_cut": years_before(b.last_day, 18).isoformat(), "ended": int(b.as_of_instant >= b.end),
         "category": CATEGORY_TAXONOMY_ID.hex}
    for k, band in enumerate(bands):
        p[f"lo{k}"] = years_before(b.last_day, band.low).isoformat()
        p[f"hi{k}"] = years_before(b.last_day, band.high + 1).isoformat() if band.high is not None else "0000-00-00"
    p["_bands"] = [band.key for band in bands]
    return p


def _age_case(p: dict) -> str:
    whens = " ".join(f"WHEN p.birth_date <= :lo{k} AND p.birth_date > :hi{k} THEN '{key}'"
                     for k, key in enumerate(p["_bands"]))
    return f"CASE {whens} END"


def _q(conn, sql: str, p: dict):
    return conn.execute(sql, {k: v for k, v in p.items() if not k.startswith("_")}).fetchall()


def people_cube(conn, p: dict) -> dict[tuple, int]:
    """(sex, age band, adult, nationality, population type, municipality, new/returning, flag bits) → people."""
    sql = f"""
    SELECT p.sex, {_age_case(p)},
           CASE WHEN p.birth_date <= :adult_cut THEN 'adult' WHEN p.birth_date <= :last_day THEN 'minor' END,
           p.nationality, p.population_type, p.municipality,
           CASE WHEN p.created_at >= :start AND p.created_at < :end THEN 'new' ELSE 'returning' END,
           (CASE WHEN EXISTS (SELECT 1 FROM person_need n WHERE n.person_id = p.id AND n.need_code = 'disability')
                 THEN 1 ELSE 0 END)
           + (CASE WHEN p.lgbtiq = 'yes' OR EXISTS (SELECT 1 FROM person_need n WHERE n.person_id = p.id
                                                     AND n.need_code = 'lgbtiq_at_risk') THEN 2 ELSE 0 END)
           + (CASE WHEN p.ethnicity = 'indigenous' THEN 4
                   WHEN p.ethnicity IN ('afro_descendant', 'raizal', 'palenquero') THEN 8 ELSE 0 END),
           COUNT(*)
    FROM person p
    WHERE p.deleted_at IS NULL AND p.merged_into_id IS NULL
      AND ((p.created_at >= :start AND p.created_at < :end)
           OR p.id IN (SELECT r.person_id FROM referral r WHERE r.sent_at >= :start AND r.sent_at < :end))
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8"""
    return {tuple(row[:-1]): row[-1] for row in _q(conn, sql, p)}


def referral_cube(conn, p: dict) -> dict[tuple, int]:
    """(status at period end, category code, organization id) → referrals sent in the period."""
    sql = """
    WITH made AS (
      SELECT r.service_id,
             CASE WHEN NOT :ended THEN r.status
                  WHEN r.closed_at IS NOT NULL AND r.closed_at < :end THEN r.status
                  WHEN r.status IN ('sent', 'rejected', 'cancelled') THEN 'sent'
                  WHEN EXISTS (SELECT 1 FROM referral_event e WHERE e.referral_id = r.id AND e.to_status = 'accepted'
                               AND e.at < :end) THEN 'accepted'
                  ELSE 'sent' END AS status
      FROM referral r WHERE r.sent_at >= :start AND r.sent_at < :end),
    category AS (
      SELECT a.link_id AS service_id, MIN(COALESCE(t.code, t.name)) AS code
      FROM attribute a JOIN taxonomy_term t ON t.id = a.taxonomy_term_id
      WHERE t.taxonomy_id = :category GROUP BY a.link_id)
    SELECT made.status, category.code, s.organization_id, COUNT(*)
    FROM made LEFT JOIN service s ON s.id = made.service_id LEFT JOIN category ON category.service_id = s.id
    GROUP BY 1, 2, 3"""
    return {tuple(row[:-1]): row[-1] for row in _q(conn, sql, p)}


def referral_figures(conn, p: dict) -> dict[str, float | int | None]:
    referred = _q(conn, "SELECT COUNT(DISTINCT person_id) FROM referral WHERE sent_at >= :start AND sent_at < :end",
                  p)[0][0]
    days = [d for (d,) in _q(conn, """
        SELECT ROUND(julianday(closed_at) - julianday(sent_at), 3) AS d FROM referral
        WHERE closed_at >= :start AND closed_at < :end AND sent_at IS NOT NULL ORDER BY d""", p)]
    median = None
    if days:
        middle = days[(len(days) - 1) // 2: len(days) // 2 + 1]
        median = round(sum(middle) / len(middle), 1)
    overdue = _q(conn, """
        SELECT COUNT(*) FROM referral
        WHERE follow_up_on < :as_of AND sent_at < :as_of_instant
          AND (status IN ('sent', 'accepted') OR closed_at >= :as_of_instant)""", p)[0][0]
    return {"people_referred": referred, "median_days": median, "overdue": overdue}


def trainings(conn, p: dict) -> dict[str, object]:
    held = "ts.date >= :first_day AND ts.date <= :as_of AND c.deleted_at IS NULL"  # held: on or before today
    sessions, hours, courses = _q(conn, f"""
        SELECT COUNT(*), COALESCE(SUM(ts.hours), 0), COUNT(DISTINCT ts.course_id)
        FROM training_session ts JOIN course c ON c.id = ts.course_id WHERE {held}""", p)[0]
    participants = {(i, s): n for i, s, n in _q(conn, f"""
        SELECT pa.institution, pa.sex, COUNT(*) FROM participant pa
        WHERE pa.deleted_at IS NULL AND pa.id IN (
          SELECT e.participant_id FROM enrollment e JOIN attendance a ON a.enrollment_id = e.id
          JOIN training_session ts ON ts.id = a.session_id JOIN course c ON c.id = ts.course_id
          WHERE {held} AND a.status IN ('present', 'late'))
        GROUP BY 1, 2""", p)}
    finished, completed = _q(conn, """
        WITH last AS (SELECT course_id, MAX(date) AS last_day, SUM(hours) AS scheduled FROM training_session
                      GROUP BY course_id),
             credited AS (SELECT a.enrollment_id, SUM(ts.hours) AS hours FROM attendance a
                          JOIN training_session ts ON ts.id = a.session_id WHERE a.status IN ('present', 'late')
                          GROUP BY a.enrollment_id)
        SELECT COUNT(*), COALESCE(SUM(CASE WHEN COALESCE(cr.hours, 0) >= c.completion_share * last.scheduled - 1e-9
                                               AND (NOT c.requires_evaluation OR e.evaluation_passed)
                                          THEN 1 ELSE 0 END), 0)
        FROM enrollment e JOIN course c ON c.id = e.course_id JOIN last ON last.course_id = c.id
        LEFT JOIN credited cr ON cr.enrollment_id = e.id
        WHERE c.deleted_at IS NULL AND last.last_day >= :first_day AND last.last_day <= :as_of""", p)[0]
    issued = _q(conn, "SELECT COUNT(*) FROM certificate WHERE issued_at >= :start AND issued_at < :end", p)[0][0]
    revoked = _q(conn, "SELECT COUNT(*) FROM certificate WHERE revoked_at >= :start AND revoked_at < :end", p)[0][0]
    return {"courses": courses, "sessions": sessions, "hours": round(hours, 2), "participants": participants,
            "finished": finished, "completed": completed, "issued": issued, "revoked": revoked}


def everything(conn, p: dict) -> dict[str, object]:
    return {"people": people_cube(conn, p), "referrals": referral_cube(conn, p),
            "referral_figures": referral_figures(conn, p), "trainings": trainings(conn, p)}
