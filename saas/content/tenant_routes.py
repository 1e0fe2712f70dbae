"""``POST /v1/tenants``: a platform key onboards a partner; its first admin key is in the answer, once."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, post
from litestar.di import NamedDependency

from saas.content.parts import Content
from saas.content.tenants import CreateTenant, TenantCreated
from saas.http_body import documented_body, read_body
from saas.tenancy.guards import PrincipalDep, allow

ContentDep = NamedDependency[Content]
PLATFORM = frozenset({"platform"})


@post("/v1/tenants", operation_id="createTenant", tags=["platform"], status_code=201, guards=[allow(PLATFORM)],
      dependencies=documented_body(CreateTenant, []), opt={"problems": (409,)})
async def create_tenant(content: ContentDep, principal: PrincipalDep,
                        request: Request[Any, Any, Any]) -> Response[TenantCreated]:
    """A new tenant and its first admin key (shown once). It quotes once it has deployed a
    configuration and a rate table for a state it serves."""
    body = await read_body(request, CreateTenant)
    return Response(await content.create_tenant(principal, body), status_code=201)
