"""Engine and session factories. Nothing connects at import: ``make_engine`` is called by the
application factory, the CLI or a test.

SQLite is the embedded default. Two details make it safe for several users at once:

* WAL journal, foreign keys on, and a busy timeout, set on every new connection;
* write transactions start with ``BEGIN IMMEDIATE``, so two writers queue on the busy timeout
  instead of one failing half-way with "database is locked" when it upgrades a read lock
  (the pysqlite recipe in the SQLAlchemy SQLite dialect documentation, "Serializable isolation /
  Savepoints / Transactional DDL").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.orm import Session, sessionmaker

#: Execution option that marks an engine view whose transactions write.
WRITE_OPTION = "livermdt_write"


class HasDatabaseUrl(Protocol):
    @property
    def database_url(self) -> str: ...


def _url_of(source: str | HasDatabaseUrl) -> str:
    return source if isinstance(source, str) else source.database_url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(source: str | HasDatabaseUrl, *, echo: bool = False) -> Engine:
    """Create the engine for a database URL (or a settings object with ``database_url``).

    For a SQLite file the parent folder is created."""
    url = make_url(_url_of(source))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=40,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=20, max_overflow=20)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy (below) emit BEGIN itself instead of pysqlite's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = bool(conn.get_execution_options().get(WRITE_OPTION))
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_sessionmakers(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """(read, write) session factories bound to ``engine``; objects stay readable after commit."""
    read = sessionmaker(bind=engine, expire_on_commit=False)
    write = sessionmaker(
        bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
    )
    return read, write
