"""The eight prognostic scores (A11; Part B 7.3, 8; Part C): hand-worked examples from each
score's definition, every cut-off below / at / above, missing data, and invariants."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.case import Case, load_case
from livermdt.knowledge import get_evidence
from livermdt.scores import (
    SCORE_KEYS,
    Input,
    ScoreInputs,
    ScoreResult,
    compute_scores,
    fong_crs,
    game,
    game_tbs_points,
    konopke,
    m_cs,
    nagashima,
    nordlinger,
    oslo_score,
    tumour_burden_score,
)
from tests.scores._cases import case, section
from tests.strategies import valid_cases


def known(**values: Any) -> ScoreInputs:
    """Score inputs with every value known; override by name."""
    base: dict[str, Any] = {
        "node_positive": False,
        "dfi_months": 30.0,
        "lesion_count": 1,
        "largest_mm": 20.0,
        "cea_ng_ml": 5.0,
        "kras_mutated": False,
        "ras_mutated": False,
        "extrahepatic_disease": False,
        "age_years": 50,
        "serosal_invasion": False,
        "synchronous": False,
        "months_since_primary_resection": 36.0,
        "progression_on_chemotherapy": False,
    }
    base.update(values)
    return ScoreInputs(**{k: Input(v) for k, v in base.items()})


# --- Fong (Ann Surg 1999;230:309) ---------------------------------------------------------


def test_fong_all_five_factors() -> None:
    # N+ 1, DFI 6 < 12 months 1, 3 tumours > 1 1, 62 mm > 50 1, CEA 250 > 200 1 = 5 (high).
    result = fong_crs(
        known(node_positive=True, dfi_months=6.0, lesion_count=3, largest_mm=62.0, cea_ng_ml=250.0)
    )
    assert result.value == 5 and result.max == 5 and result.group == "high"


def test_fong_low_risk_example() -> None:
    # Shared example 1: N1 only -> 1 (low).
    result = fong_crs(known(node_positive=True))
    assert (result.value, result.group) == (1, "low")
    assert result.points["node_positive"] == 1


@pytest.mark.parametrize(("cea", "points"), [(199.9, 0), (200.0, 0), (200.1, 1)])
def test_fong_cea_strictly_over_200(cea: float, points: int) -> None:
    assert fong_crs(known(cea_ng_ml=cea)).points["cea_over_200"] == points


@pytest.mark.parametrize(("largest", "points"), [(49.9, 0), (50.0, 0), (50.1, 1)])
def test_fong_largest_strictly_over_50_mm(largest: float, points: int) -> None:
    assert fong_crs(known(largest_mm=largest)).points["largest_over_50_mm"] == points


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 0), (2, 1)])
def test_fong_more_than_one_tumour(count: int, points: int) -> None:
    assert fong_crs(known(lesion_count=count)).points["more_than_one_tumour"] == points


@pytest.mark.parametrize(("dfi", "points"), [(0.0, 1), (11.99, 1), (12.0, 0), (12.01, 0)])
def test_fong_dfi_under_12_months(dfi: float, points: int) -> None:
    # Synchronous disease has DFI 0 and scores the point (A8; Part C, C3).
    assert fong_crs(known(dfi_months=dfi)).points["dfi_under_12_months"] == points


@pytest.mark.parametrize(("score_points", "group"), [(2, "low"), (3, "high")])
def test_fong_group_boundary(score_points: int, group: str) -> None:
    inputs = known(node_positive=True, lesion_count=3, largest_mm=60.0 if score_points == 3 else 20)
    result = fong_crs(inputs)
    assert (result.value, result.group) == (score_points, group)


def test_fong_missing_input_gives_none_and_the_path() -> None:
    inputs = replace(known(node_positive=True), cea_ng_ml=Input(None, ("labs.cea_ng_ml",)))
    result = fong_crs(inputs)
    assert result.value is None and result.group is None
    assert result.missing == ["labs.cea_ng_ml"]
    assert "cea_over_200" not in result.points
    assert result.points["node_positive"] == 1


def test_lower_bound_diameter_decides_only_when_already_over() -> None:
    missing = ("liver_metastases.lesions[1].diameter_mm",)
    over = replace(known(lesion_count=2), largest_mm=Input(62.0, missing, lower_bound=True))
    assert fong_crs(over).value == 2 and fong_crs(over).missing == []
    under = replace(known(lesion_count=2), largest_mm=Input(40.0, missing, lower_bound=True))
    assert fong_crs(under).value is None
    assert fong_crs(under).missing == list(missing)


# --- Tumour Burden Score and GAME -----------------------------------------------------------


def test_tbs_value_and_missing() -> None:
    assert tumour_burden_score(known(largest_mm=24.0)).value == pytest.approx(2.6)
    missing = replace(known(), largest_mm=Input(30.0, ("x.diameter_mm",), lower_bound=True))
    result = tumour_burden_score(missing)
    assert result.value is None and result.missing == ["x.diameter_mm"]


@pytest.mark.parametrize(
    ("tbs", "points"), [(2.99, 0), (3.0, 1), (3.01, 1), (8.99, 1), (9.0, 2), (9.01, 2)]
)
def test_game_tbs_bands(tbs: float, points: int) -> None:
    # Part C, C7: 3 <= TBS < 9 -> 1, TBS >= 9 -> 2.
    assert game_tbs_points(tbs) == points


def test_game_worked_example() -> None:
    # KRAS 1 + CEA 25 >= 20 1 + N+ 1 + TBS sqrt(6^2 + 8^2) = 10 >= 9 2 + extrahepatic 2 = 7.
    result = game(
        known(
            kras_mutated=True,
            cea_ng_ml=25.0,
            node_positive=True,
            largest_mm=60.0,
            lesion_count=8,
            extrahepatic_disease=True,
        )
    )
    assert result.value == 7 and result.max == 7 and result.group == "high"
    assert result.inputs["tumour_burden_score"] == pytest.approx(10.0)


@pytest.mark.parametrize(("cea", "points"), [(19.9, 0), (20.0, 1), (20.1, 1)])
def test_game_cea_20_or_more(cea: float, points: int) -> None:
    assert game(known(cea_ng_ml=cea)).points["cea_20_or_more"] == points


@pytest.mark.parametrize(
    ("value", "group"), [(1, "low"), (2, "intermediate"), (3, "intermediate"), (4, "high")]
)
def test_game_groups(value: int, group: str) -> None:
    # Build the value from N+ (1), KRAS (1) and extrahepatic disease (2).
    recipe = {
        1: {"node_positive": True},
        2: {"node_positive": True, "kras_mutated": True},
        3: {"node_positive": True, "extrahepatic_disease": True},
        4: {"kras_mutated": True, "node_positive": True, "extrahepatic_disease": True},
    }[value]
    result = game(known(**recipe))
    assert result.value == value
    assert result.group == group


def test_game_uses_kras_not_all_ras() -> None:
    # NRAS-mutated, KRAS wild type: GAME scores no KRAS point; m-CS scores the RAS point.
    c = case(biomarkers={"kras": "wild_type", "nras": "mutated"})
    scores = compute_scores(c)
    assert scores["game"].points["kras_mutated"] == 0
    assert scores["m_cs"].points["ras_mutated"] == 1


def test_game_unknown_kras_is_missing() -> None:
    c = case(biomarkers={"kras": "unknown", "nras": "wild_type"})
    result = compute_scores(c)["game"]
    assert result.value is None and result.missing == ["biomarkers.kras"]


# --- m-CS (Brudvik, Ann Surg 2019;269:120) --------------------------------------------------


def test_m_cs_worked_example_and_no_groups() -> None:
    result = m_cs(known(ras_mutated=True, node_positive=True, largest_mm=51.0))
    assert result.value == 3 and result.max == 3 and result.group is None
    assert m_cs(known(largest_mm=50.0)).value == 0


# --- Oslo (Dueland, Ann Surg 2015;261:956) ---------------------------------------------------


@pytest.mark.parametrize(("largest", "points"), [(54.9, 0), (55.0, 0), (55.1, 1)])
def test_oslo_largest_over_55_mm(largest: float, points: int) -> None:
    assert oslo_score(known(largest_mm=largest)).points["largest_over_55_mm"] == points


@pytest.mark.parametrize(("cea", "points"), [(79.9, 0), (80.0, 0), (80.1, 1)])
def test_oslo_cea_over_80(cea: float, points: int) -> None:
    assert oslo_score(known(cea_ng_ml=cea)).points["cea_over_80"] == points


@pytest.mark.parametrize(("months", "points"), [(23.9, 1), (24.0, 0), (24.1, 0)])
def test_oslo_under_24_months_from_primary_resection(months: float, points: int) -> None:
    result = oslo_score(known(months_since_primary_resection=months))
    assert result.points["under_24_months_from_primary_resection"] == points


def test_oslo_worked_example_and_groups() -> None:
    # 60 mm 1 + CEA 100 1 + progression 1 + 12 months 1 = 4 (unfavourable).
    result = oslo_score(
        known(
            largest_mm=60.0,
            cea_ng_ml=100.0,
            progression_on_chemotherapy=True,
            months_since_primary_resection=12.0,
        )
    )
    assert (result.value, result.max, result.group) == (4, 4, "high")
    assert oslo_score(known(largest_mm=60.0, cea_ng_ml=100.0)).group == "low"  # 2


def test_oslo_primary_in_situ_is_not_computed_and_says_why() -> None:
    c = case(primary=section("primary", status="in_situ", resection_date=None))
    result = compute_scores(c)["oslo_score"]
    assert result.value is None
    assert result.missing == []
    assert "not resected" in result.note


def test_oslo_progression_from_latest_treatment() -> None:
    treatments = [
        {"type": "chemotherapy", "regimen": "FOLFOX", "line": 1, "best_response": "PR"},
        {"type": "chemotherapy", "regimen": "FOLFIRI", "line": 2, "best_response": "PD"},
    ]
    result = compute_scores(case(treatments=treatments))["oslo_score"]
    assert result.points["progression_on_chemotherapy"] == 1
    assert "treatments[1]" in result.note


def test_oslo_progression_unknown_is_missing() -> None:
    treatments = [{"type": "chemotherapy", "regimen": "FOLFOX", "line": 1}]
    result = compute_scores(case(treatments=treatments))["oslo_score"]
    assert result.value is None
    assert result.missing == ["treatments[0].best_response"]


def test_oslo_progression_from_restaging_recist_wins() -> None:
    treatments = [{"type": "chemotherapy", "regimen": "FOLFOX", "line": 1, "best_response": "PR"}]
    restaging = [
        {"date": "2025-05-01", "lesions": [{"id": "L1", "diameter_mm": 20}], "new_lesions": False},
        {"date": "2025-09-01", "lesions": [{"id": "L1", "diameter_mm": 24}], "new_lesions": True},
    ]
    result = compute_scores(case(treatments=treatments, restaging=restaging))["oslo_score"]
    assert result.points["progression_on_chemotherapy"] == 1
    assert "RECIST" in result.note


# --- Nordlinger (Cancer 1996;77:1254), 6 factors ---------------------------------------------


def test_nordlinger_all_six_factors() -> None:
    # age 61 > 60, T4, N+, DFI 10 < 24, 4 > 3 lesions, 51 > 50 mm = 6 (high).
    result = nordlinger(
        known(
            age_years=61,
            serosal_invasion=True,
            node_positive=True,
            dfi_months=10.0,
            lesion_count=4,
            largest_mm=51.0,
        )
    )
    assert (result.value, result.max, result.group) == (6, 6, "high")


@pytest.mark.parametrize(
    ("field", "below", "at", "above", "name"),
    [
        ("age_years", 59, 60, 61, "age_over_60"),
        ("lesion_count", 2, 3, 4, "more_than_3_metastases"),
        ("largest_mm", 49.9, 50.0, 50.1, "largest_over_50_mm"),
    ],
)
def test_nordlinger_strict_cut_offs(
    field: str, below: float, at: float, above: float, name: str
) -> None:
    got = [nordlinger(known(**{field: v})).points[name] for v in (below, at, above)]
    assert got == [0, 0, 1]


@pytest.mark.parametrize(("dfi", "points"), [(23.9, 1), (24.0, 0), (24.1, 0)])
def test_nordlinger_dfi_under_24_months(dfi: float, points: int) -> None:
    assert nordlinger(known(dfi_months=dfi)).points["dfi_under_24_months"] == points


@pytest.mark.parametrize(
    ("value", "group"), [(2, "low"), (3, "intermediate"), (4, "intermediate"), (5, "high")]
)
def test_nordlinger_groups(value: int, group: str) -> None:
    flags = ["node_positive", "serosal_invasion"]
    values: dict[str, Any] = {flag: True for flag in flags}
    extra = value - 2
    if extra >= 1:
        values["age_years"] = 70
    if extra >= 2:
        values["lesion_count"] = 5
    if extra >= 3:
        values["largest_mm"] = 70.0
    result = nordlinger(known(**values))
    assert (result.value, result.group) == (value, group)


@pytest.mark.parametrize(("t_stage", "points"), [("T3", 0), ("T4a", 1), ("T4b", 1)])
def test_serosal_invasion_is_t4(t_stage: str, points: int) -> None:
    c = case(primary=section("primary", t_stage=t_stage))
    assert compute_scores(c)["nordlinger"].points["serosal_invasion"] == points


def test_tx_is_missing_not_t_negative() -> None:
    c = case(primary=section("primary", t_stage="Tx"))
    result = compute_scores(c)["nordlinger"]
    assert result.value is None and result.missing == ["primary.t_stage"]


# --- Konopke, Nagashima -----------------------------------------------------------------------


@pytest.mark.parametrize(("count", "points"), [(3, 0), (4, 1), (5, 1)])
def test_konopke_four_or_more(count: int, points: int) -> None:
    assert konopke(known(lesion_count=count)).points["four_or_more_metastases"] == points


@pytest.mark.parametrize(("cea", "points"), [(199.9, 0), (200.0, 1), (200.1, 1)])
def test_konopke_cea_200_or_more(cea: float, points: int) -> None:
    assert konopke(known(cea_ng_ml=cea)).points["cea_200_or_more"] == points


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({}, (0, "low")),
        ({"synchronous": True}, (1, "intermediate")),
        ({"synchronous": True, "lesion_count": 4}, (2, "high")),
        ({"synchronous": True, "lesion_count": 4, "cea_ng_ml": 300.0}, (3, "high")),
    ],
)
def test_konopke_groups(values: dict[str, Any], expected: tuple[int, str]) -> None:
    result = konopke(known(**values))
    assert (result.value, result.group) == expected


@pytest.mark.parametrize(("count", "points"), [(1, 0), (2, 1), (3, 1)])
def test_nagashima_two_or_more(count: int, points: int) -> None:
    assert nagashima(known(lesion_count=count)).points["two_or_more_metastases"] == points


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"node_positive": True}, (1, "low")),
        ({"node_positive": True, "lesion_count": 2}, (2, "intermediate")),
        ({"node_positive": True, "lesion_count": 2, "largest_mm": 51.0}, (3, "intermediate")),
        (
            {
                "node_positive": True,
                "lesion_count": 2,
                "largest_mm": 51.0,
                "extrahepatic_disease": True,
            },
            (4, "high"),
        ),
    ],
)
def test_nagashima_groups(values: dict[str, Any], expected: tuple[int, str]) -> None:
    result = nagashima(known(**values))
    assert (result.value, result.group) == expected


def test_nagashima_notes_unresectable_extrahepatic_disease() -> None:
    c = case(extrahepatic_disease={"present": True, "sites": ["peritoneum"], "resectable": False})
    result = compute_scores(c)["nagashima"]
    assert result.points["extrahepatic_metastases"] == 1
    assert "resectable" in result.note


# --- case adapters, shared examples -----------------------------------------------------------


def test_shared_examples(shared_dir: Path) -> None:
    one = compute_scores(load_case(shared_dir / "examples" / "example-1-resectable.json"))
    assert one["fong_crs"].value == 1
    assert one["tumour_burden_score"].value == pytest.approx(2.60, abs=0.005)
    two = compute_scores(load_case(shared_dir / "examples" / "example-2-small-remnant.json"))
    assert two["fong_crs"].value == 3
    assert two["fong_crs"].group == "high"


def test_compute_scores_has_the_eight_keys_and_assessment_shape() -> None:
    scores = compute_scores(case())
    assert tuple(scores) == SCORE_KEYS
    for key, result in scores.items():
        dumped = result.model_dump(mode="json")
        assert {"value", "max", "missing"} <= set(dumped), key
        assert ScoreResult.model_validate(dumped) == result


def test_synchronous_disease_scores_fong_dfi_and_konopke() -> None:
    # Liver metastases 10 days after the primary's diagnosis: synchronous (E-AHPBA 2023).
    c = case(
        primary=section("primary", status="in_situ", resection_date=None),
        liver_metastases={
            "diagnosis_date": "2023-03-12",
            "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24}],
        },
    )
    scores = compute_scores(c)
    assert scores["fong_crs"].points["dfi_under_12_months"] == 1
    assert scores["konopke"].points["synchronous"] == 1


def test_early_metachronous_scores_fong_dfi_from_dates() -> None:
    # Resected 2023-03-28, liver metastases 2023-11-01: about 7.2 months < 12 -> point.
    c = case(
        liver_metastases={
            "diagnosis_date": "2023-11-01",
            "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24}],
        }
    )
    scores = compute_scores(c)
    assert scores["fong_crs"].points["dfi_under_12_months"] == 1
    assert scores["konopke"].points["synchronous"] == 0


def test_disappeared_lesions_are_not_counted_and_noted() -> None:
    c = case(
        liver_metastases={
            "diagnosis_date": "2025-08-20",
            "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24}],
            "disappeared_lesion_ids": ["L2", "L3"],
        }
    )
    result = compute_scores(c)["fong_crs"]
    assert result.inputs["lesion_count"] == 1
    assert "2 lesion(s) that disappeared" in result.note


def test_no_visible_lesion_scores_zero_size() -> None:
    c = case(
        liver_metastases={
            "diagnosis_date": "2025-08-20",
            "lesions": [],
            "disappeared_lesion_ids": ["L1"],
        }
    )
    scores = compute_scores(c)
    assert scores["tumour_burden_score"].value == 0.0
    assert scores["fong_crs"].points["largest_over_50_mm"] == 0


def test_missing_sections_are_listed_by_path() -> None:
    c = case(labs=None, biomarkers=None, extrahepatic_disease=None)
    scores = compute_scores(c)
    assert scores["fong_crs"].missing == ["labs.cea_ng_ml"]
    assert set(scores["game"].missing) == {
        "biomarkers.kras",
        "labs.cea_ng_ml",
        "extrahepatic_disease.present",
    }
    assert set(scores["m_cs"].missing) == {"biomarkers.kras", "biomarkers.nras"}


# --- properties -------------------------------------------------------------------------------

_SCORES = (fong_crs, game, m_cs, oslo_score, nordlinger, konopke, nagashima)

inputs_strategy = st.builds(
    known,
    node_positive=st.booleans(),
    dfi_months=st.floats(0, 120),
    lesion_count=st.integers(0, 30),
    largest_mm=st.floats(1, 250),
    cea_ng_ml=st.floats(0, 5000),
    kras_mutated=st.booleans(),
    ras_mutated=st.booleans(),
    extrahepatic_disease=st.booleans(),
    age_years=st.integers(18, 110),
    serosal_invasion=st.booleans(),
    synchronous=st.booleans(),
    months_since_primary_resection=st.floats(0, 240),
    progression_on_chemotherapy=st.booleans(),
)


@settings(max_examples=100)
@given(inputs=inputs_strategy)
def test_scores_within_zero_and_max(inputs: ScoreInputs) -> None:
    for score in _SCORES:
        result = score(inputs)
        assert result.value is not None and result.max is not None
        assert 0 <= result.value <= result.max
        assert result.missing == []
        assert sum(result.points.values()) == result.value


def _worse(inputs: ScoreInputs, name: str) -> ScoreInputs:
    """The same patient with one risk factor worse."""
    value = getattr(inputs, name).value
    worse: Any
    if isinstance(value, bool):
        worse = True
    elif name in ("dfi_months", "months_since_primary_resection"):
        worse = value / 2  # a shorter interval is worse
    elif isinstance(value, int):
        worse = value + 1
    else:
        worse = value * 1.5 + 1
    return replace(inputs, **{name: Input(worse)})


@settings(max_examples=100)
@given(inputs=inputs_strategy, data=st.data())
def test_scores_never_decrease_when_a_risk_factor_is_added(
    inputs: ScoreInputs, data: st.DataObject
) -> None:
    name = data.draw(
        st.sampled_from(
            [
                "node_positive",
                "dfi_months",
                "lesion_count",
                "largest_mm",
                "cea_ng_ml",
                "kras_mutated",
                "ras_mutated",
                "extrahepatic_disease",
                "age_years",
                "serosal_invasion",
                "synchronous",
                "months_since_primary_resection",
                "progression_on_chemotherapy",
            ]
        )
    )
    worse = _worse(inputs, name)
    for score in _SCORES:
        before, after = score(inputs).value, score(worse).value
        assert before is not None and after is not None
        assert after >= before, (score.__name__, name)


@settings(max_examples=100)
@given(inputs=inputs_strategy, data=st.data())
def test_a_missing_input_gives_none_and_its_path(inputs: ScoreInputs, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(["node_positive", "lesion_count", "cea_ng_ml"]))
    path = f"somewhere.{name}"
    gap = replace(inputs, **{name: Input(None, (path,))})
    for score in (fong_crs, game, konopke):
        if name in ("node_positive",) and score is konopke:
            continue
        result = score(gap)
        assert result.value is None
        assert path in result.missing


@settings(max_examples=30, deadline=None)
@given(c=st.one_of(valid_cases(), valid_cases(complete=True)))
def test_scores_on_generated_cases(c: Case) -> None:
    for key, result in compute_scores(c).items():
        if result.value is None:
            assert result.missing or result.note, key
        elif result.max is not None:
            assert 0 <= result.value <= result.max, key
        else:
            assert result.value >= 0, key
        for evidence_id in result.evidence:
            get_evidence(evidence_id)


def test_game_tbs_band_from_a_lower_bound() -> None:
    missing = ("liver_metastases.lesions[9].diameter_mm",)
    # 8 lesions, largest known 60 mm: TBS >= sqrt(36 + 64) = 10 >= 9 whatever is missing -> 2.
    high = replace(known(lesion_count=8), largest_mm=Input(60.0, missing, lower_bound=True))
    result = game(high)
    assert result.points["tumour_burden_score"] == 2
    assert result.inputs["tumour_burden_score"] is None  # a bound, not the patient's TBS
    # 2 lesions, largest known 30 mm: TBS >= 3.6, band 1 or 2 -> undetermined.
    open_band = replace(known(lesion_count=2), largest_mm=Input(30.0, missing, lower_bound=True))
    assert game(open_band).value is None
    assert game(open_band).missing == list(missing)


def test_disappeared_lesions_cite_the_choice() -> None:
    c = case(
        liver_metastases={
            "diagnosis_date": "2025-08-20",
            "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24}],
            "disappeared_lesion_ids": ["L2"],
        }
    )
    for result in compute_scores(c).values():
        assert "ayez-2011-score-timing" in result.evidence
        assert "livermdt-2025-policy" in result.evidence
    for result in compute_scores(case()).values():
        assert "ayez-2011-score-timing" not in result.evidence
