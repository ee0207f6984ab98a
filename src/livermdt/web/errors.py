"""The one place where livermdt errors become HTTP answers.

API paths (``/api/...``) answer JSON: ``{"detail": message, "problems": [lines]}`` with the
error's ``http_status`` (422 carries the same ``path: what (got VALUE)`` lines as the CLI; 409 for
an outdated case version carries both versions). Page paths redirect to the login page when
nobody is logged in and otherwise render the pages' error template (``pages.render_error``) or a
plain escaped page.

An exception that no handler takes becomes a 500 with a reference number in
``UnhandledErrorMiddleware``, which logs the exception's type and where it was raised, never its
message: messages quote values (a failed statement's parameters, a validation error's input),
and those are patient data."""

from __future__ import annotations

import html
import importlib
import logging
import secrets
import traceback
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from livermdt.about import DISCLAIMER
from livermdt.errors import InvalidInputError, LivermdtError
from livermdt.services.cases import CaseVersionConflict
from livermdt.web.security import DOCS_PATHS, NotAuthenticatedError, session_token


def is_api(request: Request) -> bool:
    path = request.url.path
    return (path == "/api" or path.startswith("/api/")) and path not in DOCS_PATHS


def _problem_line(err: dict[str, Any]) -> str:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body",)]
    path = ""
    for part in loc:
        path += f"[{part}]" if part.isdigit() else (f".{part}" if path else part)
    got = err.get("input")
    secret = any("password" in part.lower() for part in loc)  # never echo a password
    shown = "" if secret or isinstance(got, dict | list) or got is None else f" (got {got!r})"
    return f"{path or 'body'}: {err.get('msg', 'invalid')}{shown}"


def error_body(err: LivermdtError) -> dict[str, Any]:
    body: dict[str, Any] = {"detail": str(err)}
    if isinstance(err, InvalidInputError):
        body["problems"] = err.problems
    if isinstance(err, CaseVersionConflict):
        body.update(
            case_id=err.case_id,
            your_version=err.base_version,
            current_version=err.current.version,
            current={
                "version": err.current.version,
                "document": err.current.document,
                "updated_by": err.current.updated_by,
                "updated_at": err.current.updated_at.isoformat(),
            },
            submitted={"base_version": err.base_version, "document": err.submitted},
        )
    return body


def _page_error(request: Request, err: LivermdtError) -> Response:
    renderer = _pages_renderer()
    if renderer is not None:
        return renderer(request, err)
    problems = err.problems if isinstance(err, InvalidInputError) else []
    items = "".join(f"<li>{html.escape(p)}</li>" for p in problems)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>livermdt: error</title></head>"
        f"<body><h1>{err.http_status}</h1><p>{html.escape(str(err))}</p>"
        f"{'<ul>' + items + '</ul>' if items else ''}<p><a href='/'>Back</a></p>"
        f"<footer>{html.escape(DISCLAIMER)}</footer></body></html>"
    )
    return HTMLResponse(page, status_code=err.http_status)


def _pages_renderer() -> Callable[[Request, LivermdtError], Response] | None:
    try:
        pages = importlib.import_module("livermdt.web.pages")
    except ModuleNotFoundError as ex:
        if ex.name in {"livermdt.web.pages"}:
            return None
        raise
    renderer = getattr(pages, "render_error", None)
    return renderer if callable(renderer) else None


def handle_livermdt_error(request: Request, err: LivermdtError) -> Response:
    if is_api(request):
        headers = {"WWW-Authenticate": "Cookie"} if err.http_status == 401 else None
        return JSONResponse(error_body(err), status_code=err.http_status, headers=headers)
    if isinstance(err, NotAuthenticatedError) and request.url.path != "/login":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        # A session cookie the server no longer accepts: the login ended (automatic logoff, a
        # logout in another tab, a new password); the login page says so.
        ended = "&done=session_ended" if session_token(request) else ""
        return RedirectResponse(f"/login?next={quote(target, safe='/')}{ended}", status_code=303)
    return _page_error(request, err)


def install_error_handlers(app: FastAPI) -> None:
    async def on_livermdt_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LivermdtError)
        return handle_livermdt_error(request, exc)

    async def on_validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        problems = [_problem_line(e) for e in exc.errors()]
        err = InvalidInputError("invalid request", problems)
        return handle_livermdt_error(request, err)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_api(request) or exc.status_code not in (404, 405):
            return JSONResponse(
                {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
            )
        err = LivermdtError(str(exc.detail))
        err.http_status = exc.status_code
        return _page_error(request, err)

    app.add_exception_handler(LivermdtError, on_livermdt_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)


logger = logging.getLogger("livermdt.web")


def redacted_traceback(exc: BaseException) -> str:
    """The exception's type and the frames it passed (file, line, function, source line) for it
    and each exception it was raised from or during, without any exception's message."""
    lines: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        kind = type(current)
        lines.append(f"{kind.__module__}.{kind.__qualname__} (message withheld)\n")
        lines.extend(traceback.format_tb(current.__traceback__))
        current = current.__cause__ or current.__context__
    return "".join(lines)


class UnhandledErrorMiddleware:
    """Pure ASGI: the last handler of an exception raised while answering a request. Answers
    500 with a reference (JSON under ``/api``, the error page elsewhere) and logs the reference,
    the method, the route's template and ``redacted_traceback``; the exception does not travel
    on to Starlette and uvicorn, which would log its message. If the response had already
    started, a message-free ``RuntimeError`` with the reference goes on instead, so that the
    server closes the connection."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            reference = secrets.token_hex(4)
            route = getattr(scope.get("route"), "path", None) or "(no route)"
            logger.error(
                "unhandled exception in %s %s, reference %s\n%s",
                scope.get("method", "?"),
                route,
                reference,
                redacted_traceback(exc),
            )
            if started:
                raise RuntimeError(f"response abandoned, reference {reference}") from None
            # LivermdtError answers 500 by default; the user learns the reference, nothing else
            err = LivermdtError(
                f"internal error (reference {reference}): the request failed; please give your "
                "administrator this reference, which finds the details in the server's log"
            )
            try:
                response = handle_livermdt_error(Request(scope, receive), err)
            except Exception:  # e.g. the error page cannot be rendered: a plain answer
                response = JSONResponse(error_body(err), status_code=500)
            await response(scope, receive, send)
