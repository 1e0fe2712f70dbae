"""Bad configuration drafts over HTTP: each a 4xx problem+json located in the uploaded text (line,
column, JSON path, the line with a caret, the suggestion), the role checked before the body is
read, and nothing stored by any of them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from saas.settings import ROOT
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.integration
SHIPPED = (ROOT / "tenants" / "partner-a.yaml").read_text()


def line_of(body: str, needle: str) -> int:
    return next(i for i, line in enumerate(body.splitlines(), 1) if needle in line)


async def draft(api: Api, body: str, role: str = "admin", **kwargs: Any) -> Any:
    return await api.client.post("/v1/config-versions", headers=api.auth("partner-a", role),
                                 json={"yaml": body, "message": "a change"}, **kwargs)


async def stored(api: Api) -> int:
    async with api.owner.sessions() as session:
        return int((await session.execute(text(
            "SELECT count(*) FROM content_versions WHERE tenant_id = 'partner-a' AND status = 'draft'"))).scalar_one())


CASES = [
    ("typo", SHIPPED.replace("max_discount: 0.25", "max_discont: 0.25"), "max_discont", "$.pricing.max_discont",
     "max_discount"),
    ("cap out of range", SHIPPED.replace("max_discount: 0.25", "max_discount: 1.5"), "max_discount",
     "$.pricing.max_discount", None),
    ("unknown state", SHIPPED.replace("states: [CA, NY, TX]", "states: [CA, NY, TX, ZZ]"), "states:",
     "$.states[3]", None),
    ("unknown model", SHIPPED + "model: 00000000deadbeef\n", "model:", "$.model", None),
    ("malformed", SHIPPED.replace("name: Partner A Mutual", "name: [Partner A"), None, None, None),
    ("forbidden feature", SHIPPED.replace("features_enabled: [mileage]", "features_enabled: [mileage, behavioral]"),
     "features_enabled: [mileage, behavioral]", "$.state_overrides.CA.features_enabled", None),
]


@pytest.mark.parametrize(("body", "needle", "path", "hint"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_a_bad_draft_is_located_in_the_upload_and_stores_nothing(api: Api, body: str, needle: str | None,
                                                                       path: str | None, hint: str | None) -> None:
    before = await stored(api)
    response = await draft(api, body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"] == "config-error" and problem["errors"]
    first = problem["errors"][0]
    assert first["line"] == (line_of(body, needle) if needle else first["line"]) >= 1, first
    assert first["source"] == body.splitlines()[first["line"] - 1] and "^" in first["caret"]
    if path is not None:
        assert first["path"] == path
    if hint is not None:
        assert hint in first["hint"]
    assert await stored(api) == before


async def test_an_alias_bomb_a_huge_body_and_a_wrong_role_are_refused_before_anything_is_stored(api: Api) -> None:
    before = await stored(api)
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: &c [*b,*b]\n' + SHIPPED
    refused = await draft(api, bomb)
    assert refused.status_code == 422 and "anchors are not allowed" in refused.json()["errors"][0]["detail"]
    huge = await api.client.post("/v1/config-versions", headers=api.auth("partner-a", "admin"),
                                 content=b'{"yaml": "' + b"#" * 5_000_000 + b'", "message": "big"}')
    assert huge.status_code == 413 and huge.json()["type"] == "payload-too-large"
    for role in ("rating", "compliance", "approver"):
        denied = await draft(api, "not even yaml: [", role)
        assert denied.status_code == 403 and denied.json()["type"] == "forbidden"
    raw = await api.client.post("/v1/config-versions", headers={**api.auth("partner-a", "admin"),
                                                                 "Content-Type": "application/yaml"},
                                content=SHIPPED.encode())
    assert raw.status_code == 422 and raw.json()["path"] == "message"
    assert await stored(api) == before
