"""What each content kind supplies to the one lifecycle: how a draft is parsed and checked, how
two versions differ, what a test run measures, and what a deploy must not break."""

from __future__ import annotations

from typing import Any, Protocol

from msgspec import Struct
from sqlalchemy.ext.asyncio import AsyncSession

from saas.tenancy.keys import Principal
from saas.versioning.models import ContentVersionRow
from saas.versioning.schemas import TestRequest


class Parsed(Struct, frozen=True):
    """A validated draft: its id (the content hash), scope, canonical content and the decoded value."""

    id: str
    scope: str
    content: str
    value: Any


class Kind(Protocol):
    name: str
    """The ``kind`` column and the audit entry kind's stem (``tenant_config`` → ``tenant_config_version``)."""
    noun: str
    path: str
    """The API collection (``/v1/config-versions``)."""

    async def parse(self, who: Principal, text: str) -> Parsed:
        """Validate the uploaded text; raises ``ConfigError`` (located issues) or ``ValidationFailed``."""

    def decode(self, row: ContentVersionRow) -> Any:
        """The stored version's value (what ``parse`` returned as ``value``)."""

    async def on_draft(self, session: AsyncSession, who: Principal, parsed: Parsed) -> None:
        """Store what replay will need (snapshots) in the draft's transaction."""

    def check_deploy(self, who: Principal, row: ContentVersionRow) -> None:
        """Refuse (``Conflict``) a deploy that would contradict what is in force elsewhere."""

    async def test(self, session: AsyncSession, who: Principal, row: ContentVersionRow,
                   request: TestRequest) -> Struct:
        """The impact of this version against what is in force: the evidence an approver reads."""

    def diff(self, old: ContentVersionRow, new: ContentVersionRow) -> Struct: ...

    def render_diff(self, diff: Any) -> str: ...
