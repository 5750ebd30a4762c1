"""Trainings: courses, sessions, participants, enrollments and attendance.

The package's front door: the names below come from ``catalog`` (institutions, document types),
``courses`` (courses, the completion rule, progress), ``sessions`` (sessions, attendance, the
attendance sheet) and ``participants`` (participants and enrollments). Certificates are in
``certificates``; roster import in ``roster_import``.

Completion rule: an enrollment is complete when the hours of the sessions it attended (present
or late) reach ``course.completion_share`` of the scheduled session hours, and, when the course
requires a final evaluation, the evaluation was passed.
"""

from __future__ import annotations

from desktop.services.training.catalog import (  # noqa: F401  (re-exported)
    DOCUMENT_TYPES,
    INSTITUTION_CATALOG,
    INSTITUTIONS,
    MODALITY_LABELS,
    SEX_LABELS,
    STATUS_KEYS,
    STATUS_LABELS,
    InstitutionMatcher,
    _sort_order,
    institution_choices,
    institution_labels,
    seed_catalogs,
)
from desktop.services.training.courses import (  # noqa: F401  (re-exported)
    CourseForm,
    CourseSummary,
    ParticipantProgress,
    _code_taken,
    _course,
    _progress_rows,
    course_by_code,
    course_progress,
    create_course,
    delete_course,
    get_course,
    is_complete,
    list_courses,
    update_course,
    validate_course,
)
from desktop.services.training.participants import (  # noqa: F401  (re-exported)
    ParticipantForm,
    _enroll,
    enroll,
    find_participants,
    save_participant,
    set_evaluation,
    unenroll,
    validate_participant,
)
from desktop.services.training.sessions import (  # noqa: F401  (re-exported)
    AttendanceGrid,
    SessionForm,
    _count_sessions,
    _renumber,
    add_session,
    attendance_grid,
    attendance_sheet_pdf,
    delete_session,
    list_sessions,
    mark_all_present,
    set_attendance,
    sheet_code,
    update_session,
    validate_session,
)
from desktop.store.models.training import (  # noqa: F401  (re-exported: windows use them through here)
    ATTENDANCE_STATUSES,
    CREDITED_STATUSES,
    MODALITIES,
)
