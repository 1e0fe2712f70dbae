"""Key generation: one counter bumped by every key revocation, read by every process at most every
0.25 s while it serves from its authentication cache (revocation reaches every replica at once).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 10:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('key_generation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_key_generation'))
    )
    op.execute("INSERT INTO key_generation (id, generation) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table('key_generation')
