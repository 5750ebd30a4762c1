"""create the tables of offices exchanging signed bundles (self-contained: no foreign keys)

Revision ID: 0015
Revises: 0003d
Create Date: 2026-12-05 07:53:12.780041
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import desktop.store.base


revision: str = '0015'
down_revision: str | None = '0003d'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('exchange_bundle',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('direction', sa.String(length=3), nullable=False),
    sa.Column('sender_office', sa.String(length=16), nullable=False),
    sa.Column('recipient', sa.String(length=16), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('previous_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('valid_until', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('contents', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bundle')),
    sa.UniqueConstraint('sha256', name=op.f('uq_exchange_bundle_sha256'))
    )
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_bundle_sender_seq', ['direction', 'sender_office', 'seq'], unique=False)

    op.create_table('exchange_conflict',
    sa.Column('table_name', sa.String(length=48), nullable=False),
    sa.Column('row_id', sa.Uuid(), nullable=False),
    sa.Column('sender_office', sa.String(length=16), nullable=False),
    sa.Column('bundle_id', sa.Uuid(), nullable=False),
    sa.Column('local_values', sa.Text(), nullable=False),
    sa.Column('remote_values', sa.Text(), nullable=False),
    sa.Column('remote_history', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('resolved_at', desktop.store.base.UTCDateTime(), nullable=True),
    sa.Column('resolved_by', sa.String(length=64), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_conflict'))
    )
    with op.batch_alter_table('exchange_conflict', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_conflict_status', ['status', 'created_at'], unique=False)

    op.create_table('exchange_inbound_referral',
    sa.Column('sender_office', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('service_id', sa.Uuid(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('urgency', sa.String(length=16), nullable=False),
    sa.Column('sent_at', desktop.store.base.UTCDateTime(), nullable=True),
    sa.Column('person_data', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('received_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_inbound_referral'))
    )
    with op.batch_alter_table('exchange_inbound_referral', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_inbound_referral_status', ['status', 'received_at'], unique=False)

    op.create_table('exchange_peer',
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.Column('missing', sa.Text(), nullable=False),
    sa.Column('revocation_seq', sa.Integer(), nullable=False),
    sa.Column('revocation_sha256', sa.String(length=64), nullable=False),
    sa.Column('revocation_issued_at', desktop.store.base.UTCDateTime(), nullable=True),
    sa.Column('updated_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('office_code', name=op.f('pk_exchange_peer'))
    )
    op.create_table('exchange_referral_event',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('referral_id', sa.Uuid(), nullable=False),
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('to_office', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_referral_event'))
    )
    with op.batch_alter_table('exchange_referral_event', schema=None) as batch_op:
        batch_op.create_index('ix_exchange_referral_event_referral', ['referral_id', 'at'], unique=False)

    op.create_table('exchange_revocation',
    sa.Column('office_code', sa.String(length=16), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('revoked_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('list_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('office_code', 'number', name=op.f('pk_exchange_revocation'))
    )
    op.create_table('exchange_row_history',
    sa.Column('table_name', sa.String(length=48), nullable=False),
    sa.Column('row_id', sa.Uuid(), nullable=False),
    sa.Column('owner_office', sa.String(length=16), nullable=False),
    sa.Column('hashes', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('table_name', 'row_id', name=op.f('pk_exchange_row_history'))
    )


def downgrade() -> None:
    op.drop_table('exchange_row_history')
    op.drop_table('exchange_revocation')
    with op.batch_alter_table('exchange_referral_event', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_referral_event_referral')

    op.drop_table('exchange_referral_event')
    op.drop_table('exchange_peer')
    with op.batch_alter_table('exchange_inbound_referral', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_inbound_referral_status')

    op.drop_table('exchange_inbound_referral')
    with op.batch_alter_table('exchange_conflict', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_conflict_status')

    op.drop_table('exchange_conflict')
    with op.batch_alter_table('exchange_bundle', schema=None) as batch_op:
        batch_op.drop_index('ix_exchange_bundle_sender_seq')

    op.drop_table('exchange_bundle')
