"""The pages through FastAPI's TestClient: who may see what, forms that round-trip a case
document, errors next to their fields, escaping, conflicts, decisions, the summary, the audit."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from livermdt.about import DISCLAIMER
from tests.web_pages.conftest import ROLES, PageClient, example
from tests.web_pages.htmlform import form_fields

Login = Callable[[str], PageClient]
CLINICIANS = ("surgeon", "oncologist", "radiologist", "coordinator", "admin")


@pytest.fixture()
def world(services: Any, users: dict[str, Any]) -> dict[str, Any]:
    """One case (example 2) on one meeting, with one decision recorded."""
    surgeon = users["surgeon"]
    case = services.cases.create_case(
        example("example-2-small-remnant.json"), surgeon, patient_name="Ann Example", mrn="MRN-1"
    )
    meeting = services.meetings.create_meeting(date(2099, 1, 5), "Weekly liver MDT", surgeon)
    services.meetings.add_case_to_meeting(meeting.id, case.id, surgeon)
    return {"case": case, "meeting": meeting}


def _pages(world: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    cid, mid = world["case"].id, world["meeting"].id
    return {
        "/": ROLES,
        f"/cases/{cid}": ROLES,
        f"/cases/{cid}/history": ROLES,
        "/meetings": ROLES,
        f"/meetings/{mid}": ROLES,
        "/cases/new": CLINICIANS,
        f"/cases/{cid}/edit": CLINICIANS,
        f"/meetings/{mid}/cases/{cid}/decision": CLINICIANS,
        "/audit": ("admin",),
    }


@pytest.mark.parametrize("role", ROLES)
def test_each_page_renders_for_its_roles_and_refuses_the_others(
    login: Login, world: dict[str, Any], role: str
) -> None:
    client = login(role)
    for url, allowed in _pages(world).items():
        response = client.get(url)
        if role in allowed:
            assert response.status_code == 200, (url, response.text[:300])
            assert DISCLAIMER in response.text, url
        else:
            assert response.status_code == 403, url
            assert DISCLAIMER in response.text


def test_pages_need_a_login_except_login_and_static(
    anon: PageClient, world: dict[str, Any]
) -> None:
    for url in _pages(world):
        response = anon.client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"].startswith("/login?next=")
    assert anon.client.get("/login").status_code == 200
    assert anon.client.get("/static/app.css").status_code == 200


def test_demo_mode_banner_only_in_demo_mode(login: Login, app: Any) -> None:
    client = login("surgeon")
    assert "synthetic demonstration data" not in client.get("/").text
    app.state.settings.demo = True
    assert "synthetic demonstration data" in client.get("/").text


def test_researcher_sees_no_edit_or_decision_buttons(login: Login, world: dict[str, Any]) -> None:
    cid, mid = world["case"].id, world["meeting"].id
    researcher, surgeon = login("researcher"), login("surgeon")
    for url in (f"/cases/{cid}", "/", f"/meetings/{mid}"):
        seen = researcher.get(url).text
        assert f"/cases/{cid}/edit" not in seen
        assert "/decision" not in seen
        assert "/cases/new" not in seen
    assert f"/cases/{cid}/edit" in surgeon.get(f"/cases/{cid}").text
    assert f"/meetings/{mid}/cases/{cid}/decision" in surgeon.get(f"/cases/{cid}").text


def test_researcher_posts_are_refused_by_the_server(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid, mid = world["case"].id, world["meeting"].id
    researcher = login("researcher")
    researcher.get("/")
    document = example("example-1-resectable.json")
    assert (
        researcher.post("/cases/new", {"id": "x", "schema": document["schema"]}).status_code == 403
    )
    assert researcher.post(f"/cases/{cid}/edit", {"base_version": "1"}).status_code == 403
    assert (
        researcher.post(
            f"/meetings/{mid}/cases/{cid}/decision", {"follows_proposal": "yes", "text": "x"}
        ).status_code
        == 403
    )
    assert (
        researcher.post("/meetings", {"title": "t", "meeting_date": "2099-02-01"}).status_code
        == 403
    )
    assert services.cases.get_case(cid).version == 1
    assert services.meetings.decisions_for_case(cid) == []


def test_form_post_without_csrf_token_is_refused(login: Login, services: Any) -> None:
    client = login("surgeon")
    response = client.post(
        "/cases/new",
        {"schema": "livermdt/case/v1", "id": "forged", "discussion_date": "2025-01-01"},
        csrf=False,
    )
    assert response.status_code == 403
    assert services.cases.list_cases() == []


def test_editing_without_changes_round_trips_the_document_through_the_html_form(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid = world["case"].id
    client = login("surgeon")
    page = client.get(f"/cases/{cid}/edit")
    pairs = form_fields(page.text, f"/cases/{cid}/edit")
    assert ("base_version", "1") in pairs
    response = client.post(f"/cases/{cid}/edit", [*pairs, ("_action", "save")])
    assert response.status_code == 303, response.text[:2000]
    saved = services.cases.get_case(cid)
    assert saved.version == 2
    assert saved.document == world["case"].document


def test_an_edit_with_a_bad_mrn_saves_nothing(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    # The document and the identification are one save: an MRN over 64 characters refuses
    # both, instead of saving a new version and then failing on the MRN.
    cid = world["case"].id
    before = services.cases.get_case(cid)
    client = login("surgeon")
    pairs = form_fields(client.get(f"/cases/{cid}/edit").text, f"/cases/{cid}/edit")
    pairs = [(k, v) for k, v in pairs if k not in ("_mrn", "_comment")]
    response = client.post(
        f"/cases/{cid}/edit",
        [*pairs, ("_mrn", "M" * 65), ("_comment", "new version"), ("_action", "save")],
    )
    assert response.status_code == 422
    assert "mrn: at most 64 characters" in response.text
    after = services.cases.get_case(cid)
    assert after.version == before.version == 1
    assert after.patient == before.patient
    # A good MRN in the same form: one new version and the identification, together.
    response = client.post(f"/cases/{cid}/edit", [*pairs, ("_mrn", "MRN-42"), ("_action", "save")])
    assert response.status_code == 303, response.text[:2000]
    saved = services.cases.get_case(cid)
    assert (saved.version, saved.patient.mrn) == (2, "MRN-42")


def test_creating_a_case_through_the_form(login: Login, services: Any) -> None:
    client = login("surgeon")
    page = client.get("/cases/new")
    pairs = [p for p in form_fields(page.text, "/cases/new") if not p[0].startswith("liver_")]
    pairs += [
        ("id", "case-form-1"),
        ("discussion_date", "2025-05-02"),
        ("_patient_name", "Form Patient"),
        ("patient.age_years", "63"),
        ("patient.sex", "female"),
        ("_rows:liver_metastases.lesions", "1"),
        ("liver_metastases.lesions[0].id", "L1"),
        ("liver_metastases.lesions[0].segments", "7"),
        ("liver_metastases.lesions[0].segments", "8"),
        ("liver_metastases.lesions[0].diameter_mm", "42"),
        ("labs.cea_ng_ml", "38"),
        ("_action", "save"),
    ]
    response = client.post("/cases/new", pairs)
    assert response.status_code == 303, response.text[:3000]
    (summary,) = services.cases.list_cases()
    stored = services.cases.get_case(summary.id)
    assert stored.document == {
        "schema": "livermdt/case/v1",
        "id": "case-form-1",
        "discussion_date": "2025-05-02",
        "patient": {"sex": "female", "age_years": 63},
        "liver_metastases": {"lesions": [{"id": "L1", "segments": [7, 8], "diameter_mm": 42.0}]},
        "labs": {"cea_ng_ml": 38.0},
    }
    assert stored.patient.display_name == "Form Patient"
    assert response.headers["location"] == f"/cases/{summary.id}?done=created"
    assert "Form Patient" not in response.headers["location"]


def test_validation_problems_show_next_to_their_field_and_at_the_top(
    login: Login, services: Any
) -> None:
    client = login("surgeon")
    response = client.post(
        "/cases/new",
        [
            ("schema", "livermdt/case/v1"),
            ("id", "bad-case"),
            ("discussion_date", "2025-05-02"),
            ("patient.age_years", "7"),
            ("_rows:liver_metastases.lesions", "1"),
            ("liver_metastases.lesions[0].id", "L1"),
            ("liver_metastases.lesions[0].diameter_mm", "-4"),
            ("_action", "save"),
        ],
    )
    assert response.status_code == 422
    html = response.text
    top = re.search(r'<div class="errors" role="alert" id="form-errors">(.*?)</div>', html, re.S)
    assert top and "patient.age_years" in top.group(1)
    assert "liver_metastases.lesions[0].diameter_mm" in top.group(1)
    for path in ("patient.age_years", "liver_metastases.lesions[0].diameter_mm"):
        block = re.search(
            rf'<div class="field [^"]*has-error[^"]*" data-path="{re.escape(path)}">'
            r'(.*?)</div>\s*(?:<div class="field|</div>)',
            html,
            re.S,
        )
        assert block, path
        assert 'class="field-error"' in block.group(1), path
    # What was typed stays in the form, and nothing was stored.
    assert 'value="7"' in html
    assert services.cases.list_cases() == []


def test_add_and_remove_row_buttons_edit_the_table_without_saving(
    login: Login, services: Any
) -> None:
    client = login("surgeon")
    base = [
        ("schema", "livermdt/case/v1"),
        ("id", "rows"),
        ("_rows:treatments", "1"),
        ("treatments[0].type", "chemotherapy"),
    ]
    added = client.post("/cases/new", [*base, ("_action", "add:treatments")])
    assert added.status_code == 200
    assert 'name="_rows:treatments" value="2"' in added.text
    assert 'name="treatments[1].type"' in added.text
    removed = client.post(
        "/cases/new",
        [
            ("schema", "livermdt/case/v1"),
            ("id", "rows"),
            ("_rows:treatments", "2"),
            ("treatments[0].type", "chemotherapy"),
            ("treatments[1].type", "ablation"),
            ("_action", "remove:treatments[0]"),
        ],
    )
    assert 'name="_rows:treatments" value="1"' in removed.text
    assert re.search(r'<option value="ablation" selected>', removed.text)
    assert services.cases.list_cases() == []


def test_json_editor_creates_a_case(login: Login, services: Any) -> None:
    import json

    client = login("surgeon")
    client.get("/cases/new")
    document = example("example-1-resectable.json")
    response = client.post("/cases/new", {"_mode": "json", "document": json.dumps(document)})
    assert response.status_code == 303
    assert len(services.cases.list_cases()) == 1
    bad = client.post("/cases/new", {"_mode": "json", "document": "{not json"})
    assert bad.status_code == 422
    assert "document: not valid JSON" in bad.text


def test_stale_edit_gets_a_conflict_page_with_both_versions(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid = world["case"].id
    first, second = login("surgeon"), login("oncologist")
    pairs_first = form_fields(first.get(f"/cases/{cid}/edit").text, f"/cases/{cid}/edit")
    pairs_second = form_fields(second.get(f"/cases/{cid}/edit").text, f"/cases/{cid}/edit")
    changed = [(k, "12.5" if k == "labs.cea_ng_ml" else v) for k, v in pairs_first]
    assert first.post(f"/cases/{cid}/edit", changed).status_code == 303
    other = [(k, "99" if k == "labs.cea_ng_ml" else v) for k, v in pairs_second]
    response = second.post(f"/cases/{cid}/edit", other)
    assert response.status_code == 409
    assert 'id="submitted-version"' in response.text and 'id="current-version"' in response.text
    assert "labs.cea_ng_ml" in response.text
    assert services.cases.get_case(cid).version == 2
    assert services.cases.get_case(cid).document["labs"]["cea_ng_ml"] == 12.5


def test_assessment_view_shows_category_flr_recommendations_citations_and_diagram(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid = world["case"].id
    html = login("radiologist").get(f"/cases/{cid}").text
    result = services.assessments.get_assessment(cid).result
    category = result["resectability"]["category"]
    assert f"cat-{category}" in html
    assert 'class="couinaud"' in html and 'class="plot flr-bar"' in html
    for rec in result["recommendations"]:
        assert rec["code"] in html
    for ev_id, entry in result["evidence"].items():
        assert f'id="ev-{ev_id}"' in html
        assert f'href="#ev-{ev_id}"' in html
        if entry.get("doi"):
            assert f"https://doi.org/{entry['doi']}" in html
    for item in result["missing_data"]:
        assert item["field"] in html


def test_decision_deviation_needs_a_reason_then_shows_in_case_history_and_audit(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid, mid = world["case"].id, world["meeting"].id
    surgeon = login("surgeon")
    url = f"/meetings/{mid}/cases/{cid}/decision"
    page = surgeon.get(url)
    proposed = [
        r["code"]
        for r in services.assessments.get_assessment(cid).result["recommendations"]
        if r["strength"] == "recommended"
    ]
    prefilled = [v for k, v in form_fields(page.text, url) if k == "codes"]
    assert prefilled == proposed
    free_text = "Two-stage hepatectomy <script>alert('x')</script>"
    refused = surgeon.post(
        url,
        {
            "codes": ["two_stage_hepatectomy"],
            "text": free_text,
            "follows_proposal": "no",
            "deviation_reason": "",
        },
    )
    assert refused.status_code == 422
    assert re.search(r'deviation-reason.*?class="field-error"[^>]*>required', refused.text, re.S)
    assert services.meetings.decisions_for_case(cid) == []
    reason = "Patient declines <b>PVE</b>"
    done = surgeon.post(
        url,
        {
            "codes": ["two_stage_hepatectomy"],
            "text": free_text,
            "follows_proposal": "no",
            "deviation_reason": reason,
        },
    )
    assert done.status_code == 303
    (decision,) = services.meetings.decisions_for_case(cid)
    assert (decision.follows_proposal, decision.deviation_reason) == (False, reason)
    for page_url in (f"/cases/{cid}", f"/cases/{cid}/history"):
        html = surgeon.get(page_url).text
        assert "Patient declines &lt;b&gt;PVE&lt;/b&gt;" in html
        assert "&lt;script&gt;alert(" in html
        assert "<script>alert(" not in html
    audit = login("admin").get("/audit").text
    assert "decide" in audit and cid in audit


def test_decision_summary_html_and_pdf_are_exports_for_clinicians_only(
    login: Login, world: dict[str, Any], services: Any, users: dict[str, Any]
) -> None:
    cid, mid = world["case"].id, world["meeting"].id
    services.meetings.record_decision(
        mid, cid, ["portal_vein_embolization"], "PVE first", True, None, users["surgeon"]
    )
    oncologist = login("oncologist")
    html = oncologist.get(f"/cases/{cid}/decision-summary")
    assert html.status_code == 200
    assert DISCLAIMER in html.text and "example-2-small-remnant" in html.text
    assert "follows the proposal" in html.text
    pdf = oncologist.get(f"/cases/{cid}/decision-summary.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    researcher = login("researcher")
    assert researcher.get(f"/cases/{cid}/decision-summary").status_code == 403
    assert researcher.get(f"/cases/{cid}/decision-summary.pdf").status_code == 403
    exports = services.audit.audit_log(users["admin"], action="export")
    assert {e.detail for e in exports} == {"decision-summary.html", "decision-summary.pdf"}


def test_summary_without_a_decision_is_not_found(login: Login, world: dict[str, Any]) -> None:
    response = login("surgeon").get(f"/cases/{world['case'].id}/decision-summary")
    assert response.status_code == 404


def test_patient_name_is_escaped_and_never_in_links(
    login: Login, services: Any, users: dict[str, Any]
) -> None:
    case = services.cases.create_case(
        example("example-1-resectable.json"),
        users["surgeon"],
        patient_name="<img src=x onerror=alert(1)>",
        mrn="MRN-77",
    )
    html = login("surgeon").get("/").text
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<img src=x" not in html
    links = re.findall(r'href="([^"]+)"', html)
    assert f"/cases/{case.id}" in links
    assert not any("MRN-77" in link or "img" in link for link in links)


def test_login_failure_and_no_open_redirect(anon: PageClient) -> None:
    anon.get("/login")
    wrong = anon.post("/login", {"username": "surgeon", "password": "nope", "next": "/"})
    assert wrong.status_code == 401
    assert "wrong username or password" in wrong.text
    from tests.web_pages.conftest import PASSWORD

    ok = anon.post(
        "/login", {"username": "surgeon", "password": PASSWORD, "next": "//evil.example/phish"}
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/"


def test_logout_ends_the_session(login: Login) -> None:
    client = login("surgeon")
    assert client.post("/logout", {}).status_code == 303
    assert client.client.get("/", follow_redirects=False).status_code == 303


def test_coordinator_plans_a_meeting_and_lists_a_case(
    login: Login, services: Any, users: dict[str, Any]
) -> None:
    case = services.cases.create_case(example("example-1-resectable.json"), users["surgeon"])
    coordinator = login("coordinator")
    coordinator.get("/meetings")
    created = coordinator.post(
        "/meetings",
        [
            ("meeting_date", "2099-03-01"),
            ("title", "HPB MDT"),
            ("attendee_name", "Dr Hepato"),
            ("attendee_specialty", "hepatobiliary_surgery"),
            ("attendee_name", ""),
            ("attendee_specialty", "medical_oncology"),
        ],
    )
    assert created.status_code == 303
    (meeting,) = services.meetings.list_meetings()
    assert [(a.name, a.specialty) for a in meeting.attendees] == [
        ("Dr Hepato", "hepatobiliary_surgery")
    ]
    coordinator.get(f"/meetings/{meeting.id}")
    added = coordinator.post(f"/meetings/{meeting.id}/cases", {"case_id": case.id})
    assert added.status_code == 303
    assert services.meetings.get_meeting(meeting.id).case_ids == [case.id]
    worklist = coordinator.get("/").text
    assert "HPB MDT" in worklist and f"/meetings/{meeting.id}/cases/{case.id}/decision" in worklist
    bad = coordinator.post("/meetings", {"meeting_date": "", "title": "x"})
    assert bad.status_code == 422 and "meeting_date" in bad.text


def test_worklist_lists_the_next_meeting_with_category_and_missing_count(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    html = login("oncologist").get("/").text
    assert "Next meeting: Weekly liver MDT — 2099-01-05" in html
    result = services.assessments.get_assessment(world["case"].id).result
    section = html.split('id="all-cases"')[0]
    assert f"cat-{result['resectability']['category']}" in section
    missing = len(result["missing_data"])
    assert ("complete" if missing == 0 else f"{missing} missing") in section


def test_patient_identification_is_edited_with_the_case_but_stays_out_of_the_document(
    login: Login, world: dict[str, Any], services: Any
) -> None:
    cid = world["case"].id
    client = login("surgeon")
    pairs = form_fields(client.get(f"/cases/{cid}/edit").text, f"/cases/{cid}/edit")
    assert ("_patient_name", "Ann Example") in pairs and ("_mrn", "MRN-1") in pairs
    changed = [(k, "Ann B. Example" if k == "_patient_name" else v) for k, v in pairs]
    assert client.post(f"/cases/{cid}/edit", changed).status_code == 303
    record = services.cases.get_case(cid)
    assert (record.patient.display_name, record.patient.mrn) == ("Ann B. Example", "MRN-1")
    assert "Ann" not in str(record.document)


def test_an_old_version_is_shown_with_the_assessment_stored_for_it(
    login: Login, world: dict[str, Any], services: Any, users: dict[str, Any]
) -> None:
    cid = world["case"].id
    first = services.assessments.get_assessment(cid)
    changed = dict(world["case"].document)
    changed["labs"] = dict(changed["labs"], cea_ng_ml=250.0)
    services.cases.update_case(cid, changed, 1, users["surgeon"])
    client = login("surgeon")
    history = client.get(f"/cases/{cid}/history").text
    assert f'href="/cases/{cid}?version=1"' in history
    old = client.get(f"/cases/{cid}?version=1").text
    assert 'id="old-version"' in old and "version 1" in old
    assert f"knowledge {first.knowledge_version}" in old
    newest = client.get(f"/cases/{cid}").text
    assert 'id="old-version"' not in newest
    assert client.get(f"/cases/{cid}?version=9").status_code == 404


def test_every_problem_link_at_the_top_points_at_an_element_of_the_form(login: Login) -> None:
    client = login("surgeon")
    response = client.post(
        "/cases/new",
        [
            ("schema", "livermdt/case/v1"),
            ("id", "anchors"),
            ("discussion_date", "2025-05-02"),
            ("patient.age_years", "7"),
            ("_rows:liver_metastases.lesions", "2"),
            ("liver_metastases.lesions[0].id", "L1"),
            ("liver_metastases.lesions[0].segments", "9"),
            ("liver_metastases.lesions[1].id", "L1"),
            ("_action", "save"),
        ],
    )
    assert response.status_code == 422
    top = response.text.split('id="form-errors"')[1].split("</div>")[0]
    anchors = re.findall(r'href="#([^"]+)"', top)
    assert len(anchors) >= 2
    for anchor in anchors:
        assert f'id="{anchor}"' in response.text, anchor


def test_the_researcher_role_sees_cases_but_not_who_the_patients_are(
    login: Login, world: dict[str, Any]
) -> None:
    cid = world["case"].id
    researcher, surgeon = login("researcher"), login("surgeon")
    for url in ("/", f"/cases/{cid}", f"/meetings/{world['meeting'].id}"):
        seen = researcher.get(url).text
        assert "Ann Example" not in seen and "MRN-1" not in seen, url
        assert "identity hidden" in seen
    assert "Ann Example" in surgeon.get(f"/cases/{cid}").text


def test_each_decision_has_its_own_summary(
    login: Login, world: dict[str, Any], services: Any, users: dict[str, Any]
) -> None:
    cid, mid = world["case"].id, world["meeting"].id
    first = services.meetings.record_decision(
        mid, cid, ["portal_vein_embolization"], "PVE first", True, None, users["surgeon"]
    )
    services.meetings.record_decision(
        mid,
        cid,
        ["best_supportive_care"],
        "Declined surgery",
        False,
        "Patient's wish",
        users["surgeon"],
    )
    client = login("surgeon")
    page = client.get(f"/cases/{cid}").text
    assert f"/cases/{cid}/decision-summary?decision={first.id}" in page
    latest = client.get(f"/cases/{cid}/decision-summary").text
    assert "Patient&#39;s wish" in latest or "Patient's wish" in latest
    earlier = client.get(f"/cases/{cid}/decision-summary?decision={first.id}").text
    assert "PVE first" in earlier and "Patient's wish" not in earlier
    assert client.get(f"/cases/{cid}/decision-summary?decision=999999").status_code == 404
