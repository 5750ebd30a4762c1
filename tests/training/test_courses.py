"""Courses, sessions, participants, attendance and the completion rule, without Qt."""

from __future__ import annotations

from datetime import date, time

import pytest

from desktop.services import training
from desktop.services.core.errors import ConflictError, PermissionDenied, ValidationError
from tests.training.helpers import make_course


def test_completion_rule_counts_present_and_late_hours_and_the_evaluation() -> None:
    assert training.is_complete(16, 20, 0.8, False, None)
    assert not training.is_complete(15.5, 20, 0.8, False, None)
    assert not training.is_complete(20, 20, 0.8, True, None)
    assert training.is_complete(20, 20, 0.8, True, True)
    assert not training.is_complete(0, 0, 0.8, False, None)


def test_hours_and_completion_follow_attendance(ctx_for) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, attend={"13456789": 3})
    rows = {p.document_number: p for p in training.course_progress(trainer, setup.course_id)}
    assert rows["13456789"].hours_attended == 12 and not rows["13456789"].completed
    eid = setup.enrollment_ids["13456789"]
    training.set_attendance(trainer, setup.session_ids[3], {eid: "late"})
    rows = {p.document_number: p for p in training.course_progress(trainer, setup.course_id)}
    assert rows["13456789"].hours_attended == 16 and rows["13456789"].completed
    training.set_attendance(trainer, setup.session_ids[3], {eid: "excused"})
    assert not {p.document_number: p for p in training.course_progress(trainer, setup.course_id)}[
        "13456789"].completed


def test_mark_all_present_fills_only_the_unrecorded(ctx_for) -> None:
    trainer = ctx_for("trainer")
    setup = make_course(trainer, attend={"13456789": 0})
    sid = training.add_session(trainer, setup.course_id, training.SessionForm(date=date(2026, 5, 1), hours=4)).id
    training.set_attendance(trainer, sid, {setup.enrollment_ids["13456789"]: "absent"})
    assert training.mark_all_present(trainer, sid) == 3
    grid = training.attendance_grid(trainer, setup.course_id)
    assert grid.status[(setup.enrollment_ids["13456789"], sid)] == "absent"


def test_the_same_document_never_makes_two_participants(ctx_for) -> None:
    trainer = ctx_for("trainer")
    training.save_participant(trainer, training.ParticipantForm("Ana", "Ruiz", "1.098.765.432"))
    with pytest.raises(ValidationError, match="already registered") as err:
        training.save_participant(trainer, training.ParticipantForm("ANA MARÍA", "RUIZ", "1098765432"))
    assert "document_number" in err.value.fields


def test_course_form_is_validated_and_codes_are_unique(ctx_for) -> None:
    trainer = ctx_for("trainer")
    with pytest.raises(ValidationError) as err:
        training.create_course(trainer, training.CourseForm(code="x", title="", total_hours=0,
                                                            completion_share=1.5))
    assert set(err.value.fields) == {"code", "title", "total_hours", "completion_share"}
    training.create_course(trainer, training.CourseForm(code="mesa-1", title="Mesa", total_hours=10))
    with pytest.raises(ValidationError, match="already uses"):
        training.create_course(trainer, training.CourseForm(code="MESA-1", title="Otra", total_hours=10))


def test_a_stale_course_edit_is_refused(ctx_for) -> None:
    trainer, admin = ctx_for("trainer"), ctx_for("admin")
    course = training.create_course(trainer, training.CourseForm(code="M-1", title="Mesa", total_hours=10))
    training.update_course(admin, course.id, training.CourseForm(code="M-1", title="Mesa 2", total_hours=10),
                           expected_version=course.version)
    with pytest.raises(ConflictError):
        training.update_course(trainer, course.id, training.CourseForm(code="M-1", title="Mesa 3", total_hours=10),
                               expected_version=course.version)


def test_sessions_are_numbered_in_date_order_and_hours_come_from_the_times(ctx_for) -> None:
    trainer = ctx_for("trainer")
    course = training.create_course(trainer, training.CourseForm(code="M-1", title="Mesa", total_hours=10))
    later = training.add_session(trainer, course.id, training.SessionForm(date=date(2026, 5, 8), hours=0,
                                                                          start_time=time(8), end_time=time(11, 30)))
    training.add_session(trainer, course.id, training.SessionForm(date=date(2026, 5, 1), hours=2))
    sessions = training.list_sessions(trainer, course.id)
    assert [(s.number, s.date.day) for s in sessions] == [(1, 1), (2, 8)]
    assert sessions[1].id == later.id and sessions[1].hours == 3.5


def test_supervisors_read_trainings_but_do_not_change_them(ctx_for) -> None:
    trainer, supervisor, clerk = ctx_for("trainer"), ctx_for("supervisor"), ctx_for("clerk")
    make_course(trainer)
    assert len(training.list_courses(supervisor)) == 1
    with pytest.raises(PermissionDenied):
        training.create_course(supervisor, training.CourseForm(code="X-1", title="X", total_hours=1))
    with pytest.raises(PermissionDenied):
        training.list_courses(clerk)


def test_attendance_sheet_names_everyone_and_carries_its_code(ctx_for) -> None:
    import subprocess

    trainer = ctx_for("trainer")
    setup = make_course(trainer)
    pdf = training.attendance_sheet_pdf(trainer, setup.course_id, 2)
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    text = text.decode()
    assert "María de los Ángeles Pérez Gómez" in text and "Ñañez" in text
    assert "MESA-2026-S02-" in text and "Session 2 of 5" in text
    with pytest.raises(Exception, match="no session 9"):
        training.attendance_sheet_pdf(trainer, setup.course_id, 9)


def test_institution_catalog_is_seeded(office_db) -> None:
    from desktop.store.models import CatalogItem

    with office_db.transaction() as session:
        training.seed_catalogs(session)
        labels = {c.label_es for c in session.query(CatalogItem).filter_by(catalog="institution")}
        assert {"Alcaldía", "Personería", "Defensoría del Pueblo", "ICBF", "Secretaría de Salud",
                "Secretaría de Educación", "Migración Colombia"} <= labels
        assert training.seed_catalogs(session) == 0
