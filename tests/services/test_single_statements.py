"""The single-statement reads and audit writes of the hot paths run on a pool that does not
ping its connections before use; a statement that meets a dead connection runs once more on a
fresh one, and only then."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select, text
from sqlalchemy.exc import DBAPIError

from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine, single_statement_engine
from livermdt.storage.migrate import upgrade
from livermdt.storage.models import AuditEntry
from tests.conftest import need
from tests.services.cases_data import demo_document
from tests.storage.dbfixtures import FAST_HASHER, POSTGRES_ENV, make_user, reset_postgres


def _dead(invalidated: bool) -> DBAPIError:
    return DBAPIError(
        "SELECT 1",
        {},
        Exception("server closed the connection"),
        connection_invalidated=invalidated,
    )


def test_a_dead_connection_is_retried_once(services: Services) -> None:
    calls: list[int] = []

    def dies_once(conn: Connection) -> int:
        calls.append(1)
        if len(calls) == 1:
            raise _dead(invalidated=True)
        return int(conn.execute(text("SELECT 7")).scalar_one())

    assert services.users._single_statement_call(dies_once) == 7
    assert len(calls) == 2


@pytest.mark.parametrize(
    ("invalidated", "tries"),
    [(True, 2), (False, 1)],  # dead twice: tried twice; not a dead connection: never again
)
def test_an_error_that_stays_is_raised(services: Services, invalidated: bool, tries: int) -> None:
    calls: list[int] = []

    def fails(conn: Connection) -> int:
        calls.append(1)
        raise _dead(invalidated=invalidated)

    with pytest.raises(DBAPIError):
        services.users._single_statement_call(fails)
    assert len(calls) == tries


@pytest.fixture
def pg_services() -> Iterator[Services]:
    url = os.environ.get(POSTGRES_ENV, "")
    need(bool(url), f"{POSTGRES_ENV} is not set (source .ci/postgres.sh; start_postgres)")
    reset_postgres(url)
    engine = make_engine(url)
    upgrade(engine)
    yield Services(engine, password_hasher=FAST_HASHER)
    engine.dispose()


def test_postgresql_restart_of_the_connections_loses_no_request(pg_services: Services) -> None:
    """Every pooled connection's server process is terminated (as a database restart would);
    the next session lookup, assessment read and audit row still succeed, on fresh
    connections, after SQLAlchemy saw the disconnect."""
    services = pg_services
    engine = services.engine
    user = make_user(services, Role.SURGEON)
    token = services.users.start_session(user)
    case = services.cases.create_case(demo_document(), user)
    services.assessments.get_assessment(case.id)
    reads = single_statement_engine(engine)
    assert services.users.user_for_session(token) == user  # warm the pool
    disconnects: list[Any] = []
    event.listen(reads, "handle_error", lambda ctx: disconnects.append(ctx.is_disconnect))
    with engine.connect() as admin:
        admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        admin.commit()
    assert services.users.user_for_session(token) == user
    assert disconnects and disconnects[0] is True
    services.assessments.get_assessment(case.id, viewer=user)
    services.audit.record_view(user, "case", case.id)
    with engine.connect() as conn:
        views = conn.scalar(
            select(func.count()).where(AuditEntry.action == "view", AuditEntry.object_id == case.id)
        )
    assert views == 2


def test_audit_rows_are_kept_on_an_in_memory_database() -> None:
    """An in-memory SQLite database has no separate single-statement pool: the audit row is
    written on the main engine's connection and must be committed there too."""
    engine = make_engine("sqlite://")
    try:
        upgrade(engine)
        services = Services(engine, password_hasher=FAST_HASHER)
        assert single_statement_engine(engine) is engine
        user = make_user(services, Role.SURGEON)
        services.audit.record_view(user, "case", "MEMORY-1")
        services.audit.record_export(user, "case", "MEMORY-1", "letter.pdf")
        with engine.connect() as conn:
            actions = conn.scalars(
                select(AuditEntry.action).where(AuditEntry.object_id == "MEMORY-1")
            ).all()
        assert sorted(actions) == ["export", "view"]
    finally:
        engine.dispose()
