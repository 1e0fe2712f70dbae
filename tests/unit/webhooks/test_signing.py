"""Standard Webhooks signing: the spec's vector, an independent HMAC, and every tampering refused."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from saas.errors import Unauthenticated
from saas.webhooks.signing import SignatureRejected, generate_secret, secret_key, sign, verify

pytestmark = pytest.mark.unit

SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TS = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
"""standard-webhooks/standard-webhooks, libraries/python/tests/test_webhooks.py, ``test_sign_function``."""

SECRET = "whsec_" + base64.b64encode(bytes(range(32))).decode()
BODY = b'{"type":"score.updated","data":{"driver_id":"drv-1"}}'
NOW = 1_700_000_000


def test_the_specifications_own_vector() -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TS, SPEC_BODY)
    assert headers == {"webhook-id": SPEC_ID, "webhook-timestamp": "1614265330", "webhook-signature": SPEC_SIGNATURE}
    verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TS + 299)


def test_the_signature_is_the_hmac_of_id_timestamp_and_body() -> None:
    key = bytes(range(32))
    digest = hmac.new(key, b"msg_1." + str(NOW).encode() + b"." + BODY, hashlib.sha256).digest()
    assert sign(SECRET, "msg_1", NOW, BODY)["webhook-signature"] == "v1," + base64.b64encode(digest).decode()


def rejected(headers: dict[str, str], body: bytes = BODY, *, secret: str = SECRET, now: float = NOW) -> str:
    with pytest.raises(SignatureRejected) as info:
        verify(secret, headers, body, now=now)
    assert isinstance(info.value, Unauthenticated) and info.value.type == "webhook-signature-rejected"
    return info.value.detail


def test_tampering_with_body_id_timestamp_or_secret_is_refused() -> None:
    good = sign(SECRET, "msg_1", NOW, BODY)
    assert rejected(good, BODY.replace(b"drv-1", b"drv-2")) == "no webhook-signature matches"
    assert rejected(good, BODY + b" ") == "no webhook-signature matches"
    assert rejected({**good, "webhook-id": "msg_2"}) == "no webhook-signature matches"
    assert rejected({**good, "webhook-timestamp": str(NOW + 1)}) == "no webhook-signature matches"
    assert rejected(good, secret=generate_secret()) == "no webhook-signature matches"
    assert rejected({**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")}) == \
        "no webhook-signature matches"


def test_stale_future_and_malformed_timestamps_are_refused() -> None:
    old = sign(SECRET, "msg_1", NOW - 301, BODY)
    assert rejected(old) == "webhook-timestamp is too old"
    verify(SECRET, sign(SECRET, "msg_1", NOW - 300, BODY), BODY, now=NOW)
    assert rejected(sign(SECRET, "msg_1", NOW + 301, BODY)) == "webhook-timestamp is too far in the future"
    assert rejected({**old, "webhook-timestamp": ""}) == "missing webhook-timestamp header"
    for bad in ("-5", "1.5e9", " 1700000000", "１７００"):
        assert rejected({**old, "webhook-timestamp": bad}) == "webhook-timestamp must be unix seconds", bad


def test_missing_headers_are_named() -> None:
    good = sign(SECRET, "msg_1", NOW, BODY)
    for name in good:
        assert rejected({k: v for k, v in good.items() if k != name}) == f"missing {name} header"


def test_any_of_several_signatures_may_match_and_header_case_does_not_matter() -> None:
    good = sign(SECRET, "msg_1", NOW, BODY)
    rotated = sign(generate_secret(), "msg_1", NOW, BODY)["webhook-signature"]
    several = f"v1a,AAAA {rotated} {good['webhook-signature']} v1,é"
    verify(SECRET, {"Webhook-Id": "msg_1", "WEBHOOK-TIMESTAMP": str(NOW), "Webhook-Signature": several}, BODY, now=NOW)
    verify(SECRET.removeprefix("whsec_"), good, BODY, now=NOW)


def test_secrets_and_ids_are_checked_when_signing() -> None:
    assert len(secret_key(generate_secret())) == 32
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_not base64!")
    with pytest.raises(ValueError, match="24–64 bytes, got 16"):
        secret_key("whsec_" + base64.b64encode(bytes(16)).decode())
    with pytest.raises(ValueError, match="webhook id"):
        sign(SECRET, "msg.1", NOW, BODY)
