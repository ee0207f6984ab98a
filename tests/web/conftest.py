"""Fixtures for the API and security tests: an application on a fresh SQLite or PostgreSQL
database, users of every role, and logged-in clients."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.web.app import create_app
from livermdt.web.settings import Settings
from tests.storage.dbfixtures import database_url, engine, services

__all__ = ["database_url", "engine", "services"]

PASSWORD = "correct horse battery"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, secret_key=secrets.token_urlsafe(48))


@pytest.fixture
def app(settings: Settings, services: Services) -> FastAPI:
    for role in Role:
        services.users.create_user(f"u-{role.value}", PASSWORD, role)
    return create_app(settings, services=services)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def log_in(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the API; sets the session cookie and the CSRF header; returns the token."""
    response = client.post("/api/session", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    token: str = response.json()["csrf_token"]
    client.headers["X-CSRF-Token"] = token
    return token


@pytest.fixture
def login(app: FastAPI) -> Iterator[Callable[[Role], TestClient]]:
    """A factory of clients, each logged in as the demo user of one role."""
    clients: list[TestClient] = []

    def make(role: Role) -> TestClient:
        c = TestClient(app)
        clients.append(c)
        log_in(c, f"u-{role.value}")
        return c

    yield make
    for c in clients:
        c.close()
