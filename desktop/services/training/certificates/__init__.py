"""Certificates (constancias): templates, issuing with gapless numbers, offline verification, revocation.

The front door of ``codes`` (texts and codes), ``keys`` (signing and trusted keys), ``templates``,
``issuing`` and ``verification``; callers import from here.

The QR text formats (2, readable, with at most four digits of the document; 1, older, still
verified) and the printed codes are described in ``codes``.
"""

from __future__ import annotations

from desktop.services.training.catalog import DOCUMENT_TYPES  # noqa: F401  (re-exported)
from desktop.services.training.certificates.codes import (  # noqa: F401  (re-exported)
    PREFIX,
    PREFIX2,
    Payload,
    Printed,
    format_code,
    key_id_for,
    looks_signed,
    mask_document,
    parse_printed,
    qr_text,
    sign_text,
    split_signed,
    unsigned_text,
    verification_code_for,
)
from desktop.services.training.certificates.issuing import (  # noqa: F401  (re-exported)
    CHUNK,
    IssueResult,
    certificate_warnings,
    eligible,
    issue_certificates,
    record_certificates,
    reprint,
)
from desktop.services.training.certificates.keys import (  # noqa: F401  (re-exported)
    KEY_FILE_FORMAT,
    KeyInfo,
    Signer,
    export_public_key,
    import_public_key,
    list_keys,
    office_key,
    office_signer,
    read_key_file,
    remove_trusted_key,
    signing_seed,
)
from desktop.services.training.certificates.pages import (  # noqa: F401  (re-exported)
    STALE_SECONDS,
    TEMP_PREFIX,
    TEMP_SUFFIX,
    PageMaker,
    layout_for,
    remove_leftovers,
    safe_filename,
    temp_beside,
)
from desktop.services.training.certificates.templates import (  # noqa: F401  (re-exported)
    DEFAULT_BODY,
    DEFAULT_HEADING,
    DEFAULT_PLACE,
    PLACEHOLDERS,
    SignatoryForm,
    TemplateForm,
    fill,
    get_template,
    save_template,
    template_problem,
)
from desktop.services.training.certificates.verification import (  # noqa: F401  (re-exported)
    INVALID,
    REVOKED,
    VALID,
    CertificateRow,
    Verification,
    list_certificates,
    revoke,
    verify_certificate,
    verify_with_key_files,
)
