"""Rate versions share the content lifecycle's same-date rule: a deployment for a date that already
has one supersedes it, recorded as such, and a same-day fix after a rollback is a deploy, not a 409.

partner-b's MI table on a date far ahead, on a database of this module's own."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text

from tests.integration.api.conftest import Api, serving_api
from tests.integration.api.test_rate_versions import call, draft_tested_approved, table
from tests.services import PostgresServer

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def api(postgres_server: PostgresServer) -> AsyncIterator[Api]:
    """Its own database: the dated deployments left here are seen by no other test."""
    async with serving_api(postgres_server, "saas_supersede") as ready:
        yield ready
DAY = dt.date.today() + dt.timedelta(days=200)


async def active_on(api: Api, day: dt.date) -> list[tuple[str, str | None]]:
    async with api.owner.sessions() as session:
        rows = await session.execute(text(
            "SELECT version_id, withdrawn_for FROM rate_deployments WHERE tenant_id = 'partner-b' AND state = 'MI' "
            "AND effective_date = :d AND kind = 'new' ORDER BY id"), {"d": day})
        return [(r[0], r[1]) for r in rows]


async def test_a_second_deploy_for_a_date_supersedes_and_a_fix_after_rollback_deploys(api: Api) -> None:
    first = await draft_tested_approved(api, table(base_premium__basic=701.00), "first")
    second = await draft_tested_approved(api, table(base_premium__basic=702.00), "second")
    for version in (first, second):
        deployed = await call(api, "POST", f"/v1/rate-versions/{version}/deploy", json={"effective_date": str(DAY)})
        assert deployed.status_code == 200, deployed.text
    assert await active_on(api, DAY) == [(first, "supersede"), (second, None)]
    history = (await call(api, "GET", f"/v1/rate-versions/{first}")).json()["history"]
    assert history[-1]["action"] == "supersede" and second in history[-1]["note"]

    rolled = await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "MI"})
    assert rolled.status_code == 200 and rolled.json()["id"] == first
    fix = await draft_tested_approved(api, table(base_premium__basic=703.00), "same-day fix")
    fixed = await call(api, "POST", f"/v1/rate-versions/{fix}/deploy", json={"effective_date": str(DAY)})
    assert fixed.status_code == 200, fixed.text
    assert [v for v, why in await active_on(api, DAY) if why is None] == [fix]
    assert (await call(api, "POST", "/v1/rate-versions/rollback", json={"state": "MI"})).json()["id"] == first
