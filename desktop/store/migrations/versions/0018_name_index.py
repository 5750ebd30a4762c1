"""the person word index (names and every document number; FTS5 on SQLite, GIN full-text on PostgreSQL)
replaces the person/word link table; the word list stays as the vocabulary for typos

Revision ID: 0018_name_index
Revises: 0016
Create Date: 2026-12-10 09:00:00
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from desktop.store import name_index

revision: str = '0018_name_index'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000


def upgrade() -> None:
    op.create_table('person_name_index',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.Column('names', sa.Text(), nullable=False),
    sa.Column('documents', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_name_index_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person_name_index')),
    sa.UniqueConstraint('person_id', name=op.f('uq_person_name_index_person_id'))
    )
    bind = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Uuid()), sa.column('search_name', sa.String()),
                      sa.column('document_number_norm', sa.String()), sa.column('deleted_at', sa.DateTime()))
    document = sa.table('person_document', sa.column('person_id', sa.Uuid()), sa.column('position', sa.Integer()),
                        sa.column('number_norm', sa.String()))
    line = sa.table('person_name_index', sa.column('person_id', sa.Uuid()), sa.column('names', sa.Text()),
                    sa.column('documents', sa.Text()))
    last = None
    while True:  # every person not merged away, in id order, a batch at a time
        stmt = sa.select(person.c.id, person.c.search_name, person.c.document_number_norm).where(
            person.c.deleted_at.is_(None)).order_by(person.c.id).limit(BATCH)
        if last is not None:
            stmt = stmt.where(person.c.id > last)
        rows = bind.execute(stmt).all()
        if not rows:
            break
        last = rows[-1][0]
        numbers: dict[uuid.UUID, list[str]] = {r[0]: [r[2]] if r[2] else [] for r in rows}
        for pid, norm in bind.execute(sa.select(document.c.person_id, document.c.number_norm).where(
                document.c.person_id.in_(list(numbers))).order_by(document.c.person_id, document.c.position)):
            if norm and norm not in numbers[pid]:
                numbers[pid].append(norm)
        bind.execute(sa.insert(line), [dict(person_id=pid, names=name or '', documents=' '.join(numbers[pid]).lower())
                                       for pid, name, _norm in rows])
    name_index.create(bind)
    # Nothing reads the person/word links any more (the index above answers); the words stay: the vocabulary.
    with op.batch_alter_table('person_search_link', schema=None) as batch_op:
        batch_op.drop_index('ix_person_search_link_person')
    op.drop_table('person_search_link')


def downgrade() -> None:
    op.create_table('person_search_link',
    sa.Column('term_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_person_search_link_person_id_person')),
    sa.ForeignKeyConstraint(['term_id'], ['person_search_term.id'],
                            name=op.f('fk_person_search_link_term_id_person_search_term')),
    sa.PrimaryKeyConstraint('term_id', 'person_id', name=op.f('pk_person_search_link'))
    )
    with op.batch_alter_table('person_search_link', schema=None) as batch_op:
        batch_op.create_index('ix_person_search_link_person', ['person_id'], unique=False)
    bind = op.get_bind()
    term = sa.table('person_search_term', sa.column('id', sa.Integer()), sa.column('term', sa.String()))
    link = sa.table('person_search_link', sa.column('term_id', sa.Integer()), sa.column('person_id', sa.Uuid()))
    line = sa.table('person_name_index', sa.column('id', sa.Integer()), sa.column('person_id', sa.Uuid()),
                    sa.column('names', sa.Text()))
    known = dict(bind.execute(sa.select(term.c.term, term.c.id)).all())
    last = 0
    while True:
        rows = bind.execute(sa.select(line.c.id, line.c.person_id, line.c.names).where(line.c.id > last)
                            .order_by(line.c.id).limit(BATCH)).all()
        if not rows:
            break
        last = rows[-1][0]
        links = []
        for _id, pid, names in rows:
            for word in sorted(set(names.split())):
                if word not in known:
                    known[word] = bind.execute(sa.insert(term).values(term=word)).inserted_primary_key[0]
                links.append(dict(term_id=known[word], person_id=pid))
        if links:
            bind.execute(sa.insert(link), links)
    name_index.drop(bind)
    op.drop_table('person_name_index')
