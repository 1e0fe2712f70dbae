"""Trips and monthly scoring: drivers, trip summaries, scoring runs and their chunks, driver
scores by (tenant, driver, period), and the webhook outbox with its disabled endpoints.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:21.221440
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('driver_scores',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('driver_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('trips', sa.Integer(), nullable=False),
    sa.Column('miles', sa.Float(), nullable=False),
    sa.Column('risk_score', sa.Float(), nullable=False),
    sa.Column('safety_score', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('safety_score_month', sa.Numeric(precision=5, scale=1), nullable=False),
    sa.Column('multiplier', sa.Numeric(precision=12, scale=6), nullable=False),
    sa.Column('tier', sa.String(length=20), nullable=False),
    sa.Column('tier_label', sa.Text(), nullable=False),
    sa.Column('percentile', sa.Float(), nullable=False),
    sa.Column('safest_top_pct', sa.Integer(), nullable=False),
    sa.Column('features', sa.Text(), nullable=False),
    sa.Column('coaching', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'driver_id', 'period', name=op.f('pk_driver_scores'))
    )
    op.create_table('drivers',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('driver_id', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=2), nullable=False),
    sa.Column('prior_claim_count', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'driver_id', name=op.f('pk_drivers'))
    )
    op.create_table('scoring_chunks',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('run_id', sa.String(length=36), nullable=False),
    sa.Column('chunk', sa.Integer(), nullable=False),
    sa.Column('first_driver', sa.String(length=64), nullable=False),
    sa.Column('last_driver', sa.String(length=64), nullable=False),
    sa.Column('drivers', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=True),
    sa.Column('unscored', sa.Text(), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('timings', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('run_id', 'chunk', name=op.f('pk_scoring_chunks'))
    )
    op.create_table('scoring_runs',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('explain', sa.Boolean(), nullable=False),
    sa.Column('chunks', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Integer(), nullable=False),
    sa.Column('written', sa.Integer(), nullable=True),
    sa.Column('not_scored', sa.Integer(), nullable=True),
    sa.Column('checksum', sa.String(length=64), nullable=True),
    sa.Column('credibility', sa.Text(), nullable=False),
    sa.Column('model_version', sa.String(length=80), nullable=False),
    sa.Column('tenant_config', sa.String(length=64), nullable=False),
    sa.Column('requested_by', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('finished_at', sa.String(length=32), nullable=True),
    sa.Column('reconciliation', sa.Text(), nullable=True),
    sa.Column('timings', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_runs'))
    )
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.create_index('ix_scoring_runs_period', ['tenant_id', 'period'], unique=False)

    op.create_table('trips',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('trip_id', sa.String(length=64), nullable=False),
    sa.Column('driver_id', sa.String(length=64), nullable=False),
    sa.Column('period', sa.String(length=7), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('driving_seconds', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('miles', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('hard_braking_events', sa.Integer(), nullable=False),
    sa.Column('aggressive_turning_events', sa.Integer(), nullable=False),
    sa.Column('speeding_minutes', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('tailgating_seconds', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('phone_use_seconds', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('night_miles', sa.Numeric(precision=14, scale=4, asdecimal=False), nullable=False),
    sa.Column('detector_version', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('tenant_id', 'trip_id', name=op.f('pk_trips'))
    )
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.create_index('ix_trips_month', ['tenant_id', 'period', 'driver_id'], unique=False)

    op.create_table('webhook_deliveries',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.String(length=32), nullable=True),
    sa.Column('last_status', sa.Integer(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.String(length=32), nullable=False),
    sa.Column('delivered_at', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_deliveries'))
    )
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.create_index('ix_webhook_deliveries_status', ['tenant_id', 'status'], unique=False)

    op.create_table('webhook_endpoints',
    sa.Column('tenant_id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('disabled_at', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id', 'url', name=op.f('pk_webhook_endpoints'))
    )


def downgrade() -> None:
    op.drop_table('webhook_endpoints')
    with op.batch_alter_table('webhook_deliveries', schema=None) as batch_op:
        batch_op.drop_index('ix_webhook_deliveries_status')

    op.drop_table('webhook_deliveries')
    with op.batch_alter_table('trips', schema=None) as batch_op:
        batch_op.drop_index('ix_trips_month')

    op.drop_table('trips')
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_scoring_runs_period')

    op.drop_table('scoring_runs')
    op.drop_table('scoring_chunks')
    op.drop_table('drivers')
    op.drop_table('driver_scores')
