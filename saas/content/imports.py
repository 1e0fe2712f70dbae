"""The shipped ``tenants/<id>.yaml`` and ``rulesets/<state>.yaml`` become the first deployed versions, once.

At set-up (``saas db upgrade``, ``saas demo``, a process's first start) a tenant with no
configuration version yet gets its file as a version deployed by ``system`` ("initial import"),
and is entered in the tenant register; a state with no ruleset version gets its file likewise,
owned by the platform. From then on the database is the source of truth: a file edit reaches it
only as a draft (``saas config push FILE``), and importing again changes nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.exc import IntegrityError

from saas.audit.decisions import DecisionLog
from saas.audit.snapshots import put_snapshot
from saas.catalog import Catalog
from saas.clock import utc_timestamp
from saas.db import upsert
from saas.tenancy.keys import PLATFORM_TENANT, Principal
from saas.tenancy.models import TenantRow
from saas.tenancy.service import canonical_config
from saas.versioning.lifecycle import deploy_rows, transition
from saas.versioning.models import ContentVersionRow
from saas.versioning.store import ContentStore

SYSTEM = "system"
MESSAGE = "initial import"
FIRST_DAY = dt.date(2000, 1, 1)
"""Imported content is in force from a date before any policy: it is what was in force already."""


async def import_files(decisions: DecisionLog, catalog: Catalog, tenant_texts: dict[str, str]) -> int:
    """Import what has no version yet; returns how many versions were created."""
    created = 0
    for state, text in sorted(catalog.ruleset_texts.items()):
        ruleset = catalog.rulesets[state]
        created += await _import(decisions, PLATFORM_TENANT, "ruleset", state, ruleset.content_hash, text, text)
    for tenant_id, loaded in sorted(catalog.tenants.items()):
        content = canonical_config(loaded.config).decode()
        text = tenant_texts.get(tenant_id, content)
        created += await _import(decisions, tenant_id, "tenant_config", "", loaded.content_hash, text, content,
                                 name=loaded.config.name)
    return created


async def _import(decisions: DecisionLog, tenant_id: str, kind: str, scope: str, version_id: str, text: str,
                  content: str, *, name: str | None = None) -> int:
    system = Principal(tenant_id, SYSTEM, "admin", SYSTEM)
    async with decisions.transaction() as session:
        store = ContentStore(session, tenant_id, kind=kind, noun=kind, test_path="")
        if await store.versions.list(ContentVersionRow.scope == scope):
            return 0
        if name is not None:
            await session.execute(upsert(session, TenantRow).values(
                id=tenant_id, name=name, created_at=utc_timestamp(), created_by=SYSTEM)
                .on_conflict_do_nothing(index_elements=["id"]))
        try:
            async with session.begin_nested():
                row = store.versions.add(ContentVersionRow(
                    kind=kind, id=version_id, scope=scope, status="deployed", parent_id=None, author_name=SYSTEM,
                    author_key_id=SYSTEM, message=MESSAGE, created_at=utc_timestamp(), source_text=text,
                    content=content))
        except IntegrityError:  # another process imported it at the same moment
            return 0
        if kind == "tenant_config":
            await put_snapshot(session, "tenant_config", content, hash=version_id, tenant_id=tenant_id)
        await deploy_rows(decisions, session, store, system, row, {"all": FIRST_DAY}, "import")
        await transition(decisions, session, store, system, row, "import", "deployed", note=MESSAGE,
                         dates={"all": FIRST_DAY})
    return 1
