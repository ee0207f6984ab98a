"""Alembic environment: runs online against the engine that ``livermdt.storage.migrate`` passes in
``config.attributes["engine"]``. SQLite uses batch mode so that later ALTERs work there too."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from livermdt.storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if not isinstance(engine, Engine):  # pragma: no cover - only reachable from a bare alembic CLI
    raise RuntimeError("run migrations through livermdt.storage.migrate (livermdt db upgrade)")

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=engine.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
