"""Standard Webhooks signatures (https://www.standardwebhooks.com, spec v1.0.0, symmetric scheme).

A delivery carries ``webhook-id``, ``webhook-timestamp`` (unix seconds) and ``webhook-signature``:
space-separated ``v1,<base64 HMAC-SHA256>`` of ``"{id}.{timestamp}.{body}"``, keyed with the
base64-decoded part of a ``whsec_…`` secret. Following the standard rather than a scheme of our
own lets partners verify with any Standard Webhooks library, and the id and timestamp are signed
with the body so a captured delivery cannot be replayed later or under another id.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
from collections.abc import Mapping

from saas.errors import Unauthenticated

SECRET_PREFIX = "whsec_"
VERSION = "v1"
TOLERANCE_S = 300
"""A delivery older or newer than five minutes is refused: the replay window the standard's libraries use."""
KEY_BYTES = (24, 64)
"""The spec's key size: at least 24 bytes (192 bits), at most 64 (512 bits)."""
MSG_ID = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""No '.' in an id: it would make ``id.timestamp.body`` ambiguous."""


class SignatureRejected(Unauthenticated):
    """A delivery whose signature, timestamp or headers do not verify."""

    type = "webhook-signature-rejected"
    title = "Webhook signature rejected"


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """A malformed secret is a configuration error (``ValueError``), not a rejected delivery."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("webhook secret must be 'whsec_' followed by base64") from None
    if not KEY_BYTES[0] <= len(key) <= KEY_BYTES[1]:
        raise ValueError(f"webhook secret must decode to {KEY_BYTES[0]}–{KEY_BYTES[1]} bytes, got {len(key)}")
    return key


def signature(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return f"{VERSION},{base64.b64encode(digest).decode()}"


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three headers for one delivery attempt; ``timestamp`` is the attempt's, so retries re-sign."""
    if not MSG_ID.match(msg_id):
        raise ValueError(f"webhook id {msg_id!r} must be 1–128 letters, digits, '_' or '-'")
    if timestamp < 0:
        raise ValueError("webhook timestamp must be unix seconds")
    return {"webhook-id": msg_id, "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret_key(secret), msg_id, timestamp, body)}


def _header(headers: Mapping[str, str], name: str) -> str:
    value = {k.lower(): v for k, v in headers.items()}.get(name)
    if not value:
        raise SignatureRejected(f"missing {name} header")
    return value


def _timestamp(raw: str, now: float, tolerance_s: int) -> int:
    if not raw.isascii() or not raw.isdigit():
        raise SignatureRejected("webhook-timestamp must be unix seconds")
    timestamp = int(raw)
    if timestamp < now - tolerance_s:
        raise SignatureRejected("webhook-timestamp is too old")
    if timestamp > now + tolerance_s:
        raise SignatureRejected("webhook-timestamp is too far in the future")
    return timestamp


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float, *,
           tolerance_s: int = TOLERANCE_S) -> None:
    """Raises ``SignatureRejected`` unless one ``v1`` signature matches (others, e.g. ``v1a``, are
    skipped: during a secret rotation a delivery carries one signature per secret)."""
    msg_id = _header(headers, "webhook-id")
    timestamp = _timestamp(_header(headers, "webhook-timestamp"), now, tolerance_s)
    expected = signature(secret_key(secret), msg_id, timestamp, body).encode()
    for candidate in _header(headers, "webhook-signature").split():
        if hmac.compare_digest(expected, candidate.encode("utf-8", "replace")):
            return
    raise SignatureRejected("no webhook-signature matches")
