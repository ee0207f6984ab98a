"""A live livermdt server for the browser tests: uvicorn on 127.0.0.1 and a free port, in a
thread, over a temporary SQLite database seeded with one user per role (and, for the page tour,
the synthetic demo data). Screenshots go to ``test-artifacts/screenshots/`` (git-ignored)."""

from __future__ import annotations

import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from tests.conftest import EXAMPLES, ROOT, need

CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PASSWORD = "e2e password for the browser 123"
ROLES = ("surgeon", "oncologist", "radiologist", "coordinator", "admin", "researcher")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveServer:
    url: str
    app: Any
    demo: Any = None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(tmp: Path, *, demo: bool) -> Iterator[LiveServer]:
    import uvicorn

    from livermdt.web.app import create_app
    from livermdt.web.settings import Settings

    settings = Settings(
        database_url=f"sqlite:///{tmp / 'e2e.db'}",
        secret_key=secrets.token_urlsafe(48),
        demo=demo,
    )
    app = create_app(
        settings, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    services = app.state.services
    for role in ROLES:
        services.users.create_user(role, PASSWORD, role)
    seeded = None
    if demo:
        from livermdt.services.demo import seed_demo

        seeded = seed_demo(services, datetime.now(UTC).date() + timedelta(days=3))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", app=app, demo=seeded)
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        services.close()


@pytest.fixture()
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from _serve(tmp_path, demo=False)


@pytest.fixture()
def demo_server(tmp_path: Path) -> Iterator[LiveServer]:
    yield from _serve(tmp_path, demo=True)


@pytest.fixture()
def browser() -> Iterator[Any]:
    need(
        CHROMIUM.exists(),
        f"headless Chromium is not installed at {CHROMIUM} (apt install chromium)",
    )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # A generous launch timeout: the CI machine is small and shared.
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=120_000
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    try:
        yield tab
    finally:
        context.close()


def shot(page: Any, name: str, *, full_page: bool = True) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-button")
    page.wait_for_url(f"{base}/")


def example_case(server: LiveServer, by: str = "surgeon") -> Any:
    """Example 2 (small remnant) stored as a new case by the user ``by``; its record."""
    services = server.app.state.services
    document = json.loads((EXAMPLES / "example-2-small-remnant.json").read_text("utf-8"))
    return services.cases.create_case(document, services.users.get_user(by))
