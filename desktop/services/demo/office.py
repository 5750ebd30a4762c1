"""Demo office and one account per role."""

from __future__ import annotations

from desktop.i18n import _
from desktop.services.core.context import AppContext
from desktop.services.core.errors import ValidationError
from desktop.services.demo import DEMO_OFFICE_CODE, DEMO_PASSWORD, DEMO_USERS, DemoBuild
from desktop.services.office import OfficeForm, is_set_up
from desktop.services.security import auth
from desktop.services.workspace.setup import setup_office
from desktop.store.models import User


def build(demo: DemoBuild) -> None:
    if is_set_up(demo.db):
        raise ValidationError(_("The database already has an office; use an empty database for the demo."))
    demo.progress("office")
    home = demo.office_code == DEMO_OFFICE_CODE
    form = OfficeForm(code=demo.office_code, name=demo.office_name, country="CO",
                      municipality="Bucaramanga" if home else "", region="Santander" if home else "",
                      locale="es_CO", timezone="America/Bogota")
    admin_name, admin_full, _role = DEMO_USERS[0]
    setup_office(demo.db, form, admin_name, admin_full, DEMO_PASSWORD, is_demo=True)
    with demo.db.transaction() as session:
        for username, full_name, role in DEMO_USERS[1:]:
            auth.add_user(session, admin_name, username, full_name, role, DEMO_PASSWORD)
        admin = session.query(User).filter_by(username=admin_name).one()
        demo.ctx = AppContext(demo.db, auth.actor_for(admin))
    demo.summary["users"] = len(DEMO_USERS)
