"""Configuration-version and ruleset-version endpoints: one set of thin handlers per kind, built by
``lifecycle_routes`` from the kind's path and roles, over ``saas.content.service.ContentVersions``.

Roles are checked by each route's guard before anything of the request is read. A tenant's
``admin`` drafts, tests, deploys and rolls back its configuration and its ``approver`` approves or
rejects; rulesets are the platform's: ``platform`` drafts and deploys, ``platform-approver``
approves. A key of another tenant finds every version exactly as it finds an unknown id (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from litestar import MediaType, Request, Response, get, post, route
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter

from saas.content.bodies import read_draft, read_optional
from saas.content.log import version_detail, version_diff, version_log
from saas.content.parts import Content
from saas.content.schemas import RulesetRollback
from saas.http_body import PathId, documented_body
from saas.openapi import extended
from saas.tenancy.guards import DatabaseDep, PrincipalDep, allow
from saas.versioning.schemas import (
    DeployRequest,
    DraftRequest,
    RejectRequest,
    Status,
    TestRequest,
    VersionDetail,
    VersionLog,
    VersionSummary,
)

ContentDep = NamedDependency[Content]
"""The content kinds' services, provided by the app factory as ``content``."""
AGAINST = r"^(deployed|[A-Za-z0-9_-]{1,64})$"
CONFLICTS = {"problems": (409,)}
YAML_MEDIA = {"application/yaml": "the file's text itself, with ?message= (instead of the JSON body)"}


@dataclass(frozen=True)
class KindRoutes:
    attr: Literal["configs", "rulesets"]
    path: str
    name: str
    """The operation ids' noun (``ConfigVersion``)."""
    tag: str
    draft: frozenset[str]
    approve: frozenset[str]
    read: frozenset[str]


CONFIG = KindRoutes("configs", "/v1/config-versions", "ConfigVersion", "configuration", frozenset({"admin"}),
                    frozenset({"approver"}), frozenset({"admin", "approver", "compliance"}))
RULESET = KindRoutes("rulesets", "/v1/ruleset-versions", "RulesetVersion", "rulesets", frozenset({"platform"}),
                     frozenset({"platform-approver"}), frozenset({"platform", "platform-approver"}))


def lifecycle_routes(kind: KindRoutes) -> list[Any]:
    test_roles = kind.draft | kind.approve

    @post(kind.path, operation_id=f"draft{kind.name}", tags=[kind.tag], status_code=201, guards=[allow(kind.draft)],
          dependencies=documented_body(DraftRequest, []), operation_class=extended(201, media=YAML_MEDIA),
          responses={200: ResponseSpec(data_container=VersionSummary, generate_examples=False,
                                       description="a version of the same content already exists: it is returned")})
    async def draft(content: ContentDep, principal: PrincipalDep, request: Request[Any, Any, Any],
                    message: Annotated[str | None, QueryParameter(max_length=2000)] = None) -> Response[VersionSummary]:
        """Propose a new version: 201 with the draft, 200 with the existing version of the same content."""
        body = await read_draft(request, message)
        version, created = await getattr(content, kind.attr).draft(principal, body.yaml, body.message)
        return Response(version, status_code=201 if created else 200)

    @get(kind.path, operation_id=f"list{kind.name}s", tags=[kind.tag], guards=[allow(kind.read)])
    async def log(content: ContentDep, db: DatabaseDep, principal: PrincipalDep,
                  status: Annotated[Status | None, QueryParameter()] = None) -> VersionLog:
        """The versions, newest first, with who drafted them and why."""
        async with db.sessions() as session:
            return VersionLog(await version_log(session, getattr(content, kind.attr).kind, principal.tenant_id,
                                                status=status))

    @get(f"{kind.path}/{{version_id:str}}", operation_id=f"get{kind.name}", tags=[kind.tag], guards=[allow(kind.read)])
    async def detail(content: ContentDep, db: DatabaseDep, principal: PrincipalDep,
                     version_id: PathId) -> VersionDetail:
        """The version's text as uploaded (comments included), its parsed form, history and deployments."""
        async with db.sessions() as session:
            return await version_detail(session, getattr(content, kind.attr).kind, principal.tenant_id, version_id)

    @get(f"{kind.path}/{{version_id:str}}/diff", operation_id=f"diff{kind.name}", tags=[kind.tag],
         guards=[allow(kind.read)], operation_class=extended(200, media={"text/plain; charset=utf-8": "format=text"}))
    async def diff(content: ContentDep, db: DatabaseDep, principal: PrincipalDep, version_id: PathId,
                   against: Annotated[str, QueryParameter(pattern=AGAINST)] = "deployed",
                   fmt: Annotated[Literal["json", "text"], QueryParameter(name="format")] = "json") -> Response[Any]:
        """The changes in business terms against the deployed version or another (``?against=<id>``)."""
        service = getattr(content, kind.attr)
        async with db.sessions() as session:
            changes = await version_diff(session, service.kind, principal.tenant_id, version_id, against)
        if fmt == "text":
            return Response(service.kind.render_diff(changes), media_type=MediaType.TEXT)
        return Response(changes)

    @post(f"{kind.path}/{{version_id:str}}/test", operation_id=f"test{kind.name}", tags=[kind.tag], status_code=200,
          guards=[allow(test_roles)], dependencies=documented_body(TestRequest, []), opt=CONFLICTS,
          operation_class=extended(200, optional_body=True))
    async def test(content: ContentDep, principal: PrincipalDep, version_id: PathId,
                   request: Request[Any, Any, Any]) -> Response[Any]:
        """The impact before anything is live: the book re-mapped, recorded quotes re-priced."""
        body = await read_optional(request, TestRequest)
        return Response(await getattr(content, kind.attr).test(principal, version_id, body))

    @post(f"{kind.path}/{{version_id:str}}/approve", operation_id=f"approve{kind.name}", tags=[kind.tag],
          status_code=200, guards=[allow(kind.approve)], opt=CONFLICTS)
    async def approve(content: ContentDep, principal: PrincipalDep, version_id: PathId) -> VersionSummary:
        """Four eyes: another person than the author, after a test run of this exact version."""
        return await getattr(content, kind.attr).approve(principal, version_id)

    @post(f"{kind.path}/{{version_id:str}}/reject", operation_id=f"reject{kind.name}", tags=[kind.tag],
          status_code=200, guards=[allow(kind.approve)], dependencies=documented_body(RejectRequest, []),
          opt=CONFLICTS)
    async def reject(content: ContentDep, principal: PrincipalDep, version_id: PathId,
                     request: Request[Any, Any, Any]) -> VersionSummary:
        body = await read_optional(request, RejectRequest, required=True)
        return await getattr(content, kind.attr).reject(principal, version_id, body.reason)

    @post(f"{kind.path}/{{version_id:str}}/deploy", operation_id=f"deploy{kind.name}", tags=[kind.tag],
          status_code=200, guards=[allow(kind.draft)], dependencies=documented_body(DeployRequest, []),
          opt=CONFLICTS, operation_class=extended(200, optional_body=True))
    async def deploy(content: ContentDep, principal: PrincipalDep, version_id: PathId,
                     request: Request[Any, Any, Any]) -> VersionSummary:
        """In force from ``effective_date`` (default today; a later date schedules it), in every process."""
        body = await read_optional(request, DeployRequest)
        return await getattr(content, kind.attr).deploy(principal, version_id, body)

    @post(f"{kind.path}/rollback", operation_id=f"rollback{kind.name}", tags=[kind.tag], status_code=200,
          guards=[allow(kind.draft)], opt=CONFLICTS, dependencies=documented_body(RulesetRollback, []),
          operation_class=extended(200, optional_body=kind.attr == "configs"))
    async def rollback(content: ContentDep, principal: PrincipalDep, request: Request[Any, Any, Any]) -> VersionSummary:
        """Redeploy the version in force before the current one (a new deployment; history kept)."""
        body = await read_optional(request, RulesetRollback, required=kind.attr == "rulesets")
        return await getattr(content, kind.attr).rollback(principal, body.state or "")

    @route(kind.path, http_method=["OPTIONS"], include_in_schema=False, sync_to_thread=False)
    def options() -> Response[None]:
        """Litestar answers OPTIONS from a path's first handler only; this path has two (list, draft)."""
        return Response(None, status_code=204, headers={"Allow": "GET, OPTIONS, POST"})

    return [options, draft, log, detail, diff, test, approve, reject, deploy, rollback]
