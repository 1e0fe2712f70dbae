"""PostgreSQL row-level security: the database itself refuses rows of a tenant not set for the transaction.

Scoping by ``TenantRepository`` is the first line; this is the second. Every tenant-owned table
has row security enabled and forced (migration 0004), with a policy letting a transaction see and
write only the rows of the tenant in its ``saas.tenant`` setting. The application connects as a
role that does not own the tables, so a query that forgot its tenant filter, or ran without a
tenant at all, sees no rows instead of every tenant's.

The setting follows the repository: each statement a ``TenantRepository`` builds carries its tenant
as an execution option, and before such a statement runs (``do_orm_execute``), or before a flush of
tenant-owned rows (``before_flush``), the session sets ``saas.tenant`` for the transaction with
``set_config(..., true)`` if it holds another tenant. A transaction may therefore serve several
tenants in turn (the audit writer's group commit appends for each tenant after setting it), and
the setting ends with the transaction. SQLite has no row security; nothing is done there.

The reads that are cross-tenant by nature go through two SECURITY DEFINER functions owned by the
table owner: ``saas_api_key(id)`` (a key is how its tenant is learnt) and
``saas_active_deployments()`` (every process caches every tenant's deployed rates).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, text
from sqlalchemy.orm import ORMExecuteState, Session

TENANT_OPTION = "saas_tenant"
"""The execution option a tenant-scoped statement carries."""
SETTING = "saas.tenant"
_BOUND = "saas_rls_tenant"
_SET = text("SELECT set_config('saas.tenant', :tenant, true)")


def bind_tenant(session: Session, tenant_id: str) -> None:
    """Set the transaction's tenant on PostgreSQL unless it is already this one (sync; used in events)."""
    if session.info.get(_BOUND) == tenant_id:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return
    connection.execute(_SET, {"tenant": tenant_id})
    session.info[_BOUND] = tenant_id


@event.listens_for(Session, "do_orm_execute")
def _before_statement(state: ORMExecuteState) -> None:
    tenant = state.execution_options.get(TENANT_OPTION)
    if tenant is not None:
        bind_tenant(state.session, tenant)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    owners = {tenant for row in (*session.new, *session.dirty, *session.deleted)
              if isinstance(tenant := getattr(row, "tenant_id", None), str)}
    if owners:
        bind_tenant(session, sorted(owners)[0])  # rows of two tenants in one flush: the policy refuses one


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_BOUND, None)
