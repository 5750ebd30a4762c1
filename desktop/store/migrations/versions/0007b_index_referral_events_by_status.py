"""index referral events by referral, status and time for reports

Revision ID: 0007b
Revises: 0007
Create Date: 2026-11-23 19:55:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007b'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.create_index('ix_referral_event_referral_status_at', ['referral_id', 'to_status', 'at'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral_event', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_event_referral_status_at')
