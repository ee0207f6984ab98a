"""The obvious attacks: unauthenticated access to every route, a read-only user editing, forged
requests without the CSRF token, SQL/HTML injection in free text, the default secret, login
guessing. Plus cookie flags, security headers and no patient data in URLs or logs."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence

import markupsafe
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute

from livermdt.cli.main import main
from livermdt.errors import LivermdtError
from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.web.app import create_app
from livermdt.web.security import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    LoginLimiter,
    TooManyLoginAttemptsError,
    safe_next,
)
from livermdt.web.settings import DEFAULT_SECRET, InsecureSettingsError, Settings
from tests.services.cases_data import demo_document, edited
from tests.web.conftest import PASSWORD, log_in

Login = Callable[[Role], TestClient]
OPAQUE = "0123456789abcdef0123456789abcdef"
PUBLIC = {("GET", "/login"), ("POST", "/login"), ("POST", "/api/session")}
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _walk(routes: Sequence[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """Every APIRoute with its full path; FastAPI keeps included routers as wrapper objects."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            yield from _walk(inner.routes, prefix + str(getattr(context, "prefix", "")))
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    for full_path, route in _walk(app.routes):
        path = re.sub(r"\{[^}]+\}", OPAQUE, full_path)
        path = path.replace(f"/versions/{OPAQUE}", "/versions/1")
        for method in sorted(route.methods):
            out.append((method, path))
    return out


def test_every_route_requires_a_login(app: FastAPI, client: TestClient) -> None:
    routes = _routes(app)
    assert len(routes) > 20  # the API (and the pages, once included) are all here
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        r = client.request(method, path, follow_redirects=False)
        if path.startswith("/api/") and path not in {"/api/docs", "/api/redoc"}:
            # unsafe requests fail the CSRF check first (403), safe ones the login (401)
            assert r.status_code == (403 if method in UNSAFE else 401), (method, path, r.text)
        elif method in UNSAFE:
            assert r.status_code == 403, (method, path)
        else:
            assert r.status_code == 303, (method, path)
            assert r.headers["location"].startswith("/login?next="), (method, path)


def test_unsafe_routes_refuse_a_logged_in_user_without_csrf_token(
    app: FastAPI, login: Login
) -> None:
    admin = login(Role.ADMIN)
    token = admin.headers.pop("X-CSRF-Token")
    for method, path in _routes(app):
        if method not in UNSAFE or (method, path) in PUBLIC:
            continue
        r = admin.request(method, path, json={}, follow_redirects=False)
        assert r.status_code == 403, (method, path, r.status_code)
        r = admin.request(method, path, data={"csrf_token": "forged"}, follow_redirects=False)
        assert r.status_code == 403, (method, path, r.status_code)
    admin.headers["X-CSRF-Token"] = token
    assert admin.post("/api/cases", json={"document": demo_document(1)}).status_code == 201


def test_forged_api_write_without_token_changes_nothing(login: Login, app: FastAPI) -> None:
    surgeon = login(Role.SURGEON)
    case_id = surgeon.post("/api/cases", json={"document": demo_document(1)}).json()["id"]
    own_token = surgeon.headers.pop("X-CSRF-Token")
    body = {"document": edited(demo_document(1), 99.0), "base_version": 1}
    assert surgeon.put(f"/api/cases/{case_id}", json=body).status_code == 403
    other = login(Role.ONCOLOGIST)  # a valid token, but of another session
    other_token = other.headers["X-CSRF-Token"]
    assert other_token != own_token
    r = surgeon.put(f"/api/cases/{case_id}", json=body, headers={"X-CSRF-Token": other_token})
    assert r.status_code == 403
    surgeon.headers["X-CSRF-Token"] = own_token
    assert surgeon.get(f"/api/cases/{case_id}").json()["version"] == 1


def test_forged_login_form_and_json_login_without_json_type(client: TestClient) -> None:
    form = {"username": "u-admin", "password": PASSWORD}
    assert client.post("/api/session", data=form).status_code == 422
    r = client.post(
        "/api/session",
        content=b'{"username": "u-admin", "password": "correct horse battery"}',
        headers={"Content-Type": "text/plain"},
    )
    assert r.status_code == 422
    assert SESSION_COOKIE not in client.cookies


def test_a_refused_password_is_never_echoed(client: TestClient) -> None:
    too_long = "secret-" + "x" * 1100
    r = client.post("/api/session", json={"username": "u-admin", "password": too_long})
    assert r.status_code == 422
    assert any(p.startswith("password:") for p in r.json()["problems"])
    assert "secret-" not in r.text
    r = client.post("/api/session", json={"username": "u-admin", "password": 12345678901})
    assert r.status_code == 422 and "12345678901" not in r.text


def test_read_only_researcher_cannot_change_anything(login: Login) -> None:
    surgeon, researcher = login(Role.SURGEON), login(Role.RESEARCHER)
    case_id = surgeon.post("/api/cases", json={"document": demo_document(1)}).json()["id"]
    body = {"document": edited(demo_document(1), 1.0), "base_version": 1}
    attempts = [
        researcher.post("/api/cases", json={"document": demo_document(2)}),
        researcher.put(f"/api/cases/{case_id}", json=body),
        researcher.put(f"/api/cases/{case_id}/patient", json={"patient_name": "x"}),
        researcher.request("DELETE", f"/api/cases/{case_id}", json={"reason": "x"}),
        researcher.post("/api/meetings", json={"meeting_date": "2025-09-15", "title": "x"}),
        researcher.post(
            "/api/users", json={"username": "evil", "password": "long enough pw", "role": "admin"}
        ),
        researcher.get("/api/audit"),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert researcher.get(f"/api/cases/{case_id}").json()["version"] == 1
    assert len(researcher.get("/api/cases").json()) == 1


HOSTILE = [
    "<script>alert('x')</script>",
    "Robert'); DROP TABLE cases;--",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_injection_in_free_text_is_stored_verbatim_and_shown_escaped(
    login: Login, hostile: str
) -> None:
    surgeon = login(Role.SURGEON)
    doc = demo_document(1)
    doc["id"] = hostile
    r = surgeon.post(
        "/api/cases",
        json={"document": doc, "patient_name": hostile, "mrn": hostile[:64], "comment": hostile},
    )
    assert r.status_code == 201, r.text
    case = r.json()
    assert case["patient"]["display_name"] == hostile
    assert case["document"]["id"] == hostile
    meeting = surgeon.post(
        "/api/meetings",
        json={
            "meeting_date": "2025-09-15",
            "title": hostile,
            "attendees": [{"name": hostile, "specialty": "radiology"}],
        },
    ).json()
    assert meeting["title"] == hostile and meeting["attendees"][0]["name"] == hostile
    assert surgeon.get("/api/cases").json()[0]["patient"]["display_name"] == hostile
    surgeon.post(f"/api/meetings/{meeting['id']}/cases", json={"case_id": case["id"]})
    decision_url = f"/api/meetings/{meeting['id']}/decisions"
    body = {
        "case_id": case["id"],
        "codes": [hostile],
        "text": hostile,
        "follows_proposal": False,
        "deviation_reason": hostile,
    }
    assert surgeon.post(decision_url, json=body).status_code == 422  # codes are a vocabulary
    decision = surgeon.post(decision_url, json={**body, "codes": ["surveillance"]}).json()
    assert (decision["text"], decision["deviation_reason"]) == (hostile, hostile)
    # The pages show it escaped, never as markup.
    pages = [
        "/",
        "/meetings",
        f"/meetings/{meeting['id']}",
        f"/cases/{case['id']}",
        f"/cases/{case['id']}/edit",
        f"/cases/{case['id']}/history",
        f"/cases/{case['id']}/decision-summary",
    ]
    for page in pages:
        response = surgeon.get(page)
        assert response.status_code == 200, page
        assert "<script>alert" not in response.text, page
        assert "<img src=x" not in response.text, page
    # ... and present, escaped the way Jinja2 escapes (markupsafe)
    assert str(markupsafe.escape(hostile)) in surgeon.get("/").text


def test_default_or_short_secret_is_refused_outside_demo(tmp_path: object) -> None:
    url = f"sqlite:///{tmp_path}/x.sqlite3"
    with pytest.raises(InsecureSettingsError):
        create_app(Settings(database_url=url, secret_key=DEFAULT_SECRET))
    with pytest.raises(InsecureSettingsError):
        create_app(Settings(database_url=url, secret_key="short"))
    # demo mode may use it (synthetic data on one machine)
    create_app(Settings(database_url=url, secret_key=DEFAULT_SECRET, demo=True))


def test_serve_refuses_the_default_secret(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", f"sqlite:///{tmp_path}/serve.sqlite3")
    monkeypatch.delenv("LIVERMDT_SECRET_KEY", raising=False)
    assert main(["serve", "--port", "1"]) == 1
    assert "LIVERMDT_SECRET_KEY" in capsys.readouterr().err
    monkeypatch.setenv("LIVERMDT_DEMO", "true")  # only --demo makes a demo
    assert main(["serve", "--port", "1"]) == 1
    assert "LIVERMDT_SECRET_KEY" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("https_only", "scheme", "secure"),
    [(False, "http", False), (False, "https", True), (True, "http", True)],
)
def test_session_cookie_flags(
    settings: Settings, services: Services, https_only: bool, scheme: str, secure: bool
) -> None:
    services.users.create_user("hank", PASSWORD, Role.SURGEON)
    app = create_app(settings.model_copy(update={"https_only": https_only}), services=services)
    with TestClient(app, base_url=f"{scheme}://testserver") as c:
        r = c.post("/api/session", json={"username": "hank", "password": PASSWORD})
        cookie = next(v for v in r.headers.get_list("set-cookie") if v.startswith(SESSION_COOKIE))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert ("Secure" in cookie) == secure
        assert r.json()["csrf_token"] not in cookie
        assert ("strict-transport-security" in r.headers) == https_only


def test_security_headers_and_no_store(login: Login) -> None:
    surgeon = login(Role.SURGEON)
    for path in ("/api/cases", "/"):
        r = surgeon.get(path)
        assert r.headers["cache-control"] == "no-store"
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"


def test_csrf_cookie_only_for_a_browser_without_session_or_csrf_cookie(app: FastAPI) -> None:
    """A first visit gets the random pre-login CSRF cookie, and the login form's token works
    with it; a client that has one keeps it; a logged-in client's calls (token bound to the
    session) get none."""
    with TestClient(app) as browser:
        first = browser.get("/login")
        set_cookies = first.headers.get_list("set-cookie")
        assert [c for c in set_cookies if c.startswith(CSRF_COOKIE + "=")]
        anon = browser.cookies[CSRF_COOKIE]
        again = browser.get("/login")
        assert not [c for c in again.headers.get_list("set-cookie") if CSRF_COOKIE in c]
        token = re.search(r'name="csrf_token" value="([^"]+)"', again.text)
        assert token is not None
        r = browser.post(
            "/login",
            data={"username": "u-surgeon", "password": PASSWORD, "csrf_token": token.group(1)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text
        assert browser.cookies[CSRF_COOKIE] == anon
    with TestClient(app) as api_client:
        log_in(api_client, "u-surgeon")
        api_client.cookies.delete(CSRF_COOKIE)
        r = api_client.get("/api/cases")
        assert r.status_code == 200
        assert not [c for c in r.headers.get_list("set-cookie") if CSRF_COOKIE in c]


def test_static_assets_are_cacheable_and_keep_the_security_headers(client: TestClient) -> None:
    r = client.get("/static/app.css")
    assert r.status_code == 200
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert "pragma" not in r.headers
    assert r.headers["x-content-type-options"] == "nosniff"


def test_login_rate_limit(client: TestClient) -> None:
    for _ in range(5):
        r = client.post("/api/session", json={"username": "u-admin", "password": "wrong-wrong"})
        assert r.status_code == 401
    r = client.post("/api/session", json={"username": "u-admin", "password": PASSWORD})
    assert r.status_code == 429  # even the right password, until the window passes
    log_in(client, "u-surgeon")  # another account is not locked


def test_no_patient_data_in_urls_or_logs(login: Login, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    surgeon = login(Role.SURGEON)
    name, mrn = "Zelda Uniquename", "MRN-55501"
    case = surgeon.post(
        "/api/cases", json={"document": demo_document(1), "patient_name": name, "mrn": mrn}
    ).json()
    assert re.fullmatch(r"[0-9a-f]{32}", case["id"])
    surgeon.get(f"/api/cases/{case['id']}")
    surgeon.get("/")
    assert name not in caplog.text and mrn not in caplog.text
    for link in re.findall(r'href="([^"]+)"', surgeon.get("/").text):
        assert "Zelda" not in link and "55501" not in link


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/cases/abc", "/cases/abc"),
        ("//evil.example/x", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_safe_next_stays_on_site(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_error_mapping_is_in_one_place() -> None:
    from livermdt.web.errors import error_body

    err = LivermdtError("boom")
    assert error_body(err) == {"detail": "boom"}


def test_login_limiter_window_below_at_and_above() -> None:
    limiter = LoginLimiter(max_failures=3, window_s=60)
    for t in (0.0, 1.0, 2.0):
        limiter.check("ann", "1.2.3.4", now=t)
        limiter.failed("Ann", "1.2.3.4", now=t)  # usernames are case-insensitive here
    with pytest.raises(TooManyLoginAttemptsError):
        limiter.check("ann", "1.2.3.4", now=59.9)
    limiter.check("ann", "5.6.7.8", now=59.9)  # another address is not blocked
    with pytest.raises(TooManyLoginAttemptsError):
        limiter.check("ann", "1.2.3.4", now=60.0 - 1e-9)
    limiter.check("ann", "1.2.3.4", now=60.0)  # the first failure left the window
    limiter.check("ann", "1.2.3.4", now=200.0)
    assert limiter.tracked() == 0  # expired entries are forgotten


def test_login_limiter_memory_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("livermdt.web.security.MAX_TRACKED_LOGINS", 50)
    limiter = LoginLimiter(max_failures=3, window_s=10)
    for i in range(500):
        limiter.failed(f"user{i}", "1.2.3.4", now=float(i))
    assert limiter.tracked() <= 61


def test_settings_come_from_the_environment_and_are_validated(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", "postgresql+psycopg://u:hunter2@db/livermdt")
    monkeypatch.setenv("LIVERMDT_HTTPS_ONLY", "true")
    settings = Settings()
    assert settings.https_only and not settings.demo
    assert "hunter2" not in settings.redacted_database_url()
    monkeypatch.setenv("LIVERMDT_LOGIN_MAX_FAILURES", "0")
    with pytest.raises(ValueError):
        Settings()


def test_no_route_does_its_blocking_work_on_the_event_loop(app: FastAPI) -> None:
    # A route defined with ``async def`` runs on the event loop: argon2 at login, validation,
    # the engine and the database would hold up every other request of the process. Routes
    # are plain ``def`` (FastAPI runs them in worker threads; forms come from ``PostedForm``),
    # except the assessment GET and POST, which send all their work to a thread themselves
    # (``deps.run_authorised``).
    import inspect

    allowed = {"/api/cases/{case_id}/assessment"}
    on_loop = sorted(
        f"{sorted(route.methods)} {path}"
        for path, route in _walk(app.routes)
        if inspect.iscoroutinefunction(route.endpoint) and path not in allowed
    )
    assert on_loop == []
