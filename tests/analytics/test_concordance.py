"""MDT concordance over plain decision records, counted by hand."""

from __future__ import annotations

from datetime import UTC, datetime

from livermdt.analytics.concordance import DecisionEntry, concordance, recommended_codes


def _d(
    case: str,
    minute: int,
    cat: str | None,
    rec: list[str],
    dec: list[str],
    follows: bool,
    reason: str | None = None,
    meeting: str = "m1",
) -> DecisionEntry:
    return DecisionEntry(
        case, meeting, datetime(2025, 9, 15, 10, minute, tzinfo=UTC), cat, rec, dec, follows, reason
    )


ENTRIES = [
    _d(
        "a",
        1,
        "resectable",
        ["upfront_hepatectomy", "hepatectomy"],
        ["upfront_hepatectomy", "hepatectomy"],
        True,
    ),
    _d(
        "b",
        2,
        "resectable",
        ["perioperative_chemotherapy", "hepatectomy"],
        ["upfront_hepatectomy", "hepatectomy"],
        False,
        "patient declines chemotherapy",
    ),
    _d(
        "c",
        3,
        "potentially_resectable",
        ["conversion_chemotherapy", "portal_vein_embolization"],
        ["conversion_chemotherapy"],
        False,
        "PVE deferred to next MDT",
    ),
    _d("d", 4, None, ["biomarker_testing"], ["biomarker_testing"], True),
    # case c decided again at the same meeting: the later decision replaces the earlier one
    _d(
        "c",
        9,
        "potentially_resectable",
        ["conversion_chemotherapy", "portal_vein_embolization"],
        ["conversion_chemotherapy", "portal_vein_embolization"],
        True,
    ),
    # case b at a later meeting still deviates, for the same reason
    _d(
        "b",
        5,
        "resectable",
        ["perioperative_chemotherapy", "hepatectomy"],
        ["hepatectomy"],
        False,
        "patient declines chemotherapy",
        meeting="m2",
    ),
]


def test_overall_and_by_category() -> None:
    res = concordance(ENTRIES)
    # counted decisions: a, b(m1), c(latest), d, b(m2) = 5; following: a, c, d = 3
    assert (res.overall.decisions, res.overall.following) == (5, 3)
    assert res.overall.share == 3 / 5
    cats = {k: (v.decisions, v.following) for k, v in res.by_category.items()}
    assert cats == {"resectable": (3, 1), "potentially_resectable": (1, 1), "undetermined": (1, 1)}


def test_by_code_and_reasons() -> None:
    res = concordance(ENTRIES)
    by_code = {c.code: (c.proposals, c.following, c.decided_with_code) for c in res.by_code}
    assert by_code["hepatectomy"] == (3, 1, 3)
    assert by_code["perioperative_chemotherapy"] == (2, 0, 0)
    assert by_code["portal_vein_embolization"] == (1, 1, 1)
    assert res.reasons == {"patient declines chemotherapy": 2}
    assert [d["proposed_strategy"] for d in res.deviations] == ["perioperative_chemotherapy"] * 2
    assert res.to_json()["overall"]["share"] == 0.6


def test_empty_and_recommended_codes() -> None:
    res = concordance([])
    assert res.overall.share is None and res.by_code == []
    assessment = {
        "recommendations": [
            {"code": "upfront_hepatectomy", "strength": "recommended"},
            {"code": "anti_egfr", "strength": "not_recommended"},
            {"code": "liver_mri", "strength": "consider"},
            {"code": "hepatectomy", "strength": "recommended"},
        ]
    }
    assert recommended_codes(assessment) == ["upfront_hepatectomy", "hepatectomy"]
