"""coordinators' signed trust lists: the list an office follows, its members, and who vouches for each trusted key

Revision ID: 0019_trust_lists
Revises: 0018_name_index
Create Date: 2026-12-06 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desktop.store.base

revision: str = '0019_trust_lists'
down_revision: str | None = '0018_name_index'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_trust_list',
    sa.Column('coordinator_key_id', sa.String(length=16), nullable=False),
    sa.Column('coordinator_name', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('issued_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('valid_until', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('imported_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('imported_by', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('coordinator_key_id', name=op.f('pk_exchange_trust_list'))
    )
    op.create_table('exchange_trust_list_member',
    sa.Column('coordinator_key_id', sa.String(length=16), nullable=False),
    sa.Column('key_id', sa.String(length=16), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('office_name', sa.String(length=200), nullable=False),
    sa.Column('public_key', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('coordinator_key_id', 'key_id', name=op.f('pk_exchange_trust_list_member'))
    )
    # Every key trusted so far was trusted by a person here.
    with op.batch_alter_table('trusted_key', schema=None) as batch_op:
        batch_op.add_column(sa.Column('by_hand', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('trust_list', sa.String(length=16), server_default='', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('trusted_key', schema=None) as batch_op:
        batch_op.drop_column('trust_list')
        batch_op.drop_column('by_hand')
    op.drop_table('exchange_trust_list_member')
    op.drop_table('exchange_trust_list')
