"""record why a person was saved without registration consent (refused or not yet asked)

Revision ID: 0003d
Revises: 0007c
Create Date: 2026-12-05 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003d'
down_revision: str | None = '0007c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing people: "" (nobody was asked the question; their consent history is unchanged).
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_consent_answer', sa.String(length=16), server_default='',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('registration_consent_answer')
