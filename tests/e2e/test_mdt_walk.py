"""End to end in real headless Chromium: a clinician logs in, creates a case through the form,
sees its assessment, plans a meeting, records a decision that deviates from the proposal (the
reason is required), edits the case, and finds the decision and the change in the history; the
admin finds both in the audit log. Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from livermdt.about import DISCLAIMER
from tests.e2e.conftest import LiveServer, log_in, shot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _fill_case_form(page: Any) -> None:
    """A metachronous single lesion in segment 3 (after example 1 of the shared examples)."""
    values = {
        "#f-id": "e2e-case-1",
        "#f-discussion_date": "2025-05-02",
        "#f-patient-age_years": "63",
        "#f-patient-height_cm": "160",
        "#f-patient-weight_kg": "62",
        "#f-patient-ecog": "0",
        "#f-patient-asa_class": "2",
        "#f-primary-diagnosis_date": "2022-11-01",
        "#f-primary-resection_date": "2022-12-01",
        "#f-liver_metastases-diagnosis_date": "2025-04-01",
        "#f-liver_metastases-lesions-0--id": "L1",
        "#f-liver_metastases-lesions-0--diameter_mm": "24",
        "#f-labs-cea_ng_ml": "7.5",
        "#f-volumetry-total_liver_volume_ml": "1400",
        "#f-volumetry-flr_volume_ml": "1180",
    }
    for selector, value in values.items():
        page.fill(selector, value)
    selects = {
        "#f-patient-sex": "female",
        "#f-patient-fit_for_major_surgery": "true",
        "#f-primary-site": "sigmoid",
        "#f-primary-t_stage": "T3",
        "#f-primary-n_stage": "N1",
        "#f-primary-status": "resected",
        "#f-extrahepatic_disease-present": "false",
        "#f-biomarkers-kras": "wild_type",
        "#f-biomarkers-nras": "wild_type",
        "#f-biomarkers-braf": "wild_type",
        "#f-biomarkers-mmr": "proficient",
        "#f-volumetry-planned_resection-procedure": "left_lateral_sectionectomy",
        "#f-volumetry-source": "ct",
    }
    for selector, value in selects.items():
        page.select_option(selector, value)
    page.click('label:has(input[name="liver_metastases.lesions[0].segments"][value="3"])')
    for segment in ("2", "3"):
        page.click(
            f'label:has(input[name="volumetry.planned_resection.segments_removed"][value="{segment}"])'
        )


def test_case_from_entry_to_recorded_decision(page: Any, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(page, base, "surgeon")
    assert DISCLAIMER in page.inner_text("body")
    shot(page, "01-worklist-empty")

    # --- create a case through the form -------------------------------------------------------
    page.click("nav >> text=New case")
    page.wait_for_url(f"{base}/cases/new")
    _fill_case_form(page)
    # A second lesion row is added and removed again, without losing what was typed.
    page.click("button:has-text('+ Add lesion')")
    assert page.locator("#f-liver_metastases-lesions-1--id").count() == 1
    assert page.input_value("#f-liver_metastases-lesions-0--id") == "L1"
    page.click("button[value='remove:liver_metastases.lesions[1]']")
    assert page.locator("#f-liver_metastases-lesions-1--id").count() == 0
    shot(page, "02-case-editor")
    page.click("#save-case")
    page.wait_for_url(re.compile(rf"{re.escape(base)}/cases/[0-9a-f]+\?done=created"))
    case_url = page.url.split("?")[0]
    case_id = case_url.rsplit("/", 1)[-1]
    assert "e2e-case-1" not in case_url  # opaque ids only in addresses

    # --- its assessment -------------------------------------------------------------------------
    category = page.inner_text(".category-big")
    assert category in {"Resectable", "Potentially resectable", "Unresectable", "Undetermined"}
    assert page.locator("svg.couinaud g.seg-lesion[data-segment='3']").count() == 1
    assert page.locator("svg.couinaud g.seg-removed").count() == 2
    assert page.locator(".rec").count() >= 1
    shot(page, "03-assessment")

    # --- a meeting with this case on its list ---------------------------------------------------
    meeting_day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    page.goto(f"{base}/meetings")
    page.fill("#meeting_date", meeting_day)
    page.fill("#title", "E2E liver MDT")
    page.fill("#att-name-0", "Dr Hepato")
    page.select_option("#att-spec-0", "hepatobiliary_surgery")
    page.click("#create-meeting")
    page.wait_for_url(re.compile(r".*/meetings/[0-9a-f]+\?done=meeting"))
    page.select_option("#add-case", case_id)
    page.click("#add-case-button")
    page.wait_for_url(re.compile(r".*\?done=added"))
    page.click("text=Record decision")
    page.wait_for_url(re.compile(rf".*/cases/{case_id}/decision"))

    # --- a decision that deviates: first without a reason (refused), then with one -------------
    checked = page.locator("input[name='codes']:checked")
    while checked.count():
        checked.first.uncheck()
    page.click("summary:has-text('Other options')")
    page.check("input[name='codes'][value='thermal_ablation']")
    page.fill("#decision-text", "Ablation of L1 <script>alert('x')</script>")
    page.check("#follows-no")
    page.click("#record-decision")
    error = page.locator(".field-error", has_text="required when the decision does not follow")
    assert error.count() >= 1
    assert page.is_checked("input[name='codes'][value='thermal_ablation']")
    shot(page, "04-decision-reason-required")
    page.fill("#deviation-reason", "Patient prefers ablation over resection")
    page.click("#record-decision")
    page.wait_for_url(re.compile(rf".*/cases/{case_id}\?done=decided"))
    deviation = page.inner_text(".deviation")
    assert "Patient prefers ablation over resection" in deviation
    assert "<script>alert('x')</script>" in deviation  # shown as text, not run
    shot(page, "05-assessment-with-decision")

    # --- an edit, then the history --------------------------------------------------------------
    page.click("#edit-case")
    page.fill("#f-labs-cea_ng_ml", "12")
    page.fill("#f-comment", "CEA re-measured")
    page.click("#save-case")
    page.wait_for_url(re.compile(r".*\?done=saved"))
    page.click("text=History")
    page.wait_for_url(f"{case_url}/history")
    history = page.inner_text("main")
    assert "Version 2" in history and "labs.cea_ng_ml" in history
    assert "Patient prefers ablation over resection" in history
    shot(page, "06-history")

    # --- the printable decision summary ---------------------------------------------------------
    page.goto(f"{case_url}/decision-summary")
    summary = page.inner_text("body")
    assert "deviates from the engine's proposal" in summary
    assert "Patient prefers ablation over resection" in summary and DISCLAIMER in summary
    shot(page, "07-decision-summary")
    pdf = page.request.get(f"{case_url}/decision-summary.pdf")
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF-")

    # --- the admin sees it all in the audit log -------------------------------------------------
    page.goto(f"{base}/")
    page.click("button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/login"))
    log_in(page, base, "admin")
    page.goto(f"{base}/audit?object_id={case_id}")
    rows = page.inner_text("#audit-table")
    for action in ("create", "decide", "change", "export", "view"):
        assert action in rows, action
    assert "surgeon" in rows
    shot(page, "08-audit")


def test_researcher_cannot_edit_in_the_browser(page: Any, live_server: LiveServer) -> None:
    base = live_server.url
    log_in(page, base, "researcher")
    assert page.locator("nav >> text=New case").count() == 0
    response = page.goto(f"{base}/cases/new")
    assert response is not None and response.status == 403
    assert "Not allowed" in page.inner_text("h1")
