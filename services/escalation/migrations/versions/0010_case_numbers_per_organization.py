"""Case numbers per organization and year (one global sequence revealed the platform's total crisis
volume to every organization).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('case_number_counters',
                    sa.Column('organization_id', sa.String(length=64), nullable=False),
                    sa.Column('year', sa.Integer(), nullable=False),
                    sa.Column('last', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('organization_id', 'year', name=op.f('pk_case_number_counters')))
    # existing organizations continue after their own highest number of each year
    op.execute("""
        INSERT INTO case_number_counters (organization_id, year, last)
        SELECT organization_id, CAST(split_part(case_number, '-', 2) AS integer),
               max(CAST(split_part(case_number, '-', 3) AS integer))
        FROM cases WHERE case_number ~ '^ESC-[0-9]{4}-[0-9]+$'
        GROUP BY organization_id, split_part(case_number, '-', 2)""")
    op.drop_constraint('uq_cases_case_number', 'cases', type_='unique')
    op.create_unique_constraint('uq_cases_organization_id', 'cases', ['organization_id', 'case_number'])


def downgrade() -> None:
    op.drop_constraint('uq_cases_organization_id', 'cases', type_='unique')
    op.create_unique_constraint('uq_cases_case_number', 'cases', ['case_number'])
    op.drop_table('case_number_counters')
