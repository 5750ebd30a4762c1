"""All mapped classes; importing this module registers every table on ``Base.metadata``."""

from desktop.store.models.core import (  # noqa: F401
    ROLES,
    AuditEvent,
    CatalogItem,
    Office,
    OfficeSetting,
    User,
)
