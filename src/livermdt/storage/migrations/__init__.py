"""Alembic migration environment of the livermdt store."""
