"""All mapped classes; importing this module registers every table on ``Base.metadata``."""

from desktop.store.models.core import (  # noqa: F401
    ROLES,
    AuditEvent,
    CatalogItem,
    Office,
    OfficeSetting,
    User,
)
from desktop.store.models.directory import (  # noqa: F401
    HSDS_MODELS,
    Address,
    Attribute,
    Contact,
    CostOption,
    Language,
    Location,
    Organization,
    Phone,
    RequiredDocument,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceExtension,
    Taxonomy,
    TaxonomyTerm,
)
