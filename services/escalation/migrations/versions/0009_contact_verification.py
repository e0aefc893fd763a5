"""Contact verification: a contact method counts only once the platform verified it (a one-time code
the clinician enters, or a signed challenge the webhook echoed).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('clinician_contacts', sa.Column('verification', sa.String(length=20), server_default='pending',
                                                  nullable=False))
    op.add_column('clinician_contacts', sa.Column('verification_code_hash', sa.String(length=64), nullable=True))
    op.add_column('clinician_contacts', sa.Column('verification_expires_at', sa.DateTime(timezone=True),
                                                  nullable=True))
    op.add_column('clinician_contacts', sa.Column('verification_tries', sa.Integer(), server_default='0',
                                                  nullable=False))
    op.add_column('clinician_contacts', sa.Column('verification_error', sa.Text(), nullable=True))
    op.add_column('clinician_contacts', sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True))
    # methods a caller marked verified before the platform verified any: still paged (turning them all
    # off at once would stop out-of-band pages until every clinician re-verified), shown as "legacy"
    # so that operators ask for a verification (POST .../verification) of each
    op.execute("UPDATE clinician_contacts SET verification = 'legacy' WHERE verified")


def downgrade() -> None:
    for column in ('verified_at', 'verification_error', 'verification_tries', 'verification_expires_at',
                   'verification_code_hash', 'verification'):
        op.drop_column('clinician_contacts', column)
