"""The foundation's window fixtures, for the desk tests."""

from tests.ui.foundation.conftest import make_session, window_for  # noqa: F401
