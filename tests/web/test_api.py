"""The JSON API on SQLite and PostgreSQL: session, cases CRUD with versions and conflicts,
history, assessments, meetings, decisions, audit; 422 with the CLI's problem lines."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from livermdt.case import parse_case
from livermdt.errors import CaseValidationError
from livermdt.services.roles import Role
from tests.services.cases_data import demo_document, edited, invalid_document
from tests.web.conftest import log_in

Login = Callable[[Role], TestClient]


def _create(client: TestClient, n: int = 1, **extra: object) -> dict[str, object]:
    response = client.post("/api/cases", json={"document": demo_document(n), **extra})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def test_session_login_whoami_logout(client: TestClient) -> None:
    token = log_in(client, "u-surgeon")
    me = client.get("/api/session").json()
    assert me["username"] == "u-surgeon" and me["role"] == "surgeon"
    assert me["csrf_token"] == token
    assert "edit" in me["permissions"] and "admin" not in me["permissions"]
    assert client.delete("/api/session").status_code == 204
    assert client.get("/api/session").status_code == 401
    assert client.get("/api/cases").status_code == 401


def test_wrong_password_is_401_and_does_not_say_which(client: TestClient) -> None:
    for username in ("u-surgeon", "nobody"):
        r = client.post("/api/session", json={"username": username, "password": "nope-nope-nope"})
        assert r.status_code == 401
        assert r.json()["detail"] == "wrong username or password"


def test_case_crud_versions_and_history(login: Login) -> None:
    surgeon = login(Role.SURGEON)
    created = _create(surgeon, 1, patient_name="Test Patient", mrn="X1")
    case_id = created["id"]
    assert created["version"] == 1 and created["document"] == demo_document(1)
    assert created["patient"] == {"display_name": "Test Patient", "mrn": "X1", "synthetic": False}
    listed = surgeon.get("/api/cases").json()
    assert [c["id"] for c in listed] == [case_id]

    doc2 = edited(demo_document(1), 12.5)
    r = surgeon.put(f"/api/cases/{case_id}", json={"document": doc2, "base_version": 1})
    assert r.status_code == 200 and r.json()["version"] == 2
    got = surgeon.get(f"/api/cases/{case_id}").json()
    assert got["version"] == 2 and got["document"]["labs"]["cea_ng_ml"] == 12.5
    history = surgeon.get(f"/api/cases/{case_id}/history").json()
    assert [(h["version"], h["created_by"]) for h in history] == [
        (1, "u-surgeon"),
        (2, "u-surgeon"),
    ]
    v1 = surgeon.get(f"/api/cases/{case_id}/versions/1").json()
    assert v1["document"] == demo_document(1)
    assert surgeon.get("/api/cases/0123456789abcdef0123456789abcdef").status_code == 404


def test_stale_put_is_409_with_both_versions_and_nothing_written(login: Login) -> None:
    surgeon, oncologist = login(Role.SURGEON), login(Role.ONCOLOGIST)
    case_id = _create(surgeon)["id"]
    first = edited(demo_document(1), 20.0)
    second = edited(demo_document(1), 30.0)
    assert (
        surgeon.put(f"/api/cases/{case_id}", json={"document": first, "base_version": 1})
    ).status_code == 200
    r = oncologist.put(f"/api/cases/{case_id}", json={"document": second, "base_version": 1})
    assert r.status_code == 409
    body = r.json()
    assert body["your_version"] == 1 and body["current_version"] == 2
    assert body["current"]["document"]["labs"]["cea_ng_ml"] == 20.0
    assert body["current"]["updated_by"] == "u-surgeon"
    assert body["submitted"]["document"]["labs"]["cea_ng_ml"] == 30.0
    history = oncologist.get(f"/api/cases/{case_id}/history").json()
    assert [h["document"]["labs"]["cea_ng_ml"] for h in history] == [7.5, 20.0]


def test_invalid_document_is_422_with_the_cli_problem_lines(login: Login) -> None:
    surgeon = login(Role.SURGEON)
    bad = invalid_document()
    try:
        parse_case(bad)
    except CaseValidationError as err:
        expected = err.problems
    else:  # pragma: no cover
        raise AssertionError("the invalid document parsed")
    r = surgeon.post("/api/cases", json={"document": bad})
    assert r.status_code == 422
    assert r.json()["problems"] == expected
    assert surgeon.get("/api/cases").json() == []
    case_id = _create(surgeon)["id"]
    r = surgeon.put(f"/api/cases/{case_id}", json={"document": bad, "base_version": 1})
    assert r.status_code == 422 and r.json()["problems"] == expected
    assert surgeon.get(f"/api/cases/{case_id}").json()["version"] == 1


def test_request_shape_errors_are_422_with_path_lines(login: Login) -> None:
    surgeon = login(Role.SURGEON)
    r = surgeon.put("/api/cases/abc", json={"document": {}, "base_version": 0})
    assert r.status_code == 422
    assert any(p.startswith("base_version:") for p in r.json()["problems"])


def test_assessment_get_and_recompute(login: Login) -> None:
    surgeon = login(Role.SURGEON)
    case_id = _create(surgeon, 2)["id"]
    a = surgeon.get(f"/api/cases/{case_id}/assessment")
    assert a.status_code == 200
    body = a.json()
    assert body["case_version"] == 1
    assert body["assessment"]["engine_version"] == body["engine_version"]
    assert body["assessment"]["knowledge_version"] == body["knowledge_version"]
    again = surgeon.post(f"/api/cases/{case_id}/assessment").json()
    assert again == body
    assert len(surgeon.get(f"/api/cases/{case_id}/assessments").json()) == 1
    missing = surgeon.get(f"/api/cases/{case_id}/assessment", params={"version": 9})
    assert missing.status_code == 404 and "version 9" in missing.json()["detail"]


def test_meeting_and_decision_flow(login: Login) -> None:
    coordinator, surgeon, researcher = (
        login(Role.COORDINATOR),
        login(Role.SURGEON),
        login(Role.RESEARCHER),
    )
    case_id = _create(surgeon)["id"]
    r = coordinator.post(
        "/api/meetings",
        json={
            "meeting_date": "2025-09-15",
            "title": "Liver MDT",
            "attendees": [{"name": "Dr S", "specialty": "hepatobiliary_surgery"}],
        },
    )
    assert r.status_code == 201, r.text
    meeting_id = r.json()["id"]
    assert coordinator.post(f"/api/meetings/{meeting_id}/cases", json={"case_id": case_id}).json()[
        "case_ids"
    ] == [case_id]
    assert surgeon.get("/api/meetings/next", params={"today": "2025-09-15"}).json()["id"] == (
        meeting_id
    )
    assert surgeon.get("/api/meetings/next", params={"today": "2025-09-16"}).json() is None

    decision = {
        "case_id": case_id,
        "codes": ["palliative_systemic_therapy"],
        "follows_proposal": False,
    }
    r = surgeon.post(f"/api/meetings/{meeting_id}/decisions", json=decision)
    assert r.status_code == 422 and r.json()["problems"][0].startswith("deviation_reason:")
    r = researcher.post(
        f"/api/meetings/{meeting_id}/decisions", json={**decision, "deviation_reason": "x"}
    )
    assert r.status_code == 403
    r = surgeon.post(
        f"/api/meetings/{meeting_id}/decisions",
        json={**decision, "deviation_reason": "frail after cholangitis"},
    )
    assert r.status_code == 201, r.text
    recorded = r.json()
    assert recorded["recorded_by"] == "u-surgeon" and recorded["case_version"] == 1
    detail = researcher.get(f"/api/meetings/{meeting_id}").json()
    assert detail["cases"][0]["decision"]["id"] == recorded["id"]
    assert researcher.get(f"/api/cases/{case_id}/decisions").json()[0]["deviation_reason"] == (
        "frail after cholangitis"
    )


def test_audit_is_admin_only_and_records_views_and_changes(login: Login) -> None:
    surgeon, admin = login(Role.SURGEON), login(Role.ADMIN)
    case_id = _create(surgeon)["id"]
    surgeon.get(f"/api/cases/{case_id}")
    assert surgeon.get("/api/audit").status_code == 403
    entries = admin.get("/api/audit", params={"object_id": case_id}).json()
    assert [(e["action"], e["username"]) for e in reversed(entries)] == [
        ("create", "u-surgeon"),
        ("view", "u-surgeon"),
    ]


def test_every_assessment_read_is_audited(login: Login) -> None:
    # GET, the recompute POST and the history each show the case's assessment to the caller, so
    # each must leave a "view" row naming that user (the POST used to leave none).
    surgeon, researcher, admin = login(Role.SURGEON), login(Role.RESEARCHER), login(Role.ADMIN)
    case_id = _create(surgeon)["id"]
    assert researcher.get(f"/api/cases/{case_id}/assessment").status_code == 200
    assert researcher.post(f"/api/cases/{case_id}/assessment").status_code == 200
    assert researcher.get(f"/api/cases/{case_id}/assessments").status_code == 200
    entries = admin.get("/api/audit", params={"object_id": case_id}).json()
    views = [
        (e["object_type"], e["detail"])
        for e in reversed(entries)
        if e["action"] == "view" and e["username"] == "u-researcher"
    ]
    assert views == [
        ("assessment", "version=1"),
        ("assessment", "version=1"),
        ("assessment", "history"),
    ]


def test_admin_deletes_with_reason_others_cannot(login: Login) -> None:
    surgeon, admin = login(Role.SURGEON), login(Role.ADMIN)
    case_id = _create(surgeon)["id"]
    r = surgeon.request("DELETE", f"/api/cases/{case_id}", json={"reason": "duplicate"})
    assert r.status_code == 403
    r = admin.request("DELETE", f"/api/cases/{case_id}", json={"reason": "duplicate"})
    assert r.status_code == 204
    assert surgeon.get(f"/api/cases/{case_id}").status_code == 404
    assert admin.get("/api/audit", params={"action": "delete"}).json()[0]["object_id"] == case_id


def test_admin_creates_users_over_the_api(login: Login, client: TestClient) -> None:
    admin = login(Role.ADMIN)
    r = admin.post(
        "/api/users", json={"username": "gina", "password": "long enough pw", "role": "surgeon"}
    )
    assert r.status_code == 201 and r.json()["role"] == "surgeon"
    assert "gina" in [u["username"] for u in admin.get("/api/users").json()]
    log_in(client, "gina", "long enough pw")


def test_openapi_docs_for_logged_in_users(client: TestClient) -> None:
    assert client.get("/api/openapi.json").status_code == 401
    r = client.get("/api/docs", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
    log_in(client, "u-researcher")
    schema = client.get("/api/openapi.json").json()
    for path in ("/api/session", "/api/cases", "/api/cases/{case_id}", "/api/meetings"):
        assert path in schema["paths"]
    assert "swagger" in client.get("/api/docs").text.lower()


def test_admin_changes_roles_activity_and_passwords_over_the_api(
    login: Login, client: TestClient
) -> None:
    admin = login(Role.ADMIN)
    created = admin.post(
        "/api/users", json={"username": "jo", "password": "long enough pw", "role": "surgeon"}
    ).json()
    uid = created["id"]
    r = admin.put(f"/api/users/{uid}/role", json={"role": "coordinator"})
    assert r.status_code == 200 and r.json()["role"] == "coordinator"
    r = admin.put(f"/api/users/{uid}/password", json={"password": "x" * 1025})
    assert r.status_code == 422
    assert "x" * 20 not in r.text and "(got 1025)" in r.text  # the length, never the password
    assert (
        admin.put(f"/api/users/{uid}/password", json={"password": "a new long one"}).status_code
        == 204
    )
    log_in(client, "jo", "a new long one")
    r = admin.put(f"/api/users/{uid}/active", json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/session").status_code == 401  # the deactivated user's session ended
    me = admin.get("/api/session").json()
    own = next(u["id"] for u in admin.get("/api/users").json() if u["username"] == me["username"])
    r = admin.put(f"/api/users/{own}/active", json={"active": False})
    assert r.status_code == 409 and "your own account" in r.json()["detail"]
    assert admin.put("/api/users/9999/role", json={"role": "surgeon"}).status_code == 404
    surgeon = login(Role.SURGEON)
    assert surgeon.put(f"/api/users/{uid}/active", json={"active": True}).status_code == 403
    changes = admin.get("/api/audit", params={"action": "user_change"}).json()
    assert [c["detail"] for c in changes] == [
        "active=False",
        "password reset",
        "role=coordinator was=surgeon",
    ]
