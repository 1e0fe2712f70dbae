"""Rate table versions: versions, their status history, deployments, test runs, and the
deploy generation counter every process polls to reload its cache.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 09:41:56.634173
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rate_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_generation'))
    )
    op.create_table('rate_versions',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('author_key_id', sa.String(length=32), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('filing_reference', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('content', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'id', name=op.f('pk_rate_versions'))
    )
    with op.batch_alter_table('rate_versions', schema=None) as batch_op:
        batch_op.create_index('ix_rate_versions_key', ['tenant_id', 'state', 'product', 'created_at'], unique=False)

    op.create_table('rate_deployments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('product', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('version_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('deployed_by', sa.String(length=120), nullable=False),
    sa.Column('deployed_key_id', sa.String(length=32), nullable=False),
    sa.Column('deployed_at', sa.String(length=32), nullable=False),
    sa.Column('withdrawn_at', sa.String(length=32), nullable=True),
    sa.Column('withdrawn_by', sa.String(length=120), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'version_id'], ['rate_versions.tenant_id', 'rate_versions.id'], name=op.f('fk_rate_deployments_tenant_id_rate_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_deployments'))
    )
    with op.batch_alter_table('rate_deployments', schema=None) as batch_op:
        batch_op.create_index('uq_rate_deployments_active', ['tenant_id', 'state', 'product', 'kind', 'effective_date'], unique=True, sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.create_table('rate_test_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.String(length=64), nullable=False),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('result', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['tenant_id', 'version_id'], ['rate_versions.tenant_id', 'rate_versions.id'], name=op.f('fk_rate_test_runs_tenant_id_rate_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_test_runs'))
    )
    with op.batch_alter_table('rate_test_runs', schema=None) as batch_op:
        batch_op.create_index('ix_rate_test_runs_version', ['tenant_id', 'version_id'], unique=False)

    op.create_table('rate_version_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('version_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('actor_key_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.String(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['tenant_id', 'version_id'], ['rate_versions.tenant_id', 'rate_versions.id'], name=op.f('fk_rate_version_events_tenant_id_rate_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rate_version_events'))
    )
    with op.batch_alter_table('rate_version_events', schema=None) as batch_op:
        batch_op.create_index('ix_rate_version_events_version', ['tenant_id', 'version_id'], unique=False)

    op.execute("INSERT INTO rate_generation (id, generation) VALUES (1, 0)")


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table('rate_version_events', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_version_events_version')

    op.drop_table('rate_version_events')
    with op.batch_alter_table('rate_test_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_test_runs_version')

    op.drop_table('rate_test_runs')
    with op.batch_alter_table('rate_deployments', schema=None) as batch_op:
        batch_op.drop_index('uq_rate_deployments_active', sqlite_where=sa.text('withdrawn_at IS NULL'), postgresql_where=sa.text('withdrawn_at IS NULL'))

    op.drop_table('rate_deployments')
    with op.batch_alter_table('rate_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_rate_versions_key')

    op.drop_table('rate_versions')
    op.drop_table('rate_generation')
    # ### end Alembic commands ###
