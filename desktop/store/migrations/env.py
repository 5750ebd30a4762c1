"""Alembic environment: runs on the connection handed over by desktop.store.database."""

from alembic import context

import desktop.store.models  # noqa: F401  (registers every table)
from desktop.store.base import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:
    raise RuntimeError("Enlace migrations run through desktop.store.database.Database.upgrade()")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds the table
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
