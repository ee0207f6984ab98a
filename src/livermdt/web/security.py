"""Session cookies, CSRF tokens, security headers and login rate limiting.

CSRF design (documented in docs/web.md):

* Forms: every unsafe form post carries a hidden ``csrf_token`` field. The token is an HMAC
  (``secret_key``) of the login session's token, so it is bound to the session and changes at
  login; before login (the login form itself) it is bound to a random ``livermdt_csrf`` cookie.
  An attacker's page can neither read the cookie nor compute the HMAC.
* JSON API: every unsafe request (POST/PUT/PATCH/DELETE) must carry the same token in the
  ``X-CSRF-Token`` header; a cross-site page cannot set a custom header without a CORS
  preflight, which this application never grants. ``POST /api/session`` (log in) has no
  session yet: it requires ``Content-Type: application/json``, which a cross-site form cannot
  send, and it returns the token for the new session.
* Cookies are HttpOnly, SameSite=Lax (session) / Strict (CSRF cookie), Secure with https_only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from typing import TYPE_CHECKING, Any, Protocol

from starlette.requests import Request, cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livermdt.errors import LivermdtError, PermissionDeniedError

if TYPE_CHECKING:
    from livermdt.services.logins import LoginFailureService
    from livermdt.web.settings import Settings

SESSION_COOKIE = "livermdt_session"
CSRF_COOKIE = "livermdt_csrf"
CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_MAX_AGE_S = 12 * 3600
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_TRACKED_LOGINS = 10_000


class NotAuthenticatedError(LivermdtError):
    """No valid login session: 401 for the API, a redirect to the login page for pages."""

    http_status = 401


class CsrfError(PermissionDeniedError):
    """An unsafe request without the right CSRF token."""


class TooManyLoginAttemptsError(LivermdtError):
    http_status = 429


# ---- CSRF -------------------------------------------------------------------------------------
def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def session_token(request: Request) -> str | None:
    """The raw login-session token from the cookie, if any (not checked here)."""
    value = getattr(request.state, "session_token", None)
    if isinstance(value, str):
        return value
    return request.cookies.get(SESSION_COOKIE) or None


def csrf_token_for(secret: str, session: str | None, anon: str | None) -> str:
    if session:
        return _hmac(secret, "session:" + session)
    return _hmac(secret, "anon:" + (anon or ""))


def csrf_token(request: Request) -> str:
    """The CSRF token for forms on this page (put it in a hidden ``csrf_token`` field) and for
    the ``X-CSRF-Token`` header of API calls."""
    anon = getattr(request.state, "anon_csrf", None) or request.cookies.get(CSRF_COOKIE)
    return csrf_token_for(_settings(request).secret_key, session_token(request), anon)


def csrf_ok(request: Request, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(str(supplied), csrf_token(request))


async def verify_csrf(request: Request) -> None:
    """Dependency for unsafe form posts and API calls: the token must come in the
    ``X-CSRF-Token`` header or the ``csrf_token`` form field. Raises ``CsrfError`` (403)."""
    if request.method not in UNSAFE_METHODS:
        return
    supplied = request.headers.get(CSRF_HEADER)
    if not supplied:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FORM_FIELD)
            supplied = value if isinstance(value, str) else None
    if not csrf_ok(request, supplied):
        raise CsrfError("missing or wrong CSRF token; reload the page and try again")


# ---- cookies ----------------------------------------------------------------------------------
def set_session_cookie(
    response: Any, token: str, settings: Settings, *, https: bool = False
) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure with ``https_only`` or when this
    request came over HTTPS (directly, or through a proxy uvicorn trusts)."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=settings.https_only or https,
        path="/",
    )


def clear_session_cookie(response: Any, settings: Settings) -> None:
    response.delete_cookie(
        SESSION_COOKIE, httponly=True, samesite="lax", secure=settings.https_only, path="/"
    )


# ---- login rate limiting ----------------------------------------------------------------------
class LoginLimits(Protocol):
    """What ``auth.login_user`` asks of ``app.state.login_limiter``."""

    def check(self, username: str, client: str) -> None: ...
    def failed(self, username: str, client: str) -> None: ...
    def succeeded(self, username: str, client: str) -> None: ...


class DatabaseLoginLimiter:
    """At most ``max_failures`` failed logins per (username, client address) within
    ``window_s`` seconds, counted in the database (``services.login_failures``), so the limit
    holds across every worker process. What the application uses.

    Two processes checking at the same moment may each let one more attempt through (the
    check and the count are separate statements); the limit stays within a few attempts of
    ``max_failures`` and is never lifted early."""

    def __init__(self, store: LoginFailureService, max_failures: int, window_s: float) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window_s = window_s

    def check(self, username: str, client: str) -> None:
        if self.store.recent_failures(username, client, self.window_s) >= self.max_failures:
            raise TooManyLoginAttemptsError(
                "too many failed logins; wait a few minutes and try again"
            )

    def failed(self, username: str, client: str) -> None:
        self.store.record_failure(username, client, self.window_s)

    def succeeded(self, username: str, client: str) -> None:
        self.store.clear(username, client)


class LoginLimiter:
    """At most ``max_failures`` failed logins per (username, client address) within
    ``window_s`` seconds; in memory, per process (for one process: a tool or a test; the
    application uses ``DatabaseLoginLimiter``)."""

    def __init__(self, max_failures: int, window_s: float) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: tuple[str, str], now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window_s:
            q.popleft()
        return q

    def check(self, username: str, client: str, now: float | None = None) -> None:
        t = time.monotonic() if now is None else now
        key = (username.lower(), client)
        with self._lock:
            recent = len(self._prune(key, t))
            if not recent:
                del self._failures[key]
            if recent >= self.max_failures:
                raise TooManyLoginAttemptsError(
                    "too many failed logins; wait a few minutes and try again"
                )

    def failed(self, username: str, client: str, now: float | None = None) -> None:
        t = time.monotonic() if now is None else now
        with self._lock:
            if len(self._failures) >= MAX_TRACKED_LOGINS:
                # Many distinct usernames (a spray): forget the entries whose window passed.
                for key in list(self._failures):
                    if not self._prune(key, t):
                        del self._failures[key]
            self._prune((username.lower(), client), t).append(t)

    def tracked(self) -> int:
        return len(self._failures)

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), client), None)


# ---- headers ----------------------------------------------------------------------------------
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
#: For a self-contained printable page (the decision summary) that carries its own <style>:
#: set it on that response (``response.headers["Content-Security-Policy"] = PRINT_CSP``); the
#: middleware keeps a policy the application set itself.
PRINT_CSP = (
    "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
# Swagger UI and ReDoc load their scripts from a CDN and start with an inline script.
DOCS_CSP = (
    "default-src 'self'; img-src 'self' data: https://fastapi.tiangolo.com; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; worker-src blob:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/api/docs", "/api/redoc", "/api/docs/oauth2-redirect"})


class SecurityMiddleware:
    """Adds the security headers to every response, marks everything except static assets
    ``Cache-Control: no-store`` (pages and API answers hold patient data), and gives a browser
    that has neither a session nor a CSRF cookie a random CSRF cookie for the forms it sees
    before logging in. (With a session cookie the CSRF token is bound to the session, so the
    API calls of a logged-in client neither draw random bytes nor get a cookie they would not
    use.)"""

    def __init__(self, app: ASGIApp, https_only: bool = False) -> None:
        self.app = app
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = _cookies(scope)
        new_anon: str | None = None
        anon = cookies.get(CSRF_COOKIE)
        if not anon and not cookies.get(SESSION_COOKIE):
            anon = new_anon = secrets.token_urlsafe(24)
        scope.setdefault("state", {})["anon_csrf"] = anon
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Headers the application set itself are kept; the defaults fill the gaps.
                headers = list(message.get("headers", []))
                headers += _security_headers(path, self.https_only, headers)
                if new_anon is not None:
                    cookie = f"{CSRF_COOKIE}={new_anon}; Path=/; HttpOnly; SameSite=Strict" + (
                        "; Secure" if self.https_only else ""
                    )
                    headers.append((b"set-cookie", cookie.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _default_headers(path_kind: str, https_only: bool) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers of one kind of path ("docs", "static" or "other")."""
    headers = [
        ("content-security-policy", DOCS_CSP if path_kind == "docs" else CSP),
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if path_kind == "static":
        headers.append(("cache-control", "public, max-age=3600"))
    else:
        headers += [("cache-control", "no-store"), ("pragma", "no-cache")]
    if https_only:
        headers.append(("strict-transport-security", "max-age=31536000; includeSubDomains"))
    return tuple((name.encode(), value.encode()) for name, value in headers)


#: Built once: (path kind, https_only) -> headers.
_DEFAULT_HEADERS = {
    (kind, https): _default_headers(kind, https)
    for kind in ("docs", "static", "other")
    for https in (False, True)
}


def _security_headers(
    path: str, https_only: bool, existing: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The default security headers for ``path`` that the response does not set itself."""
    kind = "docs" if path in DOCS_PATHS else "static" if path.startswith("/static/") else "other"
    defaults = _DEFAULT_HEADERS[kind, https_only]
    if not existing:
        return list(defaults)
    present = {k.lower() for k, _ in existing}
    return [(k, v) for k, v in defaults if k not in present]


def _cookies(scope: Scope) -> dict[str, str]:
    """The request's cookies, parsed as ``Request.cookies`` parses them (so the middleware and
    the routes agree on every cookie)."""
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            return cookie_parser(value.decode("latin-1"))
    return {}


def safe_next(target: str | None, default: str = "/") -> str:
    """A redirect target after login that stays on this site: a path beginning with one '/'
    (not '//host', not a scheme), else ``default``."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(ch) < 32 for ch in target):
        return default
    return target
