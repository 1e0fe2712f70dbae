"""The shipped rate table files become each tenant's first deployed versions, once.

At set-up (``saas db upgrade``, ``saas demo`` or the first start of a process) every table under
``tenants/<id>/rates/`` is recorded as a version deployed by ``system`` with the message "initial
import", from its own effective date, for new business and renewals. A version already in the
database is left alone, so importing again changes nothing; from then on the database is the
source of truth and file edits reach it only as drafts (``saas rates draft FILE``).
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec
from sqlalchemy.exc import IntegrityError

from saas.audit.decisions import DecisionLog
from saas.audit.snapshots import put_snapshot
from saas.clock import utc_timestamp
from saas.rates.models import RateVersionRow
from saas.rates.repository import Deployments, Versions
from saas.rates.service import KINDS, deploy_rows, transition
from saas.rating.lookups import RateTable
from saas.tenancy.keys import Principal

SYSTEM = "system"
MESSAGE = "initial import"


async def import_tables(decisions: DecisionLog, tables: Iterable[RateTable]) -> int:
    """Import every table not yet known; returns how many versions were created."""
    created = 0
    for table in sorted(tables, key=lambda t: (t.tenant, t.state, t.product, t.effective_date)):
        created += await _import_one(decisions, table)
    return created


async def _import_one(decisions: DecisionLog, table: RateTable) -> int:
    system = Principal(table.tenant, SYSTEM, "admin", SYSTEM)
    async with decisions.transaction() as session:
        versions = Versions(session, table.tenant)
        if await versions.get_one_or_none(RateVersionRow.id == table.content_hash) is not None:
            return 0
        content = msgspec.json.encode(table.spec).decode()
        parent = await Deployments(session, table.tenant).current_version(table.state, table.product)
        try:
            async with session.begin_nested():
                row = versions.add(RateVersionRow(
                    id=table.content_hash, state=table.state, product=table.product, status="deployed",
                    parent_id=parent, author_name=SYSTEM, author_key_id=SYSTEM, message=MESSAGE,
                    created_at=utc_timestamp(), effective_date=table.effective_date, content=content))
        except IntegrityError:  # another process imported it at the same moment: nothing left to do
            return 0
        await put_snapshot(session, "rate_table", content, hash=row.id, tenant_id=table.tenant)
        await deploy_rows(decisions, session, system, row, dict.fromkeys(KINDS, table.effective_date), "import")
        await transition(decisions, session, system, row, "import", "deployed", note=MESSAGE,
                         effective_date=table.effective_date, renewal_effective_date=table.effective_date)
    return 1
