"""Hostile files for the importers, built small on disk with zipfile, and a runner that imports them.

The shapes are the ones that took gigabytes or hung before imports were bounded (issue 18):
a cell at XFD1048576, a merged range over the whole sheet, one enormous shared string, two
million rows in a small file, a 200 MB CSV, an HSDS zip of huge non-HSDS members, a symlink in
an HSDS folder, XML entity bombs. :func:`mutations` adds seeded random damage to them.

``python tests/safety/hostile.py DB FILE…`` imports each file with every importer that takes it
(roster, directory spreadsheet, HSDS package) as the administrator of DB and prints one JSON line
per import: outcome (``imported`` / ``refused``), message, seconds, and the process's peak memory.
Anything but a translated refusal is printed as ``crashed`` with its traceback.
"""

from __future__ import annotations

import json
import random
import struct
import sys
import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Lista" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'sharedStrings" Target="sharedStrings.xml"/></Relationships>')
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER = ("Nombres", "Apellidos", "Cédula", "Entidad", "Servicio", "Organización")
BOMB_DTD = ('<!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
            + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
            + "]>")


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    return '<row r="1">' + "".join(_cell(f"{chr(65 + i)}1", h) for i, h in enumerate(HEADER)) + "</row>"


def data_row(n: int) -> str:
    values = ("Ana", "Ruiz", str(10_000_000 + n), "ICBF", "Orientación", "Fundación Ejemplo")
    return f'<row r="{n}">' + "".join(_cell(f"{chr(65 + i)}{n}", v) for i, v in enumerate(values)) + "</row>"


def sheet_xml(rows: str, after: str = "", before: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}">'
            f"{before}<sheetData>{rows}</sheetData>{after}</worksheet>")


def xlsx(path: Path, sheet: str | None = None, shared: str | None = None, workbook: str = WORKBOOK,
         sheet_chunks=None) -> Path:
    """A minimal workbook; ``sheet_chunks`` (an iterable of str) streams a big sheet into the zip."""
    shared = shared if shared is not None else f'<sst xmlns="{MAIN}" count="0" uniqueCount="0"></sst>'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("[Content_Types].xml", CONTENT_TYPES)
        zf.writestr("_rels/.rels", ROOT_RELS)
        zf.writestr("xl/workbook.xml", workbook)
        zf.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        zf.writestr("xl/sharedStrings.xml", shared)
        if sheet_chunks is not None:
            with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
                for chunk in sheet_chunks:
                    fh.write(chunk.encode())
        else:
            zf.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml(header_row()))
    return path


def _zeros(fh, size: int) -> None:
    block = b"\0" * (1 << 20)
    for _ in range(size >> 20):
        fh.write(block)


# --- the shapes ---------------------------------------------------------------------------------


def far_cell(folder: Path) -> Path:
    """5 KB: a list and one cell at XFD1048576 (declared dimension A1:XFD1048576)."""
    rows = header_row() + data_row(2) + '<row r="1048576">' + _cell("XFD1048576", "x") + "</row>"
    return xlsx(folder / "celda-lejana.xlsx", sheet_xml(rows, before='<dimension ref="A1:XFD1048576"/>'))


def merged_everything(folder: Path) -> Path:
    """A list whose sheet merges A1:XFD1048576."""
    rows = header_row() + "".join(data_row(n) for n in range(2, 6))
    return xlsx(folder / "combinada.xlsx", sheet_xml(rows, after='<mergeCells count="1">'
                                                                 '<mergeCell ref="A1:XFD1048576"/></mergeCells>'))


def huge_shared_string(folder: Path, size: int = 40_000_000) -> Path:
    """One shared string of 40 million characters (about 40 KB compressed)."""
    path = folder / "cadena-enorme.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet_xml(header_row() + '<row r="2"><c r="A2" t="s">'
                                                                  '<v>0</v></c></row>'))):
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>'.encode())
            block = b"a" * (1 << 20)
            for _ in range(size >> 20):
                fh.write(block)
            fh.write(b"</t></si></sst>")
    return path


def rich_text_runs(folder: Path, runs: int = 1_000_000) -> Path:
    """One shared string made of a million rich-text runs (16 MB of XML, about 50 KB compressed)."""
    path = folder / "un-millon-de-tramos.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet_xml(header_row() + '<row r="2"><c r="A2" t="s">'
                                                                  '<v>0</v></c></row>'))):
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w") as fh:
            fh.write(f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si>'.encode())
            fh.write(b"<r><t>a</t></r>" * runs)
            fh.write(b"</si></sst>")
    return path


def rich_text_cell(folder: Path, runs: int = 1_000_000) -> Path:
    """One inline cell made of a million rich-text runs."""
    def chunks():
        yield (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>' + header_row()
               + '<row r="2"><c r="A2" t="inlineStr"><is>')
        for _ in range(runs // 10_000):
            yield "<r><t>a</t></r>" * 10_000
        yield "</is></c></row></sheetData></worksheet>"
    return xlsx(folder / "celda-de-tramos.xlsx", sheet_chunks=chunks())


def oversized_member(folder: Path, size: int = 300 * (1 << 20)) -> Path:
    """A workbook whose shared strings unpack to 300 MB (compressed: 300 KB)."""
    path = folder / "miembro-enorme.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in (("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", ROOT_RELS),
                           ("xl/workbook.xml", WORKBOOK), ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
                           ("xl/worksheets/sheet1.xml", sheet_xml(header_row()))):
            zf.writestr(name, text)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(f'<sst xmlns="{MAIN}"><si><t>'.encode())
            _zeros(fh, size)
    return path


def two_million_rows(folder: Path) -> Path:
    """Two million rows (about 30 KB on disk; rows without numbers count on from the header)."""
    def chunks():
        yield f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>' + header_row()
        for _ in range(40):
            yield "<row/>" * 50_000
        yield "</sheetData></worksheet>"
    return xlsx(folder / "dos-millones.xlsx", sheet_chunks=chunks())


def entity_bomb(folder: Path) -> Path:
    """A billion-laughs DTD in the shared strings, used by a cell."""
    shared = (f'<?xml version="1.0"?>{BOMB_DTD}<sst xmlns="{MAIN}" count="1" uniqueCount="1">'
              "<si><t>&lol9;</t></si></sst>")
    rows = header_row() + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return xlsx(folder / "bomba-entidades.xlsx", sheet_xml(rows), shared=shared)


def entity_bomb_in_sheet(folder: Path) -> Path:
    sheet = (f'<?xml version="1.0"?>{BOMB_DTD.replace("lolz", "worksheet")}<worksheet xmlns="{MAIN}"><sheetData>'
             + header_row() + '<row r="2">' + _cell("A2", "&lol9;") + "</row></sheetData></worksheet>")
    return xlsx(folder / "bomba-en-hoja.xlsx", sheet)


def big_csv(folder: Path) -> Path:
    """200 MB of CSV (sparse on disk)."""
    path = folder / "enorme.csv"
    with path.open("wb") as fh:
        fh.write("Nombres;Apellidos;Cédula\n".encode())
        fh.truncate(200 * 1024 * 1024)
    return path


def many_rows_csv(folder: Path) -> Path:
    """45 MB of CSV rows, past the row limit."""
    path = folder / "muchas-filas.csv"
    line = "Ana;Ruiz;1098765432;ICBF;Orientación\n".encode()
    with path.open("wb") as fh:
        fh.write("Nombres;Apellidos;Cédula;Entidad;Servicio\n".encode())
        fh.write(line * (45_000_000 // len(line)))
    return path


def long_line_csv(folder: Path) -> Path:
    """One 40 MB line of short cells."""
    path = folder / "linea-larga.csv"
    with path.open("wb") as fh:
        fh.write(b"Nombres;Apellidos;C\xc3\xa9dula\n")
        fh.write(b"ab;" * 13_000_000)
    return path


def hsds_descriptor() -> bytes:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from desktop.services.directory.hsds import descriptor_bytes

    return descriptor_bytes()


def hsds_junk_zip(folder: Path, members: int = 5, size: int = 50 * (1 << 20)) -> Path:
    """An HSDS zip with a real descriptor and 250 MB of non-HSDS members (about 250 KB on disk)."""
    path = folder / "paquete-basura.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("datapackage.json", hsds_descriptor())
        zf.writestr("organizations.csv", "id,name,description\n")
        for n in range(members):
            with zf.open(f"anexo-{n}.csv" if n % 2 else f"video-{n}.bin", "w", force_zip64=True) as fh:
                _zeros(fh, size)
    return path


def hsds_big_table_zip(folder: Path, size: int = 120 * (1 << 20)) -> Path:
    """An HSDS zip whose services.csv unpacks to 120 MB."""
    path = folder / "tabla-enorme.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("datapackage.json", hsds_descriptor())
        with zf.open("services.csv", "w", force_zip64=True) as fh:
            fh.write(b"id,organization_id,name,status\n")
            _zeros(fh, size)
    return path


def hsds_many_rows_zip(folder: Path, size: int = 45_000_000) -> Path:
    """An HSDS zip whose organizations.csv holds 45 MB of real rows, past the row limit."""
    path = folder / "muchas-organizaciones.zip"
    line = b"3fa85f64-5717-4562-b3fc-2c963f66afa6,Fundaci\xc3\xb3n Ejemplo de Atenci\xc3\xb3n,Apoyo a migrantes\n"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("datapackage.json", hsds_descriptor())
        with zf.open("organizations.csv", "w") as fh:
            fh.write(b"id,name,description\n")
            fh.write(line * (size // len(line)))
    return path


def lying_zip(folder: Path) -> Path:
    """An HSDS zip whose directory says organizations.csv is 100 bytes; it unpacks to 200 MB."""
    path = folder / "tamano-falso.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        zf.writestr("datapackage.json", hsds_descriptor())
        with zf.open("organizations.csv", "w", force_zip64=False) as fh:
            fh.write(b"id,name,description\n")
            for _ in range(200):
                fh.write(b"x" * (1 << 20))
    data = bytearray(path.read_bytes())
    _patch_sizes(data, "organizations.csv", 100)
    path.write_bytes(bytes(data))
    return path


def _patch_sizes(data: bytearray, name: str, size: int) -> None:
    """Write ``size`` as the unpacked size of ``name`` in the local header and the central directory."""
    raw = name.encode()
    at = data.find(b"PK\x03\x04")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 26)[0]
        if bytes(data[at + 30:at + 30 + name_len]) == raw:
            struct.pack_into("<I", data, at + 22, size)
        at = data.find(b"PK\x03\x04", at + 4)
    at = data.find(b"PK\x01\x02")
    while at >= 0:
        name_len = struct.unpack_from("<H", data, at + 28)[0]
        if bytes(data[at + 46:at + 46 + name_len]) == raw:
            struct.pack_into("<I", data, at + 24, size)
        at = data.find(b"PK\x01\x02", at + 4)


def hsds_symlink_folder(folder: Path) -> Path:
    """An HSDS folder whose services.csv is a link to /dev/zero and locations.csv a link out of the folder."""
    pkg = folder / "paquete-enlaces"
    pkg.mkdir()
    (pkg / "datapackage.json").write_bytes(hsds_descriptor())
    (pkg / "organizations.csv").write_text("id,name,description\n3fa85f64-5717-4562-b3fc-2c963f66afa6,Fundación,"
                                           "Apoyo\n", encoding="utf-8")
    outside = folder / "fuera.csv"
    outside.write_text("id,name\n3fa85f64-5717-4562-b3fc-2c963f66afa7,Secreto\n", encoding="utf-8")
    (pkg / "locations.csv").symlink_to(outside)
    (pkg / "services.csv").symlink_to("/dev/zero")
    return pkg


def hsds_linked_descriptor(folder: Path) -> Path:
    pkg = folder / "descriptor-enlazado"
    pkg.mkdir()
    target = folder / "descriptor.json"
    target.write_bytes(hsds_descriptor())
    (pkg / "datapackage.json").symlink_to(target)
    return pkg


SHAPES = {
    "cell at XFD1048576": far_cell,
    "merged A1:XFD1048576": merged_everything,
    "one 40 MB shared string": huge_shared_string,
    "shared strings unpacking to 300 MB": oversized_member,
    "a shared string of a million runs": rich_text_runs,
    "a cell of a million runs": rich_text_cell,
    "2 million rows (XLSX)": two_million_rows,
    "entity bomb in shared strings": entity_bomb,
    "entity bomb in the sheet": entity_bomb_in_sheet,
    "200 MB CSV": big_csv,
    "45 MB CSV past the row limit": many_rows_csv,
    "one 40 MB CSV line": long_line_csv,
    "HSDS zip of 250 MB of non-HSDS members": hsds_junk_zip,
    "HSDS zip with a 120 MB table": hsds_big_table_zip,
    "HSDS zip with 45 MB of rows": hsds_many_rows_zip,
    "HSDS zip with a lying size": lying_zip,
    "HSDS folder with symlinks": hsds_symlink_folder,
    "HSDS folder with a linked descriptor": hsds_linked_descriptor,
}


# --- mutations ----------------------------------------------------------------------------------


def _rezip(members: dict[str, bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _flip(rng: random.Random, data: bytes, flips: int) -> bytes:
    out = bytearray(data)
    for _ in range(flips):
        if not out:
            break
        i = rng.randrange(len(out))
        choice = rng.random()
        if choice < 0.5:
            out[i] = rng.randrange(256)
        elif choice < 0.7:
            del out[i:i + rng.randrange(1, 64)]
        elif choice < 0.9:
            out[i:i] = out[max(0, i - 200):i] * rng.randrange(1, 20)
        else:
            out[i:i] = rng.choice([b"<", b">", b"&", b"\"", b"<!ENTITY a 'b'>", b"\xff\xfe", b"\0", b"]]>"])
    return bytes(out)


def valid_roster(folder: Path, rows: int = 20) -> Path:
    body = header_row() + "".join(data_row(n) for n in range(2, rows + 2))
    return xlsx(folder / "valida.xlsx", sheet_xml(body, after='<mergeCells count="1"><mergeCell ref="D2:D5"/>'
                                                              "</mergeCells>"))


def mutations(folder: Path, count: int, seed: int = 18) -> list[Path]:
    """``count`` damaged files: byte flips in the zip itself, in one XML member, in CSV and HSDS tables."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    base = valid_roster(folder)
    with zipfile.ZipFile(base) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    raw = base.read_bytes()
    csv_text = ("Nombres;Apellidos;Cédula;Entidad\n" + "".join(
        f"Ana;Ruiz;{10_000_000 + n};ICBF\n" for n in range(30))).encode()
    hsds = hsds_descriptor()
    org = b"id,name,description\n3fa85f64-5717-4562-b3fc-2c963f66afa6,Fundaci\xc3\xb3n,Apoyo\n"
    out = []
    for n in range(count):
        kind = n % 4
        if kind == 0:
            path = folder / f"m{n}.xlsx"
            path.write_bytes(_flip(rng, raw, rng.randrange(1, 12)))
        elif kind == 1:
            name = rng.choice(sorted(members))
            changed = dict(members)
            changed[name] = _flip(rng, members[name], rng.randrange(1, 30))
            path = _rezip(changed, folder / f"m{n}.xlsx")
        elif kind == 2:
            path = folder / f"m{n}.csv"
            path.write_bytes(_flip(rng, csv_text, rng.randrange(1, 40)))
        else:
            files = {"datapackage.json": hsds if rng.random() < 0.7 else _flip(rng, hsds, 20),
                     "organizations.csv": _flip(rng, org, rng.randrange(0, 10))}
            path = _rezip(files, folder / f"m{n}.zip")
            if rng.random() < 0.5:
                path.write_bytes(_flip(rng, path.read_bytes(), rng.randrange(1, 6)))
        out.append(path)
    return out


# --- the runner ---------------------------------------------------------------------------------


def importers_for(path: Path) -> list[str]:
    if path.is_dir() or path.suffix.lower() == ".zip":
        return ["hsds"]
    return ["roster", "sheet"]


def _peak_mb() -> int:
    """This process's peak resident memory since it started (VmHWM: unlike ru_maxrss, not inherited
    from the forking parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def run(db_path: Path, files: list[Path]) -> None:
    import time
    import traceback

    from sqlalchemy import func, select

    from desktop.i18n import set_language
    from desktop.services import office, training
    from desktop.services.core.context import AppContext
    from desktop.services.core.errors import EnlaceError
    from desktop.services.directory import hsds, sheet
    from desktop.services.security import auth
    from desktop.services.training import roster_import
    from desktop.store.database import open_database
    from desktop.store.models import Enrollment, Participant, User
    from desktop.store.models.directory import Organization, Service

    set_language("en")
    db = open_database(db_path)
    with db.session() as session:
        ctx = AppContext(db, auth.actor_for(session.scalar(select(User).where(User.username == "admin"))))
    course = training.course_by_code(ctx, "HOSTIL")

    def counts() -> tuple[int, ...]:
        with db.session() as session:
            return tuple(session.scalar(select(func.count()).select_from(m))
                         for m in (Participant, Enrollment, Organization, Service))

    for path in files:
        for importer in importers_for(path):
            before = counts()
            started = time.perf_counter()
            outcome, message = "imported", ""
            try:
                if importer == "roster":
                    table = roster_import.read_spreadsheet_file(path, office.import_limits(db))
                    preview = roster_import.preview_import(ctx, table, path.name, course.id)
                    roster_import.apply_import(ctx, preview)
                elif importer == "sheet":
                    sheet.import_sheet(ctx, path)
                else:
                    preview, _result = hsds.import_package(ctx, path)
                    message = "; ".join(preview.notices)
            except EnlaceError as exc:
                outcome, message = "refused", str(exc)
            except Exception:  # what the test is looking for
                outcome, message = "crashed", traceback.format_exc()
            seconds = time.perf_counter() - started
            after = counts()
            partial = outcome != "imported" and after != before
            peak = _peak_mb()
            print(json.dumps({"file": path.name, "importer": importer, "outcome": outcome, "message": message,
                              "seconds": round(seconds, 3), "peak_mb": peak, "partial": partial}), flush=True)
    db.dispose()


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    run(Path(sys.argv[1]), [Path(p) for p in sys.argv[2:]])
