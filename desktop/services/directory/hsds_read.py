"""Reading an HSDS package's container (a folder or a ``.zip``) into bytes, within the office's limits."""

from __future__ import annotations

import json
import math
import zipfile
from pathlib import Path, PurePosixPath

from desktop.i18n import _
from desktop.services.core.errors import ValidationError
from desktop.services.directory.hsds_parse import standard

MAX_FILE_BYTES = 50 * 1000 * 1000  # a "50 MB" CSV is refused before it is read


class PackageError(ValidationError):
    """The package cannot be read at all (no descriptor, broken zip, file too large, …)."""


# --- reading the container --------------------------------------------------------------------


def _too_large(name: str, size: int) -> PackageError:
    return PackageError(_("{file} is too large to import ({size} MB; the limit is {limit} MB). Split the "
                          "directory into smaller packages.").format(
        file=name, size=math.ceil(size / 1_000_000), limit=MAX_FILE_BYTES // 1_000_000))


def read_package_bytes(path: Path) -> tuple[bytes, dict[str, bytes]]:
    """Read a package folder or zip: (``datapackage.json`` bytes, {file name: bytes} of its CSVs).

    Raises ``PackageError`` with a clear message for a missing path, a broken zip, a missing
    ``datapackage.json`` or a file over the size limit. A zip may hold the package in one folder.
    """
    path = Path(path)
    if not path.exists():
        raise PackageError(_("{path} does not exist.").format(path=path))
    files: dict[str, bytes] = {}
    if path.is_dir():
        descriptor = path / "datapackage.json"
        if not descriptor.is_file():
            raise PackageError(_("{path} has no datapackage.json: it is not an Open Referral data package "
                                 "(a folder or .zip with datapackage.json and the CSV files).").format(path=path))
        for item in sorted(path.iterdir()):
            if item.is_file() and item.suffix.lower() in (".csv", ".json"):
                size = item.stat().st_size
                if size > MAX_FILE_BYTES:
                    raise _too_large(item.name, size)
                files[item.name] = item.read_bytes()
        return files.pop("datapackage.json"), {k: v for k, v in files.items() if k.lower().endswith(".csv")}
    if path.stat().st_size > 20 * MAX_FILE_BYTES:
        raise _too_large(path.name, path.stat().st_size)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = [i for i in archive.infolist() if not i.is_dir()
                     and not PurePosixPath(i.filename).name.startswith(".") and "__MACOSX" not in i.filename]
            descriptors = [i for i in infos if PurePosixPath(i.filename).name == "datapackage.json"]
            if not descriptors:
                raise PackageError(_("{path} has no datapackage.json: it is not an Open Referral data package "
                                     "(a folder or .zip with datapackage.json and the CSV files).").format(path=path))
            root = PurePosixPath(min(descriptors, key=lambda i: i.filename.count("/")).filename).parent
            for info in infos:
                item = PurePosixPath(info.filename)
                if item.parent != root or item.suffix.lower() not in (".csv", ".json"):
                    continue
                if info.file_size > MAX_FILE_BYTES:
                    raise _too_large(item.name, info.file_size)
                files[item.name] = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError) as exc:
        raise PackageError(_("{path} is not a readable zip file ({reason}). Open it on the computer it came "
                             "from, or ask for the package again.").format(path=path.name, reason=exc)) from exc
    return files.pop("datapackage.json"), {k: v for k, v in files.items() if k.lower().endswith(".csv")}


def decode_csv(data: bytes, file: str) -> tuple[str, list[str]]:
    """Bytes → text. UTF-8 (with or without BOM) is expected; Windows-1252 is read with a notice."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
        notice = _("{file} is not UTF-8; it was read as Windows-1252 (Excel's default). Check the accents "
                   "in the preview.").format(file=file)
    except UnicodeDecodeError:
        text = data.decode("latin-1")
        notice = _("{file} is not UTF-8; it was read as Latin-1. Check the accents in the preview.").format(file=file)
    return text, [notice]


def resource_files(descriptor: bytes, files: dict[str, bytes]) -> tuple[dict[str, str], list[str]]:
    """Match the package's files to the standard's tables: ({table: file name}, notices)."""
    try:
        data = json.loads(descriptor.decode("utf-8-sig"))
        if not isinstance(data, dict):
            raise ValueError(_("it is not a JSON object"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise PackageError(_("datapackage.json cannot be read: {reason}").format(reason=exc)) from exc
    spec = standard()
    declared: dict[str, str] = {}
    for resource in data.get("resources") or []:
        if isinstance(resource, dict) and resource.get("name") in spec and isinstance(resource.get("path"), str):
            declared[resource["name"]] = PurePosixPath(resource["path"]).name
    mapping, notices = {}, []
    by_lower = {name.lower(): name for name in files}
    for table, tspec in spec.items():
        for candidate in (declared.get(table), tspec.path):
            if candidate and candidate.lower() in by_lower:
                mapping[table] = by_lower[candidate.lower()]
                break
    unknown = sorted(set(files) - set(mapping.values()))
    if unknown:
        notices.append(_("Files that are not HSDS 3.0 tables were ignored: {files}").format(files=", ".join(unknown)))
    if not mapping:
        raise PackageError(_("The package holds none of the HSDS 3.0 tables (organizations.csv, services.csv, …)."))
    return mapping, notices
