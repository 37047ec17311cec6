"""Database access: the engine, the tables and the Alembic migrations."""

from webapp.db.engine import Database

__all__ = ["Database"]
