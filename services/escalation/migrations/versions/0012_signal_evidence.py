"""Each case signal keeps what in it matched the rule (the item and the answer), for the clinician.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('case_signals', sa.Column('evidence', sa.String(length=300), nullable=True))


def downgrade() -> None:
    op.drop_column('case_signals', 'evidence')
