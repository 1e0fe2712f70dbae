"""The partner's verification example in docs/webhooks.md runs, and agrees with our signer."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from saas.webhooks.signing import generate_secret, sign
from tests.webhook_docs import DOC, docs_verifier

pytestmark = pytest.mark.unit

Verifier = Callable[..., bool]


@pytest.fixture(scope="module")
def verify_webhook() -> Verifier:
    """The one ```python block of the page, executed as a partner would paste it."""
    return docs_verifier()


def test_the_example_accepts_our_delivery_and_refuses_tampering(verify_webhook: Verifier) -> None:
    secret, body = generate_secret(), b'{"type":"score.updated","data":{"driver_id":"drv-1"}}'
    headers = sign(secret, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", int(time.time()), body)
    assert verify_webhook(secret, headers, body) is True
    assert verify_webhook(secret, {k.title(): v for k, v in headers.items()}, body) is True
    assert verify_webhook(secret, headers, body + b"\n") is False
    assert verify_webhook(generate_secret(), headers, body) is False
    assert verify_webhook(secret, {**headers, "webhook-id": "msg_other"}, body) is False
    assert verify_webhook(secret, headers, body, now=time.time() + 301) is False
    assert verify_webhook(secret, {k: v for k, v in headers.items() if k != "webhook-signature"}, body) is False


def test_the_page_quotes_the_specification_vector_and_it_verifies(verify_webhook: Verifier) -> None:
    text = DOC.read_text(encoding="utf-8")
    secret, msg_id, signature = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert all(part in text for part in (secret, msg_id, signature, "1614265330"))
    headers = {"webhook-id": msg_id, "webhook-timestamp": "1614265330", "webhook-signature": signature}
    assert verify_webhook(secret, headers, b'{"test": 2432232314}', now=1614265330) is True
