"""The ``.enlace`` container, with no database: write a signed bundle, open and check one.

A bundle is a zip (members stored, not compressed, fixed timestamps) holding, in this order:

- ``manifest.json``: who sent it, to whom, its sequence number, the previous bundle's hash, validity,
  schema version and contents;
- ``datapackage.json``: a Frictionless data package; each resource carries ``bytes`` and
  ``hash`` (``sha256:<hex>``) of its file;
- ``signature.json``: an Ed25519 signature over :func:`signed_message` (both files' SHA-256);
- the resource files.

Because the writer is deterministic, the reader rebuilds the zip from what it read and requires
the same bytes: one changed byte anywhere (even in a zip header no tool reads) refuses the bundle.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import uuid
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from desktop.i18n import _
from desktop.services.core.errors import ValidationError

FORMAT = "enlace-bundle"
SCHEMA_VERSION = 1
SIGNATURE_DOMAIN = "enlace-bundle-signature-v1"
MANIFEST, DATAPACKAGE, SIGNATURE = "manifest.json", "datapackage.json", "signature.json"
MAX_BUNDLE_BYTES = 300 * 1000 * 1000
MAX_MEMBERS = 64
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

# Why a bundle was refused (kept in the audit log; the message is for people).
DAMAGED, UNKNOWN_SENDER, BAD_SIGNATURE, NEWER_SCHEMA, OTHER_RECIPIENT, EXPIRED, TAMPERED, OWN = (
    "damaged", "unknown_sender", "bad_signature", "newer_schema", "other_recipient", "expired", "tampered", "own")


class BundleRefused(ValidationError):
    """The bundle is not imported at all; ``reason`` is one of the codes above."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def damaged() -> BundleRefused:
    return BundleRefused(DAMAGED, _("This file is not an Enlace exchange bundle, or it is damaged (cut short or "
                                    "changed). Nothing was imported; ask the sending office for the file again."))


def canonical_json(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signed_message(manifest: bytes, datapackage: bytes) -> bytes:
    """What the Ed25519 signature covers: a domain line and the SHA-256 of both descriptor files."""
    return f"{SIGNATURE_DOMAIN}\n{sha256_hex(manifest)}\n{sha256_hex(datapackage)}\n".encode("ascii")


def bundle_hash(manifest: bytes, datapackage: bytes) -> str:
    """The bundle's identity for chaining and the audit log: SHA-256 of the signed message."""
    return sha256_hex(signed_message(manifest, datapackage))


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: Any) -> datetime:
    if not isinstance(text, str) or not text.endswith("Z"):
        raise ValueError("not a UTC time")
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


@dataclass(frozen=True)
class Resource:
    name: str
    path: str
    data: bytes
    descriptor: dict[str, Any]  # extra Frictionless properties (format, mediatype, schema, …)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, _ZIP_TIME)
            info.compress_type = zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            archive.writestr(info, data)
    return buffer.getvalue()


def write_bundle(manifest: dict[str, Any], resources: list[Resource], private_key: bytes, key_id: str,
                 package_name: str) -> tuple[bytes, str]:
    """The bundle's bytes and its hash. ``manifest`` is written as given (canonical JSON)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    package = {
        "profile": "data-package",
        "name": package_name,
        "id": manifest["bundle_id"],
        "created": manifest["created_at"],
        "resources": [{"name": r.name, "path": r.path, "bytes": len(r.data), "hash": "sha256:" + sha256_hex(r.data),
                       **r.descriptor} for r in resources],
    }
    manifest_bytes, package_bytes = canonical_json(manifest), canonical_json(package)
    signature = Ed25519PrivateKey.from_private_bytes(private_key).sign(signed_message(manifest_bytes, package_bytes))
    signature_doc = {"algorithm": "Ed25519", "key_id": key_id, "message": SIGNATURE_DOMAIN,
                     "signature": base64.b64encode(signature).decode("ascii")}
    members = [(MANIFEST, manifest_bytes), (DATAPACKAGE, package_bytes), (SIGNATURE, canonical_json(signature_doc))]
    members += [(r.path, r.data) for r in resources]
    return _zip(members), bundle_hash(manifest_bytes, package_bytes)


@dataclass(frozen=True)
class Manifest:
    bundle_id: uuid.UUID
    sender_code: str
    sender_name: str
    key_id: str
    recipient: str
    sequence: int
    previous_sha256: str
    created_at: datetime
    valid_until: datetime
    schema_version: int
    contents: dict[str, Any]


@dataclass(frozen=True)
class OpenedBundle:
    """A bundle whose container is sound; nothing about it is trusted yet."""

    manifest: Manifest
    manifest_bytes: bytes
    package: dict[str, Any]
    package_bytes: bytes
    signature: bytes
    files: dict[str, bytes]

    @property
    def sha256(self) -> str:
        return bundle_hash(self.manifest_bytes, self.package_bytes)


def _manifest(doc: Any) -> Manifest:
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not a manifest")
    sender = doc["sender"]
    version = doc["schema_version"]
    sequence = doc["sequence"]
    if not isinstance(version, int) or not isinstance(sequence, int) or sequence < 1 or version < 1:
        raise ValueError("bad numbers")
    code, key_id, recipient = sender["office_code"], sender["key_id"], doc["recipient"]
    previous = doc.get("previous_bundle_sha256") or ""
    contents = doc.get("contents") or {}
    if not all(isinstance(v, str) for v in (code, key_id, recipient, previous)) or not isinstance(contents, dict):
        raise ValueError("bad text")
    return Manifest(uuid.UUID(doc["bundle_id"]), code, str(sender.get("office_name", ""))[:200], key_id, recipient,
                    sequence, previous, parse_iso(doc["created_at"]), parse_iso(doc["valid_until"]), version, contents)


def open_bundle(data: bytes) -> OpenedBundle:
    """Read the container: the three descriptor files and every resource. ``BundleRefused`` if anything is off."""
    if not data or len(data) > MAX_BUNDLE_BYTES:
        raise damaged()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_BUNDLE_BYTES:
                raise damaged()
            members = [(i.filename, archive.read(i)) for i in infos]
        names = [name for name, _data in members]
        if names[:3] != [MANIFEST, DATAPACKAGE, SIGNATURE] or len(set(names)) != len(names):
            raise damaged()
        if _zip(members) != data:  # a byte changed where content does not show (headers, padding, comment)
            raise damaged()
        files = dict(members)
        manifest = _manifest(json.loads(files[MANIFEST].decode("utf-8")))
        package = json.loads(files[DATAPACKAGE].decode("utf-8"))
        signature_doc = json.loads(files[SIGNATURE].decode("utf-8"))
        if not isinstance(package, dict) or not isinstance(package.get("resources"), list):
            raise damaged()
        if not isinstance(signature_doc, dict) or signature_doc.get("algorithm") != "Ed25519":
            raise damaged()
        signature = base64.b64decode(signature_doc["signature"], validate=True)
        if len(signature) != 64 or signature_doc.get("key_id") != manifest.key_id:
            raise damaged()
    except BundleRefused:
        raise
    except Exception as exc:  # any failure to read untrusted bytes is "damaged", never a traceback
        raise damaged() from exc
    return OpenedBundle(manifest, files[MANIFEST], package, files[DATAPACKAGE], signature,
                        {k: v for k, v in files.items() if k not in (MANIFEST, DATAPACKAGE, SIGNATURE)})


def signature_valid(opened: OpenedBundle, public_key: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            opened.signature, signed_message(opened.manifest_bytes, opened.package_bytes))
    except (InvalidSignature, ValueError):
        return False
    return True


def checked_resources(opened: OpenedBundle) -> dict[str, bytes]:
    """{resource name: bytes} once every file matches its declared size and SHA-256 and no file is extra."""
    tampered = BundleRefused(TAMPERED, _("A file inside the bundle does not match its signed fingerprint: it was "
                                         "changed after the sending office signed it. Nothing was imported."))
    out: dict[str, bytes] = {}
    seen: set[str] = set()
    for resource in opened.package["resources"]:
        if not isinstance(resource, dict):
            raise tampered
        name, path, digest = resource.get("name"), resource.get("path"), resource.get("hash")
        data = opened.files.get(path) if isinstance(path, str) else None
        if (data is None or not isinstance(name, str) or name in out or path in seen
                or digest != "sha256:" + sha256_hex(data) or resource.get("bytes") != len(data)):
            raise tampered
        out[name] = data
        seen.add(path)
    if seen != set(opened.files):
        raise tampered
    return out
