"""The application factory: nothing at import, the routers of the other parts included, the
database migrated at start."""

from __future__ import annotations

import secrets
import subprocess
import sys
from pathlib import Path

from fastapi.testclient import TestClient

from livermdt.storage.db import make_engine
from livermdt.storage.migrate import is_current
from livermdt.web.app import create_app
from livermdt.web.settings import Settings


def test_importing_the_app_module_touches_no_database(tmp_path: Path) -> None:
    code = (
        "import os, livermdt.web.app, livermdt.services, livermdt.storage.db;"
        f"assert not os.listdir({str(tmp_path)!r})"
    )
    env_home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env_home, timeout=120)


def test_create_app_migrates_and_includes_the_pages(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'a' / 'app.sqlite3'}"
    app = create_app(Settings(database_url=url, secret_key=secrets.token_urlsafe(40)))
    engine = make_engine(url)
    try:
        assert is_current(engine)
    finally:
        engine.dispose()
    with TestClient(app) as client:
        login = client.get("/login")
        assert login.status_code == 200 and "csrf_token" in login.text
        assert "livermdt_csrf" in login.headers.get("set-cookie", "")
        css = client.get("/static/app.css")
        assert css.status_code == 200 and css.headers["cache-control"].startswith("public")


def test_worker_threads_setting_bounds_the_thread_pool(tmp_path: Path) -> None:
    import anyio
    from anyio import to_thread

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'threads.sqlite3'}",
        secret_key=secrets.token_urlsafe(48),
        worker_threads=3,
    )
    app = create_app(settings)
    seen: list[float] = []

    async def serve() -> None:
        before = to_thread.current_default_thread_limiter().total_tokens
        async with app.router.lifespan_context(app):
            seen.append(to_thread.current_default_thread_limiter().total_tokens)
        seen.append(before)

    anyio.run(serve)
    assert seen == [3, 40]  # ours while serving; anyio's default of 40 before


def test_start_up_compiles_every_page_template_and_loads_the_engine(tmp_path: Path) -> None:
    import anyio

    from livermdt.web.pages_templates import TEMPLATES_DIR, environment

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'warm.sqlite3'}", secret_key=secrets.token_urlsafe(48)
    )
    app = create_app(settings)
    environment().cache.clear()  # type: ignore[union-attr]

    async def start() -> None:
        async with app.router.lifespan_context(app):
            pass

    anyio.run(start)
    compiled = {name for (_, name) in environment().cache}  # type: ignore[union-attr]
    on_disk = {p.name for p in Path(TEMPLATES_DIR).glob("*.html")}
    assert on_disk and on_disk <= compiled


def test_the_assessment_route_runs_on_its_own_engine_threads(tmp_path: Path) -> None:
    """``engine_threads`` sizes the limiter of the assessment route, apart from the pool of
    the other routes; the route's work (session lookup, engine, audit) borrows from it."""
    from livermdt.services import Services
    from livermdt.services.roles import Role
    from tests.services.cases_data import demo_document
    from tests.storage.dbfixtures import FAST_HASHER
    from tests.web.conftest import PASSWORD, log_in

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'engine.sqlite3'}",
        secret_key=secrets.token_urlsafe(48),
        worker_threads=3,
        engine_threads=2,
    )
    app = create_app(settings, password_hasher=FAST_HASHER)
    services: Services = app.state.services
    user = services.users.create_user("erin", PASSWORD, Role.SURGEON)
    case = services.cases.create_case(demo_document(), user)
    borrowed: list[float] = []
    compute = services.assessments.compute_assessment

    def watched(*args: object, **kwargs: object) -> object:
        limiter = app.state.engine_limiter
        borrowed.append(limiter.borrowed_tokens)
        borrowed.append(limiter.total_tokens)
        return compute(*args, **kwargs)  # type: ignore[arg-type]

    services.assessments.compute_assessment = watched  # type: ignore[method-assign]
    with TestClient(app) as client:
        log_in(client, "erin")
        r = client.post(f"/api/cases/{case.id}/assessment")
        assert r.status_code == 200, r.text
        assert r.json()["case_id"] == case.id
    assert borrowed == [1, 2]


def test_the_idle_timeout_setting_logs_an_unused_session_out(tmp_path: Path) -> None:
    """LIVERMDT_SESSION_IDLE_TIMEOUT_S reaches the sessions: the login's deadline is that far
    ahead, and once it has passed the API answers 401 and a page sends to the login form."""
    from datetime import timedelta

    from sqlalchemy import select, update

    from livermdt.services.roles import Role
    from livermdt.storage.models import UserSession, as_utc, utcnow

    url = f"sqlite:///{tmp_path / 'idle.sqlite3'}"
    settings = Settings(
        database_url=url, secret_key=secrets.token_urlsafe(48), session_idle_timeout_s=300
    )
    app = create_app(settings)
    app.state.services.users.create_user("ida", "correct horse battery", Role.SURGEON)
    engine = make_engine(url)
    try:
        with TestClient(app) as client:
            before = utcnow()
            r = client.post(
                "/api/session", json={"username": "ida", "password": "correct horse battery"}
            )
            assert r.status_code == 200
            with engine.connect() as conn:
                deadline = as_utc(conn.execute(select(UserSession.expires_at)).scalar_one())
            assert before + timedelta(seconds=299) <= deadline <= utcnow() + timedelta(seconds=300)
            assert client.get("/api/cases").status_code == 200
            with engine.begin() as conn:  # as if nobody had used it for five minutes
                conn.execute(update(UserSession).values(expires_at=utcnow()))
            assert client.get("/api/cases").status_code == 401
            page = client.get("/", follow_redirects=False)
            assert page.status_code == 303
            assert page.headers["location"] == "/login?next=/&done=session_ended"
            login_page = client.get(page.headers["location"])
            assert "Your login has ended" in login_page.text
            client.cookies.clear()  # a first visit (no session cookie) is not told that
            first = client.get("/", follow_redirects=False)
            assert first.headers["location"] == "/login?next=/"
    finally:
        engine.dispose()
