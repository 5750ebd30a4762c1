"""The foundation's window fixtures, for the people screens' role tests."""

import pytest

from tests.ui.foundation.conftest import make_session, window_for  # noqa: F401


@pytest.fixture(autouse=True)
def consent_not_yet_asked(monkeypatch):
    """Saving a person without consent asks why; these tests (about other things) answer "not asked yet".

    The question itself is tested in tests/ui/desk/test_consent_question.py.
    """
    from desktop.ui.people.person_dialog import PersonDialog

    monkeypatch.setattr(PersonDialog, "ask_consent_answer", lambda self: "not_asked")
