"""A tour of every main page over the synthetic demo data, in headless Chromium: each page loads,
carries the decision-support notice and the demo banner, breaks no Content-Security-Policy rule
(no console errors), and leaves a screenshot in test-artifacts/screenshots/ for the README."""

from __future__ import annotations

from typing import Any

import pytest

from livermdt.about import DISCLAIMER
from tests.e2e.conftest import LiveServer, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_tour_of_the_main_pages_with_demo_data(page: Any, demo_server: LiveServer) -> None:
    base, seed = demo_server.url, demo_server.demo
    services = demo_server.app.state.services
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    page.goto(f"{base}/login")
    shot(page, "tour-00-login", full_page=False)
    admin = next(u for u in seed.users if u.role.value == "admin")
    log_in(page, base, admin.username, admin.password)

    # The case with the most to show: re-staging (RECIST plot) and a planned resection.
    case_ids = seed.case_ids
    documents = {cid: services.cases.get_case(cid).document for cid in case_ids}
    rich = max(case_ids, key=lambda cid: len(documents[cid].get("restaging") or []))
    meeting = seed.meeting_id
    tour = [
        ("tour-01-worklist", "/"),
        ("tour-02-assessment", f"/cases/{rich}"),
        ("tour-03-case-editor", f"/cases/{rich}/edit"),
        ("tour-04-meetings", "/meetings"),
        ("tour-05-meeting", f"/meetings/{meeting}"),
        ("tour-06-decision", f"/meetings/{meeting}/cases/{rich}/decision"),
        ("tour-07-history", f"/cases/{rich}/history"),
        ("tour-08-audit", "/audit"),
    ]
    for name, path in tour:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        body = page.inner_text("body")
        assert DISCLAIMER in body, path
        assert "synthetic demonstration data" in body, path
        shot(page, name)
    assert page.locator("svg.recist").count() == 0  # the audit page has no plots
    page.goto(f"{base}/cases/{rich}")
    if documents[rich].get("restaging"):
        assert page.locator("svg.recist").count() == 1
    assert errors == []
