"""The admin's pages in headless Chromium: log in, open *Users* from the navigation, create a user
(password typed twice), then delete a case from its page with a reason; no console errors (a
CSP violation would be one). Screenshots ``10-users-create`` … ``13-case-deleted``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from livermdt.about import DISCLAIMER
from tests.conftest import EXAMPLES
from tests.e2e.conftest import LiveServer, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_admin_creates_a_user_and_deletes_a_case_with_a_reason(
    page: Any, live_server: LiveServer
) -> None:
    base = live_server.url
    services = live_server.app.state.services
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    document = json.loads((EXAMPLES / "example-1-resectable.json").read_text("utf-8"))
    case = services.cases.create_case(document, services.users.get_user("surgeon"))

    log_in(page, base, "admin")
    page.click("nav.mainnav >> text=Users")
    page.wait_for_url(f"{base}/users")
    assert DISCLAIMER in page.inner_text("body")
    page.fill("#new-username", "nurse.jones")
    page.select_option("#new-role", "coordinator")
    page.fill("#new-password", "a long initial password")
    page.fill("#new-password-again", "a long initial password")
    shot(page, "10-users-create")
    page.click("#create-user")
    page.wait_for_url(f"{base}/users?done=user_created*")
    created = services.users.get_user("nurse.jones")
    assert created is not None and created.role.value == "coordinator"
    row = page.inner_text(f"#user-{created.id}")
    assert "nurse.jones" in row and "Coordinator" in row and "active" in row
    assert "a long initial password" not in page.content()
    shot(page, "11-users-created")

    page.goto(f"{base}/cases/{case.id}")
    page.click("#delete-case")
    page.wait_for_url(f"{base}/cases/{case.id}/delete")
    page.fill("#delete-reason", "Entered twice: duplicate of the surgeon's case")
    shot(page, "12-case-delete-confirm")
    page.click("#confirm-delete")
    page.wait_for_url(f"{base}/?done=case_deleted")
    assert "Case deleted" in page.inner_text("body")
    assert page.locator(f'a[href="/cases/{case.id}"]').count() == 0
    shot(page, "13-case-deleted")
    assert services.cases.list_cases() == []
    (entry,) = services.audit.audit_log(services.users.get_user("admin"), action="delete")
    assert entry.object_id == case.id and entry.username == "admin"
    assert errors == []
