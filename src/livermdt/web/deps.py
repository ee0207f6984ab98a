"""Dependency aliases for routes (API and pages). A route declares what it needs, e.g.
``def show(case_id: str, user: CurrentUser, services: ServicesDep)`` for a page anyone logged in
may read, or ``user: Editor`` plus ``dependencies=[CsrfProtected]`` on a form post that changes
a case.

The dependencies are ``async`` so that FastAPI calls them on the event loop instead of handing
each to a worker thread (a thread hop costs more CPU than these functions); the one that asks
the database (the session lookup) sends only that call to the thread pool."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from anyio import CapacityLimiter, to_thread
from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from livermdt.errors import PermissionDeniedError
from livermdt.services import Services
from livermdt.services.records import UserInfo
from livermdt.services.roles import Permission, Role
from livermdt.web.security import NotAuthenticatedError, session_token, verify_csrf
from livermdt.web.settings import Settings


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _settings_dependency(request: Request) -> Settings:
    return get_settings(request)


async def _services_dependency(request: Request) -> Services:
    return get_services(request)


SettingsDep = Annotated[Settings, Depends(_settings_dependency)]
ServicesDep = Annotated[Services, Depends(_services_dependency)]


async def optional_user(request: Request) -> UserInfo | None:
    """The logged-in user, or None. Looked up in the database once per request (no cache, so
    a logout or a deactivation counts at once in every worker process)."""
    if hasattr(request.state, "user"):
        cached: UserInfo | None = request.state.user
        return cached
    token = session_token(request)
    user = None
    if token:
        user = await run_in_threadpool(get_services(request).users.user_for_session, token)
    request.state.user = user
    return user


T = TypeVar("T")


def authorised(user: UserInfo | None, permission: Permission) -> UserInfo:
    """``user`` if logged in and their role grants ``permission``; else
    ``NotAuthenticatedError`` (401) or ``PermissionDeniedError`` (403)."""
    if user is None:
        raise NotAuthenticatedError("log in first")
    if not user.can(permission):
        raise PermissionDeniedError(f"the role '{user.role.value}' may not {permission.value}")
    return user


async def run_authorised(
    request: Request, permission: Permission, work: Callable[[UserInfo], T]
) -> T:
    """Look up the session's user, check ``permission`` and run ``work(user)``: all in one
    worker-thread hop, on the threads of ``app.state.engine_limiter`` (``engine_threads``; the
    default pool where the application has not started one). For the busiest API routes
    (``async def`` routes without a user dependency): the session lookup and the route's work
    would otherwise take a hop each, and a hop costs about as much CPU as the lookup itself.
    Raises like ``require_permission``."""
    token = session_token(request)
    services = get_services(request)
    limiter: CapacityLimiter | None = getattr(request.app.state, "engine_limiter", None)

    def authorised_work() -> T:
        user = services.users.user_for_session(token) if token else None
        return work(authorised(user, permission))

    return await to_thread.run_sync(authorised_work, limiter=limiter)


async def current_user(request: Request) -> UserInfo:
    """The logged-in user; ``NotAuthenticatedError`` (401 / redirect to the login page) if none."""
    user = await optional_user(request)
    if user is None:
        raise NotAuthenticatedError("log in first")
    return user


OptionalUser = Annotated[UserInfo | None, Depends(optional_user)]
CurrentUser = Annotated[UserInfo, Depends(current_user)]


def require_permission(permission: Permission) -> Callable[[Request], Awaitable[UserInfo]]:
    """A dependency giving the current user if their role grants ``permission`` (else 403)."""

    async def dependency(request: Request) -> UserInfo:
        return authorised(await optional_user(request), permission)

    return dependency


def require_role(*roles: Role | str) -> Callable[[Request], Awaitable[UserInfo]]:
    """A dependency giving the current user if their role is one of ``roles`` (else 403)."""
    allowed = {Role(r) for r in roles}

    async def dependency(request: Request) -> UserInfo:
        user = await current_user(request)
        if user.role not in allowed:
            raise PermissionDeniedError(f"the role '{user.role.value}' may not do this")
        return user

    return dependency


Viewer = Annotated[UserInfo, Depends(require_permission(Permission.VIEW))]
Editor = Annotated[UserInfo, Depends(require_permission(Permission.EDIT))]
MeetingOrganiser = Annotated[UserInfo, Depends(require_permission(Permission.MEETINGS))]
Decider = Annotated[UserInfo, Depends(require_permission(Permission.DECIDE))]
Exporter = Annotated[UserInfo, Depends(require_permission(Permission.EXPORT))]
Admin = Annotated[UserInfo, Depends(require_permission(Permission.ADMIN))]


async def _posted_form(request: Request) -> FormData:
    """The submitted form, read on the event loop (reading the body is I/O), so that a form
    route can be a plain ``def`` that FastAPI runs in a worker thread: what comes after the
    form (argon2 at login, validation, the engine, the database) must not hold up the event
    loop and every other request with it. Starlette keeps the parsed form, so the CSRF check
    reads the same one."""
    return await request.form()


#: The submitted form of a form route: ``def submit(request: Request, form: PostedForm, ...)``.
PostedForm = Annotated[FormData, Depends(_posted_form)]

#: Put in ``dependencies=[CsrfProtected]`` of every unsafe form route (the API routers have it).
CsrfProtected = Depends(verify_csrf)
