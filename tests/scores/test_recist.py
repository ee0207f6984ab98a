"""RECIST 1.1 (Eisenhauer, Eur J Cancer 2009;45:228; knowledge base A9 and Part C, C1 / item 10):
target selection, the category rules at their exact boundaries, and the case adapter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.case import Case
from livermdt.scores import (
    ResponseResult,
    compute_response,
    progression_by_sum,
    recist_category,
    select_targets,
)
from tests.scores._cases import case
from tests.strategies import valid_cases

# --- target selection ------------------------------------------------------------------------


def test_two_largest_liver_lesions_are_the_targets() -> None:
    # Part C, C1: at most 2 targets per organ, so liver-only disease has at most 2.
    targets, non_targets = select_targets([("L1", 30.0), ("L2", 58.0), ("L3", 40.0), ("L4", 12.0)])
    assert targets == ["L2", "L3"]
    assert non_targets == ["L1", "L4"]


@pytest.mark.parametrize(("diameter", "is_target"), [(9.9, False), (10.0, True), (10.1, True)])
def test_measurable_means_at_least_10_mm(diameter: float, is_target: bool) -> None:
    targets, _ = select_targets([("L1", diameter)])
    assert (targets == ["L1"]) is is_target


def test_ties_keep_the_baseline_order_and_unmeasured_lesions_are_non_target() -> None:
    targets, non_targets = select_targets([("A", 20.0), ("B", None), ("C", 20.0), ("D", 20.0)])
    assert targets == ["A", "C"]
    assert non_targets == ["B", "D"]


# --- category rules --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("current", "category"),
    [(69.9, "PR"), (70.0, "PR"), (70.1, "SD")],
)
def test_partial_response_is_a_fall_of_30_percent_or_more(current: float, category: str) -> None:
    # Baseline 100 mm: 70 mm is exactly -30% -> PR; 70.1 mm is -29.9% -> SD.
    got = recist_category(
        baseline_sum_mm=100, nadir_sum_mm=current, current_sum_mm=current, new_lesions=False
    )
    assert got == category


def test_minus_30_percent_is_exact_for_decimal_sums() -> None:
    # 77.7 / 111 = 0.7 exactly in decimals; binary floats would make it 0.70000000000000007.
    got = recist_category(
        baseline_sum_mm=111, nadir_sum_mm=77.7, current_sum_mm=77.7, new_lesions=False
    )
    assert got == "PR"


@pytest.mark.parametrize(
    ("nadir", "current", "progression"),
    [
        (50.0, 60.0, True),  # +20% and +10 mm
        (50.0, 59.9, False),  # +19.8%
        (20.0, 24.0, False),  # +20% but only +4 mm: the absolute rule prevents PD
        (25.0, 30.0, True),  # +20% and +5 mm exactly
        (25.0, 29.9, False),  # +19.6% and +4.9 mm
        (10.0, 14.9, False),  # +49% but +4.9 mm
        (10.0, 15.0, True),  # +50% and +5 mm
        (0.0, 4.9, False),  # reappearance below 5 mm
        (0.0, 5.0, True),  # reappearance of 5 mm from a nadir of 0
    ],
)
def test_progression_needs_20_percent_and_5_mm_over_the_nadir(
    nadir: float, current: float, progression: bool
) -> None:
    assert progression_by_sum(nadir, current) is progression


def test_nadir_includes_the_baseline() -> None:
    # Baseline 40 is the smallest sum; 48 is +20% and +8 mm over it -> PD although no fall came.
    got = recist_category(baseline_sum_mm=40, nadir_sum_mm=40, current_sum_mm=48, new_lesions=False)
    assert got == "PD"


def test_progression_from_the_nadir_overrides_a_fall_from_baseline() -> None:
    # Baseline 100, nadir 30, now 40: -60% from baseline but +33% / +10 mm over the nadir -> PD.
    got = recist_category(
        baseline_sum_mm=100, nadir_sum_mm=30, current_sum_mm=40, new_lesions=False
    )
    assert got == "PD"


def test_new_lesion_is_progression() -> None:
    got = recist_category(baseline_sum_mm=100, nadir_sum_mm=50, current_sum_mm=50, new_lesions=True)
    assert got == "PD"


@pytest.mark.parametrize(
    ("non_targets_gone", "category"), [(True, "CR"), (False, "PR"), (None, None)]
)
def test_complete_response_needs_every_lesion_gone(
    non_targets_gone: bool | None, category: str | None
) -> None:
    got = recist_category(
        baseline_sum_mm=60,
        nadir_sum_mm=0,
        current_sum_mm=0,
        new_lesions=False,
        non_targets_gone=non_targets_gone,
    )
    assert got == category


# --- from a case -----------------------------------------------------------------------------


def _lesions(*pairs: tuple[str, float]) -> list[dict[str, Any]]:
    return [{"id": lesion_id, "diameter_mm": d} for lesion_id, d in pairs]


def _case(restaging: list[dict[str, Any]], disappeared: list[str] | None = None) -> Case:
    ids = sorted({x["id"] for entry in restaging for x in entry.get("lesions", [])})
    gone = set(disappeared or [])
    lesions = [
        {"id": lesion_id, "segments": [5], "diameter_mm": 20}
        for lesion_id in ids
        if lesion_id not in gone
    ]
    lm: dict[str, Any] = {"diagnosis_date": "2024-12-01", "lesions": lesions}
    if disappeared:
        lm["disappeared_lesion_ids"] = disappeared
    return case(liver_metastases=lm, restaging=restaging)


def test_fewer_than_two_time_points_gives_none() -> None:
    assert compute_response(case()) is None
    one = [{"date": "2025-01-02", "lesions": _lesions(("L1", 58)), "new_lesions": False}]
    assert compute_response(_case(one)) is None


def test_worked_partial_response() -> None:
    # Targets L1 58 + L2 54 = 112 mm (L3 12 mm is non-target: third lesion in the liver).
    # Now 40 + 30 = 70 mm: (70 - 112) / 112 = -0.375 -> PR (assessment-v1 example values).
    series = [
        {
            "date": "2025-01-02",
            "lesions": _lesions(("L1", 58), ("L2", 54), ("L3", 12)),
            "new_lesions": False,
        },
        {
            "date": "2025-03-01",
            "lesions": _lesions(("L1", 45), ("L2", 35), ("L3", 10)),
            "new_lesions": False,
        },
        {
            "date": "2025-05-01",
            "lesions": _lesions(("L1", 40), ("L2", 30), ("L3", 8)),
            "new_lesions": False,
        },
    ]
    r = compute_response(_case(series))
    assert r is not None
    assert r.target_lesion_ids == ["L1", "L2"]
    assert r.non_target_lesion_ids == ["L3"]
    assert (r.baseline_sum_mm, r.nadir_sum_mm, r.current_sum_mm) == (112, 70, 70)
    assert r.change_from_baseline == pytest.approx(-0.375)
    assert r.change_from_nadir == 0
    assert r.category == "PR"
    assert r.new_lesions is False
    assert r.time_points == 3
    assert r.evidence == ["eisenhauer-2009-recist"]
    dumped = r.model_dump(mode="json")
    for key in (
        "category",
        "baseline_sum_mm",
        "nadir_sum_mm",
        "current_sum_mm",
        "change_from_baseline",
        "new_lesions",
    ):
        assert key in dumped
    assert ResponseResult.model_validate(dumped) == r


def test_regrowth_from_the_nadir_is_progression() -> None:
    # 60 -> 30 (nadir) -> 36: +20% and +6 mm over the nadir -> PD, though -40% from baseline.
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 60)), "new_lesions": False},
        {"date": "2025-03-01", "lesions": _lesions(("L1", 30)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 36)), "new_lesions": False},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category == "PD"
    assert r.nadir_sum_mm == 30 and r.change_from_nadir == pytest.approx(0.2)


def test_new_lesions_at_any_follow_up_is_progression() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 60)), "new_lesions": False},
        {"date": "2025-03-01", "lesions": _lesions(("L1", 40)), "new_lesions": True},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 30)), "new_lesions": False},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category == "PD" and r.new_lesions is True


def test_unknown_new_lesions_leave_the_category_open() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 60)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 30))},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category is None
    assert "restaging[1].new_lesions" in r.missing


def test_disappeared_target_counts_as_zero_and_gives_complete_response() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 25), ("L2", 15)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L2", 0)), "new_lesions": False},
    ]
    r = compute_response(_case(series, disappeared=["L1"]))
    assert r is not None
    assert r.current_sum_mm == 0 and r.category == "CR"
    assert "disappeared_lesion_ids" in r.note


def test_targets_gone_but_a_non_target_remains_is_partial_response() -> None:
    series = [
        {
            "date": "2025-01-02",
            "lesions": _lesions(("L1", 25), ("L2", 15), ("L3", 12)),
            "new_lesions": False,
        },
        {
            "date": "2025-05-01",
            "lesions": _lesions(("L1", 0), ("L2", 0), ("L3", 8)),
            "new_lesions": False,
        },
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category == "PR"


def test_unmeasured_current_target_is_missing() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 25), ("L2", 15)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 20)), "new_lesions": False},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category is None and r.current_sum_mm is None
    assert "restaging[1].lesions" in r.missing


def test_unmeasured_intermediate_sum_could_hide_a_lower_nadir() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 50), ("L2", 30)), "new_lesions": False},
        {"date": "2025-03-01", "lesions": _lesions(("L1", 20)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 40), ("L2", 30)), "new_lesions": False},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category is None
    assert "restaging[1].lesions" in r.missing


def test_no_measurable_baseline_lesion() -> None:
    series = [
        {"date": "2025-01-02", "lesions": _lesions(("L1", 8)), "new_lesions": False},
        {"date": "2025-05-01", "lesions": _lesions(("L1", 9)), "new_lesions": False},
    ]
    r = compute_response(_case(series))
    assert r is not None and r.category is None and r.target_lesion_ids == []
    assert "No measurable target" in r.note


@settings(max_examples=30, deadline=None)
@given(c=st.one_of(valid_cases(), valid_cases(complete=True)))
def test_response_invariants_on_generated_cases(c: Case) -> None:
    r = compute_response(c)
    if r is None:
        assert len(c.restaging or []) < 2
        return
    assert len(r.target_lesion_ids) <= 2
    if r.category in ("CR", "PR", "SD"):
        assert r.new_lesions is False
        assert r.current_sum_mm is not None
    if r.category == "CR":
        assert r.current_sum_mm == 0
    if r.nadir_sum_mm is not None and r.baseline_sum_mm is not None:
        assert r.nadir_sum_mm <= r.baseline_sum_mm
    if r.category is None:
        assert r.missing or r.note


sums = st.integers(0, 3000).map(lambda tenths: tenths / 10)  # mm with one decimal, as measured


@settings(max_examples=100)
@given(baseline=sums, nadir_drop=sums, current=sums)
def test_category_agrees_with_the_definitions(
    baseline: float, nadir_drop: float, current: float
) -> None:
    from fractions import Fraction

    nadir = max(0.0, min(baseline, current, baseline - nadir_drop))
    got = recist_category(
        baseline_sum_mm=baseline, nadir_sum_mm=nadir, current_sum_mm=current, new_lesions=False
    )
    b, n, c = (Fraction(repr(x)) for x in (baseline, nadir, current))
    pd = c - n >= 5 and (n == 0 or (c - n) / n >= Fraction(1, 5))
    pr = b > 0 and (c - b) / b <= Fraction(-3, 10)
    if pd:
        assert got == "PD"
    elif c == 0:
        assert got == "CR"
    elif pr:
        assert got == "PR"
    else:
        assert got == "SD"
