"""several identity documents per person (each person's single document copied in), and a reason on cases

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 08:20:00
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import desktop.store.base

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('person_document',
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('document_type', sa.String(length=64), nullable=False),
    sa.Column('number', sa.String(length=40), nullable=False),
    sa.Column('number_norm', sa.String(length=40), nullable=False),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('updated_at', desktop.store.base.UTCDateTime(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_document_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_document'))
    )
    with op.batch_alter_table('person_document', schema=None) as batch_op:
        batch_op.create_index('ix_person_document_number', ['number_norm'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_document_person_id'), ['person_id'], unique=False)
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))

    # Each person's one document becomes their first document (position 0).
    bind = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Uuid()), sa.column('document_type', sa.String()),
                      sa.column('document_number', sa.String()), sa.column('document_number_norm', sa.String()))
    document = sa.table('person_document', *(sa.column(name, kind) for name, kind in (
        ('id', sa.Uuid()), ('person_id', sa.Uuid()), ('position', sa.Integer()), ('document_type', sa.String()),
        ('number', sa.String()), ('number_norm', sa.String()), ('created_at', desktop.store.base.UTCDateTime()),
        ('created_by', sa.String()), ('updated_at', desktop.store.base.UTCDateTime()),
        ('updated_by', sa.String()), ('version', sa.Integer()))))
    now = datetime.now(UTC)
    rows = bind.execute(sa.select(person.c.id, person.c.document_type, person.c.document_number,
                                  person.c.document_number_norm).where(person.c.document_type != 'none')).all()
    for start in range(0, len(rows), 2000):
        bind.execute(sa.insert(document), [
            dict(id=uuid.uuid4(), person_id=pid, position=0, document_type=kind, number=number or '',
                 number_norm=norm or '', created_at=now, created_by='system', updated_at=now, updated_by='system',
                 version=1)
            for pid, kind, number, norm in rows[start:start + 2000]])


def downgrade() -> None:
    with op.batch_alter_table('case_file', schema=None) as batch_op:
        batch_op.drop_column('reason')
    with op.batch_alter_table('person_document', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_document_person_id'))
        batch_op.drop_index('ix_person_document_number')
    op.drop_table('person_document')
