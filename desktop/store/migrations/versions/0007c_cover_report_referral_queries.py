"""cover the report's referral queries with their indexes

Revision ID: 0007c
Revises: 0003c
Create Date: 2026-12-03 08:20:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007c'
down_revision: str | None = '0003c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_sent_at')
        batch_op.drop_index('ix_referral_closed_at')
        batch_op.create_index('ix_referral_sent_report', ['sent_at', 'person_id', 'status', 'closed_at',
                                                          'service_id', 'id'], unique=False)
        batch_op.create_index('ix_referral_closed_report', ['closed_at', 'sent_at', 'follow_up_on'], unique=False)
        batch_op.create_index('ix_referral_open_follow_up', ['status', 'follow_up_on', 'sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_open_follow_up')
        batch_op.drop_index('ix_referral_closed_report')
        batch_op.drop_index('ix_referral_sent_report')
        batch_op.create_index('ix_referral_closed_at', ['closed_at'], unique=False)
        batch_op.create_index('ix_referral_sent_at', ['sent_at'], unique=False)
