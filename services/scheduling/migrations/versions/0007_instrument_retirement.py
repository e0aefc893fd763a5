"""Instrument retirement: a custom instrument can be retired (never deleted: responses keep pointing at
their version); a retired one is not offered nor accepted for new responses.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('retired_instruments',
                    sa.Column('organization_id', sa.String(length=64), nullable=False),
                    sa.Column('code', sa.String(length=40), nullable=False),
                    sa.Column('retired_by', sa.String(length=64), nullable=False),
                    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=False),
                    sa.PrimaryKeyConstraint('organization_id', 'code', name=op.f('pk_retired_instruments')))


def downgrade() -> None:
    op.drop_table('retired_instruments')
