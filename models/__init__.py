"""Data shapes: SQLAlchemy ORM tables and pydantic schemas."""
