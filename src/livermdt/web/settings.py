"""The application's settings: one typed object, read from ``LIVERMDT_*`` environment variables
(or given directly), validated at start-up. Nothing is read at import."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from livermdt.errors import LivermdtError

#: The placeholder secret. Fine for ``--demo`` on one machine, refused anywhere else.
DEFAULT_SECRET = "change-me-livermdt-placeholder-secret"
MIN_SECRET_LENGTH = 32


def default_database_path() -> Path:
    return Path(platformdirs.user_data_dir("livermdt")) / "livermdt.sqlite3"


def default_database_url() -> str:
    return f"sqlite:///{default_database_path()}"


class InsecureSettingsError(LivermdtError):
    """The settings are not safe for real patient data (e.g. the placeholder secret)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LIVERMDT_", extra="ignore")

    #: SQLAlchemy URL. SQLite file under the user data directory by default; PostgreSQL e.g.
    #: ``postgresql+psycopg://livermdt:PASSWORD@db.example.org/livermdt``.
    database_url: str = Field(default_factory=default_database_url)
    #: Key for the CSRF tokens (HMAC). At least 32 characters, never the placeholder outside demo.
    secret_key: str = DEFAULT_SECRET
    #: Demo mode: synthetic data, placeholder secret allowed, banner on every page.
    demo: bool = False
    #: Served over HTTPS (directly or behind a proxy): session cookies get the Secure flag.
    https_only: bool = False
    #: Failed logins per username and client within ``login_window_s`` before a 429.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=300, ge=1)
    #: Worker threads per process for the blocking work of requests (database, engine, pages).
    #: The work holds the GIL most of the time, so more threads only queue for it: with four,
    #: on PostgreSQL, one request in a hundred waited 0.5-1 s for it. Two, so that one slow
    #: request (a PDF, the first cohort page of a process) does not hold up all the others
    #: (see docs/web.md, "Performance").
    worker_threads: int = Field(default=2, ge=1, le=200)
    #: Threads per process for the assessment API route (session lookup, engine, audit in one
    #: go), apart from ``worker_threads``. Its work is short and holds the GIL, so one at a
    #: time is fastest: with more, each database call hands the GIL over and waits for it
    #: again; slow pages (PDF letter, cohort) keep their own threads and do not hold it up.
    engine_threads: int = Field(default=1, ge=1, le=64)
    #: Automatic logoff: a login unused for this many seconds ends (30 minutes by default;
    #: 2 minutes to 12 hours, the longest a login lasts). See services.users.SESSION_IDLE_TIMEOUT.
    session_idle_timeout_s: int = Field(default=1800, ge=120, le=12 * 3600)
    #: FastAPI's own OpenTelemetry traces and metrics (request spans and durations by route
    #: template; the URLs carry opaque ids only), sent wherever the process's OpenTelemetry
    #: providers send them. Off unless asked for: FastAPI turns it on by itself as soon as any
    #: OpenTelemetry SDK is configured in the process. Its log records stay off either way:
    #: they carry exception messages, which can quote patient data (see web.app.telemetry_config).
    telemetry: bool = False

    def check_safe_to_start(self) -> None:
        """Refuse to serve real data with the placeholder or a short secret."""
        if self.demo:
            return
        if self.secret_key == DEFAULT_SECRET:
            raise InsecureSettingsError(
                "refusing to start: LIVERMDT_SECRET_KEY is the placeholder; set a random secret "
                "of at least 32 characters (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'), or use --demo for synthetic data"
            )
        if len(self.secret_key) < MIN_SECRET_LENGTH:
            raise InsecureSettingsError(
                f"refusing to start: LIVERMDT_SECRET_KEY must be at least {MIN_SECRET_LENGTH} "
                f"characters (got {len(self.secret_key)})"
            )

    def redacted_database_url(self) -> str:
        """The URL with any password hidden, for messages."""
        from sqlalchemy.engine import make_url

        return make_url(self.database_url).render_as_string(hide_password=True)
