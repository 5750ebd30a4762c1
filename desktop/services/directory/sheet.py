"""Import the directory from a spreadsheet (XLSX or CSV), one row per service, as offices keep it in Excel.

Steps: :func:`read_sheet` (file → header and rows), :func:`guess_mapping` (which column is which,
from Spanish or English headers), :func:`parse_sheet_rows` (rows → validated services and rejected
rows; pure, fuzzable), :func:`preview_sheet` (what would change) and :func:`apply_sheet` (one
transaction). Rows become HSDS records with ids derived from organization and service name, so
importing the same sheet again updates the same records instead of duplicating them.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, select, update

from desktop.i18n import N_, _, language_name
from desktop.services import office
from desktop.services.core.bounded import (
    ImportLimits,
    LimitExceeded,
    bounded_lines,
    csv_rows,
    detect_encoding,
    read_file,
    read_xlsx,
    text_stream,
)
from desktop.services.core.context import AppContext
from desktop.services.core.errors import Cancelled, ValidationError
from desktop.services.core.permissions import Permission
from desktop.services.directory import (
    CATEGORIES,
    CATEGORY_TAXONOMY_ID,
    POPULATION_TAXONOMY_ID,
    POPULATIONS,
    normalize,
    seed_catalogs,
    term_id,
    valid_email,
    valid_phone,
    valid_url,
)
from desktop.services.directory.hours import parse_hours_text
from desktop.services.directory.hsds import (
    IsCancelled,
    PackageError,
    Progress,
    Reject,
    TableCounts,
    _diff,
    apply_tables,
    standard,
)
from desktop.services.security import audit
from desktop.store.models import Office
from desktop.store.models.directory import Organization, Service, ServiceExtension

SHEET_NAMESPACE = uuid.UUID("0b7d3f5e-8c1a-4d6b-9f2e-5a4c3b2d1e0f")


@dataclass(frozen=True)
class SheetField:
    key: str
    label: str  # N_-marked, translated at use
    required: bool
    synonyms: tuple[str, ...]  # folded header words that mean this field


SHEET_FIELDS: tuple[SheetField, ...] = (
    SheetField("organization", N_("Organization"), True,
               ("entidad", "organizacion", "institucion", "organization", "entidad responsable", "nombre entidad")),
    SheetField("service", N_("Service"), True, ("servicio", "service", "nombre del servicio", "programa", "oferta")),
    SheetField("description", N_("Description"), False, ("descripcion", "description", "detalle", "que ofrece")),
    SheetField("category", N_("Category"), False, ("categoria", "sector", "tipo de servicio", "category", "area")),
    SheetField("address", N_("Address"), False, ("direccion", "address", "sede", "ubicacion")),
    SheetField("municipality", N_("Municipality"), False, ("municipio", "ciudad", "city", "municipality")),
    SheetField("department", N_("Department or state"), False,
               ("departamento", "estado", "provincia", "state", "region")),
    SheetField("postal_code", N_("Postal code"), False, ("codigo postal", "postal", "zip", "cp")),
    SheetField("phone", N_("Phone"), False,
               ("telefono", "telefonos", "celular", "phone", "tel", "contacto telefonico")),
    SheetField("email", N_("Email"), False, ("correo", "correo electronico", "email", "e-mail", "mail")),
    SheetField("website", N_("Website"), False, ("pagina web", "sitio web", "web", "website", "url", "enlace")),
    SheetField("hours", N_("Opening hours"), False, ("horario", "horarios", "horario de atencion", "hours",
                                                     "dias y horas")),
    SheetField("population", N_("Population served"), False, ("poblacion", "poblacion atendida", "population",
                                                              "dirigido a")),
    SheetField("languages", N_("Languages"), False, ("idioma", "idiomas", "languages", "lenguas")),
    SheetField("eligibility", N_("Eligibility"), False, ("requisitos", "criterios", "eligibility", "quien puede")),
    SheetField("documents", N_("Required documents"), False, ("documentos", "documentos requeridos",
                                                              "documentacion", "documents")),
    SheetField("cost", N_("Cost"), False, ("costo", "costos", "valor", "tarifa", "cost", "precio")),
    SheetField("accepts_referrals", N_("Accepts referrals"), False, ("recibe remisiones", "acepta remisiones",
                                                                     "remisiones", "accepts referrals")),
    SheetField("referral_contact", N_("Referral contact person"), False,
               ("contacto", "persona de contacto", "contacto remision", "responsable", "enlace remision")),
    SheetField("referral_phone", N_("Referral contact phone"), False, ("telefono contacto", "telefono remision",
                                                                       "celular contacto")),
    SheetField("referral_email", N_("Referral contact email"), False, ("correo contacto", "correo remision",
                                                                       "email contacto")),
    SheetField("notes", N_("Internal notes"), False, ("observaciones", "notas", "notes", "comentarios")),
)
FIELD_KEYS = tuple(f.key for f in SHEET_FIELDS)


@dataclass
class SheetData:
    headers: list[str]
    rows: list[list[str]]
    notices: list[str] = field(default_factory=list)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time() else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).strip()


def read_sheet(path: Path | str, limits: ImportLimits | None = None) -> SheetData:
    """The first worksheet of an XLSX, or a CSV (comma or semicolon, UTF-8 or Windows-1252).

    Streamed within ``limits`` (the office's import limits; safe defaults when None): past one,
    LimitExceeded names it and nothing is kept.
    """
    path = Path(path)
    limits = limits or ImportLimits()
    if not path.is_file():
        raise PackageError(_("{path} does not exist.").format(path=path))
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise PackageError(_("Choose an Excel workbook (.xlsx) or a CSV file."))
    data = read_file(path, limits)
    notices: list[str] = []
    if suffix in (".xlsx", ".xlsm"):
        try:
            sheets = read_xlsx(data, path.name, limits, first_only=True)
        except LimitExceeded:
            raise
        except ValidationError as exc:
            raise PackageError(_("{file} cannot be read as an Excel workbook ({reason}).").format(
                file=path.name, reason=exc)) from exc
        rows = [[_cell(v) for v in row] for row in sheets[0].rows] if sheets else []
    else:
        encoding = detect_encoding(data)
        if encoding == "cp1252":
            notices = [_("{file} is not UTF-8; it was read as Windows-1252 (Excel's default). Check the accents "
                         "in the preview.").format(file=path.name)]
        sample = data[:4096].decode(encoding, errors="replace")
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        try:
            rows = [[c.strip() for c in row] for row in csv_rows(
                bounded_lines(text_stream(data, encoding), path.name, limits), path.name, limits, delimiter)]
        except csv.Error as exc:
            raise PackageError(_("{file} is not a readable CSV ({reason}).").format(
                file=path.name, reason=exc)) from exc
    del data
    first = next((i for i, row in enumerate(rows) if any(row)), None)
    if first is None:
        raise PackageError(_("{file} is empty.").format(file=path.name))
    headers = rows[first]
    width = len(headers)
    body = [(r + [""] * width)[:max(width, len(r))] for r in rows[first + 1:]]
    return SheetData(headers, body, notices)


def guess_mapping(headers: Sequence[str], remembered: dict[str, str] | None = None) -> dict[str, int]:
    """Field key → column index, from a remembered mapping (by header text) or the header words."""
    folded = [normalize(h) for h in headers]
    mapping: dict[str, int] = {}
    for key, header in (remembered or {}).items():
        if key in FIELD_KEYS and normalize(header) in folded:
            mapping[key] = folded.index(normalize(header))
    taken = set(mapping.values())
    # Exact synonyms first, then headers that start with one ("Teléfono fijo", "Correo electrónico de contacto").
    for exact in (True, False):
        for spec in SHEET_FIELDS:
            if spec.key in mapping:
                continue
            for index, name in enumerate(folded):
                if index in taken or not name:
                    continue
                if (name in spec.synonyms) if exact else any(name.startswith(s + " ") for s in spec.synonyms):
                    mapping[spec.key] = index
                    taken.add(index)
                    break
    return mapping


def mapping_by_header(headers: Sequence[str], mapping: dict[str, int]) -> dict[str, str]:
    """The mapping as {field key: header text}, the form remembered between imports."""
    return {key: headers[index] for key, index in mapping.items() if 0 <= index < len(headers)}


@dataclass
class SheetService:
    row: int
    organization: str
    name: str
    values: dict[str, str]
    phones: list[str]
    hours: list[Any]  # directory_hours.Hours
    hours_note: str
    categories: list[uuid.UUID]
    populations: list[uuid.UUID]
    languages: list[str]
    accepts_referrals: bool
    notices: list[str] = field(default_factory=list)


@dataclass
class SheetParse:
    services: list[SheetService]
    rejects: list[Reject]
    notices: list[str]


_YES = {"si", "s", "yes", "y", "x", "1", "true", "verdadero"}
_NO = {"no", "n", "0", "false", "falso"}
_LANGUAGE_WORDS = {"espanol": "es", "castellano": "es", "spanish": "es", "ingles": "en", "english": "en",
                   "frances": "fr", "french": "fr", "portugues": "pt", "portuguese": "pt", "wayuunaiki": "guc",
                   "creole": "ht", "criollo haitiano": "ht", "lengua de senas": "csn", "lsc": "csn"}


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[;/\n]| - |,(?!\d)", text) if p.strip()]


def _lookup(names: dict[str, uuid.UUID], text: str) -> uuid.UUID | None:
    key = normalize(text)
    if key in names:
        return names[key]
    for name, tid in names.items():
        if key and (key in name or name in key):
            return tid
    return None


def default_categories() -> dict[str, uuid.UUID]:
    """Folded names and codes of Enlace's categories → term ids."""
    names = {normalize(n): term_id(CATEGORY_TAXONOMY_ID, c) for c, n, _d in CATEGORIES}
    names.update({c: term_id(CATEGORY_TAXONOMY_ID, c) for c, _n, _d in CATEGORIES})
    return names


def default_populations() -> dict[str, uuid.UUID]:
    """Folded names (and the words offices use) of Enlace's population profiles → term ids."""
    names = {normalize(n): term_id(POPULATION_TAXONOMY_ID, c) for c, n in POPULATIONS}
    names.update({normalize(w): term_id(POPULATION_TAXONOMY_ID, c) for w, c in (
        ("transito", "in_transit"), ("pendular", "pendular"), ("retornado", "returnee"),
        ("retornados", "returnee"), ("acogida", "host_community"), ("destino", "in_destination"),
        ("permanencia", "in_destination"))})
    return names


def parse_sheet_rows(headers: Sequence[str], rows: Sequence[Sequence[str]], mapping: dict[str, int],
                     file: str = "", categories: dict[str, uuid.UUID] | None = None,
                     populations: dict[str, uuid.UUID] | None = None) -> SheetParse:
    """Validate spreadsheet rows (pure). Row numbers count the header as row 1.

    ``categories``/``populations`` map folded names (and codes) to taxonomy term ids; by default
    Enlace's own. A row without organization or service name, or with a malformed email, phone
    or web address, is rejected with the field and the reason.
    """
    categories = default_categories() if categories is None else categories
    populations = default_populations() if populations is None else populations
    labels = {f.key: _(f.label) for f in SHEET_FIELDS}
    missing = [f for f in SHEET_FIELDS if f.required and f.key not in mapping]
    if missing:
        return SheetParse([], [Reject(file, 0, labels[missing[0].key],
                                      _("choose which column holds “{field}”").format(field=labels[missing[0].key]))],
                          [])
    services, rejects, notices = [], [], []
    seen: dict[tuple[str, str], int] = {}
    for offset, raw in enumerate(rows):
        number = offset + 2

        def get(key: str, raw: Sequence[str] = raw) -> str:
            index = mapping.get(key)
            return str(raw[index] or "").strip() if index is not None and 0 <= index < len(raw) else ""

        if not any(str(c).strip() for c in raw):
            continue
        org, name = get("organization"), get("service")
        problem = None
        if not org:
            problem = ("organization", _("a value is required"))
        elif not name:
            problem = ("service", _("a value is required"))
        phones = [p for p in _split(get("phone"))] if get("phone") else []
        for phone in phones:
            if problem is None and not valid_phone(phone):
                problem = ("phone", _("“{value}” is not a phone number (7 to 15 digits)").format(value=phone))
        for key in ("email", "referral_email"):
            if problem is None and get(key) and not valid_email(get(key)):
                problem = (key, _("“{value}” is not an email address").format(value=get(key)))
        if problem is None and get("referral_phone") and not valid_phone(get("referral_phone")):
            problem = ("referral_phone", _("“{value}” is not a phone number (7 to 15 digits)").format(
                value=get("referral_phone")))
        website = get("website")
        if website and not website.lower().startswith(("http://", "https://")):
            website = "https://" + website
        if problem is None and website and not valid_url(website):
            problem = ("website", _("“{value}” is not a web address").format(value=get("website")))
        accepts = get("accepts_referrals")
        if problem is None and accepts and normalize(accepts) not in _YES | _NO:
            problem = ("accepts_referrals", _("write Sí or No"))
        key = (normalize(org), normalize(name))
        if problem is None and key in seen:
            problem = ("service", _("the same organization and service are already on row {row}").format(
                row=seen[key]))
        if problem is not None:
            rejects.append(Reject(file, number, labels[problem[0]], problem[1]))
            continue
        seen[key] = number
        row_notices = []
        hours = parse_hours_text(get("hours")) if get("hours") else None
        hours_note = "" if hours or not get("hours") else get("hours")
        if hours_note:
            row_notices.append(_("{file}, row {row}: the hours “{text}” were kept as a note (they could not be "
                                 "read as days and times)").format(file=file, row=number, text=hours_note))
        found_categories = []
        for part in _split(get("category")):
            tid = _lookup(categories, part)
            if tid is None:
                row_notices.append(_("{file}, row {row}: unknown category “{text}” was left out").format(
                    file=file, row=number, text=part))
            elif tid not in found_categories:
                found_categories.append(tid)
        found_populations = []
        for part in _split(get("population")):
            tid = _lookup(populations, part)
            if tid is not None and tid not in found_populations:
                found_populations.append(tid)
        languages = []
        for part in _split(get("languages")):
            code = _LANGUAGE_WORDS.get(normalize(part)) or (part.lower() if re.fullmatch(r"[a-zA-Z]{2,3}", part)
                                                            else None)
            if code and code not in languages:
                languages.append(code)
        values = {k: get(k) for k in FIELD_KEYS}
        values["website"] = website
        services.append(SheetService(number, org, name, values, phones, hours or [], hours_note, found_categories,
                                     found_populations, languages, normalize(accepts) not in _NO if accepts else True,
                                     row_notices))
        notices.extend(row_notices)
    return SheetParse(services, rejects, notices)


# --- preview and apply ------------------------------------------------------------------------


@dataclass
class SheetPreview:
    source: str
    counts: dict[str, TableCounts]  # "organization", "service"
    rejects: list[Reject]
    notices: list[str]
    tables: dict[str, list[dict[str, Any]]]
    extensions: dict[uuid.UUID, dict[str, Any]]

    @property
    def total_rejected(self) -> int:
        return len(self.rejects)


def _row(table: str, **values: Any) -> dict[str, Any]:
    row = {f.column: None for f in standard()[table].fields}
    row.update(values)
    return row


def build_tables(parse: SheetParse, org_ids: dict[str, uuid.UUID], service_ids: dict[tuple[str, str], uuid.UUID],
                 defaults: dict[str, str] | None = None
                 ) -> tuple[dict[str, list[dict[str, Any]]], dict[uuid.UUID, dict[str, Any]]]:
    """HSDS rows for the parsed services. Ids come from the directory when it knows the organization
    or service by name, else derive from the names (the same sheet always gives the same ids).

    ``defaults`` (the office's ``city``, ``state_province``, ``country``) fill the address fields
    HSDS requires when the sheet leaves them empty."""
    defaults = {"city": "", "state_province": "", "country": "CO", **(defaults or {})}
    tables: dict[str, list[dict[str, Any]]] = {t: [] for t in (
        "organization", "service", "location", "address", "service_at_location", "phone", "schedule", "attribute",
        "language", "required_document", "cost_option")}
    extensions: dict[uuid.UUID, dict[str, Any]] = {}
    orgs_done: set[uuid.UUID] = set()
    for item in parse.services:
        v = item.values
        org_key = normalize(item.organization)
        oid = org_ids.get(org_key) or uuid.uuid5(SHEET_NAMESPACE, "org:" + org_key)
        if oid not in orgs_done and org_key not in org_ids:
            tables["organization"].append(_row("organization", id=oid, name=item.organization,
                                               description=item.organization))
        orgs_done.add(oid)
        sid = service_ids.get((org_key, normalize(item.name))) or uuid.uuid5(
            SHEET_NAMESPACE, f"service:{org_key}|{normalize(item.name)}")

        def child(kind: str, n: object = 0, sid: uuid.UUID = sid) -> uuid.UUID:
            return uuid.uuid5(sid, f"{kind}:{n}")

        tables["service"].append(_row(
            "service", id=sid, organization_id=oid, name=item.name, description=v["description"] or None,
            email=v["email"] or None, url=v["website"] or None, status="active",
            eligibility_description=v["eligibility"] or None, fees_description=v["cost"] or None))
        if v["address"] or v["municipality"]:
            lid = child("location")
            tables["location"].append(_row("location", id=lid, location_type="physical", organization_id=oid))
            tables["address"].append(_row("address", id=child("address"), location_id=lid,
                                          address_1=v["address"] or v["municipality"],
                                          city=v["municipality"] or defaults["city"] or "—",
                                          state_province=v["department"] or defaults["state_province"] or "—",
                                          postal_code=v["postal_code"] or "—", country=defaults["country"],
                                          address_type="physical"))
            tables["service_at_location"].append(_row("service_at_location", id=child("sal"), service_id=sid,
                                                       location_id=lid))
        for n, phone in enumerate(item.phones):
            tables["phone"].append(_row("phone", id=child("phone", n), service_id=sid, number=phone, type="voice"))
        for n, hours in enumerate(item.hours):
            tables["schedule"].append(_row("schedule", id=child("schedule", n), service_id=sid, freq="WEEKLY",
                                           byday=hours.byday, opens_at=hours.opens_at, closes_at=hours.closes_at))
        if item.hours_note:
            tables["schedule"].append(_row("schedule", id=child("schedule-note"), service_id=sid,
                                           description=item.hours_note))
        for tid in [*item.categories, *item.populations]:
            tables["attribute"].append(_row("attribute", id=uuid.uuid5(sid, f"attribute:{tid}"), link_id=sid,
                                            taxonomy_term_id=tid, link_type="service", link_entity="service"))
        for code in item.languages:
            tables["language"].append(_row("language", id=child("language", code), service_id=sid, code=code,
                                           name=language_name(code)))
        if v["documents"]:
            for n, doc in enumerate(_split(v["documents"])):
                tables["required_document"].append(_row("required_document", id=child("document", n),
                                                        service_id=sid, document=doc))
        extensions[sid] = {"accepts_referrals": item.accepts_referrals,
                           "referral_contact_name": v["referral_contact"] or None,
                           "referral_contact_phone": v["referral_phone"] or None,
                           "referral_contact_email": v["referral_email"] or None,
                           "internal_notes": v["notes"] or None}
    return tables, extensions


def _known_ids(session) -> tuple[dict[str, uuid.UUID], dict[tuple[str, str], uuid.UUID]]:
    orgs: dict[str, uuid.UUID] = {}
    names: dict[uuid.UUID, str] = {}
    for oid, name in session.execute(select(Organization.id, Organization.name)):
        orgs.setdefault(normalize(name), oid)
        names[oid] = normalize(name)
    services = {}
    for sid, oid, name in session.execute(select(Service.id, Service.organization_id, Service.name)):
        if oid in names:
            services.setdefault((names[oid], normalize(name)), sid)
    return orgs, services


def _term_names(session) -> tuple[dict[str, uuid.UUID], dict[str, uuid.UUID]]:
    from desktop.store.models.directory import TaxonomyTerm

    categories, populations = default_categories(), default_populations()
    for tid, name, code, taxonomy in session.execute(select(TaxonomyTerm.id, TaxonomyTerm.name, TaxonomyTerm.code,
                                                            TaxonomyTerm.taxonomy_id)):
        target = populations if taxonomy == POPULATION_TAXONOMY_ID else categories
        target.setdefault(normalize(name), tid)
        if code:
            target.setdefault(normalize(code), tid)
    return categories, populations


def preview_sheet(ctx: AppContext, path: Path | str, mapping: dict[str, int] | None = None,
                  progress: Progress | None = None, cancelled: IsCancelled | None = None,
                  sheet: SheetData | None = None) -> SheetPreview:
    """Read a spreadsheet and say what importing it would change; writes nothing.

    ``mapping`` (field key → column index) defaults to :func:`guess_mapping`. ``sheet``: the
    file as :func:`read_sheet` already read it (the mapping step), so it is not read twice.
    """
    ctx.require(Permission.IMPORT_DIRECTORY)
    if sheet is None:
        sheet = read_sheet(path, office.import_limits(ctx.db))
    if progress:
        progress(1, 3)
    if cancelled and cancelled():
        raise Cancelled()
    mapping = guess_mapping(sheet.headers) if mapping is None else mapping
    with ctx.db.session() as session:
        categories, populations = _term_names(session)
        parse = parse_sheet_rows(sheet.headers, sheet.rows, mapping, Path(path).name, categories, populations)
        orgs, services = _known_ids(session)
        profile = session.scalar(select(Office).limit(1))
        defaults = {"city": profile.municipality, "state_province": profile.region,
                    "country": profile.country} if profile else {}
        tables, extensions = build_tables(parse, orgs, services, defaults)
        counts = {}
        for table in ("organization", "service"):
            new, changed, unchanged, _restore = _diff(session, table, tables[table])
            counts[table] = TableCounts(len(new), len(changed), unchanged, 0)
        counts["service"].rejected = len(parse.rejects)
    if progress:
        progress(2, 3)
    return SheetPreview(str(path), counts, parse.rejects, sheet.notices + parse.notices, tables, extensions)


def apply_sheet(ctx: AppContext, preview: SheetPreview, progress: Progress | None = None,
                cancelled: IsCancelled | None = None) -> dict[str, TableCounts]:
    """Write the previewed services in one transaction."""
    from sqlalchemy.exc import IntegrityError

    ctx.require(Permission.IMPORT_DIRECTORY)
    try:
        return _apply_sheet(ctx, preview, progress, cancelled)
    except IntegrityError as exc:  # someone changed the directory between the preview and now
        raise ValidationError(_("The directory changed since the package was checked, so nothing was imported. "
                                "Read and check the package again.")) from exc


def _apply_sheet(ctx: AppContext, preview: SheetPreview, progress: Progress | None,
                 cancelled: IsCancelled | None) -> dict[str, TableCounts]:
    with ctx.db.transaction() as session:
        seed_catalogs(session)
        counts = apply_tables(session, preview.tables, ctx.username, progress, cancelled)
        ext = ServiceExtension.__table__
        if preview.extensions:  # one executemany, not one statement per service
            names = ("accepts_referrals", "referral_contact_name", "referral_contact_phone",
                     "referral_contact_email", "internal_notes")
            stmt = (update(ext).where(ext.c.service_id == bindparam("b_sid"))
                    .values({name: bindparam(f"b_{name}") for name in names} | {"updated_by": ctx.username}))
            session.execute(stmt.execution_options(synchronize_session=False),
                            [{"b_sid": sid, **{f"b_{name}": values[name] for name in names}}
                             for sid, values in preview.extensions.items()])
        if cancelled and cancelled():
            raise Cancelled()
        audit.record(session, ctx.username, "import", "directory", None, [],
                     {"format": "spreadsheet", "services": len(preview.tables.get("service", [])),
                      "rejected": preview.total_rejected})
    return counts


def import_sheet(ctx: AppContext, path: Path | str, mapping: dict[str, int] | None = None, *,
                 dry_run: bool = False, progress: Progress | None = None,
                 cancelled: IsCancelled | None = None) -> tuple[SheetPreview, dict[str, TableCounts] | None]:
    preview = preview_sheet(ctx, path, mapping, progress, cancelled)
    if dry_run or not preview.tables.get("service"):
        return preview, None
    return preview, apply_sheet(ctx, preview, progress, cancelled)

