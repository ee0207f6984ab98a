"""Automatic logoff and long edits, in Chromium: typing in the case editor keeps the login
alive (at most one GET /api/session a minute), a page left alone sends nothing, and the login
page loads no script. The browser's clock is Playwright's, so minutes pass at once."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, example_case, log_in

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _settle(page: Any) -> None:
    """Let a request the page may have sent reach the test (page.wait_for_timeout would wait on
    the installed fake clock, which does not move by itself here)."""
    time.sleep(0.5)
    page.evaluate("0")


def test_typing_in_the_editor_keeps_the_login_alive_and_idling_does_not(
    page: Any, live_server: LiveServer
) -> None:
    base = live_server.url
    services = live_server.app.state.services
    record = example_case(live_server)
    page.set_default_timeout(15_000)
    page.clock.install()
    log_in(page, base, "surgeon")
    page.goto(f"{base}/cases/{record.id}/edit")
    pings: list[Any] = []
    page.on(
        "request",
        lambda r: pings.append(r) if r.url == f"{base}/api/session" and r.method == "GET" else None,
    )

    page.fill("#f-labs-cea_ng_ml", "12")  # within the first minute: no request
    page.clock.run_for(5 * 60_000)  # five minutes without touching the page: none either
    _settle(page)
    assert pings == []

    with page.expect_response(f"{base}/api/session") as answer:
        page.fill("#f-labs-cea_ng_ml", "12.5")  # the user types again
    assert answer.value.status == 200  # still logged in (the body is not read: under the fake
    # clock Playwright's response.body() does not return)
    page.fill("#f-labs-cea_ng_ml", "12.6")  # the same minute: not again
    _settle(page)
    assert len(pings) == 1

    page.click("#save-case")  # the edit is saved by the same login
    page.wait_for_url(f"{base}/cases/{record.id}?done=saved")
    assert services.cases.get_case(record.id).document["labs"]["cea_ng_ml"] == 12.6


def test_the_login_page_loads_no_script(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/login")
    assert page.locator("script").count() == 0
