"""record people's self-declared ethnic and LGBTIQ+ self-identification (existing people: not asked)

Revision ID: 0003c
Revises: 0003b
Create Date: 2026-12-03 07:57:22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003c'
down_revision: str | None = '0003b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The server default fills every existing row with "not_asked": nobody's answer is assumed.
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ethnicity', sa.String(length=64), server_default='not_asked', nullable=False))
        batch_op.add_column(sa.Column('lgbtiq', sa.String(length=16), server_default='not_asked', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('lgbtiq')
        batch_op.drop_column('ethnicity')
