"""Storage: SQLAlchemy models, the engine/session factory, Alembic migrations, backup."""
