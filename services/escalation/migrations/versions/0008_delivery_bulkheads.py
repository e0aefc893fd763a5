"""Delivery bulkheads: each notification and each timer step keeps its own attempts, last error and
next attempt, so one that keeps failing backs off and is parked instead of holding up the others.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 22:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('notifications', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_index('ix_notifications_pending', table_name='notifications', postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notifications_pending', 'notifications', ['organization_id', 'clinician_id', 'created_at'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.add_column('case_steps', sa.Column('attempts', sa.Integer(), server_default='0', nullable=False))
    op.add_column('case_steps', sa.Column('last_error', sa.Text(), nullable=True))
    op.add_column('case_steps', sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column('case_steps', 'retry_at')
    op.drop_column('case_steps', 'last_error')
    op.drop_column('case_steps', 'attempts')
    op.drop_index('ix_notifications_pending', table_name='notifications', postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_notifications_pending', 'notifications', ['created_at'],
                    postgresql_where=sa.text("status = 'pending'"))
    op.drop_column('notifications', 'next_attempt_at')
