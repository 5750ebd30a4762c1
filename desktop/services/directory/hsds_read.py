"""Reading an HSDS package's container (a folder or a ``.zip``) into bytes, within the office's limits."""

from __future__ import annotations

import json
import math
import os
import zipfile
from pathlib import Path, PurePosixPath

from desktop.i18n import _
from desktop.services.core.bounded import MB, ImportLimits, LimitExceeded, check_file_size, open_zip, read_member
from desktop.services.core.errors import ValidationError
from desktop.services.directory.hsds_parse import standard

MAX_FILE_BYTES = 50 * 1000 * 1000  # a "50 MB" CSV is refused before it is read


class PackageError(ValidationError):
    """The package cannot be read at all (no descriptor, broken zip, file too large, …)."""


# --- reading the container --------------------------------------------------------------------

DESCRIPTOR_BYTES = 5 * MB  # the standard's own descriptor is about 100 KB


def _too_large(name: str, size: int, limit_mb: int = MAX_FILE_BYTES // MB) -> PackageError:
    return PackageError(_("{file} is too large to import ({size} MB; the limit is {limit} MB). Split the "
                          "directory into smaller packages.").format(
        file=name, size=math.ceil(size / MB), limit=limit_mb))


def _no_descriptor(path: Path) -> PackageError:
    return PackageError(_("{path} has no datapackage.json: it is not an Open Referral data package "
                          "(a folder or .zip with datapackage.json and the CSV files).").format(path=path))


def _wanted_names(descriptor: bytes) -> set[str]:
    """Lower-case file names that can hold a table: the standard's and those the descriptor declares."""
    names = {spec.path.lower() for spec in standard().values()}
    try:
        data = json.loads(descriptor.decode("utf-8-sig"))
    except (ValueError, UnicodeDecodeError):
        return names  # resource_files says what is wrong with it
    if isinstance(data, dict) and isinstance(data.get("resources"), list):
        for resource in data["resources"]:
            if isinstance(resource, dict) and isinstance(resource.get("path"), str):
                names.add(PurePosixPath(resource["path"].replace("\\", "/")).name.lower())
    return names


def read_package(path: Path | str, limits: ImportLimits | None = None
                 ) -> tuple[bytes, dict[str, bytes], list[str]]:
    """Read a package folder or zip within ``limits``: (descriptor, {file name: bytes}, notices).

    Only the files that can hold an HSDS table are read (named by the standard or by the
    descriptor); the others are named in a notice, unread. In a folder, symbolic links are never
    followed. In a zip, every member's name and unpacked size is checked before anything is
    unpacked. Raises ``PackageError`` (or ``LimitExceeded``) with a message naming the problem.
    """
    path = Path(path)
    limits = limits or ImportLimits()
    if not path.exists():
        raise PackageError(_("{path} does not exist.").format(path=path))
    if path.is_dir():
        return _read_folder(path, limits)
    check_file_size(path, limits)
    try:
        archive = open_zip(path, limits, path.name, wanted=set())
    except LimitExceeded:
        raise
    except ValidationError as exc:
        raise PackageError(_("{path} is not a readable zip file ({reason}). Open it on the computer it came "
                             "from, or ask for the package again.").format(path=path.name, reason=exc)) from exc
    files: dict[str, bytes] = {}
    ignored: list[str] = []
    try:
        with archive:
            infos = [i for i in archive.infolist() if not i.is_dir()
                     and not PurePosixPath(i.filename).name.startswith(".") and "__MACOSX" not in i.filename]
            descriptors = [i for i in infos if PurePosixPath(i.filename).name == "datapackage.json"]
            if not descriptors:
                raise _no_descriptor(path)
            first = min(descriptors, key=lambda i: i.filename.count("/"))
            if first.file_size > DESCRIPTOR_BYTES:
                raise _too_large(first.filename, first.file_size, DESCRIPTOR_BYTES // MB)
            descriptor = read_member(archive, first)
            root = PurePosixPath(first.filename).parent
            wanted = _wanted_names(descriptor)
            total = 0
            for info in infos:
                item = PurePosixPath(info.filename)
                if info is first or item.parent != root:
                    continue
                if item.suffix.lower() != ".csv" or item.name.lower() not in wanted:
                    ignored.append(item.name)
                    continue
                if info.file_size > limits.max_member_mb * MB:
                    raise LimitExceeded(path.name, "max_member_mb", limits.max_member_mb,
                                        f"{-(-info.file_size // MB):,} MB")
                total += info.file_size
                if total > limits.max_unzipped_mb * MB:
                    raise LimitExceeded(path.name, "max_unzipped_mb", limits.max_unzipped_mb)
                files[item.name] = read_member(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError, ValueError) as exc:
        raise PackageError(_("{path} is not a readable zip file ({reason}). Open it on the computer it came "
                             "from, or ask for the package again.").format(path=path.name, reason=exc)) from exc
    return descriptor, files, _ignored_notice(ignored)


def _ignored_notice(names: list[str]) -> list[str]:
    if not names:
        return []
    shown = sorted(names)[:10]
    return [_("Files that are not HSDS 3.0 tables were ignored: {files}").format(
        files=", ".join(shown) + ("…" if len(names) > len(shown) else ""))]


def _read_folder(path: Path, limits: ImportLimits) -> tuple[bytes, dict[str, bytes], list[str]]:
    entries = {}
    with os.scandir(path) as found:
        for count, entry in enumerate(found):
            if count >= limits.max_members:
                raise LimitExceeded(path.name, "max_members", limits.max_members)
            entries[entry.name] = entry
    entry = entries.get("datapackage.json")
    if entry is None or entry.is_symlink() or not entry.is_file(follow_symlinks=False):
        raise _no_descriptor(path)
    if entry.stat(follow_symlinks=False).st_size > DESCRIPTOR_BYTES:
        raise _too_large(entry.name, entry.stat(follow_symlinks=False).st_size, DESCRIPTOR_BYTES // MB)
    descriptor = _read_entry(entry, DESCRIPTOR_BYTES)
    wanted = _wanted_names(descriptor)
    files: dict[str, bytes] = {}
    ignored, links = [], []
    total = 0
    for name, entry in sorted(entries.items()):
        if name == "datapackage.json" or name.startswith("."):
            continue
        if entry.is_symlink():
            links.append(name)
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        if not name.lower().endswith(".csv") or name.lower() not in wanted:
            ignored.append(name)
            continue
        size = entry.stat(follow_symlinks=False).st_size
        if size > limits.max_file_mb * MB:
            raise LimitExceeded(name, "max_file_mb", limits.max_file_mb, f"{-(-size // MB):,} MB")
        total += size
        if total > limits.max_unzipped_mb * MB:
            raise LimitExceeded(path.name, "max_unzipped_mb", limits.max_unzipped_mb)
        files[name] = _read_entry(entry, limits.max_file_mb * MB)
    notices = _ignored_notice(ignored)
    if links:
        notices.append(_("Links to other files were not followed: {files}").format(files=", ".join(links[:10])))
    return descriptor, files, notices


def _read_entry(entry: os.DirEntry, limit: int) -> bytes:
    """A regular file's bytes, opened without following a link planted after the listing."""
    fd = os.open(entry.path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _too_large(entry.name, len(data), limit // MB)
    return data


def read_package_bytes(path: Path, limits: ImportLimits | None = None) -> tuple[bytes, dict[str, bytes]]:
    """Read a package folder or zip: (``datapackage.json`` bytes, {file name: bytes} of its table CSVs).

    See :func:`read_package` (which also returns the notices about files left unread).
    """
    descriptor, files, _notices = read_package(path, limits)
    return descriptor, files


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
