"""Logging in and out, for the login form (pages) and ``POST /api/session`` alike."""

from __future__ import annotations

from fastapi import Request, Response

from livermdt.services.records import UserInfo
from livermdt.web.deps import get_services, get_settings
from livermdt.web.security import (
    LoginLimits,
    NotAuthenticatedError,
    clear_session_cookie,
    session_token,
    set_session_cookie,
)


class LoginFailedError(NotAuthenticatedError):
    """Wrong username or password (the message never says which)."""


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def login_user(request: Request, response: Response, username: str, password: str) -> UserInfo:
    """Check the password, start a session and set its cookie on ``response``.

    Raises ``LoginFailedError`` (401) for wrong credentials and ``TooManyLoginAttemptsError``
    (429) after too many failures for this username from this address."""
    services = get_services(request)
    limiter: LoginLimits = request.app.state.login_limiter
    client = _client(request)
    limiter.check(username, client)
    user = services.users.authenticate(username, password)
    if user is None:
        limiter.failed(username, client)
        raise LoginFailedError("wrong username or password")
    limiter.succeeded(username, client)
    old = session_token(request)
    if old:  # a new login replaces the old session (no session fixation)
        services.users.end_session(old)
    token = services.users.start_session(user)
    set_session_cookie(response, token, get_settings(request), https=request.url.scheme == "https")
    # Later code in this request (e.g. csrf_token for the answer) sees the new session.
    request.state.session_token = token
    request.state.user = user
    return user


def logout_user(request: Request, response: Response, user: UserInfo | None = None) -> None:
    """End the session (server side) and clear the cookie."""
    token = session_token(request)
    if token:
        get_services(request).users.end_session(token, user)
    clear_session_cookie(response, get_settings(request))
    request.state.session_token = ""
    request.state.user = None
