"""Invariants of the planner (hypothesis), and the requirement's edge cases from a case document
(knowledge base A2: a requirement that is only a lower bound, Child-Pugh B barring a major
hepatectomy, missing height or weight)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livermdt.case import parse_case
from livermdt.imaging.phantom import Phantom, make_phantom
from livermdt.imaging.plan import plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

tumour = st.tuples(
    st.integers(1, 8),
    st.tuples(*(st.floats(-6.0, 6.0) for _ in range(3))),
    st.floats(3.0, 12.0),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tumours=st.lists(tumour, min_size=1, max_size=3),
    margin_mm=st.sampled_from([0.0, 1.0, 4.0]),
)
def test_every_listed_option_clears_and_accounts_for_every_voxel(
    tumours: list[tuple[int, tuple[float, float, float], float]], margin_mm: float
) -> None:
    p = make_phantom(
        (80, 64, 56),
        (2.5, 2.5, 2.5),
        tumours=[((seg, off), r) for seg, off, r in tumours],
        vessels=(),
    )
    result = plan(p.label_maps, margin_mm=margin_mm, telv_ml=1500.0, required_sflr=0.3)
    ids = {t.id for t in result.tumours}
    tier = {True: 0, None: 1, False: 2}
    keys = [(tier[o.adequate], o.parenchyma_lost_ml) for o in result.options]
    assert keys == sorted(keys)
    for o in result.options:
        assert o.clears_all_tumours and o.remnant_contiguous
        assert len(o.remnant_segments) >= 2
        assert set(o.remnant_segments).isdisjoint(o.segments_removed)
        assert {c.id for c in o.tumours} == ids
        for c in o.tumours:
            if c.by != "ablation":
                assert c.margin_mm is not None and c.margin_mm >= margin_mm and c.margin_mm > 0
        total = o.resected_volume_ml + o.ablated_volume_ml + o.flr_volume_ml
        assert total == pytest.approx(result.liver_volume_ml)
        assert 0.0 <= o.flr_volume_ml <= result.liver_volume_ml
        assert o.adequate is (o.sflr >= 0.3)
    if result.recommended_option is not None:
        assert result.options[result.recommended_option].adequate is True
        assert all(o.adequate is not True for o in result.options[: result.recommended_option])


# --- the requirement from a case (A2) --------------------------------------------------------
@pytest.fixture(scope="module")
def seg6() -> Phantom:
    return make_phantom(tumours=[(6, 10.0)], vessels=())


def _case(**liver: Any) -> Any:
    doc = json.loads((EXAMPLES / "example-1-resectable.json").read_text())
    doc["liver"] = liver
    return parse_case(doc)


def test_lower_bound_requirement_leaves_middle_remnants_undetermined(seg6: Phantom) -> None:
    """Example 1 with the liver background and portal hypertension unknown: at least 0.20 is
    required and up to 0.40 (fibrosis) may be; an sFLR between them is undetermined."""
    result = plan(seg6.label_maps, case=_case())
    assert result.required_sflr == pytest.approx(0.20)
    assert "liver.background" in result.missing
    for o in result.options:
        if o.sflr < 0.20:
            assert o.adequate is False
        elif o.sflr < 0.40 or o.major:
            assert o.adequate is None
        else:
            assert o.adequate is True
    assert any(o.adequate is None for o in result.options)


def test_child_pugh_b_bars_major_resections(seg6: Phantom) -> None:
    result = plan(
        seg6.label_maps,
        case=_case(background="cirrhosis", child_pugh_class="B", portal_hypertension=False),
    )
    assert result.required_sflr == pytest.approx(0.40)
    majors = [o for o in result.options if o.major]
    assert majors and all(o.adequate is False for o in majors)
    assert all("contraindicated" in o.reason for o in majors)
    minors = [o for o in result.options if not o.major]
    assert all(o.adequate is (o.sflr >= 0.40) for o in minors)


def test_missing_height_gives_no_telv_and_no_verdict(seg6: Phantom) -> None:
    doc = json.loads((EXAMPLES / "example-1-resectable.json").read_text())
    del doc["patient"]["height_cm"]
    result = plan(seg6.label_maps, case=parse_case(doc))
    assert result.telv_ml is None and result.required_sflr is None
    assert "patient.height_cm" in result.missing
    assert result.sflr_basis == "functional_liver_volume"
    assert all(o.adequate is None for o in result.options)


def test_a_site_threshold_table_changes_ablation_eligibility(seg6: Phantom) -> None:
    from livermdt.knowledge import default_thresholds

    (t,) = plan(seg6.label_maps).tumours
    assert t.ablatable and 15.0 < t.axial_diameter_mm <= 30.0
    site = default_thresholds().with_overrides({"ablation_max_diameter_mm": 15.0})
    result = plan(seg6.label_maps, thresholds=site)
    (t,) = result.tumours
    assert not t.ablatable and "> 15 mm" in t.ablation_reason
    assert not any(o.ablation for o in result.options)
