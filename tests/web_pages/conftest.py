"""Fixtures of the page tests: an application on a temporary SQLite database with one user per
role, and logged-in TestClients that carry the CSRF token like a browser does."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from livermdt.web.app import create_app
from livermdt.web.settings import Settings
from tests.conftest import EXAMPLES  # the repository's examples/ (the shared set, versioned)

ROLES = ("surgeon", "oncologist", "radiologist", "coordinator", "admin", "researcher")
PASSWORD = "correct horse battery staple 42"

CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


class PageClient:
    """A TestClient that logs in through the login form and posts forms with the CSRF token
    of the page it last read (as a browser would)."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.csrf = ""

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        match = (
            CSRF_RE.search(response.text)
            if "text/html" in response.headers.get("content-type", "")
            else None
        )
        if match:
            self.csrf = match.group(1)
        return response

    def post(self, url: str, data: Any = None, *, csrf: bool = True, **kwargs: Any) -> Any:
        if not self.csrf:
            self.get("/login")
        payload: list[tuple[str, str]] = []
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, list | tuple):
                    payload.extend((key, str(v)) for v in value)
                else:
                    payload.append((key, str(value)))
        elif data is not None:
            payload.extend(data)
        if csrf:
            payload.append(("csrf_token", self.csrf))
        response = self.client.post(
            url,
            content=_urlencode(payload),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=kwargs.pop("follow_redirects", False),
            **kwargs,
        )
        match = CSRF_RE.search(response.text) if response.text else None
        if match:
            self.csrf = match.group(1)
        return response

    def login(self, username: str, password: str = PASSWORD) -> Any:
        self.get("/login")
        response = self.post("/login", {"username": username, "password": password, "next": "/"})
        assert response.status_code == 303, response.text[:500]
        self.get("/")
        return response


def _urlencode(pairs: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(pairs)


@pytest.fixture()
def app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'pages.db'}",
        secret_key=secrets.token_urlsafe(48),
        demo=False,
    )
    # A cheap argon2 setting: the tests log in many times; production keeps the defaults.
    application = create_app(
        settings, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    services = application.state.services
    for role in ROLES:
        services.users.create_user(role, PASSWORD, role)
    yield application
    services.close()


@pytest.fixture()
def anon(app: FastAPI) -> Iterator[PageClient]:
    with TestClient(app, base_url="http://testserver") as client:
        yield PageClient(client)


@pytest.fixture()
def login(app: FastAPI) -> Iterator[Callable[[str], PageClient]]:
    clients: list[TestClient] = []

    def make(role: str) -> PageClient:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        page = PageClient(client)
        page.login(role)
        return page

    yield make
    for client in clients:
        client.close()


def example(name: str) -> dict[str, Any]:
    path = EXAMPLES / name
    with path.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@pytest.fixture()
def services(app: FastAPI) -> Any:
    return app.state.services


@pytest.fixture()
def users(services: Any) -> dict[str, Any]:
    return {role: services.users.get_user(role) for role in ROLES}
