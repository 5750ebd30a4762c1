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


def _long_slip(page: str):
    from datetime import date

    from desktop.documents.referral_slip import SlipData

    return SlipData(
        "Oficina de Atención al Migrante de Bucaramanga y su Área Metropolitana", "Bucaramanga", None,
        "BGA-REM-2026-00042", date(2026, 3, 4), "María de los Ángeles Guadalupe Rodríguez de la Hoz y Santamaría",
        "Cédula de extranjería 1098765432", "Atención en salud sexual y reproductiva para población migrante",
        "Cruz Roja Colombiana — Seccional Santander", "Calle 35 # 10-43, barrio Centro, frente al parque Santander",
        ["Lunes a viernes 8:00 a 12:00 y 14:00 a 17:00", "Sábados 8:00 a 12:00"], "+57 607 633 1234 ext. 120",
        "Salud", "Dolor de muela desde hace una semana; necesita valoración odontológica prioritaria", "urgent",
        "Clerk Pérez", date(2026, 3, 11), "ENLACE-REM|BGA-REM-2026-00042|2026-03-04|ABCDEFGHIJKLMNOP",
        "ABCDEFGHIJKLMNOP", page=page, office_phone="+57 607 634 5678 ext. 101",
        office_address="Carrera 19 # 34-20, Edificio Santander, oficina 302, Centro, Bucaramanga")


@pytest.mark.parametrize("page", ["Letter", "A4", "half-letter"])
def test_a_slip_with_long_values_has_no_overlapping_text(page) -> None:
    from desktop.documents.referral_slip import build_referral_slip
    from tests.pdf_layout import assert_clean_layout, pages

    set_language("es")
    pdf = build_referral_slip(_long_slip(page))
    assert_clean_layout(pdf, margin=18)
    assert len(pages(pdf)) == 1


def test_the_printed_slip_with_phone_and_address_has_no_overlapping_text(admin_ctx, ctx_for, slip_number) -> None:
    from tests.pdf_layout import assert_clean_layout

    office.set_setting(admin_ctx, "office_phone", "+57 607 634 5678")
    office.set_setting(admin_ctx, "office_address", "Carrera 19 # 34-20, Edificio Santander, oficina 302, Centro")
    for page in ("Letter", "half-letter"):
        assert_clean_layout(referrals.slip_pdf(ctx_for("clerk"), slip_number, page=page), margin=18)
