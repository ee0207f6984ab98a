"""Shared plumbing of the services: sessions, one transaction per write, audit rows, converters."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Executable, Table, insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from livermdt.errors import PermissionDeniedError
from livermdt.services.records import UserInfo
from livermdt.services.roles import Permission
from livermdt.storage.db import single_statement_engine, write_gate
from livermdt.storage.models import AuditEntry, User, utcnow

#: Audit actions. Details hold ids and versions only, never patient data.
AUDIT_ACTIONS = frozenset(
    {
        "view",
        "create",
        "change",
        "export",
        "delete",
        "decide",
        "meeting_create",
        "meeting_add_case",
        "login",
        "login_failed",
        "logout",
        "user_create",
        "user_change",
    }
)


T = TypeVar("T")

_AUDIT_TABLE: Table = AuditEntry.__table__  # type: ignore[assignment]
_AUDIT_INSERT = insert(_AUDIT_TABLE)


class ServiceBase:
    def __init__(self, read: sessionmaker[Session], write: sessionmaker[Session]) -> None:
        self._read = read
        self._write = write
        self._single_statement = single_statement_engine(read.kw["bind"])

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with self._read() as session, session.begin():
            yield session

    def select_first(
        self, statement: Executable, params: Mapping[str, Any]
    ) -> Sequence[Any] | None:
        """The first row of ONE select (no ORM objects), for the per-request hot paths: an ORM
        session costs more than the query itself. On the autocommit connections of
        ``single_statement_engine``, where the statement is its own snapshot."""
        return self._single_statement_call(lambda conn: conn.execute(statement, params).first())

    def _single_statement_call(self, work: Callable[[Connection], T]) -> T:
        """``work(connection)`` on a single-statement connection, tried a second time on a
        fresh connection when SQLAlchemy reports the first one dead (database restarted, idle
        connection dropped; ``connection_invalidated``), and only then. That pool does not ping
        each connection before use (on PostgreSQL a round trip per checkout, as much as the
        statement itself). Running a SELECT again is always safe; for an audit INSERT the one
        doubtful case, a connection lost after the server committed, leaves a duplicate view
        row, never a missing one."""
        for attempt in (1, 2):
            try:
                with self._single_statement.connect() as conn:
                    return work(conn)
            except DBAPIError as ex:
                if attempt == 2 or not ex.connection_invalidated:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with write_gate(self._write.kw["bind"]), self._write() as session, session.begin():
            yield session

    def execute_one(self, work: Callable[[Connection], object]) -> None:
        """``work(connection)`` executes ONE write statement (the audit row of a view), in
        autocommit mode (``single_statement_engine``): the statement is its own transaction,
        so neither BEGIN nor COMMIT is sent (two of three round trips on PostgreSQL) and there
        is no ORM unit of work. SQLite writers still take their turn at the write gate. Tried
        again on a fresh connection if the first was dead (see ``_single_statement_call``).
        Use ``writing`` for anything that writes more than one statement."""
        engine: Engine = self._write.kw["bind"]

        def work_and_commit(conn: Connection) -> None:
            work(conn)
            # A no-op in autocommit mode; where the engine is the main one (an in-memory SQLite
            # database has no separate pool) it commits the statement's transaction.
            conn.commit()

        with write_gate(engine):
            self._single_statement_call(work_and_commit)


def require(user: UserInfo, permission: Permission) -> None:
    if not user.can(permission):
        raise PermissionDeniedError(f"the role '{user.role}' may not {permission.value}")


def add_audit(
    session: Session | Connection,
    user: UserInfo | None,
    action: str,
    object_type: str,
    object_id: str | None,
    detail: str | None = None,
) -> None:
    """One audit row, written in ``session``'s transaction (committed or rolled back with the
    change it records). A plain INSERT on the table rather than an ORM object: the unit of work
    costs several times the statement, and nothing reads the row back in the transaction."""
    assert action in AUDIT_ACTIONS, action
    session.execute(
        _AUDIT_INSERT,
        {
            "at": utcnow(),
            "user_id": user.id if user else None,
            "username": user.username if user else None,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "detail": detail,
        },
    )


def usernames(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(wanted)))
    return {uid: name for uid, name in rows}
