"""Row-level security on every tenant-owned table (PostgreSQL only; SQLite has none).

Each table gets row security enabled and forced, and one policy: a row is visible and writable
when its tenant is the transaction's ``saas.tenant`` setting (snapshots: also when shared, tenant
NULL), or to the tables' owner (this migration's role: migrations, backups, and the two
SECURITY DEFINER functions below). The application connects as another role, so without a tenant
set it sees nothing. See saas/tenancy/row_security.py.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 10:50:00
"""
from collections.abc import Sequence

from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENANT_TABLES = ("api_keys", "audit_entries", "audit_heads", "rate_versions", "rate_version_events",
                 "rate_deployments", "rate_test_runs", "drivers", "trips", "scoring_runs", "scoring_chunks",
                 "driver_scores", "webhook_deliveries", "webhook_endpoints")
TENANT = "current_setting('saas.tenant', true)"


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.exec_driver_sql("SELECT quote_literal(current_user), current_schema()").one()
    owner_literal, schema = owner[0], owner[1]
    for table, visible in [*((t, f"tenant_id = {TENANT}") for t in TENANT_TABLES),
                           ("snapshots", f"(tenant_id IS NULL OR tenant_id = {TENANT})")]:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        rule = f"({visible} OR current_user = {owner_literal})"
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {rule} WITH CHECK {rule}")
    op.execute(f"""
        CREATE FUNCTION saas_api_key(key_id text) RETURNS SETOF api_keys
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {schema} AS
        $$ SELECT * FROM api_keys WHERE id = key_id $$""")
    op.execute(f"""
        CREATE FUNCTION saas_active_deployments() RETURNS TABLE (
            tenant_id varchar, state varchar, product varchar, kind varchar, effective_date date,
            version_id varchar, content text, expiry_date date)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {schema} AS $$
            SELECT d.tenant_id, d.state, d.product, d.kind, d.effective_date, v.id, v.content, v.expiry_date
            FROM rate_deployments d JOIN rate_versions v ON v.tenant_id = d.tenant_id AND v.id = d.version_id
            WHERE d.withdrawn_at IS NULL ORDER BY d.effective_date $$""")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS saas_active_deployments()")
    op.execute("DROP FUNCTION IF EXISTS saas_api_key(text)")
    for table in (*TENANT_TABLES, "snapshots"):
        op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
