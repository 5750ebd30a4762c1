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
from desktop.store.models.exchange import (  # noqa: F401
    ExchangeBundle,
    ExchangeConflict,
    ExchangePeer,
    ExchangeRowHistory,
    InboundReferral,
    ReferralOutcomeEvent,
    RemoteRevocation,
    TrustList,
    TrustListMember,
)
from desktop.store.models.people import (  # noqa: F401
    Case,
    CaseNote,
    CaseReferralCounter,
    Consent,
    Household,
    HouseholdMember,
    Person,
    PersonDocument,
    PersonNameIndex,
    PersonNeed,
    PersonSearchTerm,
    Referral,
    ReferralEvent,
)
from desktop.store.models.reports import REPORT_INDEXES  # noqa: F401
from desktop.store.models.training import (  # noqa: F401
    Attendance,
    Certificate,
    CertificateSignatory,
    CertificateTemplate,
    Course,
    Enrollment,
    Participant,
    SigningKey,
    TrainingSession,
    TrustedKey,
)
