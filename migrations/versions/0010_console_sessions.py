"""Console sessions: a signed-in browser's token hash, the API key it was opened with, its CSRF token
and when it was last used (idle timeout). Not tenant-owned: the tenant is read from the key.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-03 12:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0010'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('console_sessions',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=32), nullable=False),
    sa.Column('csrf_token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.Float(), nullable=False),
    sa.Column('last_seen_at', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_console_sessions'))
    )
    op.create_index(op.f('ix_console_sessions_key_id'), 'console_sessions', ['key_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_console_sessions_key_id'), table_name='console_sessions')
    op.drop_table('console_sessions')
