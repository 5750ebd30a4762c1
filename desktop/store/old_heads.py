"""Databases written under the old branched Alembic history (one branch per feature area, until
December 2026), brought onto today's one line of revisions before upgrading."""

from __future__ import annotations

# The migrations' parents while each feature area had its own branch (until December 2026). A
# database written then may stand at several revisions at once (one row each in alembic_version).
OLD_BRANCHED_PARENTS: dict[str, str | None] = {
    "0001": None, "0002": "0001", "0003": "0002", "0003b": "0003", "0003c": "0003b", "0004": "0001",
    "0007": "0003", "0007b": "0007", "0007c": "0007b",
}


def _old_applied(conn, revisions: list[str]) -> set[str]:
    """The old revisions applied to a database: its rows' ancestors, and what its schema shows.

    A single row is ambiguous (stamped under the old branches or under the line, "0004" means
    without or with the directory), so each old revision's own tables or indexes are looked at.
    """
    from sqlalchemy import inspect

    applied: set[str] = set()
    for rev in revisions:
        step: str | None = rev
        while step is not None and step not in applied:
            applied.add(step)
            step = OLD_BRANCHED_PARENTS[step]
    inspector = inspect(conn)
    tables = set(inspector.get_table_names())

    def indexes(table: str) -> set[str]:
        return {ix["name"] for ix in inspector.get_indexes(table)} if table in tables else set()

    referral = indexes("referral")
    probes = {
        "0002": "organization" in tables, "0004": "course" in tables, "0003": "referral" in tables,
        "0003b": "ix_referral_list_order" in referral,
        "0003c": "person" in tables and "ethnicity" in {c["name"] for c in inspector.get_columns("person")},
        "0007": bool({"ix_referral_sent_at", "ix_referral_sent_report"} & referral),
        "0007b": "ix_referral_event_referral_status_at" in indexes("referral_event"),
        "0007c": "ix_referral_sent_report" in referral,
    }
    return applied | {rev for rev, present in probes.items() if present}


def linearise(conn, cfg) -> None:
    """Bring a database written under the old branched history onto the one line of revisions.

    The line is the old revisions in the order they were written, so a database usually stands
    on a prefix of it and is just re-stamped at its last revision. A revision the line puts
    earlier than one already applied (a gap) is applied on its own first.
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return
    rows = [r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")]
    if not rows or not all(r in OLD_BRANCHED_PARENTS for r in rows):
        return
    applied = _old_applied(conn, rows)
    script = ScriptDirectory.from_config(cfg)
    line = [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]
    last = max(line.index(r) for r in applied)
    missing = [rev for rev in line[:last + 1] if rev not in applied]
    if len(rows) == 1 and not missing:
        return
    if missing:
        context = MigrationContext.configure(conn, opts={"render_as_batch": True})
        with Operations.context(context):
            for rev in missing:
                script.get_revision(rev).module.upgrade()
    conn.exec_driver_sql("DELETE FROM alembic_version")
    conn.exec_driver_sql(f"INSERT INTO alembic_version (version_num) VALUES ('{line[last]}')")
