"""Database fixtures shared by the storage, services and web tests: every test that takes
``database_url`` runs twice, on a fresh SQLite file and on a freshly emptied PostgreSQL database
(``LIVERMDT_TEST_POSTGRES_URL``; skipped locally without it, a failure in CI)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, text

from livermdt.services import Services
from livermdt.services.records import UserInfo
from livermdt.services.roles import Role
from livermdt.storage.db import make_engine
from livermdt.storage.migrate import upgrade
from tests.conftest import need

POSTGRES_ENV = "LIVERMDT_TEST_POSTGRES_URL"

# argon2 at its smallest cost: the tests check behaviour, not hashing strength.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def reset_postgres(url: str) -> None:
    """Empty the test database (drop and recreate the public schema)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a SQLite file, or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'livermdt.sqlite3'}"
    url = os.environ.get(POSTGRES_ENV, "")
    need(bool(url), f"{POSTGRES_ENV} is not set (source .ci/postgres.sh; start_postgres)")
    reset_postgres(url)
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on an empty database migrated to the newest revision."""
    eng = make_engine(database_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def services(engine: Engine) -> Services:
    return Services(engine, password_hasher=FAST_HASHER)


def make_user(services: Services, role: Role, name: str | None = None) -> UserInfo:
    return services.users.create_user(name or f"u-{role.value}", "correct horse battery", role)
