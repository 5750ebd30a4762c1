"""The audit log's hash chain shows tampering."""

from __future__ import annotations

from desktop.cli import main
from desktop.services.security import audit
from desktop.services.security.auth import sign_in
from tests.conftest import PASSWORD


def test_chain_of_a_fresh_office_verifies(office_db) -> None:
    sign_in(office_db, "clerk", PASSWORD)
    result = audit.verify_chain(office_db)
    assert result.ok and result.checked >= 5


def tamper(db, sql: str) -> None:
    """Change the table behind Enlace's back, as someone with the file or the server's superuser could."""
    with db.engine.begin() as conn:
        conn.exec_driver_sql(sql)
    db.dispose()


def test_altered_event_is_named(office_db) -> None:
    tamper(office_db, "UPDATE audit_event SET username = 'mallory' WHERE seq = 2")
    result = audit.verify_chain(office_db)
    assert not result.ok and result.broken_seq == 2


def test_deleted_event_breaks_the_chain(office_db) -> None:
    tamper(office_db, "DELETE FROM audit_event WHERE seq = 3")
    result = audit.verify_chain(office_db)
    assert not result.ok and result.broken_seq == 4


def test_cli_audit_verify_exit_status(office_db, capsys) -> None:
    assert main(["audit", "verify", "--db", office_db.location]) == 0
    tamper(office_db, "UPDATE audit_event SET action = 'update' WHERE seq = 1")
    assert main(["audit", "verify", "--db", office_db.location, "--lang", "en"]) != 0
    assert "#1" in capsys.readouterr().out


def test_events_appended_in_one_batch_chain_like_events_appended_one_by_one(office_db) -> None:
    import uuid as uuid_module

    from desktop.services.security import audit as audit_module

    with office_db.transaction() as session:
        audit_module.record(session, "admin", "update", "office", None, ["name"])
        count = audit_module.record_many(session, "Ana \"la\" Peñaranda", [
            ("import", "participant", uuid_module.uuid4(), ("given_names", "family_names", "document_number")),
            ("update", "participant", uuid_module.uuid4(), ["institution_detail", "sex", "sex"]),
            ("import", None, None, ()),
            ("import", "participant", "cédula “1”", ("ñ",)),
        ])
        audit_module.record(session, "admin", "import", "course", None, [], {"created": 2})
    assert count == 4
    result = audit_module.verify_chain(office_db)
    assert result.ok, result.reason
    from sqlalchemy import select

    from desktop.store.models import AuditEvent

    with office_db.transaction() as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.username == "Ana \"la\" Peñaranda")).first()
        assert event.fields == '["document_number", "family_names", "given_names"]'  # stored as record() stores it
        event.fields = '["given_names"]'
    assert not audit_module.verify_chain(office_db).ok
