"""livermdt.storage: SQLAlchemy tables (``models``), the engine factory and Alembic migrations.

Usage::

    engine = make_engine(settings)      # or make_engine("postgresql+psycopg://...")
    upgrade(engine)                     # newest schema
"""

from livermdt.storage.db import make_engine
from livermdt.storage.migrate import upgrade

__all__ = ["make_engine", "upgrade"]
