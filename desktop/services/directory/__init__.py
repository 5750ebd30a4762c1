"""The service directory: search, detail, create/edit, verification, and the summary a referral prints.

Records follow Open Referral HSDS 3.0 (see ``desktop.store.models.directory``). Search matches an
accent- and case-folded copy of each service's name, description, organization and categories
(``service_extension.search_text``) with plain SQL ``LIKE``, one condition per typed word, so
"psicologico" finds "Atención psicológica" on SQLite and PostgreSQL alike.

Import and export of HSDS data packages live in ``hsds``; spreadsheets in
``sheet``; opening hours in ``hours``."""

from desktop.services.directory.catalogs import (  # noqa: F401
    CATEGORIES,
    CATEGORY_TAXONOMY_ID,
    LISTED_STATUSES,
    PHONE_TYPES,
    POPULATION_TAXONOMY_ID,
    POPULATIONS,
    SERVICE_STATUSES,
    is_stale,
    office_now,
    phone_type_label,
    seed_catalogs,
    stale_cutoff,
    status_label,
    taxonomy_terms,
    term_id,
)
from desktop.services.directory.editing import (  # noqa: F401
    HoursForm,
    OrganizationForm,
    OrganizationRow,
    PhoneForm,
    ServiceForm,
    delete_service,
    list_organizations,
    load_organization_form,
    load_service_form,
    mark_verified,
    save_organization,
    save_service,
    validate_service,
)
from desktop.services.directory.listing import (  # noqa: F401
    COUNT_CAP,
    FilterOptions,
    SearchFilters,
    SearchPage,
    ServiceRow,
    filter_options,
    search,
    search_in,
    search_page,
)
from desktop.services.directory.summary import (  # noqa: F401
    ServiceSummary,
    booklet_pdf,
    format_address,
    format_phone,
    hours_of,
    service_summary,
    summaries,
    verified_label,
)
from desktop.services.directory.text import (  # noqa: F401
    EMAIL_RE,
    PHONE_RE,
    build_search_text,
    normalize,
    parse_clock,
    query_stems,
    refresh_search_text,
    search_tokens,
    valid_email,
    valid_phone,
    valid_url,
)
