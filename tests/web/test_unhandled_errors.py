"""An exception no handler takes: the user gets a 500 with a reference, the log gets the
reference, the route, the exception's type and its frames, and nothing of its message (which
can quote patient data: PostgreSQL's DETAIL line quotes a duplicate key, a validation error its
input). On SQLite and PostgreSQL, with a real database error."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from starlette.types import Message, Receive, Scope, Send

from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.web.errors import UnhandledErrorMiddleware
from tests.services.cases_data import demo_document

Login = Callable[[Role], TestClient]

PATIENT_NAME = "Jane Example-Patient"
MRN = "MRN-0042-SECRET"


def _failing_with_patient_data(services: Services) -> Callable[..., Any]:
    """A service call that fails in the database with the patient's name as the duplicate key,
    raised during the handling of another error that names the MRN."""

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        insert = text(
            "INSERT INTO users (username, password_hash, role, active, created_at) "
            "VALUES (:u, 'x', 'surgeon', true, CURRENT_TIMESTAMP)"
        )
        engine = services.engine
        with engine.begin() as conn:
            conn.execute(insert, {"u": PATIENT_NAME})
        try:
            raise ValueError(f"could not file {MRN}")
        except ValueError:
            with engine.begin() as conn:
                conn.execute(insert, {"u": PATIENT_NAME})

    return fail


def _all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(
        record.getMessage() + (str(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    )


def test_api_500_has_a_reference_and_the_log_no_patient_data(
    login: Login,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    surgeon = login(Role.SURGEON)
    monkeypatch.setattr(services.cases, "create_case", _failing_with_patient_data(services))
    caplog.set_level(logging.DEBUG)
    # TestClient re-raises an exception that reaches it: this one must not
    response = surgeon.post("/api/cases", json={"document": demo_document(1), "mrn": MRN})
    assert response.status_code == 500
    detail = response.json()["detail"]
    reference = re.search(r"reference ([0-9a-f]{8})", detail)
    assert reference is not None
    assert PATIENT_NAME not in response.text and MRN not in response.text
    assert response.headers["cache-control"] == "no-store"  # the security headers are there

    logged = _all_log_text(caplog)
    assert PATIENT_NAME not in logged and MRN not in logged
    [record] = [r for r in caplog.records if r.name == "livermdt.web"]
    message = record.getMessage()
    assert record.levelno == logging.ERROR
    assert f"POST /api/cases, reference {reference.group(1)}" in message
    # the type of each exception in the chain, and where it was raised
    assert "IntegrityError (message withheld)" in message
    assert "builtins.ValueError (message withheld)" in message
    assert "test_unhandled_errors.py" in message and "in fail" in message


def test_page_500_is_the_error_page_with_the_reference(
    login: Login,
    services: Services,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    surgeon = login(Role.SURGEON)
    created = surgeon.post("/api/cases", json={"document": demo_document(1)}).json()
    monkeypatch.setattr(services.cases, "get_case", _failing_with_patient_data(services))
    caplog.set_level(logging.DEBUG)
    response = surgeon.get(f"/cases/{created['id']}")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/html")
    reference = re.search(r"reference ([0-9a-f]{8})", response.text)
    assert reference is not None
    assert PATIENT_NAME not in response.text
    logged = _all_log_text(caplog)
    assert f"GET /cases/{{case_id}}, reference {reference.group(1)}" in logged
    assert PATIENT_NAME not in logged and MRN not in logged


async def _starts_then_fails(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    raise RuntimeError(f"half-way through the letter of {PATIENT_NAME}")


def test_a_response_already_under_way_is_abandoned_without_the_message(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope: Scope = {"type": "http", "method": "GET", "path": "/x", "headers": []}
    caplog.set_level(logging.DEBUG)
    with pytest.raises(RuntimeError) as caught:
        asyncio.run(UnhandledErrorMiddleware(_starts_then_fails)(scope, receive, send))
    assert PATIENT_NAME not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    reference = re.search(r"reference ([0-9a-f]{8})", str(caught.value))
    assert reference is not None and reference.group(1) in _all_log_text(caplog)
    assert PATIENT_NAME not in _all_log_text(caplog)
    assert [m["type"] for m in sent] == ["http.response.start"]  # no second start


def test_the_middleware_wraps_the_app(app: FastAPI) -> None:
    assert any(m.cls is UnhandledErrorMiddleware for m in app.user_middleware)
