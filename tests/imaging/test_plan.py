"""Resection planning on phantoms whose correct answer is known.

Oracles: the answers follow from the phantom's construction (which segment holds each tumour, which
segments a procedure removes: case-v1 "Vocabularies") and from brute-force computations on the full
grid with ``scipy.ndimage.distance_transform_edt`` (the obvious alternative to the planner's
tables): the margin of a resection is the smallest distance from a tumour voxel to a remnant voxel,
a wedge is every liver voxel within the margin of the tumour. Requirements follow the knowledge base
A1 (TELV, Vauthey), A2 (required sFLR), A6 (ablation <= 30 mm, minimal ablative margin 5 mm) and
A7 (two-stage hepatectomy, PVE).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from livermdt.errors import ImagingInputError
from livermdt.imaging import combine
from livermdt.imaging.labelmap import LabelMap
from livermdt.imaging.phantom import Phantom, VesselSpec, make_phantom
from livermdt.imaging.plan import PLAN_SCHEMA, ResectionPlan, plan

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# --- oracles --------------------------------------------------------------------------------
def oracle_margin_mm(p: Phantom, removed: set[int]) -> float:
    """Smallest distance (mm) from a tumour voxel to a remnant voxel, by a full-grid EDT."""
    remnant = (p.segments > 0) & ~np.isin(p.segments, sorted(removed))
    d = ndimage.distance_transform_edt(~remnant, sampling=p.spacing_mm)
    return float(d[p.tumour].min())


def oracle_within_ml(p: Phantom, reach_mm: float) -> float:
    """Liver volume (mL) within ``reach_mm`` of the tumours, by a full-grid EDT."""
    d = ndimage.distance_transform_edt(~p.tumour, sampling=p.spacing_mm)
    return float(((d <= reach_mm) & (p.segments > 0)).sum()) * p.voxel_volume_mm3 / 1000.0


def segments_ml(p: Phantom, segs: set[int]) -> float:
    return float(np.isin(p.segments, sorted(segs)).sum()) * p.voxel_volume_mm3 / 1000.0


def by_parts(result: ResectionPlan, *parts: str) -> list[int]:
    return [i for i, o in enumerate(result.options) if o.parts == parts]


# --- a single tumour in segment 6 -----------------------------------------------------------
@pytest.fixture(scope="module")
def seg6() -> Phantom:
    return make_phantom(tumours=[(6, 10.0)])


@pytest.fixture(scope="module")
def seg6_plan(seg6: Phantom) -> ResectionPlan:
    return plan(seg6.label_maps)


def test_segment6_tumour_is_found_in_segment6(seg6_plan: ResectionPlan) -> None:
    (t,) = seg6_plan.tumours
    assert t.id == "T1"
    assert set(t.segments) == {6}
    assert t.ablatable and t.wedge_possible


def test_right_posterior_sectionectomy_clears_segment6_tumour(
    seg6: Phantom, seg6_plan: ResectionPlan
) -> None:
    (i,) = by_parts(seg6_plan, "right posterior sectionectomy (6, 7)")
    rps = seg6_plan.options[i]
    assert rps.procedure == "right_posterior_sectionectomy"
    assert rps.segments_removed == (6, 7)
    assert rps.remnant_segments == (1, 2, 3, 4, 5, 8)
    assert rps.clears_all_tumours and rps.remnant_contiguous
    assert rps.tumours[0].by == "resection"
    # Volumes are voxel counts: removed segments exactly, the rest is the remnant.
    assert rps.resected_volume_ml == pytest.approx(segments_ml(seg6, {6, 7}), abs=1e-6)
    assert rps.flr_volume_ml == pytest.approx(segments_ml(seg6, {1, 2, 3, 4, 5, 8}), abs=1e-6)
    # The margin is the exact Euclidean distance to the remnant (full-grid EDT oracle).
    assert rps.min_margin_mm == pytest.approx(oracle_margin_mm(seg6, {6, 7}), abs=1e-6)
    assert "T1 by resection" in rps.reason


def test_ranking_puts_the_parenchyma_sparing_option_first(seg6_plan: ResectionPlan) -> None:
    """Without a case every remnant's adequacy is undetermined, so the ranking is by parenchyma
    spared: the wedge (tumour + 1 mm) first, ablation (tumour + 5 mm zone, A6) next, then
    segmentectomy 6 before the right posterior sectionectomy before the right hepatectomy."""
    first = seg6_plan.options[0]
    assert first.procedure == "non_anatomical" and first.segments_removed == ()
    assert [w.tumours for w in first.non_anatomical] == [("T1",)]
    assert seg6_plan.options[1].procedure == "ablation"
    seg = by_parts(seg6_plan, "segmentectomy 6")[0]
    rps = by_parts(seg6_plan, "right posterior sectionectomy (6, 7)")[0]
    rh = by_parts(seg6_plan, "right hepatectomy (5-8)")[0]
    assert 1 < seg < rps < rh
    lost = [o.parenchyma_lost_ml for o in seg6_plan.options]
    assert lost == sorted(lost)
    # No segment without tumour is removed on its own (every part holds tumour).
    assert all(6 in o.segments_removed or not o.segments_removed for o in seg6_plan.options)


def test_without_a_case_adequacy_is_not_guessed(seg6: Phantom, seg6_plan: ResectionPlan) -> None:
    assert seg6_plan.sflr_basis == "functional_liver_volume"
    assert seg6_plan.required_sflr is None and seg6_plan.telv_ml is None
    assert seg6_plan.recommended_option is None
    assert all(o.adequate is None and o.required_sflr is None for o in seg6_plan.options)
    assert any("never guessed" in n for n in seg6_plan.notes)
    functional = seg6_plan.functional_liver_volume_ml
    rps = seg6_plan.options[by_parts(seg6_plan, "right posterior sectionectomy (6, 7)")[0]]
    assert rps.sflr == pytest.approx(rps.flr_volume_ml / functional)


def test_wedge_and_ablation_volumes_match_the_oracle(
    seg6: Phantom, seg6_plan: ResectionPlan
) -> None:
    wedge, ablation = seg6_plan.options[0], seg6_plan.options[1]
    assert wedge.resected_volume_ml == pytest.approx(oracle_within_ml(seg6, 1.0), abs=1e-6)
    assert wedge.non_anatomical[0].volume_ml == pytest.approx(wedge.resected_volume_ml)
    # The wedge leaves the remnant more than the margin away from the tumour.
    assert wedge.min_margin_mm is not None and wedge.min_margin_mm > 1.0
    assert ablation.resected_volume_ml == 0.0
    assert ablation.ablated_volume_ml == pytest.approx(oracle_within_ml(seg6, 5.0), abs=1e-6)
    assert ablation.ablation == ("T1",) and ablation.min_margin_mm is None
    # Every voxel is resected, ablated or left in the remnant, once.
    liver = seg6_plan.liver_volume_ml
    for o in seg6_plan.options:
        assert o.resected_volume_ml + o.ablated_volume_ml + o.flr_volume_ml == pytest.approx(liver)


def test_with_telv_and_requirement_the_sparing_adequate_option_is_recommended(
    seg6: Phantom,
) -> None:
    result = plan(seg6.label_maps, telv_ml=1500.0, required_sflr=0.30)
    assert result.sflr_basis == "telv"
    assert result.recommended_option == 0
    assert result.options[0].procedure == "non_anatomical"
    assert result.two_stage is None
    for o in result.options:
        assert o.sflr == pytest.approx(o.flr_volume_ml / 1500.0)
        # A2: adequate when sFLR >= the requirement, below / at / above tested by the ranking.
        assert o.adequate is (o.sflr >= 0.30)
    adequate = [o.adequate for o in result.options]
    assert adequate == sorted(adequate, key=lambda a: {True: 0, None: 1, False: 2}[a])


def test_case_gives_telv_and_requirement(seg6: Phantom) -> None:
    """Example 2 of the shared examples: 160 cm, 62 kg -> BSA 1.660 m2, TELV 1309.3 mL (A1);
    more than 12 weeks of chemotherapy -> 0.30 required (A2)."""
    from livermdt.case import load_case

    case = load_case(EXAMPLES / "example-2-small-remnant.json")
    result = plan(seg6.label_maps, case=case)
    assert result.telv_ml == pytest.approx(1309.3, abs=0.1)
    assert result.required_sflr == pytest.approx(0.30)
    assert result.recommended_option == 0
    assert "vauthey-2002-telv" in result.evidence
    rh = result.options[by_parts(result, "right hepatectomy (5-8)")[0]]
    assert rh.sflr == pytest.approx(rh.flr_volume_ml / result.telv_ml)


# --- the margin threshold: below / at / above -----------------------------------------------
@pytest.fixture(scope="module")
def near_boundary() -> Phantom:
    # Segment 6 tumour whose top lies a few mm below the 6/7 plane (z = 0).
    return make_phantom(tumours=[((57.0, -21.0, -11.0), 8.0)], vessels=())


def test_margin_threshold_below_at_above(near_boundary: Phantom) -> None:
    d = oracle_margin_mm(near_boundary, {6})
    assert 1.0 < d < 8.0
    for margin, clears in [(d - 0.01, True), (d, True), (d + 0.01, False)]:
        result = plan(near_boundary.label_maps, margin_mm=margin)
        alone = by_parts(result, "segmentectomy 6")
        assert bool(alone) is clears, margin
        rps = result.options[by_parts(result, "right posterior sectionectomy (6, 7)")[0]]
        assert rps.min_margin_mm is not None and rps.min_margin_mm >= margin
        for o in result.options:
            assert o.min_margin_mm is None or o.min_margin_mm >= margin


# --- bilateral disease with a small remnant: two-stage --------------------------------------
@pytest.fixture(scope="module")
def bilateral() -> Phantom:
    return make_phantom(
        tumours=[
            ((57.0, -21.0, 0.0), 27.0),  # 54 mm across the 6/7 plane
            ((28.5, 28.0, 0.0), 26.0),  # 52 mm across the 5/8 plane
            (3, 6.0),  # 12 mm in segment 3
            (4, 6.0),  # 12 mm in segment 4
        ],
        vessels=(),
    )


def test_bilateral_small_remnant_gives_two_stage(bilateral: Phantom) -> None:
    telv, required = 2200.0, 0.40
    result = plan(bilateral.label_maps, telv_ml=telv, required_sflr=required)
    big = [t.id for t in result.tumours if t.max_diameter_mm > 50]
    small = [t.id for t in result.tumours if t.max_diameter_mm < 20]
    assert len(big) == 2 and len(small) == 2
    assert all(not t.wedge_possible and not t.ablatable for t in result.tumours if t.id in big)
    # No one-stage option leaves an adequate remnant ...
    assert result.options and all(o.adequate is False for o in result.options)
    assert result.recommended_option is None
    # ... so A7: stage 1 clears the future remnant, PVE of the right portal vein, then a right
    # hepatectomy.
    ts = result.two_stage
    assert ts is not None
    assert ts.strategy == "two_stage_hepatectomy"
    assert ts.stage2_procedure == "right_hepatectomy"
    assert ts.stage2_segments_removed == (5, 6, 7, 8)
    assert ts.pve_target == "right portal vein"
    stage1 = {i for w in ts.stage1_wedges for i in w.tumours} | set(ts.stage1_ablation)
    assert stage1 == set(small)
    assert ts.flr_needed_ml == pytest.approx(required * telv)
    assert ts.growth_needed_ml == pytest.approx(required * telv - ts.flr_volume_ml)
    assert ts.sflr == pytest.approx(ts.flr_volume_ml / telv)
    assert ts.sflr < required
    assert ts.flr_volume_ml < segments_ml(bilateral, {1, 2, 3, 4})
    assert "bednarsch-2020-alpps-tsh" in ts.evidence


def test_bilateral_with_a_large_enough_remnant_needs_no_two_stage(bilateral: Phantom) -> None:
    result = plan(bilateral.label_maps, telv_ml=1500.0, required_sflr=0.20)
    assert result.two_stage is None
    assert result.recommended_option == 0
    best = result.options[0]
    assert best.adequate is True
    assert {5, 6, 7, 8} <= set(best.segments_removed)


# --- ablation threshold (A6: <= 30 mm), below / at / above ----------------------------------
@pytest.mark.parametrize(("radius_mm", "ablatable"), [(14.5, True), (15.0, True), (15.5, False)])
def test_ablation_threshold(radius_mm: float, ablatable: bool) -> None:
    # 1 mm voxels centred on integers and a tumour centred on a voxel: a sphere of radius 15 mm
    # measures exactly 30 mm between voxel centres.
    p = make_phantom(
        (191, 141, 121), (1.0, 1.0, 1.0), tumours=[((57.0, -21.0, -24.0), radius_mm)], vessels=()
    )
    result = plan(p.label_maps)
    (t,) = result.tumours
    # Compared at 1e-6 mm: affine arithmetic may give 30.000000000000004 for 30 mm.
    assert (round(t.axial_diameter_mm, 6) <= 30.0) is ablatable
    if radius_mm == 15.0:
        assert t.axial_diameter_mm == pytest.approx(30.0)
    assert t.ablatable is ablatable
    assert any(o.ablation for o in result.options) is ablatable


# --- wedges refused near a major vessel ------------------------------------------------------
def test_no_wedge_when_the_margin_reaches_the_portal_vein() -> None:
    vein = VesselSpec("portal_vein", ((57.0, -21.0, -40.0), (57.0, -21.0, -30.0)), 3.0)
    p = make_phantom(tumours=[(6, 7.0)], vessels=[vein])
    result = plan(p.label_maps)
    (t,) = result.tumours
    assert not t.wedge_possible
    assert "portal vein" in t.wedge_reason
    assert not any(o.non_anatomical for o in result.options)


# --- invariance to the grid ------------------------------------------------------------------
@pytest.mark.parametrize(
    "direction",
    [
        np.diag([-1.0, 1.0, -1.0]),
        np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]),
    ],
)
def test_flipped_and_permuted_grids_give_the_same_plan(direction: np.ndarray) -> None:
    tumours = [(6, 9.0), (3, 5.0)]
    base = plan(make_phantom((120, 120, 120), (1.6, 1.6, 1.6), tumours=tumours).label_maps)
    moved = plan(
        make_phantom(
            (120, 120, 120), (1.6, 1.6, 1.6), direction=direction, tumours=tumours
        ).label_maps
    )
    assert [o.label for o in moved.options] == [o.label for o in base.options]
    for a, b in zip(moved.options, base.options, strict=True):
        assert a.resected_volume_ml == pytest.approx(b.resected_volume_ml)
        assert a.flr_volume_ml == pytest.approx(b.flr_volume_ml)
        assert (a.min_margin_mm is None) == (b.min_margin_mm is None)
        if a.min_margin_mm is not None and b.min_margin_mm is not None:
            assert a.min_margin_mm == pytest.approx(b.min_margin_mm)


# --- the JSON document -----------------------------------------------------------------------
def test_plan_json_follows_imaging_v1(seg6_plan: ResectionPlan) -> None:
    doc = json.loads(json.dumps(seg6_plan.to_dict(), allow_nan=False))
    assert doc["schema"] == PLAN_SCHEMA == "livermdt/plan/v1"
    spec_keys = {
        "procedure", "segments_removed", "non_anatomical", "ablation", "clears_all_tumours",
        "min_margin_mm", "resected_volume_ml", "flr_volume_ml", "sflr", "required_sflr",
        "adequate", "remnant_contiguous",
    }  # fmt: skip
    for option in doc["options"]:
        assert spec_keys <= set(option)
        assert option["reason"]
    assert doc["recommended_option"] is None
    assert doc["two_stage"] is None
    rps = next(o for o in doc["options"] if o["procedure"] == "right_posterior_sectionectomy")
    assert rps["segments_removed"] == [6, 7]


# --- refusals --------------------------------------------------------------------------------
def test_no_tumour_is_refused() -> None:
    p = make_phantom(vessels=())
    with pytest.raises(ImagingInputError, match="no tumour"):
        plan(p.label_maps)


def test_no_segments_is_refused() -> None:
    p = make_phantom(tumours=[(6, 8.0)], vessels=())
    liver = LabelMap(
        array=(p.segments > 0).astype(np.uint8) + p.tumour.astype(np.uint8),
        affine=p.affine,
        labels={1: "liver", 2: "liver_tumour"},
    )
    with pytest.raises(ImagingInputError, match="segments"):
        plan([liver])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin_mm": -1.0},
        {"margin_mm": math.nan},
        {"telv_ml": 0.0},
        {"required_sflr": 1.5},
        {"max_parts": 0},
        {"max_options": 0},
    ],
)
def test_invalid_arguments_are_refused(seg6: Phantom, kwargs: dict[str, float]) -> None:
    with pytest.raises(ImagingInputError):
        plan(seg6.label_maps, **kwargs)  # type: ignore[arg-type]


def test_anatomy_and_label_maps_give_the_same_plan(seg6: Phantom, seg6_plan: ResectionPlan) -> None:
    again = plan(combine(list(seg6.label_maps)))
    assert again.to_dict() == seg6_plan.to_dict()


def test_sheared_grid_margins_match_a_brute_force_oracle() -> None:
    """A sheared grid (gantry tilt) is not orthogonal: the planner falls back to distances
    between all voxel centres; the oracle measures them by brute force in patient mm."""
    from scipy.spatial import cKDTree

    affine = np.array(
        [[3.0, 0, 0.8, -100.0], [0, 3.0, 0, -80.0], [0, 0, 3.0, -70.0], [0, 0, 0, 1.0]]
    )
    p = make_phantom((70, 55, 48), affine=affine, tumours=[(6, 10.0)], vessels=())
    result = plan(p.label_maps)
    mm = np.indices(p.segments.shape).reshape(3, -1).T @ affine[:3, :3].T + affine[:3, 3]
    seg, tum = p.segments.ravel(), p.tumour.ravel()
    checked = 0
    for o in result.options:
        if o.non_anatomical or o.ablation:
            continue
        remnant = np.isin(seg, o.remnant_segments)
        d, _ = cKDTree(mm[remnant]).query(mm[tum])
        assert o.min_margin_mm == pytest.approx(float(d.min()))
        checked += 1
    assert checked >= 3


def test_liver_voxels_without_a_segment_take_the_nearest_segment() -> None:
    p = make_phantom((100, 80, 70), (2.0, 2.0, 2.0), tumours=[(6, 8.0)], vessels=())
    holes = p.segments.copy()
    holes[:, :, 30:33] = 0  # a slab the segmentation tool left unlabelled ...
    holes[p.tumour] = p.segments[p.tumour]
    segments = LabelMap(array=holes, affine=p.affine, labels=p.segments_map.labels)
    liver = LabelMap(  # ... inside the liver mask of another tool
        array=(p.segments > 0).astype(np.uint8), affine=p.affine, labels={1: "liver"}
    )
    result = plan([segments, liver, p.tumour_map])
    unlabelled_ml = float(((p.segments > 0) & (holes == 0)).sum()) * p.voxel_volume_mm3 / 1000
    assert unlabelled_ml > 0
    assert any(f"{unlabelled_ml:.1f} mL of liver without a segment" in n for n in result.notes)
    assert sum(result.segment_volumes_ml.values()) == pytest.approx(result.liver_volume_ml)
    assert result.liver_volume_ml == pytest.approx(segments_ml(p, set(range(1, 9))))


def test_right_liver_tumour_with_a_small_remnant_gives_pve_then_resection() -> None:
    """A7: no tumour in the future remnant, so no first stage: PVE, then the right hepatectomy."""
    p = make_phantom(tumours=[((35.0, -5.0, 0.0), 30.0)], vessels=())
    result = plan(p.label_maps, telv_ml=2200.0, required_sflr=0.40)
    assert all(o.adequate is False for o in result.options)
    assert all({5, 6, 7, 8} <= set(o.segments_removed) for o in result.options)
    ts = result.two_stage
    assert ts is not None
    assert ts.strategy == "pve_then_resection"
    assert ts.stage1_wedges == () and ts.stage1_ablation == ()
    assert ts.stage2_procedure == "right_hepatectomy"
    assert ts.pve_target == "right portal vein"
    assert ts.flr_volume_ml == pytest.approx(segments_ml(p, {1, 2, 3, 4}))
    assert ts.growth_needed_fraction == pytest.approx(880.0 / ts.flr_volume_ml - 1.0)


def test_more_than_64_wedges_and_zones_are_counted_exactly() -> None:
    """40 small tumours give 40 wedges and 40 ablation zones: the coverage table needs two
    64-bit words per voxel. The ablation-only and wedge-only plans are checked against the
    full-grid oracle."""
    p = make_phantom(
        (100, 80, 70),
        (2.0, 2.0, 2.0),
        random_tumours=40,
        random_radius_mm=(2.5, 4.0),
        random_gap_mm=12.0,
        seed=7,
        vessels=(),
    )
    result = plan(p.label_maps, max_options=400)
    assert len(result.tumours) == 40
    ablation_only = [o for o in result.options if o.procedure == "ablation"]
    wedge_only = [o for o in result.options if not o.segments_removed and not o.ablation]
    assert len(ablation_only) == 1 and len(wedge_only) == 1
    assert ablation_only[0].ablated_volume_ml == pytest.approx(oracle_within_ml(p, 5.0))
    assert wedge_only[0].resected_volume_ml == pytest.approx(oracle_within_ml(p, 1.0))
    for o in result.options:
        total = o.resected_volume_ml + o.ablated_volume_ml + o.flr_volume_ml
        assert total == pytest.approx(result.liver_volume_ml)
