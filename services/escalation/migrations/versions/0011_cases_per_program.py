"""A participant's case and care team are kept per program: a 42 CFR Part 2 program's signals open
a case of their own, routed within that program, and never join another program's case.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 23:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status <> 'resolved'")


def upgrade() -> None:
    op.drop_index('uq_cases_open_per_participant', table_name='cases', postgresql_where=OPEN)
    op.create_index('uq_cases_open_per_participant', 'cases', ['organization_id', 'participant_id', 'program_id'],
                    unique=True, postgresql_where=OPEN)
    op.drop_constraint('pk_participant_care', 'participant_care', type_='primary')
    op.create_primary_key('pk_participant_care', 'participant_care',
                          ['organization_id', 'participant_id', 'program_id'])


def downgrade() -> None:
    op.drop_constraint('pk_participant_care', 'participant_care', type_='primary')
    op.create_primary_key('pk_participant_care', 'participant_care', ['organization_id', 'participant_id'])
    op.drop_index('uq_cases_open_per_participant', table_name='cases', postgresql_where=OPEN)
    op.create_index('uq_cases_open_per_participant', 'cases', ['organization_id', 'participant_id'], unique=True,
                    postgresql_where=OPEN)
