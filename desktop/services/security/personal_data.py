"""Security checks other areas call: asking for the password again before personal data leaves Enlace.

Any export that writes names, document numbers, phones or addresses to a file (CSV, XLSX, a PDF
list) calls :func:`confirm_personal_data_export` first, with the password the person just typed
again; the UI asks for it in the export dialog, a headless command uses the password it signed in
with. Aggregate reports (suppressed small cells, no names) do not need it.
"""

from __future__ import annotations

from desktop.services.core.context import AppContext
from desktop.services.core.errors import AuthError
from desktop.services.core.permissions import Permission
from desktop.services.security import audit, auth


def confirm_personal_data_export(ctx: AppContext, password: str, what: str = "") -> None:
    """Check the export permission and the signed-in person's password again.

    Raises PermissionDenied or AuthError ("Wrong password."); a wrong password is an audit event
    (``login_failed``, reason ``export``). ``what`` names the export in that event (no data).
    """
    ctx.require(Permission.EXPORT_PERSONAL_DATA)
    try:
        auth.confirm_password(ctx, password)
    except AuthError:
        audit.log(ctx, "login_failed", "user", ctx.actor.user_id, detail={"reason": "export", "export": what})
        raise
