"""The decision summary (HTML and PDF) and the history diff."""

from __future__ import annotations

from typing import Any

import pytest

from livermdt.about import DISCLAIMER
from livermdt.web.letter import DecisionSummary, render_summary_html, render_summary_pdf
from livermdt.web.pages_diff import Change, diff_documents, flatten

ASSESSMENT: dict[str, Any] = {
    "engine_version": "9.9.9",
    "knowledge_version": "2099.1",
    "resectability": {
        "category": "potentially_resectable",
        "reasons": [
            {
                "code": "flr_insufficient",
                "text": "sFLR 25.2% < 30% required",
                "evidence": ["vauthey-2002-telv"],
            }
        ],
    },
    "flr": {"sflr": 0.252, "required_sflr": 0.3, "adequate": False},
    "recommendations": [
        {
            "code": "portal_vein_embolization",
            "strength": "recommended",
            "rationale": "Right hepatectomy would leave too small a remnant.",
            "evidence": ["shindoh-2013-kgr"],
        }
    ],
    "missing_data": [{"field": "biomarkers.braf", "why": "changes first-line therapy"}],
    "evidence": {
        "shindoh-2013-kgr": {
            "citation": "Shindoh J, et al. J Am Coll Surg 2013",
            "doi": "10.1016/j.jamcollsurg.2012.12.009",
        }
    },
}


def _summary(**overrides: Any) -> DecisionSummary:
    values: dict[str, Any] = dict(
        case_id="case-0042",
        case_version=3,
        meeting_date="2025-09-15",
        decision_codes=["two_stage_hepatectomy"],
        decision_text="Two-stage resection <script>alert('x')</script>",
        follows_proposal=False,
        deviation_reason="Patient declines PVE & prefers <b>two-stage</b>",
        recorded_by="dr.surgeon",
        recorded_at="2025-09-15 10:42 UTC",
        assessment=ASSESSMENT,
        case_document={"liver_metastases": {"lesions": [{"id": "L1", "segments": [6, 7]}]}},
        attendees=[("A. Surgeon", "hepatobiliary_surgery")],
        patient_name="Ann <Example>",
        mrn="MRN-9",
    )
    values.update(overrides)
    return DecisionSummary(**values)


def test_summary_states_everything_the_record_needs() -> None:
    html = render_summary_html(_summary())
    for text in (
        DISCLAIMER,
        "case-0042",
        "2025-09-15",
        "two_stage_hepatectomy",
        "deviates from the engine",
        "Patient declines PVE &amp; prefers &lt;b&gt;two-stage&lt;/b&gt;",
        "portal vein embolization",
        "Recommended",
        "shindoh-2013-kgr",
        "10.1016/j.jamcollsurg.2012.12.009",
        "9.9.9",
        "2099.1",
        "dr.surgeon",
        "Potentially resectable",
        "biomarkers.braf",
        "A. Surgeon",
    ):
        assert text in html, text
    assert "<script>alert" not in html
    assert "&lt;script&gt;" in html
    assert "Ann &lt;Example&gt;" in html and "MRN-9" in html


def test_summary_that_follows_the_proposal_says_so_and_shows_no_reason() -> None:
    html = render_summary_html(_summary(follows_proposal=True, deviation_reason=None))
    assert "follows the proposal" in html
    assert "Reason given by the MDT" not in html


def test_pdf_carries_the_decision_the_deviation_reason_and_the_notice() -> None:
    import io

    from pypdf import PdfReader  # installed with xhtml2pdf

    pdf = render_summary_pdf(_summary())
    assert pdf.startswith(b"%PDF-")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    flat = " ".join(text.split())
    for expected in (
        "case-0042",
        "2025-09-15",
        "two_stage_hepatectomy",
        "Patient declines PVE",
        "portal vein embolization",
        "9.9.9",
        "2099.1",
        "dr.surgeon",
        "supports and does not replace the judgement",
    ):
        assert expected in flat, expected


def test_flatten_uses_case_document_paths() -> None:
    doc = {
        "patient": {"age_years": 63},
        "liver_metastases": {"lesions": [{"id": "L1", "segments": [7, 8]}]},
    }
    assert flatten(doc) == {
        "patient.age_years": 63,
        "liver_metastases.lesions[0].id": "L1",
        "liver_metastases.lesions[0].segments": [7, 8],
    }


def test_diff_lists_added_changed_and_removed_paths() -> None:
    old = {
        "id": "c",
        "labs": {"cea_ng_ml": 38.0, "inr": 1.0},
        "liver_metastases": {"lesions": [{"id": "L1", "segments": [5]}]},
    }
    new = {
        "id": "c",
        "labs": {"cea_ng_ml": 12.5},
        "liver_metastases": {"lesions": [{"id": "L1", "segments": [5, 8]}]},
        "patient": {"ecog": 1},
    }
    assert diff_documents(old, new) == [
        Change("labs.cea_ng_ml", "changed", "38.0", "12.5"),
        Change("liver_metastases.lesions[0].segments", "changed", "[5]", "[5, 8]"),
        Change("patient.ecog", "added", None, "1"),
        Change("labs.inr", "removed", "1.0", None),
    ]


@pytest.mark.parametrize("doc", [{}, {"id": "x"}, {"a": {"b": [1, 2]}}])
def test_diff_of_a_document_with_itself_is_empty(doc: dict[str, Any]) -> None:
    assert diff_documents(doc, doc) == []
