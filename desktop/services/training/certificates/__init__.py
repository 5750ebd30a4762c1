"""Certificates (constancias): templates, issuing with gapless numbers, offline verification, revocation.

The front door of ``codes`` (texts and codes), ``keys`` (signing and trusted keys), ``templates``,
``issuing`` and ``verification``; callers import from here.

Each certificate's QR code carries its data and an Ed25519 signature by the office key::

    ENLACE1;<number>;<issued on>;<holder>;<document>;<course code>;<course title>;<hours>;<key id>;<signature>

Text fields are percent-encoded UTF-8 (so ``;`` never appears inside a field and the QR stays
ASCII for every scanner); the signature (base64url, no padding) covers the UTF-8 bytes of
everything before the last ``;``. The short code printed under the number
(``BGA-2026-00042`` + ``ABCD-EFGH``) is checked against this database only.
"""

from __future__ import annotations

from desktop.services.training.catalog import DOCUMENT_TYPES  # noqa: F401  (re-exported)
from desktop.services.training.certificates.codes import (  # noqa: F401  (re-exported)
    _SAFE,
    _SHORT,
    PREFIX,
    Payload,
    _b64,
    _hours_text,
    format_code,
    key_id_for,
    sign_text,
    split_signed,
    unsigned_text,
    verification_code_for,
)
from desktop.services.training.certificates.issuing import (  # noqa: F401  (re-exported)
    IssueResult,
    _doc_type_short,
    _holder_document,
    _layout,
    _local_today,
    _new_certificate,
    _next_seq,
    _page,
    _page_values,
    _temp_beside,
    eligible,
    issue_certificates,
    record_certificates,
    reprint,
    safe_filename,
)
from desktop.services.training.certificates.keys import (  # noqa: F401  (re-exported)
    KEY_FILE_FORMAT,
    KeyInfo,
    _new_key,
    export_public_key,
    import_public_key,
    list_keys,
    office_key,
    read_key_file,
    remove_trusted_key,
)
from desktop.services.training.certificates.templates import (  # noqa: F401  (re-exported)
    _ALIASES,
    DEFAULT_BODY,
    DEFAULT_HEADING,
    DEFAULT_PLACE,
    PLACEHOLDERS,
    SignatoryForm,
    TemplateForm,
    _is_image,
    _template_form,
    _template_row,
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
    _public_key_for,
    _result,
    _verify_signed,
    list_certificates,
    revoke,
    verify_certificate,
    verify_with_key_files,
)
