"""How the engine composes findings, and the threshold helpers the rules share (below / at /
above each boundary)."""

from __future__ import annotations

import pytest

from livermdt.engine.core import decide_category, merge_recommendations
from livermdt.engine.facts import LesionFact
from livermdt.engine.findings import ReasonF, RecF
from livermdt.engine.rules._common import ceil1, holds, lesion_ablatable


def _reason(level: str) -> ReasonF:
    return ReasonF(level, f"code_{level}", "text", ("esmo-2023-mcrc",))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("levels", "expected"),
    [
        ((), "resectable"),
        (("resectable",), "resectable"),
        (("resectable", "potentially_resectable"), "potentially_resectable"),
        (("potentially_resectable", "undetermined"), "undetermined"),
        (("undetermined", "unresectable", "resectable"), "unresectable"),
    ],
)
def test_most_severe_category_wins(levels: tuple[str, ...], expected: str) -> None:
    assert decide_category(_reason(level) for level in levels) == expected


def test_not_recommended_wins_over_recommended_over_consider() -> None:
    recs = [
        RecF("anti_egfr", "recommended", "left-sided", ("watanabe-2023-paradigm",)),
        RecF("anti_egfr", "not_recommended", "New EPOC", ("primrose-2014-new-epoc",)),
        RecF("bevacizumab", "consider", "alternative", ("bond-2023-cairo5",)),
        RecF("bevacizumab", "recommended", "backbone", ("esmo-2023-mcrc",)),
    ]
    merged = {r.code: r for r in merge_recommendations(recs)}
    assert merged["anti_egfr"].strength == "not_recommended"
    assert merged["anti_egfr"].rationale == "New EPOC"
    assert merged["bevacizumab"].strength == "recommended"


def test_proposed_strategy_first_then_by_strength() -> None:
    recs = [
        RecF("anti_egfr", "not_recommended", "x", ("esmo-2023-mcrc",)),
        RecF("hepatectomy", "recommended", "x", ("esmo-2023-mcrc",)),
        RecF("perioperative_chemotherapy", "consider", "x", ("esmo-2023-mcrc",)),
        RecF("upfront_hepatectomy", "recommended", "x", ("esmo-2023-mcrc",)),
    ]
    order = [r.code for r in merge_recommendations(recs)]
    assert order == [
        "upfront_hepatectomy",
        "hepatectomy",
        "perioperative_chemotherapy",
        "anti_egfr",
    ]


def test_same_strength_merges_evidence() -> None:
    recs = [
        RecF("mdt_rediscussion", "recommended", "a", ("huiskens-2015-cairo5-protocol",)),
        RecF("mdt_rediscussion", "recommended", "b", ("heil-2021-pvo-lvd",)),
    ]
    (merged,) = merge_recommendations(recs)
    assert merged.rationale == "a"
    assert merged.evidence == ("huiskens-2015-cairo5-protocol", "heil-2021-pvo-lvd")


def _lesion(
    mm: float | None, contact: frozenset[str] = frozenset(), ablatable: bool | None = None
) -> LesionFact:
    return LesionFact(0, "L1", frozenset({3}), mm, contact, ablatable)


@pytest.mark.parametrize(("mm", "expected"), [(29.9, True), (30, True), (30.1, False), (31, False)])
def test_ablation_size_limit_30_mm_inclusive(mm: float, expected: bool) -> None:
    # A6 / COLLISION: lesions <= 30 mm.
    assert lesion_ablatable(_lesion(mm)) is expected


def test_ablatability_judgement_and_biliary_contact() -> None:
    assert lesion_ablatable(_lesion(45, ablatable=True)) is True  # radiologist's judgement rules
    assert lesion_ablatable(_lesion(10, ablatable=False)) is False
    assert lesion_ablatable(_lesion(10, frozenset({"biliary_confluence"}))) is False
    assert lesion_ablatable(_lesion(None)) is None  # size unknown: not guessed


@pytest.mark.parametrize(
    ("name", "below", "at", "above"),
    [
        ("kgr_min_per_week", False, True, True),  # KGR >= 0.02
        ("alpps_max_age", True, False, False),  # age < 67
        ("sbrt_max_diameter_mm", True, False, False),  # < 60 mm
        ("sbrt_min_uninvolved_liver_ml", False, False, True),  # > 1000 mL
        ("transplant_cea_ng_ml", True, False, False),  # CEA < 80
        ("transplant_max_age", True, True, False),  # age <= 65
        ("fong_high_risk_min", False, True, True),  # Fong >= 3
        ("ecog_best_supportive_care_min", False, True, True),  # ECOG >= 3
        ("sflr_margin_functional_assessment", True, False, False),  # shortfall < 0.05
    ],
)
def test_threshold_direction(name: str, below: bool, at: bool, above: bool) -> None:
    from livermdt.knowledge import threshold

    value = threshold(name).value
    step = 0.001 if value < 1 else 1
    assert (holds(name, value - step), holds(name, value), holds(name, value + step)) == (
        below,
        at,
        above,
    )


@pytest.mark.parametrize(
    ("value", "expected"), [(392.78, 392.8), (392.8, 392.8), (261.8515, 261.9), (100.0, 100.0)]
)
def test_ceil1_never_rounds_a_sufficient_volume_down(value: float, expected: float) -> None:
    assert ceil1(value) == expected
