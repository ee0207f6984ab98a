"""livermdt's scores for registry records (Fong Y et al., Ann Surg 1999;230:309-18: one point each
for node-positive primary, DFI < 12 months, > 1 tumour, largest > 5 cm, CEA > 200 ng/mL;
TBS = sqrt(largest_cm^2 + count^2), Sasaki K et al., Ann Surg 2018;267:132-41)."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.analytics.frame import fong_group, game_group, tbs_zone
from livermdt.analytics.scoring import computed_scores


def _values(**kw: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "node_positive": False,
        "timing": "metachronous",
        "dfi_months": 30.0,
        "lesion_count": 1,
        "multiple_metastases": False,
        "largest_diameter_mm": 20.0,
        "cea_ng_ml": 5.0,
        "extrahepatic_disease": False,
        "ras": None,
        "age_years": 60,
    }
    base.update(kw)
    return base


def test_fong_worked_examples() -> None:
    assert computed_scores(_values())["fong_crs"] == 0
    # synchronous (DFI 0 < 12), node-positive, 3 lesions, 60 mm, CEA 250: all five points
    full = _values(
        timing="synchronous",
        dfi_months=None,
        node_positive=True,
        lesion_count=3,
        largest_diameter_mm=60.0,
        cea_ng_ml=250.0,
    )
    assert computed_scores(full)["fong_crs"] == 5


@pytest.mark.parametrize(
    ("largest_mm", "cea", "points"),
    [(49.9, 199.9, 0), (50.0, 200.0, 0), (50.1, 200.1, 2)],  # "> 5 cm" and "> 200": strict
)
def test_fong_thresholds_below_at_above(largest_mm: float, cea: float, points: int) -> None:
    assert (
        computed_scores(_values(largest_diameter_mm=largest_mm, cea_ng_ml=cea))["fong_crs"]
        == points
    )


def test_several_lesions_of_unknown_count_give_the_fong_point_but_no_tbs() -> None:
    v = _values(lesion_count=None, multiple_metastases=True, largest_diameter_mm=30.0)
    scores = computed_scores(v)
    assert scores["fong_crs"] == 1
    assert scores["tumour_burden_score"] is None


def test_missing_inputs_are_never_a_partial_sum() -> None:
    assert computed_scores(_values(cea_ng_ml=None))["fong_crs"] is None
    # metachronous without a DFI: the Fong score cannot be determined (the TCIA situation)
    assert computed_scores(_values(dfi_months=None))["fong_crs"] is None
    assert computed_scores(_values(ras=None))["m_cs"] is None


def test_tbs_one_lesion() -> None:
    # sqrt(4^2 + 1^2) = sqrt(17)
    assert computed_scores(_values(largest_diameter_mm=40.0))["tumour_burden_score"] == (
        pytest.approx(math.sqrt(17))
    )


def test_groups_below_at_above() -> None:
    assert [fong_group(x) for x in (2, 3, None)] == ["low (0-2)", "high (3-5)", None]
    assert [game_group(x) for x in (1, 2, 3, 4)] == [
        "low (0-1)",
        "medium (2-3)",
        "medium (2-3)",
        "high (4-7)",
    ]
    assert [tbs_zone(x) for x in (2.99, 3.0, 8.99, 9.0)] == [
        "low (<3)",
        "medium (3-9)",
        "medium (3-9)",
        "high (>=9)",
    ]
    assert fong_group(float("nan")) is None


@settings(max_examples=60, deadline=None)
@given(
    node=st.booleans(),
    sync=st.booleans(),
    n=st.integers(1, 12),
    size=st.floats(1, 200),
    cea=st.floats(0, 2000),
)
def test_fong_in_range_and_monotone_in_cea(
    node: bool, sync: bool, n: int, size: float, cea: float
) -> None:
    v = _values(
        node_positive=node,
        timing="synchronous" if sync else "metachronous",
        lesion_count=n,
        largest_diameter_mm=size,
        cea_ng_ml=cea,
    )
    score = computed_scores(v)["fong_crs"]
    assert score is not None and 0 <= score <= 5
    higher = computed_scores({**v, "cea_ng_ml": cea + 500})["fong_crs"]
    assert higher is not None and higher >= score
