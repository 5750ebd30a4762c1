"""index the people register and the referral list in display order (lazy tables page from the index)

Revision ID: 0003b
Revises: 0007b
Create Date: 2026-11-23 20:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0003b'
down_revision: str | None = '0007b'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_family_names')
        batch_op.create_index('ix_person_list_order',
                              ['family_name_1', 'family_name_2', 'given_names', 'id', 'deleted_at'], unique=False)
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_created_at')
        batch_op.create_index('ix_referral_list_order', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_referral_status_list_order', ['status', 'created_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_index('ix_referral_status_list_order')
        batch_op.drop_index('ix_referral_list_order')
        batch_op.create_index('ix_referral_created_at', ['created_at'], unique=False)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_list_order')
        batch_op.create_index('ix_person_family_names', ['family_name_1', 'family_name_2'], unique=False)
