"""The admin's pages (``livermdt.web.admin_pages``) through the login form, like a browser: the
user page (create, role, deactivate, reactivate, password), case deletion with a reason, and
that nobody else reaches them, forged posts are refused and typed text comes back escaped."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from livermdt.about import DISCLAIMER
from livermdt.services import Services
from livermdt.services.roles import Role
from livermdt.storage.models import CaseRow
from tests.services.cases_data import demo_document
from tests.web.conftest import PASSWORD
from tests.web_pages.conftest import PageClient

Login = Callable[[str], PageClient]
NEW_PASSWORD = "a fresh long password"
ROLES = {r.value for r in Role}


@pytest.fixture
def page_login(app: FastAPI) -> Iterator[Login]:
    """Clients logged in through the login form: a role's name logs in as the conftest's user of
    that role (``u-<role>``), anything else as that username."""
    clients: list[TestClient] = []

    def make(who: str, password: str = PASSWORD) -> PageClient:
        client = TestClient(app, base_url="http://testserver")
        clients.append(client)
        page = PageClient(client)
        page.login(f"u-{who}" if who in ROLES else who, password)
        return page

    yield make
    for client in clients:
        client.close()


def _uid(services: Services, username: str) -> int:
    user = services.users.get_user(username)
    assert user is not None, username
    return user.id


def _row(html: str, user_id: int) -> str:
    match = re.search(rf'<tr id="user-{user_id}".*?</tr>', html, re.S)
    assert match, f"no row for user {user_id}"
    return match.group(0)


def _case(services: Services) -> str:
    surgeon = services.users.get_user("u-surgeon")
    assert surgeon is not None
    record = services.cases.create_case(
        demo_document(1), surgeon, patient_name="Deletable Patient", mrn="MRN-DEL"
    )
    today = datetime.now(UTC).date()
    meeting = services.meetings.create_meeting(today + timedelta(days=2), "Weekly MDT", surgeon)
    services.meetings.add_case_to_meeting(meeting.id, record.id, surgeon)
    return record.id


def test_admin_creates_changes_deactivates_and_reactivates_a_user(
    page_login: Login, services: Services
) -> None:
    admin = page_login("admin")
    page = admin.get("/users")
    assert page.status_code == 200
    assert DISCLAIMER in page.text
    assert '<a href="/users" aria-current="page">Users</a>' in page.text
    created = admin.post(
        "/users",
        {
            "username": "kim",
            "role": "surgeon",
            "password": "kims password",
            "password_again": "kims password",
        },
    )
    assert created.status_code == 303
    kim = _uid(services, "kim")
    assert created.headers["location"] == f"/users?done=user_created#user-{kim}"
    listing = admin.get("/users?done=user_created").text
    assert "User created." in listing
    row = _row(listing, kim)
    assert "kim" in row and "Surgeon" in row and "active" in row
    assert datetime.now(UTC).strftime("%Y-%m-%d") in row  # the creation date
    assert "kims password" not in listing

    assert admin.post(f"/users/{kim}/role", {"role": "coordinator"}).status_code == 303
    assert admin.post(f"/users/{kim}/active", {"active": "no"}).status_code == 303
    row = _row(admin.get("/users").text, kim)
    assert "Coordinator" in row and "deactivated" in row and f'id="reactivate-{kim}"' in row
    assert admin.post(f"/users/{kim}/active", {"active": "yes"}).status_code == 303
    (account,) = [a for a in services.users.list_accounts(_admin(services)) if a.id == kim]
    assert (account.role, account.active) == (Role.COORDINATOR, True)
    page_login("kim", "kims password")  # can log in again

    # The audit log, on its page too, records the creation and every change, by whom.
    audit = services.audit.audit_log(_admin(services), object_id=str(kim))
    assert [(e.action, e.detail, e.username) for e in audit if e.action != "login"] == [
        ("user_change", "active=True", "u-admin"),
        ("user_change", "active=False", "u-admin"),
        ("user_change", "role=coordinator was=surgeon", "u-admin"),
        ("user_create", "role=surgeon", "u-admin"),
    ]
    audit_page = admin.get("/audit?action=user_change").text
    assert "role=coordinator was=surgeon" in audit_page
    assert f'href="/users#user-{kim}"' in audit_page


def _admin(services: Services) -> Any:
    return services.users.get_user("u-admin")


def test_create_user_reports_every_problem_next_to_its_field(
    page_login: Login, services: Services
) -> None:
    admin = page_login("admin")
    before = len(services.users.list_accounts(_admin(services)))
    refused = admin.post(
        "/users",
        {"username": "Bad Name", "role": "janitor", "password": "short", "password_again": "shorT"},
    )
    assert refused.status_code == 422
    html = refused.text
    for field_id, words in (
        ("new-username", "2-64 characters"),
        ("new-role", "one of surgeon"),
        ("new-password", "at least 10 characters (got 5)"),
        ("new-password-again", "the two passwords differ"),
    ):
        assert re.search(
            rf'id="{field_id}".*?<div class="field-error">[^<]*{re.escape(words)}', html, re.S
        ), field_id
    assert 'value="Bad Name"' in html  # what was typed stays, except the passwords
    assert "short" not in html and "shorT" not in html
    # A taken username is a conflict, shown at the username.
    taken = admin.post(
        "/users",
        {
            "username": "u-surgeon",
            "role": "surgeon",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
    )
    assert taken.status_code == 409
    assert re.search(r'id="new-username".*?field-error">[^<]*is taken', taken.text, re.S)
    assert len(services.users.list_accounts(_admin(services))) == before


def test_html_in_a_username_comes_back_escaped(page_login: Login, services: Services) -> None:
    admin = page_login("admin")
    hostile = "<script>alert('x')</script>"
    response = admin.post(
        "/users",
        {"username": hostile, "role": "surgeon", "password": PASSWORD, "password_again": PASSWORD},
    )
    assert response.status_code == 422
    assert "<script>alert(" not in response.text
    assert "&lt;script&gt;alert(" in response.text
    assert services.users.get_user(hostile) is None


def test_an_admin_cannot_deactivate_or_demote_themselves(
    page_login: Login, services: Services
) -> None:
    admin = page_login("admin")
    own = _uid(services, "u-admin")
    row = _row(admin.get("/users").text, own)
    assert "(you)" in row and f"deactivate-{own}" not in row  # not even offered
    for url, data in (
        (f"/users/{own}/active", {"active": "no"}),
        (f"/users/{own}/role", {"role": "surgeon"}),
    ):
        refused = admin.post(url, data)
        assert refused.status_code == 409, url
        assert "your own account" in _row(refused.text, own)
    me = services.users.get_user("u-admin")
    assert me is not None and me.active and me.role is Role.ADMIN
    assert admin.get("/users").status_code == 200  # still logged in and still admin


def test_a_deactivated_users_session_stops_working(page_login: Login, services: Services) -> None:
    surgeon = page_login("surgeon")
    assert surgeon.get("/").status_code == 200
    admin = page_login("admin")
    assert (
        admin.post(f"/users/{_uid(services, 'u-surgeon')}/active", {"active": "no"}).status_code
        == 303
    )
    gone = surgeon.get("/", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
    assert services.users.authenticate("u-surgeon", PASSWORD) is None


def test_a_role_change_counts_in_the_running_session(page_login: Login, services: Services) -> None:
    researcher = page_login("researcher")
    assert researcher.get("/cases/new").status_code == 403
    admin = page_login("admin")
    uid = _uid(services, "u-researcher")
    assert admin.post(f"/users/{uid}/role", {"role": "surgeon"}).status_code == 303
    assert researcher.get("/cases/new").status_code == 200


def test_admin_sets_a_new_password(page_login: Login, services: Services) -> None:
    oncologist = page_login("oncologist")
    admin = page_login("admin")
    uid = _uid(services, "u-oncologist")
    url = f"/users/{uid}/password"
    assert "u-oncologist" in admin.get(url).text
    mismatch = admin.post(url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD + "!"})
    assert mismatch.status_code == 422 and "the two passwords differ" in mismatch.text
    assert NEW_PASSWORD not in mismatch.text
    assert oncologist.get("/").status_code == 200  # nothing changed yet
    done = admin.post(url, {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD})
    assert done.status_code == 303
    assert oncologist.get("/", follow_redirects=False).status_code == 303  # session ended
    page_login("u-oncologist", NEW_PASSWORD)
    details = [e.detail for e in services.audit.audit_log(_admin(services), action="user_change")]
    assert details == ["password reset"]
    assert admin.get("/users/9999/password").status_code == 404


@pytest.mark.parametrize("role", ["surgeon", "coordinator", "researcher"])
def test_other_roles_get_403_on_every_admin_page_and_post(
    page_login: Login, services: Services, role: str
) -> None:
    case_id = _case(services)
    client = page_login(role)
    uid = _uid(services, "u-oncologist")
    assert '<a href="/users"' not in client.get("/").text
    assert 'id="delete-case"' not in client.get(f"/cases/{case_id}").text
    for url in ("/users", f"/users/{uid}/password", f"/cases/{case_id}/delete"):
        response = client.get(url)
        assert response.status_code == 403, url
        assert DISCLAIMER in response.text
    posts = {
        "/users": {
            "username": "mallory",
            "role": "admin",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        f"/users/{uid}/role": {"role": "researcher"},
        f"/users/{uid}/active": {"active": "no"},
        f"/users/{uid}/password": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        f"/cases/{case_id}/delete": {"reason": "not mine to delete"},
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    assert services.users.get_user("mallory") is None
    oncologist = services.users.get_user("u-oncologist")
    assert oncologist is not None and oncologist.active and oncologist.role is Role.ONCOLOGIST
    assert services.users.authenticate("u-oncologist", PASSWORD) is not None
    assert [c.id for c in services.cases.list_cases()] == [case_id]


def test_forged_admin_posts_without_csrf_token_are_refused(
    page_login: Login, services: Services
) -> None:
    case_id = _case(services)
    admin = page_login("admin")
    uid = _uid(services, "u-oncologist")
    posts = {
        "/users": {
            "username": "mallory",
            "role": "admin",
            "password": PASSWORD,
            "password_again": PASSWORD,
        },
        f"/users/{uid}/role": {"role": "admin"},
        f"/users/{uid}/active": {"active": "no"},
        f"/users/{uid}/password": {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
        f"/cases/{case_id}/delete": {"reason": "forged"},
    }
    for url, data in posts.items():
        assert admin.post(url, data, csrf=False).status_code == 403, url
        forged = [*data.items(), ("csrf_token", "forged")]
        assert admin.post(url, forged, csrf=False).status_code == 403, url
    assert services.users.get_user("mallory") is None
    assert services.users.get_user("u-oncologist") == services.users.authenticate(
        "u-oncologist", PASSWORD
    )
    assert [c.id for c in services.cases.list_cases()] == [case_id]


def test_case_deletion_needs_a_reason_hides_the_case_and_is_audited(
    page_login: Login, services: Services, engine: Engine
) -> None:
    case_id = _case(services)
    admin = page_login("admin")
    assert case_id in admin.get("/").text
    case_page = admin.get(f"/cases/{case_id}").text
    assert f'href="/cases/{case_id}/delete" id="delete-case"' in case_page
    confirm = admin.get(f"/cases/{case_id}/delete")
    assert confirm.status_code == 200 and "Delete this case?" in confirm.text
    assert DISCLAIMER in confirm.text

    refused = admin.post(f"/cases/{case_id}/delete", {"reason": "   "})
    assert refused.status_code == 422
    assert re.search(r'id="delete-reason".*?field-error[^>]*>required', refused.text, re.S)
    assert [c.id for c in services.cases.list_cases()] == [case_id]

    reason = "Duplicate of another case <b>entered twice</b>"
    done = admin.post(f"/cases/{case_id}/delete", {"reason": reason})
    assert done.status_code == 303 and done.headers["location"] == "/?done=case_deleted"
    worklist = admin.get("/?done=case_deleted").text
    assert "Case deleted" in worklist
    assert case_id not in worklist  # neither in the meeting's list nor in all cases
    assert services.cases.list_cases() == []
    assert admin.get(f"/cases/{case_id}").status_code == 404
    assert admin.get(f"/cases/{case_id}/delete").status_code == 404
    (entry,) = services.audit.audit_log(_admin(services), action="delete")
    assert (entry.object_id, entry.username) == (case_id, "u-admin")
    with engine.connect() as conn:
        stored = conn.execute(
            select(CaseRow.deletion_reason, CaseRow.deleted_by).where(CaseRow.id == case_id)
        ).one()
    assert stored == (reason, _uid(services, "u-admin"))
