"""Fairness testing: BISG proxies (probabilities only), reports, gate results and sign-offs, each
tenant-owned and under row security on PostgreSQL like every other tenant table (0005).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("fairness_proxies", "fairness_reports", "fairness_gates", "fairness_signoffs")
TENANT = "current_setting('saas.tenant', true)"


def upgrade() -> None:
    groups = ("white", "black", "api", "native", "multiple", "hispanic")
    op.create_table(
        'fairness_proxies',
        sa.Column('tenant_id', sa.String(64), primary_key=True),
        sa.Column('driver_id', sa.String(64), primary_key=True),
        *(sa.Column(f'p_{g}', sa.Float(), nullable=False) for g in groups),
        sa.Column('method', sa.String(16), nullable=False),
        sa.Column('import_id', sa.String(36), nullable=False),
        sa.Column('imported_at', sa.String(32), nullable=False),
    )
    op.create_table(
        'fairness_reports',
        sa.Column('tenant_id', sa.String(64), nullable=False),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('scope', sa.String(64), nullable=False),
        sa.Column('created_at', sa.String(32), nullable=False),
        sa.Column('created_by', sa.String(120), nullable=False),
        sa.Column('hash', sa.String(64), nullable=False),
        sa.Column('flags', sa.Integer(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
    )
    op.create_index('ix_fairness_reports_tenant_id', 'fairness_reports', ['tenant_id'])
    op.create_table(
        'fairness_gates',
        sa.Column('tenant_id', sa.String(64), primary_key=True),
        sa.Column('subject', sa.String(120), primary_key=True),
        sa.Column('blocked', sa.Boolean(), nullable=False),
        sa.Column('hash', sa.String(64), nullable=False),
        sa.Column('result', sa.Text(), nullable=False),
        sa.Column('at', sa.String(32), nullable=False),
    )
    op.create_table(
        'fairness_signoffs',
        sa.Column('tenant_id', sa.String(64), nullable=False),
        sa.Column('id', sa.String(36), primary_key=True),
        sa.Column('subject', sa.String(120), nullable=False),
        sa.Column('gate_hash', sa.String(64), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('actor_name', sa.String(120), nullable=False),
        sa.Column('actor_key_id', sa.String(64), nullable=False),
        sa.Column('at', sa.String(32), nullable=False),
    )
    op.create_index('ix_fairness_signoffs_tenant_id', 'fairness_signoffs', ['tenant_id'])
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    owner = bind.exec_driver_sql("SELECT quote_literal(current_user)").scalar()
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        rule = f"(tenant_id = {TENANT} OR current_user = {owner})"
        op.execute(f"CREATE POLICY tenant_isolation ON {table} USING {rule} WITH CHECK {rule}")


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
