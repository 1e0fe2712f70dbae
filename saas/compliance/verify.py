"""Offline verification of a bundle: every file against the manifest, the chain inside it, the anchor.

Nothing here touches a database: a compliance officer or a regulator runs ``saas compliance verify
FILE`` on their own machine. The first problem found is named (the file, or the chain entry's
seq), in archive order, so one changed byte anywhere points at the one file that holds it.
"""

from __future__ import annotations

import hashlib
import zipfile
import zlib
from pathlib import Path

import msgspec
from msgspec import Struct

from saas.audit.chain import Link, link_hash
from saas.audit.export import verify_export
from saas.canonical import canonical_json, sha256_hex
from saas.compliance.archive import ANCHOR, MANIFEST
from saas.compliance.schemas import BUNDLE_KIND

CHUNK = 1 << 20
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)
"""What reading a member whose stored bytes were changed raises (a CRC or a deflate stream error)."""


class BundleCheck(Struct, frozen=True):
    ok: bool
    files_checked: int
    problem: str | None = None
    bad_file: str | None = None
    bad_seq: int | None = None
    tenant_id: str | None = None
    period: str | None = None
    empty: bool | None = None
    anchor_seq: int | None = None


def _sha256(archive: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with archive.open(name) as stream:
        while block := stream.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def verify_bundle(path: Path) -> BundleCheck:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return BundleCheck(False, 0, f"not a readable bundle: {exc}", bad_file=str(path))
    with archive:
        try:
            return _verify(archive)
        except (*DAMAGED, KeyError, msgspec.DecodeError, ValueError) as exc:
            return BundleCheck(False, 0, f"damaged archive: {exc}", bad_file=_member_of(exc))


def _member_of(exc: Exception) -> str | None:
    text = str(exc)
    return text.split("'")[1] if text.count("'") >= 2 else None


def _fail(head: BundleCheck, files: int, problem: str, bad_file: str, bad_seq: int | None = None) -> BundleCheck:
    return msgspec.structs.replace(head, ok=False, files_checked=files, problem=problem, bad_file=bad_file,
                                   bad_seq=bad_seq)


def _verify(archive: zipfile.ZipFile) -> BundleCheck:
    manifest_bytes = archive.read(MANIFEST)
    manifest = msgspec.json.decode(manifest_bytes)
    head = BundleCheck(True, 0, tenant_id=manifest.get("tenant_id"), period=manifest.get("period"),
                       empty=manifest.get("empty"))
    listed = {f["name"] for f in manifest["files"]}
    present = set(archive.namelist()) - {MANIFEST, ANCHOR}
    if present - listed:
        extra = sorted(present - listed)[0]
        return _fail(head, 0, f"{extra} is not in the manifest (added after the bundle was made)", extra)
    for checked, entry in enumerate(manifest["files"]):
        name = entry["name"]
        try:
            actual = _sha256(archive, name)
        except DAMAGED as exc:  # a changed byte in compressed data fails its CRC or its deflate stream
            return _fail(head, checked, f"{name}: {exc}", name)
        except KeyError:
            return _fail(head, checked, f"{name} is listed in the manifest but missing", name)
        if actual != entry["sha256"]:
            return _fail(head, checked, f"{name}: SHA-256 {actual} differs from the manifest's {entry['sha256']}",
                         name)
    files = len(manifest["files"])
    chain = _chain(archive)
    if chain is not None:
        return _fail(head, files, chain[0], "audit/entries.jsonl", chain[1])
    return _anchor(archive, manifest_bytes, files, head)


def _chain(archive: zipfile.ZipFile) -> tuple[str, int | None] | None:
    with archive.open("audit/entries.jsonl") as stream:
        result = verify_export(line for line in stream)
    if result.ok:
        return None
    return f"audit/entries.jsonl: chain breaks at seq {result.first_bad_seq}: {result.reason}", result.first_bad_seq


def _anchor(archive: zipfile.ZipFile, manifest_bytes: bytes, files: int, head: BundleCheck) -> BundleCheck:
    anchor = msgspec.json.decode(archive.read(ANCHOR))
    link = Link(anchor["tenant_id"], anchor["seq"], anchor["decision_id"], anchor["kind"], anchor["created_at"],
                canonical_json(anchor["payload"]), anchor["prev_hash"], anchor["hash"])
    if link.kind != BUNDLE_KIND or link_hash(link) != link.hash:
        return _fail(head, files, f"{ANCHOR}: the chain entry does not match its own hash", ANCHOR, link.seq)
    if anchor["payload"].get("manifest_sha256") != sha256_hex(manifest_bytes):
        return _fail(head, files, f"{MANIFEST}: its SHA-256 is not the one recorded in the audit chain "
                                  f"(seq {link.seq})", MANIFEST)
    if link.tenant_id != head.tenant_id:
        return _fail(head, files, f"{ANCHOR}: entry of tenant {link.tenant_id}, bundle of {head.tenant_id}", ANCHOR)
    return msgspec.structs.replace(head, files_checked=files, anchor_seq=link.seq)
