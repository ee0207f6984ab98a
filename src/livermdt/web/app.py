"""The application factory. Nothing happens at import: ``create_app(settings)`` checks the
settings, opens the database, applies the migrations, and assembles the API, the pages
(``livermdt.web.pages`` and ``livermdt.web.cohort_pages``, once they exist) and the static
assets."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from argon2 import PasswordHasher
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.telemetry import TelemetryConfig

from livermdt.about import DISCLAIMER, __version__
from livermdt.services import Services
from livermdt.storage.db import make_engine
from livermdt.storage.migrate import upgrade
from livermdt.web import api
from livermdt.web.errors import UnhandledErrorMiddleware, install_error_handlers
from livermdt.web.security import DatabaseLoginLimiter, SecurityMiddleware
from livermdt.web.settings import Settings

STATIC_DIR = Path(__file__).with_name("static")
#: Page routers built by other parts, included when they exist: the MDT pages, the admin's
#: pages (users, case deletion) and the cohort page (which needs the analytics extra: without
#: pandas/lifelines it is left out).
PAGE_MODULES = ("livermdt.web.pages", "livermdt.web.admin_pages", "livermdt.web.cohort_pages")


def _optional_router(name: str) -> APIRouter | None:
    if importlib.util.find_spec(name) is None:
        return None
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as ex:
        if ex.name and not ex.name.startswith("livermdt"):
            return None  # an optional extra is not installed
        raise
    router = getattr(module, "router", None)
    return router if isinstance(router, APIRouter) else None


def _warm_up(services: Services) -> None:
    """Before the first request: load the engine and compile the page templates (about 1 s
    once per process), so that no user's first request of a worker process waits for them."""
    services.warm_up()
    pages = importlib.import_module(PAGE_MODULES[0]) if _optional_router(PAGE_MODULES[0]) else None
    compile_templates = getattr(pages, "compile_templates", None)
    if callable(compile_templates):
        compile_templates()


def telemetry_config(settings: Settings) -> TelemetryConfig:
    """FastAPI's native OpenTelemetry (``FastAPI(telemetry=...)``, FastAPI >= 0.143). FastAPI
    enables it whenever an OpenTelemetry SDK provider is configured in the process (e.g. under
    ``opentelemetry-instrument``), and its log records then carry unhandled exceptions'
    messages and stack traces: a failed statement's values, i.e. patient data. So: nothing
    unless ``settings.telemetry``, and then traces and metrics only, never log records, and no
    exporters set up by FastAPI from the environment (the deployment configures its own)."""
    on = settings.telemetry
    return TelemetryConfig(
        tracing=on, metrics=on, operation_spans=on, logs=False, auto_configure=False
    )


def create_app(
    settings: Settings | None = None,
    *,
    services: Services | None = None,
    migrate: bool = True,
    password_hasher: PasswordHasher | None = None,
) -> FastAPI:
    """Build the application. Refuses (``InsecureSettingsError``) to start outside demo mode
    with the placeholder secret. ``services`` lets tests share one database between apps (its
    own session idle timeout then applies, not ``settings.session_idle_timeout_s``)."""
    settings = settings or Settings()
    settings.check_safe_to_start()
    if services is None:
        engine = make_engine(settings)
        if migrate:
            upgrade(engine)
        services = Services(
            engine,
            password_hasher=password_hasher,
            session_idle_timeout=timedelta(seconds=settings.session_idle_timeout_s),
        )
    owned = services

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The sync routes and run_in_threadpool share this limiter (anyio's default: 40).
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # The assessment route's own threads (see Settings.engine_threads, deps.run_authorised).
        _app.state.engine_limiter = CapacityLimiter(settings.engine_threads)
        await to_thread.run_sync(_warm_up, owned)
        yield
        owned.close()

    app = FastAPI(
        title="livermdt",
        version=__version__,
        description=f"Decision support for liver MDTs. {DISCLAIMER}",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
        telemetry=telemetry_config(settings),
    )
    app.state.settings = settings
    app.state.services = services
    # In the database, like the sessions: correct with several worker processes.
    app.state.login_limiter = DatabaseLoginLimiter(
        services.login_failures, settings.login_max_failures, settings.login_window_s
    )

    install_error_handlers(app)
    # Inside the security middleware, so that a 500 gets the security headers too.
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(SecurityMiddleware, https_only=settings.https_only)
    app.include_router(api.session_router)
    app.include_router(api.assessments_router)
    app.include_router(api.router)
    app.include_router(api.docs_router)
    for name in PAGE_MODULES:
        router = _optional_router(name)
        if router is not None:
            app.include_router(router)
    if STATIC_DIR.is_dir():
        app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
