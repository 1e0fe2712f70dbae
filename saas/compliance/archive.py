"""The bundle's container: a zip written member by member, every member hashed as it is written.

Members are streamed into the archive (``ZipFile.open(name, "w")``), so a member of any size
passes through memory one chunk at a time; the SHA-256 of each member's bytes is taken on the way
and goes into ``manifest.json``, written last but one. The last member, ``anchor.json``, is the
audit-chain entry that records the manifest's hash: it cannot be in the manifest it vouches for.
"""

from __future__ import annotations

import contextlib
import hashlib
import zipfile
from collections.abc import Iterable
from typing import IO, Any

import msgspec

from saas.canonical import canonical_json

MANIFEST = "manifest.json"
ANCHOR = "anchor.json"
_ENCODE = msgspec.json.Encoder(decimal_format="string")


class Member:
    """One file being written: bytes go to the archive and to its running hash."""

    def __init__(self, archive: BundleArchive, name: str) -> None:
        self.archive, self.name = archive, name
        self.digest, self.size = hashlib.sha256(), 0
        self.stream: IO[bytes] = archive.zip.open(name, "w", force_zip64=True)

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)

    def close(self) -> None:
        self.stream.close()
        self.archive.files.append({"name": self.name, "sha256": self.digest.hexdigest(), "bytes": self.size})

    def __enter__(self) -> Member:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class BundleArchive:
    def __init__(self, out: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.files: list[dict[str, Any]] = []

    def member(self, name: str) -> Member:
        return Member(self, name)

    def json(self, name: str, value: Any) -> None:
        """A small document, pretty enough to read, canonical enough to hash the same everywhere."""
        with self.member(name) as m:
            m.write(canonical_json(value) + b"\n")

    def lines(self, name: str, lines: Iterable[bytes]) -> int:
        count = 0
        with self.member(name) as m:
            for line in lines:
                m.write(line)
                count += 1
        return count

    def manifest(self, header: dict[str, Any]) -> bytes:
        """Writes ``manifest.json`` (every file so far with its hash) and returns its bytes."""
        body = canonical_json({**header, "files": self.files}) + b"\n"
        with self.zip.open(MANIFEST, "w") as stream:
            stream.write(body)
        return body

    def anchor(self, entry: Any) -> None:
        with self.zip.open(ANCHOR, "w") as stream:
            stream.write(_ENCODE.encode(entry) + b"\n")

    def close(self) -> None:
        self.zip.close()

    def abandon(self) -> None:
        """Give up on a failed bundle: the caller discards ``out``, whatever state it is in."""
        with contextlib.suppress(Exception):
            self.zip.close()
