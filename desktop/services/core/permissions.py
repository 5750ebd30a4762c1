"""The permission matrix. The only place that decides who may do what."""

from __future__ import annotations

from enum import StrEnum

from desktop.i18n import _
from desktop.services.core.errors import PermissionDenied


class Permission(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_OFFICE = "manage_office"  # office profile, settings, catalogs, keys
    VIEW_AUDIT = "view_audit"
    BACKUP = "backup"
    RESTORE = "restore"
    VIEW_DIRECTORY = "view_directory"
    EDIT_DIRECTORY = "edit_directory"
    IMPORT_DIRECTORY = "import_directory"
    VIEW_PEOPLE = "view_people"
    EDIT_PEOPLE = "edit_people"
    VIEW_SENSITIVE = "view_sensitive"  # specific needs, case notes
    MERGE_PEOPLE = "merge_people"
    ANONYMIZE_PEOPLE = "anonymize_people"
    VIEW_REFERRALS = "view_referrals"
    EDIT_REFERRALS = "edit_referrals"
    VIEW_TRAININGS = "view_trainings"
    EDIT_TRAININGS = "edit_trainings"
    ISSUE_CERTIFICATES = "issue_certificates"
    REVOKE_CERTIFICATES = "revoke_certificates"
    VERIFY_CERTIFICATES = "verify_certificates"
    VIEW_REPORTS = "view_reports"
    EXPORT_REPORTS = "export_reports"
    EXPORT_PERSONAL_DATA = "export_personal_data"
    EXCHANGE_BUNDLES = "exchange_bundles"  # make and import bundles for other offices, the office card
    MANAGE_TRUST = "manage_trust"  # trust or stop trusting another office's key
    WORK_EXCHANGE = "work_exchange"  # referrals from other offices, the directory review queue
    VIEW_EXCHANGE = "view_exchange"  # the Intercambio section (what it shows depends on the two above)


P = Permission
_READ_ALL = {P.VIEW_DIRECTORY, P.VIEW_PEOPLE, P.VIEW_SENSITIVE, P.VIEW_REFERRALS, P.VIEW_TRAININGS,
             P.VERIFY_CERTIFICATES, P.VIEW_REPORTS, P.VIEW_AUDIT}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    # Clerks: people, consent, cases, referrals, the directory. No users, no trainings admin.
    "clerk": frozenset({P.VIEW_DIRECTORY, P.EDIT_DIRECTORY, P.IMPORT_DIRECTORY, P.VIEW_PEOPLE,
                        P.EDIT_PEOPLE, P.VIEW_SENSITIVE, P.VIEW_REFERRALS, P.EDIT_REFERRALS,
                        P.VERIFY_CERTIFICATES, P.EXPORT_PERSONAL_DATA, P.WORK_EXCHANGE,
                        P.VIEW_EXCHANGE}),
    # Trainers never see people or referrals.
    "trainer": frozenset({P.VIEW_DIRECTORY, P.VIEW_TRAININGS, P.EDIT_TRAININGS, P.ISSUE_CERTIFICATES,
                          P.VERIFY_CERTIFICATES}),
    # Supervisors read everything and export reports.
    "supervisor": frozenset(_READ_ALL | {P.EXPORT_REPORTS, P.MERGE_PEOPLE, P.BACKUP,
                                         P.REVOKE_CERTIFICATES, P.EXPORT_PERSONAL_DATA, P.EXCHANGE_BUNDLES,
                                         P.VIEW_EXCHANGE}),
    # Administrators: everything except specific needs and case notes (clerks and supervisors only).
    "admin": frozenset(Permission) - {P.VIEW_SENSITIVE},
}


def role_label(role: str) -> str:
    labels = {"clerk": _("Clerk"), "trainer": _("Trainer"), "supervisor": _("Supervisor"),
              "admin": _("Administrator")}
    return labels.get(role, role)


def has_permission(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())


def require(role: str, permission: Permission) -> None:
    """Raise :class:`PermissionDenied` unless ``role`` holds ``permission``."""
    if not has_permission(role, permission):
        raise PermissionDenied(
            _("Your role ({role}) does not allow this action.").format(role=role_label(role)))
