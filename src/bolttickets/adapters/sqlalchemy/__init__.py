"""Repositories and unit of work over SQLAlchemy Core, for PostgreSQL and SQLite."""
