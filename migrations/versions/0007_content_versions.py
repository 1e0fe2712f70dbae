"""Versioned content beyond rate tables: tenant configurations and state rulesets (one set of
tables with a ``kind``), the tenant register, the generation counter processes poll, and the
configuration a scoring run pinned. On PostgreSQL the new tenant-owned tables get the same row
security as the others, and the one cross-tenant read (every active deployment, for the live
cache in each process) goes through a SECURITY DEFINER function.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("content_versions", "content_events", "content_deployments", "content_test_runs")
TENANT = "current_setting('saas.tenant', true)"
ACTIVE = sa.text("withdrawn_at IS NULL")


def _fk(name: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['tenant_id', 'kind', 'version_id'], ['content_versions.tenant_id',
                                   'content_versions.kind', 'content_versions.id'], name=name)


def _id() -> sa.Column:
    return sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False)


def upgrade() -> None:
    op.create_table('content_generation',
                    sa.Column('id', sa.Integer(), nullable=False),
                    sa.Column('generation', sa.BigInteger(), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_generation')))
    op.execute("INSERT INTO content_generation (id, generation) VALUES (1, 0)")
    op.create_table('tenants',
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('name', sa.String(length=200), nullable=False),
                    sa.Column('created_at', sa.String(length=32), nullable=False),
                    sa.Column('created_by', sa.String(length=120), nullable=False),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_tenants')))
    op.create_table('content_versions',
                    sa.Column('tenant_id', sa.String(length=64), nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('id', sa.String(length=64), nullable=False),
                    sa.Column('scope', sa.String(length=16), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('parent_id', sa.String(length=64), nullable=True),
                    sa.Column('author_name', sa.String(length=120), nullable=False),
                    sa.Column('author_key_id', sa.String(length=32), nullable=False),
                    sa.Column('message', sa.Text(), nullable=False),
                    sa.Column('created_at', sa.String(length=32), nullable=False),
                    sa.Column('source_text', sa.Text(), nullable=False),
                    sa.Column('content', sa.Text(), nullable=False),
                    sa.PrimaryKeyConstraint('tenant_id', 'kind', 'id', name=op.f('pk_content_versions')))
    op.create_index('ix_content_versions_scope', 'content_versions', ['tenant_id', 'kind', 'scope', 'created_at'])
    op.create_table('content_events', _id(),
                    sa.Column('tenant_id', sa.String(length=64), nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('version_id', sa.String(length=64), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column('status', sa.String(length=16), nullable=False),
                    sa.Column('actor_name', sa.String(length=120), nullable=False),
                    sa.Column('actor_key_id', sa.String(length=32), nullable=False),
                    sa.Column('at', sa.String(length=32), nullable=False),
                    sa.Column('note', sa.Text(), nullable=True),
                    _fk(op.f('fk_content_events_tenant_id_content_versions')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_events')))
    op.create_index('ix_content_events_version', 'content_events', ['tenant_id', 'kind', 'version_id'])
    op.create_table('content_deployments', _id(),
                    sa.Column('tenant_id', sa.String(length=64), nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('scope', sa.String(length=16), nullable=False),
                    sa.Column('effective_date', sa.Date(), nullable=False),
                    sa.Column('version_id', sa.String(length=64), nullable=False),
                    sa.Column('action', sa.String(length=16), nullable=False),
                    sa.Column('deployed_by', sa.String(length=120), nullable=False),
                    sa.Column('deployed_key_id', sa.String(length=32), nullable=False),
                    sa.Column('deployed_at', sa.String(length=32), nullable=False),
                    sa.Column('withdrawn_at', sa.String(length=32), nullable=True),
                    sa.Column('withdrawn_by', sa.String(length=120), nullable=True),
                    sa.Column('withdrawn_for', sa.String(length=16), nullable=True),
                    _fk(op.f('fk_content_deployments_tenant_id_content_versions')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_deployments')))
    op.create_index('uq_content_deployments_active', 'content_deployments',
                    ['tenant_id', 'kind', 'scope', 'effective_date'], unique=True,
                    sqlite_where=ACTIVE, postgresql_where=ACTIVE)
    op.create_table('content_test_runs',
                    sa.Column('id', sa.String(length=36), nullable=False),
                    sa.Column('tenant_id', sa.String(length=64), nullable=False),
                    sa.Column('kind', sa.String(length=24), nullable=False),
                    sa.Column('version_id', sa.String(length=64), nullable=False),
                    sa.Column('actor_name', sa.String(length=120), nullable=False),
                    sa.Column('at', sa.String(length=32), nullable=False),
                    sa.Column('result', sa.Text(), nullable=False),
                    _fk(op.f('fk_content_test_runs_tenant_id_content_versions')),
                    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_test_runs')))
    op.create_index('ix_content_test_runs_version', 'content_test_runs', ['tenant_id', 'kind', 'version_id'])
    with op.batch_alter_table('rate_deployments') as batch:
        batch.add_column(sa.Column('withdrawn_for', sa.String(length=16), nullable=True))
    with op.batch_alter_table('api_keys') as batch:  # 'platform-approver' is 17 characters
        batch.alter_column('role', type_=sa.String(length=24), existing_type=sa.String(length=16),
                           existing_nullable=False)
    _row_security()


def _row_security() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner_literal, schema = bind.exec_driver_sql("SELECT quote_literal(current_user), current_schema()").one()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        rule = f"(tenant_id = {TENANT} OR current_user = {owner_literal})"
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {rule} WITH CHECK {rule}")
    op.execute(f"""
        CREATE FUNCTION saas_active_content() RETURNS TABLE (
            tenant_id varchar, kind varchar, scope varchar, effective_date date, version_id varchar,
            content text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, {schema} AS $$
            SELECT d.tenant_id, d.kind, d.scope, d.effective_date, v.id, v.content
            FROM content_deployments d JOIN content_versions v
              ON v.tenant_id = d.tenant_id AND v.kind = d.kind AND v.id = d.version_id
            WHERE d.withdrawn_at IS NULL ORDER BY d.effective_date, d.id $$""")


def downgrade() -> None:
    with op.batch_alter_table('api_keys') as batch:
        batch.alter_column('role', type_=sa.String(length=16), existing_type=sa.String(length=24),
                           existing_nullable=False)
    with op.batch_alter_table('rate_deployments') as batch:
        batch.drop_column('withdrawn_for')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS saas_active_content()")
    for table in ("content_test_runs", "content_deployments", "content_events", "content_versions", "tenants",
                  "content_generation"):
        op.drop_table(table)
