"""Two clinicians edit the same case in two browsers; the second save meets a newer version and
gets the conflict page with both versions side by side — nothing is overwritten."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, example_case, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_second_editor_gets_a_conflict_page_and_nothing_is_lost(
    browser: Any, live_server: LiveServer
) -> None:
    base = live_server.url
    services = live_server.app.state.services
    record = example_case(live_server)
    edit_url = f"{base}/cases/{record.id}/edit"
    tabs = []
    for username in ("surgeon", "oncologist"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        tab = context.new_page()
        tab.set_default_timeout(30_000)
        log_in(tab, base, username)
        tab.goto(edit_url)
        tabs.append(tab)
    first, second = tabs
    first.fill("#f-labs-cea_ng_ml", "12.5")
    first.click("#save-case")
    first.wait_for_url(f"{base}/cases/{record.id}?done=saved")
    second.fill("#f-labs-cea_ng_ml", "99")
    second.click("#save-case")
    second.wait_for_selector("#current-version")
    assert "Someone saved this case meanwhile" in second.inner_text("h1")
    assert json.loads(second.inner_text("#submitted-version"))["labs"]["cea_ng_ml"] == 99
    assert json.loads(second.inner_text("#current-version"))["labs"]["cea_ng_ml"] == 12.5
    assert "labs.cea_ng_ml" in second.inner_text("table.diff")
    shot(second, "09-conflict")
    current = services.cases.get_case(record.id)
    assert current.version == 2 and current.document["labs"]["cea_ng_ml"] == 12.5
    for tab in tabs:
        tab.context.close()
