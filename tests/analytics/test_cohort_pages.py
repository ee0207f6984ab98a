"""The cohort page shows the same figures as the report (``livermdt.web.cohort_pages``)."""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from livermdt.about import DISCLAIMER
from livermdt.analytics.tcia import import_tcia
from livermdt.services import AttendeeRecord
from livermdt.services.registry import RegistryService
from livermdt.web import cohort_pages
from livermdt.web.app import create_app
from livermdt.web.settings import Settings
from tests.analytics.test_tcia_oracle import OS_ALL
from tests.services.cases_data import demo_document
from tests.web_pages.conftest import PASSWORD, ROLES, PageClient, app, login

__all__ = ["app", "login"]


def _with_cohort(application: FastAPI) -> FastAPI:
    if not any(getattr(r, "path", "") == "/cohort" for r in application.routes):
        application.include_router(cohort_pages.router)
    return application


@pytest.fixture()
def cohort_login(app: FastAPI, login: Callable[[str], PageClient]) -> Callable[[str], PageClient]:
    _with_cohort(app)
    return login


def _cell_text(html: str, table_id: str) -> str:
    m = re.search(rf'<table class="data" id="{table_id}">(.*?)</table>', html, re.S)
    assert m, table_id
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", m.group(1)))


def test_store_cohort_page_and_figure(
    app: FastAPI, cohort_login: Callable[[str], PageClient], shared_dir: Path
) -> None:
    records = import_tcia(shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv")[:40]
    RegistryService(app.state.services.engine).import_records(records)
    page = cohort_login("researcher")
    r = page.get("/cohort?source=tcia-crlm")
    assert r.status_code == 200
    assert DISCLAIMER in r.text and "CC BY 4.0" in r.text
    assert "40 patients" in r.text
    overall = _cell_text(r.text, "survival-overall")
    assert "Overall survival 40" in overall
    png = page.get("/cohort/km/km_os_overall.png?source=tcia-crlm")
    assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    svg = page.get("/cohort/km/km_os_overall.svg?source=tcia-crlm")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert ET.fromstring(svg.content).tag.endswith("svg")
    assert page.get("/cohort/km/nothing.svg?source=tcia-crlm").status_code == 404
    assert page.get("/cohort/km/km_os_overall.gif?source=tcia-crlm").status_code == 404
    assert page.get("/cohort?source=elsewhere").status_code == 404
    assert page.get("/cohort?source=tcia-demo").status_code == 404  # demo mode only


def test_bad_filter_is_shown_not_evaluated(cohort_login: Callable[[str], PageClient]) -> None:
    page = cohort_login("surgeon")
    r = page.get("/cohort", params={"where": "__import__('os')"})
    assert r.status_code == 422
    assert "expected FIELD OP VALUE" in r.text


def test_needs_login(app: FastAPI) -> None:
    _with_cohort(app)
    with TestClient(app) as client:
        r = client.get("/cohort", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_concordance_section(app: FastAPI, cohort_login: Callable[[str], PageClient]) -> None:
    services = app.state.services
    coord = services.users.get_user("coordinator")
    surgeon = services.users.get_user("surgeon")
    case = services.cases.create_case(demo_document(1), coord)
    meeting = services.meetings.create_meeting(
        date(2025, 9, 15), "Liver MDT", coord, [AttendeeRecord("Dr A", "hepatobiliary_surgery")]
    )
    services.meetings.add_case_to_meeting(meeting.id, case.id, coord)
    services.meetings.record_decision(
        meeting.id, case.id, ["surveillance"], "watch", False, "patient frailty", surgeon
    )
    r = cohort_login("oncologist").get("/cohort")
    assert r.status_code == 200
    assert "0 of 1 recorded decisions followed" in r.text
    assert "1 × patient frailty" in r.text
    assert "CC BY 4.0" not in r.text  # no TCIA patient shown, no TCIA attribution


@pytest.fixture()
def demo_app(tmp_path: Path) -> Iterator[FastAPI]:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'demo.db'}",
        secret_key=secrets.token_urlsafe(48),
        demo=True,
    )
    application = _with_cohort(
        create_app(settings, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    )
    for role in ROLES[:1]:
        application.state.services.users.create_user(role, PASSWORD, role)
    yield application
    application.state.services.close()


def test_demo_mode_shows_the_bundled_tcia_data_with_the_independent_figures(
    demo_app: FastAPI,
) -> None:
    with TestClient(demo_app) as client:
        page = PageClient(client)
        page.login(ROLES[0])
        r = page.get("/cohort")
    assert r.status_code == 200
    assert "197 patients" in r.text
    n, events, median, lo, hi = OS_ALL
    row = _cell_text(r.text, "survival-overall")
    assert f"Overall survival {n} {events} {median:.1f} {lo:.1f}–{hi:.1f}" in row
    assert "Simpson AL" in r.text
