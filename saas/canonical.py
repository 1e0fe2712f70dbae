"""Canonical JSON and content hashes: the one definition every pinned version is built on.

Decisions pin their inputs by hash (tenant config, rate table, ruleset, snapshot contents) and the
audit chain hashes each entry's canonical JSON. If two modules each wrote their own encoder, a hash
computed at recording time and one recomputed at verification or replay time could drift apart;
so there is exactly one encoder here, with one switch for the one policy that differs by input.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from typing import Any

import msgspec


def canonical_json(value: Any, *, normalise_decimals: bool = False) -> bytes:
    """Sorted keys, no spaces, UTF-8; Decimals, datetimes and UUIDs become strings (msgspec's rules).

    ``normalise_decimals`` writes every Decimal without trailing zeros first (1.20 → "1.2"): rate
    tables are hashed that way so reformatting a factor keeps a version's id, while tenant configs
    and chain entries keep each decimal exactly as written."""
    if normalise_decimals:
        value = _normalise(msgspec.to_builtins(value, builtin_types=(Decimal,), order="sorted"))
    return msgspec.json.encode(value, order="sorted")


def sha256_hex(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def content_hash(value: Any, *, normalise_decimals: bool = False) -> str:
    """SHA-256 of ``canonical_json(value)``: the id of a configuration or table version."""
    return sha256_hex(canonical_json(value, normalise_decimals=normalise_decimals))


def _normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(key): _normalise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normalise(item) for item in value]
    return value
