"""The office's phone and address: settings an administrator keeps, printed on the referral slip."""

from __future__ import annotations

import subprocess

import pytest

from desktop.i18n import set_language
from desktop.services import office, people, referrals
from desktop.services.core.errors import PermissionDenied, ValidationError
from tests.people.helpers import make_service, person_form


def _text(pdf: bytes) -> str:
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def slip_number(ctx_for) -> str:
    clerk = ctx_for("clerk")
    person = people.register_person(clerk, person_form())
    return referrals.create_referral(clerk, referrals.ReferralForm(person.id, make_service(ctx_for("admin")),
                                                                   "health")).number


def test_phone_and_address_are_settings_an_administrator_keeps(admin_ctx, ctx_for) -> None:
    assert office.office_contact(admin_ctx.db) == ("", "")
    office.set_setting(admin_ctx, "office_phone", "  +57 607 634 5678 ")
    office.set_setting(admin_ctx, "office_address", "Calle 35 # 10-43,\n  Centro")
    assert office.office_contact(admin_ctx.db) == ("+57 607 634 5678", "Calle 35 # 10-43, Centro")
    with pytest.raises(ValidationError) as refused:
        office.set_setting(admin_ctx, "office_phone", "llamar a Rosa")
    assert "digits" in refused.value.fields["office_phone"]
    with pytest.raises(ValidationError) as refused:
        office.set_setting(admin_ctx, "office_address", "x" * 201)
    assert refused.value.fields == {"office_address": "Too long"}
    with pytest.raises(ValidationError):
        office.set_setting(admin_ctx, "office_phone", 6076345678)
    with pytest.raises(PermissionDenied):
        office.set_setting(ctx_for("clerk"), "office_phone", "123")
    office.set_setting(admin_ctx, "office_phone", "")
    assert office.office_contact(admin_ctx.db) == ("", "Calle 35 # 10-43, Centro")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_slip_prints_the_office_phone_and_address(admin_ctx, ctx_for, slip_number, language) -> None:
    office.set_setting(admin_ctx, "office_phone", "+57 607 634 5678")
    office.set_setting(admin_ctx, "office_address", "Calle 35 # 10-43, Centro")
    set_language(language)
    text = " ".join(_text(referrals.slip_pdf(ctx_for("clerk"), slip_number)).split())
    tel = {"en": "Tel.: +57 607 634 5678", "es": "Tel.: +57 607 634 5678"}[language]
    call = {"en": "call the office at +57 607 634 5678 with the slip number",
            "es": "llame a la oficina al +57 607 634 5678 con el número de la hoja"}[language]
    assert tel in text and "Calle 35 # 10-43, Centro" in text and "Bucaramanga" in text
    assert call in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_without_phone_or_address_the_slip_prints_no_empty_labels(ctx_for, slip_number, language) -> None:
    set_language(language)
    text = " ".join(_text(referrals.slip_pdf(ctx_for("clerk"), slip_number)).split())
    assert "Tel." not in text and "Bucaramanga" in text
    assert {"en": "call the office with the slip number",
            "es": "llame a la oficina con el número de la hoja"}[language] in text
    assert " at with" not in text and " al con" not in text
