"""Shared plumbing of the services: sessions, one transaction per write, audit rows, converters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Table, insert, select
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

    @contextmanager
    def querying(self) -> Iterator[Connection]:
        """A plain connection for ONE select (no ORM objects), for the per-request hot paths:
        an ORM session costs more than the query itself. One statement, because the connection
        is in autocommit mode (``single_statement_engine``): each statement is its own
        snapshot."""
        with self._single_statement.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        with write_gate(self._write.kw["bind"]), self._write() as session, session.begin():
            yield session

    @contextmanager
    def executing(self) -> Iterator[Connection]:
        """A plain connection for ONE write statement (the audit row of a view), in autocommit
        mode (``single_statement_engine``): the statement is its own transaction, so neither
        BEGIN nor COMMIT is sent (two of three round trips on PostgreSQL) and there is no ORM
        unit of work. SQLite writers still take their turn at the write gate. Use ``writing``
        for anything that writes more than one statement."""
        engine: Engine = self._write.kw["bind"]
        with write_gate(engine), self._single_statement.connect() as conn:
            yield conn


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
