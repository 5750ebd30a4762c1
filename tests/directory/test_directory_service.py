"""Search, filters, the detail summary, create/edit with validation, verification and staleness."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from desktop.i18n import set_language
from desktop.services import directory
from desktop.services.core.errors import ConflictError, PermissionDenied, ValidationError
from desktop.services.directory import SearchFilters, ServiceForm, listing
from desktop.store.models import AuditEvent
from desktop.store.models.directory import Service, ServiceExtension
from tests.directory.helpers import add_service, category, organization, population, service_form


@pytest.fixture
def org(clerk):
    return organization(clerk)


def names(rows) -> list[str]:
    return [r.name for r in rows]


@pytest.mark.parametrize("typed", ["psicologico", "PSICOLÓGICA", "psico", "atencion psi", "ayuda mutua psico",
                                   "apoyo psicosocial"])
def test_search_ignores_accents_case_and_finds_partial_words(clerk, org, typed) -> None:
    add_service(clerk, org, "Atención psicológica")
    add_service(clerk, org, "Orientación jurídica", category_ids=[category("legal")],
                description="Asesoría legal")
    assert names(directory.search(clerk, typed)) == ["Atención psicológica"]


def test_search_matches_description_organization_and_category(clerk, org) -> None:
    other = organization(clerk, "Defensoría del Pueblo")
    add_service(clerk, other, "Orientación", category_ids=[category("legal")], description="Rutas de protección")
    assert names(directory.search(clerk, "defensoria")) == ["Orientación"]
    assert names(directory.search(clerk, "juridica")) == ["Orientación"]  # category "Asistencia jurídica"
    assert names(directory.search(clerk, "proteccion rutas")) == ["Orientación"]
    assert directory.search(clerk, "inexistente") == []


def test_search_treats_like_wildcards_as_plain_text(clerk, org) -> None:
    add_service(clerk, org, "Atención psicológica")
    assert directory.search(clerk, "psi_ologica") == []  # "_" is not "any character"
    assert directory.search(clerk, "_") == []
    assert names(directory.search(clerk, "psico%")) == ["Atención psicológica"]  # punctuation is ignored


def test_renaming_an_organization_updates_what_search_finds(clerk, org) -> None:
    add_service(clerk, org, "Atención psicológica")
    form, version = directory.load_organization_form(clerk, org)
    form.name = "Corporación Nueva Esperanza"
    directory.save_organization(clerk, form, org, version)
    assert names(directory.search(clerk, "esperanza")) == ["Atención psicológica"]
    assert directory.search(clerk, "ayuda mutua") == []


def test_filters_by_category_municipality_population_language_and_referrals(clerk, org) -> None:
    add_service(clerk, org, "Psicología Bucaramanga")
    add_service(clerk, org, "Comedor Girón", category_ids=[category("food")], city="Girón",
                population_ids=[population("host_community")], languages=["es", "en"], accepts_referrals=False)
    search = lambda **kw: names(directory.search(clerk, SearchFilters(**kw)))  # noqa: E731
    assert search(category_id=category("food")) == ["Comedor Girón"]
    assert search(municipality="Girón") == ["Comedor Girón"]
    assert search(population_id=population("in_transit")) == ["Psicología Bucaramanga"]
    assert search(language="en") == ["Comedor Girón"]
    assert search(accepts_referrals=True) == ["Psicología Bucaramanga"]
    assert search(text="comedor", municipality="Bucaramanga") == []
    options = directory.filter_options(clerk)
    assert options.municipalities == ["Bucaramanga", "Girón"]
    assert ("en", "English") in options.languages or ("en", "inglés") in options.languages
    assert {name for _id, name in options.categories} == {"Apoyo psicosocial", "Alimentación"}


def test_open_now_follows_the_weekly_schedule(clerk, org) -> None:
    add_service(clerk, org, "Mañanas")  # weekdays 8-12 and 14-17
    add_service(clerk, org, "Sábados", hours=[directory.HoursForm(["SA"], "8:00", "12:00")])
    monday_9 = datetime(2026, 11, 23, 9, 0)
    monday_13 = datetime(2026, 11, 23, 13, 0)
    saturday_10 = datetime(2026, 11, 28, 10, 0)
    open_at = lambda when: names(directory.search(clerk, SearchFilters(open_now=True), now=when))  # noqa: E731
    assert open_at(monday_9) == ["Mañanas"]
    assert open_at(monday_13) == []
    assert open_at(saturday_10) == ["Sábados"]


def test_inactive_and_deleted_services_leave_the_list(clerk, org) -> None:
    closed = add_service(clerk, org, "Cerrado", status="inactive")
    gone = add_service(clerk, org, "Borrado")
    add_service(clerk, org, "Abierto")
    directory.delete_service(clerk, gone)
    assert names(directory.search(clerk, "")) == ["Abierto"]
    assert "Cerrado" in names(directory.search(clerk, SearchFilters(include_inactive=True)))
    assert directory.service_summary(clerk, closed).status == "inactive"


def test_summary_reads_in_plain_spanish(clerk, org) -> None:
    set_language("es")
    sid = add_service(clerk, org, "Atención psicológica", minimum_age="12", maximum_age="60")
    s = directory.service_summary(clerk, sid)
    assert s.hours == "lunes a viernes, 8:00–12:00 y 14:00–17:00"
    assert s.address == "Calle 35 # 12-45, Centro, Bucaramanga, Santander"
    assert s.phone == "607 634 5678 (ext. 12)"
    assert s.organization_name == "Fundación Ayuda Mutua"
    assert s.referral_contact == "Laura Díaz · 310 555 1234"
    assert s.required_documents == ["Documento de identidad"]
    assert "12" in s.eligibility and "60" in s.eligibility
    assert s.accepts_referrals and s.stale  # never verified
    assert s.categories == ["Apoyo psicosocial"]


def test_summary_works_from_a_session_inside_another_transaction(clerk, org) -> None:
    sid = add_service(clerk, org)
    with clerk.db.transaction() as session:
        assert directory.service_summary(session, sid).name == "Atención psicológica"
    assert directory.service_summary(clerk.db, sid).id == sid


def test_unknown_service_summary_is_not_found(clerk) -> None:
    import uuid

    from desktop.services.core.errors import NotFound

    with pytest.raises(NotFound):
        directory.service_summary(clerk, uuid.uuid4())


@pytest.mark.parametrize(("field", "overrides"), [
    ("name", {"name": "  "}),
    ("email", {"email": "correo@"}),
    ("url", {"url": "www.example.org"}),
    ("phones.0", {"phones": [directory.PhoneForm("12")]}),
    ("referral_contact_phone", {"referral_contact_phone": "abc"}),
    ("referral_contact_email", {"referral_contact_email": "no es correo"}),
    ("minimum_age", {"minimum_age": "doce"}),
    ("maximum_age", {"minimum_age": "18", "maximum_age": "10"}),
    ("postal_code", {"postal_code": ""}),
    ("city", {"city": ""}),
    ("hours.0", {"hours": [directory.HoursForm(["MO"], "14:00", "8:00")]}),
    ("hours.0", {"hours": [directory.HoursForm([], "8:00", "12:00")]}),
    ("hours.0", {"hours": [directory.HoursForm(["MO"], "8 de la mañana", "12:00")]}),
])
def test_bad_fields_are_refused_with_the_field_named(clerk, org, field, overrides) -> None:
    with pytest.raises(ValidationError) as info:
        add_service(clerk, org, **overrides)
    assert field in info.value.fields
    assert directory.search(clerk, SearchFilters(include_inactive=True)) == []


def test_a_service_needs_an_organization(clerk) -> None:
    with pytest.raises(ValidationError) as info:
        directory.save_service(clerk, ServiceForm(organization_id=None, name="Sin entidad"))
    assert "organization_id" in info.value.fields


def test_editing_keeps_children_in_step_and_records_the_change(clerk, org) -> None:
    sid = add_service(clerk, org)
    form, version = directory.load_service_form(clerk, sid)
    assert form.hours[0].days == ["MO", "TU", "WE", "TH", "FR"] and form.hours[1].opens_at == "14:00"
    form.phones = [directory.PhoneForm("315 222 3344", "", "cell")]
    form.hours = [directory.HoursForm(["SA"], "9:00", "13:00")]
    form.accepts_referrals = False
    directory.save_service(clerk, form, sid, version)
    s = directory.service_summary(clerk, sid)
    assert s.phones == ["315 222 3344 (mobile)"]
    assert s.hours_lines == ["Saturday, 9:00–13:00"]
    assert not s.accepts_referrals
    assert s.version == version + 1
    with clerk.db.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.entity == "service")).all()
    assert actions == ["create", "update"]


def test_a_save_over_someone_elses_change_is_refused(clerk, org, ctx_for) -> None:
    sid = add_service(clerk, org)
    form, version = directory.load_service_form(clerk, sid)
    other_form, other_version = directory.load_service_form(ctx_for("admin"), sid)
    other_form.name = "Cambiado por otra persona"
    directory.save_service(ctx_for("admin"), other_form, sid, other_version)
    form.name = "Mi cambio"
    with pytest.raises(ConflictError):
        directory.save_service(clerk, form, sid, version)
    assert directory.service_summary(clerk, sid).name == "Cambiado por otra persona"


def test_mark_as_verified_records_who_and_when_and_clears_the_flag(clerk, org) -> None:
    sid = add_service(clerk, org)
    assert directory.search(clerk, "")[0].stale
    day = directory.mark_verified(clerk, sid)
    row = directory.search(clerk, "")[0]
    assert not row.stale and row.last_verified_on == day
    assert directory.service_summary(clerk, sid).last_verified_by == "Clerk Pérez"


def test_stale_after_follows_the_office_setting(clerk, org, admin_ctx) -> None:
    from desktop.services import office

    sid = add_service(clerk, org)
    with clerk.db.transaction() as session:
        session.execute(update(ServiceExtension).where(ServiceExtension.service_id == sid)
                        .values(last_verified_on=date.today() - timedelta(days=100)))
    assert not directory.search(clerk, "")[0].stale  # 100 days < 6 months
    office.set_setting(admin_ctx, "stale_after_months", 3)
    assert directory.search(clerk, "")[0].stale
    assert names(directory.search(clerk, SearchFilters(stale_only=True))) == ["Atención psicológica"]


def test_trainers_see_the_directory_but_cannot_change_it(ctx_for, clerk, org) -> None:
    add_service(clerk, org)
    trainer = ctx_for("trainer")
    assert len(directory.search(trainer, "")) == 1
    with pytest.raises(PermissionDenied):
        directory.save_service(trainer, service_form(org, "Otro"))
    with pytest.raises(PermissionDenied):
        directory.mark_verified(trainer, directory.search(trainer, "")[0].id)


def test_organization_needs_a_name_and_description(clerk) -> None:
    with pytest.raises(ValidationError) as info:
        directory.save_organization(clerk, directory.OrganizationForm("", "", email="x@", website="ftp:/x"))
    assert set(info.value.fields) == {"name", "description", "email", "website"}


def test_seeding_catalogs_twice_changes_nothing(clerk) -> None:
    with clerk.db.transaction() as session:
        directory.seed_catalogs(session)
        directory.seed_catalogs(session)
        count = len(session.scalars(select(Service)).all())
    assert count == 0


def test_search_pages_come_in_name_order_with_a_capped_count(clerk, org, monkeypatch) -> None:
    for n in range(7):
        add_service(clerk, org, f"Servicio {n}", phones=[], hours=[], required_documents=[])
    first = directory.search_page(clerk, SearchFilters(text="servicio"), limit=3)
    assert [r.name for r in first.rows] == ["Servicio 0", "Servicio 1", "Servicio 2"]
    assert (first.total, first.stale, first.capped) == (7, 7, False)
    rest = directory.search_page(clerk, SearchFilters(text="servicio"), offset=3, limit=10)
    assert [r.name for r in rest.rows] == [f"Servicio {n}" for n in range(3, 7)]
    monkeypatch.setattr(listing, "COUNT_CAP", 5)
    capped = directory.search_page(clerk, SearchFilters(text="servicio"), limit=3)
    assert capped.capped and capped.stale is None
    assert directory.search_page(clerk, SearchFilters(text="nada"), limit=3).total == 0
