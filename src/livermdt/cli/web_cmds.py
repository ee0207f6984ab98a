"""``livermdt serve``, ``livermdt user create``, ``livermdt db upgrade|current``."""

from __future__ import annotations

import copy
import getpass
import ipaddress
import secrets
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs
import typer

from livermdt.about import DISCLAIMER
from livermdt.errors import InvalidInputError

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from livermdt.services import Services

user_app = typer.Typer(
    name="user", help="Manage users of the MDT application.", no_args_is_help=True
)
db_app = typer.Typer(name="db", help="Database migrations.", no_args_is_help=True)


def demo_database_path() -> Path:
    return Path(platformdirs.user_data_dir("livermdt")) / "demo.sqlite3"


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(
    demo: bool = typer.Option(
        False, "--demo", help="Fresh local SQLite database with synthetic cases and demo users."
    ),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Start the MDT web application (migrations are applied first)."""
    import uvicorn

    from livermdt.web.app import create_app
    from livermdt.web.settings import Settings

    if demo:
        path = demo_database_path()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        settings = Settings(
            demo=True, database_url=f"sqlite:///{path}", secret_key=secrets.token_urlsafe(48)
        )
    else:
        # Demo mode only through --demo: a stray LIVERMDT_DEMO=true must not relax the checks
        # on a real database.
        settings = Settings(demo=False)
    app = create_app(settings)  # refuses the placeholder secret outside demo mode
    typer.echo(DISCLAIMER)
    typer.echo(f"database: {settings.redacted_database_url()}")
    if demo:
        from livermdt.services.demo import seed_demo

        seed = seed_demo(app.state.services, date.today())
        typer.echo("DEMO MODE: synthetic data only; do not enter real patients.")
        typer.echo("Demo users (passwords are shown only now):")
        for user in seed.users:
            typer.echo(f"  {user.username:<20} {user.role.value:<12} {user.password}")
    if not _is_loopback(host) and not settings.https_only:
        typer.echo(
            "warning: listening beyond this machine without LIVERMDT_HTTPS_ONLY; put the "
            "application behind HTTPS (see docs/deploy-postgresql.md)",
            err=True,
        )
    typer.echo(f"open http://{host}:{port}/")
    uvicorn.run(
        app, host=host, port=port, log_level="info", access_log=False, log_config=log_config()
    )


def log_config() -> dict[str, Any]:
    """uvicorn's logging set-up plus the ``livermdt`` loggers on its standard-error handler
    (``ERROR:    unhandled exception in POST /api/cases, reference ...``). No access log:
    requests are in the audit log, and nothing of a request's content is logged."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["livermdt"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


def _read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        second = getpass.getpass("password again: ")
        if first != second:
            raise InvalidInputError(
                "the two passwords differ", ["password: the two entries differ"]
            )
        return first
    return sys.stdin.readline().rstrip("\r\n")


@user_app.command("create")
def user_create(
    username: str = typer.Argument(..., help="Login name (lower-case letters, digits, . _ -)."),
    role: str = typer.Option(
        ...,
        "--role",
        help="surgeon | oncologist | radiologist | coordinator | admin | researcher",
    ),
) -> None:
    """Create a user. The password is read from standard input (asked twice on a terminal),
    never from the command line."""
    from livermdt.services import Services
    from livermdt.services.users import validate_new_user
    from livermdt.storage.db import make_engine
    from livermdt.storage.migrate import upgrade
    from livermdt.web.settings import Settings

    validate_new_user(username, "x" * 64, role)  # report a bad name or role before asking
    password = _read_password()
    settings = Settings()
    engine = make_engine(settings)
    try:
        upgrade(engine)
        user = Services(engine).users.create_user(username, password, role)
    finally:
        engine.dispose()
    typer.echo(f"created user {user.username} ({user.role.value})")


def _user_services() -> tuple[Services, Engine]:
    from livermdt.services import Services
    from livermdt.storage.db import make_engine
    from livermdt.storage.migrate import upgrade
    from livermdt.web.settings import Settings

    engine = make_engine(Settings())
    upgrade(engine)
    return Services(engine), engine


@user_app.command("list")
def user_list() -> None:
    """List the users with their roles and whether they may log in."""
    services, engine = _user_services()
    try:
        for user in services.users.list_users(None):
            state = "active" if user.active else "deactivated"
            typer.echo(f"{user.username:<24} {user.role.value:<12} {state}")
    finally:
        engine.dispose()


def _set_active(username: str, active: bool) -> None:
    from livermdt.errors import NotFoundError

    services, engine = _user_services()
    try:
        user = services.users.get_user(username)
        if user is None:
            raise NotFoundError(f"no user {username!r}")
        services.users.set_active(user.id, active, by=None)
    finally:
        engine.dispose()
    typer.echo(f"{username} {'reactivated' if active else 'deactivated (logged out everywhere)'}")


@user_app.command("deactivate")
def user_deactivate(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Stop a user from logging in and end their sessions (the history keeps their name)."""
    _set_active(username, False)


@user_app.command("activate")
def user_activate(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Let a deactivated user log in again."""
    _set_active(username, True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the database of LIVERMDT_DATABASE_URL."""
    from livermdt.storage.db import make_engine
    from livermdt.storage.migrate import current_revision, upgrade
    from livermdt.web.settings import Settings

    settings = Settings()
    engine = make_engine(settings)
    try:
        upgrade(engine)
        typer.echo(
            f"database {settings.redacted_database_url()} at revision {current_revision(engine)}"
        )
    finally:
        engine.dispose()


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision and whether it is the newest."""
    from livermdt.storage.db import make_engine
    from livermdt.storage.migrate import current_revision, head_revision
    from livermdt.web.settings import Settings

    settings = Settings()
    engine = make_engine(settings)
    try:
        current, head = current_revision(engine), head_revision(engine)
    finally:
        engine.dispose()
    state = "up to date" if current == head else f"behind (newest {head}; run livermdt db upgrade)"
    typer.echo(f"{settings.redacted_database_url()}: revision {current or 'none'}, {state}")


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.command("serve")(serve)
    app.add_typer(user_app)
    app.add_typer(db_app)
