"""People (personas atendidas): registration, search, households, consent, cases, duplicates.

The package's front door: the names below, and the public modules ``consent`` and ``cases``.
``search`` explains how person search works."""

from desktop.services.people.catalogs import (  # noqa: F401
    DOCUMENT_TYPES,
    ETHNICITIES,
    LGBTIQ_ANSWERS,
    MAX_AGE,
    NO_DOCUMENT,
    NOT_ASKED,
    NOT_ASKED_LABEL,
    POPULATION_TYPES,
    REFERRAL_REASONS,
    RELATIONSHIPS,
    SEEDED_CATALOGS,
    SENSITIVE_FIELDS,
    SEXES,
    SPECIFIC_NEEDS,
    CatalogChoice,
    catalog_choices,
    catalog_labels,
    document_type_choices,
    ethnicity_choices,
    ethnicity_label,
    label,
    lgbtiq_label,
    nationality_label,
    seed_catalogs,
)
from desktop.services.people.duplicates import (  # noqa: F401
    ANONYMIZED,
    DuplicateCandidate,
    anonymize_person,
    likely_duplicates,
    merge_people,
)
from desktop.services.people.households import (  # noqa: F401
    HouseholdInfo,
    add_to_household,
    create_household,
    get_household,
    remove_from_household,
)
from desktop.services.people.names import (  # noqa: F401
    age_on,
    birth_date_from_age,
    full_name,
    name_score,
    name_terms,
    normalize,
    normalize_document,
)
from desktop.services.people.persons import (  # noqa: F401
    count_people,
    get_person,
    iter_people,
    people_page,
    register_person,
    update_person,
    with_self_identification,
)
from desktop.services.people.records import (  # noqa: F401
    ConsentState,
    HouseholdMemberInfo,
    PersonForm,
    PersonRecord,
    consent_state,
    validate_person,
)
from desktop.services.people.search import (  # noqa: F401
    PersonRow,
    search_in_session,
    search_people,
)
