"""Tier changes counted by each chunk: a run's completion event sums them instead of joining a
million score rows to the month before when the run closes (the close is serial, on one worker).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scoring_chunks') as batch:
        batch.add_column(sa.Column('tier_changes', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('scoring_chunks') as batch:
        batch.drop_column('tier_changes')
