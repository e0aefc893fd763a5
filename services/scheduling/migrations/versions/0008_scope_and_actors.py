"""Part 2 disclosure consents (recipients, expiry), who entered a record for whom, and whether a
supervision log was held by the peer's supervisor of record.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('consents', sa.Column('entered_by', sa.String(length=64), nullable=True))
    op.add_column('consents', sa.Column('recipient_program_ids', sa.JSON(), nullable=False,
                                        server_default=sa.text("'[]'")))
    op.add_column('consents', sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('supervision_logs', sa.Column('by_assigned_supervisor', sa.Boolean(), nullable=False,
                                                server_default=sa.true()))
    op.add_column('supervision_logs', sa.Column('entered_by', sa.String(length=64), nullable=True))
    op.add_column('peer_contacts', sa.Column('entered_by', sa.String(length=64), nullable=True))
    # a participant's plan is versioned in each program (a program's records are its own)
    op.drop_constraint('uq_safety_plans_version', 'safety_plans', type_='unique')
    op.create_unique_constraint('uq_safety_plans_version', 'safety_plans', ['participant_id', 'program_id', 'version'])


def downgrade() -> None:
    op.drop_constraint('uq_safety_plans_version', 'safety_plans', type_='unique')
    op.create_unique_constraint('uq_safety_plans_version', 'safety_plans', ['participant_id', 'version'])
    op.drop_column('peer_contacts', 'entered_by')
    op.drop_column('supervision_logs', 'entered_by')
    op.drop_column('supervision_logs', 'by_assigned_supervisor')
    op.drop_column('consents', 'expires_at')
    op.drop_column('consents', 'recipient_program_ids')
    op.drop_column('consents', 'entered_by')
