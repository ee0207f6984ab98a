"""Engine and session factories. Nothing connects at import: ``make_engine`` is called by the
application factory, the CLI or a test.

SQLite is the embedded default. Two details make it safe for several users at once:

* WAL journal, foreign keys on, and a busy timeout, set on every new connection;
* write transactions start with ``BEGIN IMMEDIATE``, so two writers queue on the busy timeout
  instead of one failing half-way with "database is locked" when it upgrades a read lock
  (the pysqlite recipe in the SQLAlchemy SQLite dialect documentation, "Serializable isolation /
  Savepoints / Transactional DDL");
* the services' write transactions pass a ``write_gate`` first: writers of one process queue
  on a lock and those of several processes (``uvicorn --workers N``) on an advisory ``flock``
  of ``<database>.write-lock``, so they wait their turn and start the moment the writer before
  them commits. SQLite's own busy handler would also make them wait, but by sleeping and
  retrying (up to 100 ms a sleep), which under load turned milliseconds into seconds.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: one process's writers still queue
    fcntl = None  # type: ignore[assignment]

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
    """Create the engine for a database URL (or a settings object with ``database_url``), and
    beside it the engine of its single-statement reads (``single_statement_engine``), disposed
    with it.

    Statement parameters are hidden (``hide_parameters``): a database error's message and the
    ``echo`` log show the SQL, never the values, which are patient data.

    For a SQLite file the parent folder is created."""
    url = make_url(_url_of(source))
    if url.get_backend_name() == "sqlite":
        in_memory = not url.database or url.database == ":memory:"
        if not in_memory:
            Path(str(url.database)).expanduser().parent.mkdir(parents=True, exist_ok=True)
        options: dict[str, Any] = {
            "echo": echo,
            "hide_parameters": True,
            "connect_args": {"check_same_thread": False, "timeout": 30},
        }
        if in_memory:  # one connection per thread (SQLAlchemy's pool for it), no read pool:
            engine = create_engine(url, **options)  # another would open another, empty database
            _configure_sqlite(engine)
            return engine
        engine = create_engine(url, pool_size=20, max_overflow=40, **options)
        _configure_sqlite(engine)
        reads = create_engine(url, pool_size=8, isolation_level="AUTOCOMMIT", **options)
        _configure_sqlite_connections(reads)
        _pair(engine, reads)
        return engine
    engine = create_engine(
        url, echo=echo, hide_parameters=True, pool_pre_ping=True, pool_size=20, max_overflow=20
    )
    # No ping before each use (a round trip, as much as the statement): the services run a
    # single statement again on a fresh connection when the first was dead (ServiceBase).
    reads = create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=8,
        max_overflow=8,
        pool_recycle=1800,
        isolation_level="AUTOCOMMIT",
    )
    _pair(engine, reads)
    return engine


#: engine -> the engine of its single-statement reads (see ``single_statement_engine``).
_READ_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()


def _pair(engine: Engine, reads: Engine) -> None:
    _READ_ENGINES[engine] = reads

    @event.listens_for(engine, "engine_disposed")
    def _dispose_reads(_engine: Engine) -> None:
        reads.dispose()


def _configure_sqlite_connections(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # No implicit BEGIN from pysqlite: the main engine sends its own (``_configure_sqlite``)
        # and the single-statement pool runs in autocommit mode.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def _configure_sqlite(engine: Engine) -> None:
    _configure_sqlite_connections(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = bool(conn.get_execution_options().get(WRITE_OPTION))
        # On the driver's connection: through ``conn`` the statement would pass SQLAlchemy's
        # whole execution path (events, result setup), which costs more than the BEGIN.
        driver: Any = conn.connection.driver_connection
        driver.execute("BEGIN IMMEDIATE" if write else "BEGIN")


def single_statement_engine(engine: Engine) -> Engine:
    """The engine for reads of ONE SELECT each, in autocommit mode: a single statement reads
    one consistent snapshot on its own (PostgreSQL and SQLite alike), so there is no BEGIN and
    no ROLLBACK to send, and on PostgreSQL two of the three round trips are saved. A separate
    pool (made by ``make_engine``) rather than an autocommit view of ``engine``: a view would
    switch each connection's isolation level at checkout and back at return. For an engine not
    made by ``make_engine``, or an in-memory SQLite database, ``engine`` itself."""
    return _READ_ENGINES.get(engine, engine)


def make_sessionmakers(engine: Engine) -> tuple[sessionmaker[Session], sessionmaker[Session]]:
    """(read, write) session factories bound to ``engine``; objects stay readable after commit."""
    read = sessionmaker(bind=engine, expire_on_commit=False)
    write = sessionmaker(
        bind=engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
    )
    return read, write


class _WriteGate:
    """Serialises the write transactions on one SQLite file: a re-entrant lock for the threads
    of this process, and ``flock`` on a lock file beside the database for other processes.
    Re-entrant, so a write inside a write (same thread) does not wait for itself."""

    def __init__(self, lock_path: Path | None) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        if lock_path is not None and fcntl is not None:
            self._fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            try:
                if self._depth == 1 and self._fd is not None:
                    fcntl.flock(self._fd, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    if self._depth == 1 and self._fd is not None:
                        fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                self._depth -= 1


_GATES: dict[str, _WriteGate] = {}
_GATES_LOCK = threading.Lock()


def write_gate(engine: Engine) -> AbstractContextManager[None]:
    """Enter before a write transaction (``with write_gate(engine): ...``). For a SQLite file,
    one gate per file in this process (every engine on it shares it); for an in-memory SQLite
    database, a lock of this process; for PostgreSQL nothing (its row locks suffice)."""
    if not is_sqlite(engine):
        return nullcontext()
    database = engine.url.database or ""
    gate = _GATES.get(database)
    if gate is None:
        in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
        key = ":memory:" if in_memory else str(Path(database).expanduser().resolve())
        with _GATES_LOCK:
            gate = _GATES.get(key)
            if gate is None:
                gate = _WriteGate(None if in_memory else Path(key + ".write-lock"))
                _GATES[key] = gate
            _GATES[database] = gate  # the URL's spelling too, to skip resolving it next time
    return gate()
