"""Volumetry on analytic phantoms: exact voxel arithmetic, analytic volumes, diameters and
distances within the discretisation error, and invariance to how the grid is laid out.

Oracles: a sphere of radius r has volume 4/3 pi r^3 and diameter 2r; a voxelised sphere (voxel
centres inside it) differs in volume by at most its surface area times half a voxel diagonal,
and its longest centre-to-centre distance lies in [2r - diagonal, 2r]. The gap between a sphere
and a cylinder whose axis passes at distance L from the centre is L - r - r_vessel.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.errors import ImagingInputError
from livermdt.imaging import LabelMap, combine, volumetry
from livermdt.imaging.phantom import make_phantom
from tests.imaging._shapes import (
    centres_mm,
    cylinder,
    ellipsoid,
    grid_affine,
    reorient,
    rotation,
    sphere,
)

LABELS = {1: "liver", 2: "liver_tumour", 3: "portal_vein", 4: "hepatic_vein"}
TUMOUR_CENTRE = (5.0, -3.0, 2.0)
TUMOUR_R = 9.0
LIVER_RADII = (34.0, 28.0, 24.0)
VESSEL_R = 2.5
VESSEL_L = 17.0  # axis distance from the tumour centre
# portal vein: along z, offset from the tumour centre along x
VESSEL_POINT = (TUMOUR_CENTRE[0] + VESSEL_L, TUMOUR_CENTRE[1], TUMOUR_CENTRE[2])

GRIDS = [
    pytest.param((1.0, 1.0, 1.0), None, id="iso-1mm"),
    pytest.param((0.7, 0.7, 1.5), None, id="aniso-0.7x0.7x1.5"),
    pytest.param((1.2, 0.9, 2.5), None, id="aniso-1.2x0.9x2.5"),
    pytest.param((0.8, 1.1, 1.7), rotation((1, 1, 0), 30.0), id="oblique-30deg"),
    pytest.param((0.9, 0.9, 2.0), np.diag([-1.0, -1.0, 1.0]), id="lps-flipped"),
]


def _scene(spacing: tuple[float, float, float], direction: np.ndarray | None) -> LabelMap:
    extent = np.array([80.0, 70.0, 60.0])
    shape = tuple(math.ceil(float(e) / s) for e, s in zip(extent, spacing, strict=True))
    affine = grid_affine(shape, spacing, direction)
    pts = centres_mm(shape, affine)
    arr = np.zeros(shape, np.uint8)
    arr[ellipsoid(pts, (0.0, 0.0, 0.0), LIVER_RADII)] = 1
    arr[sphere(pts, TUMOUR_CENTRE, TUMOUR_R)] = 2
    arr[cylinder(pts, VESSEL_POINT, (0, 0, 1), VESSEL_R) & (arr == 1)] = 3
    return LabelMap(array=arr, affine=affine, labels=dict(LABELS), source="phantom")


@pytest.mark.parametrize(("spacing", "direction"), GRIDS)
def test_volumes_are_voxel_counts_times_voxel_volume(
    spacing: tuple[float, float, float], direction: np.ndarray | None
) -> None:
    m = _scene(spacing, direction)
    r = volumetry(m)
    vvox = float(np.prod(spacing))
    liver_count = int(np.count_nonzero((m.array == 1) | (m.array == 2)))
    tumour_count = int(np.count_nonzero(m.array == 2))
    assert r.liver_voxels == liver_count and r.tumour_voxels == tumour_count
    assert r.liver_volume_ml == pytest.approx(liver_count * vvox / 1000, rel=1e-12)
    assert r.tumour_volume_ml == pytest.approx(tumour_count * vvox / 1000, rel=1e-12)
    assert r.functional_liver_volume_ml == pytest.approx(
        (liver_count - tumour_count) * vvox / 1000, rel=1e-12
    )


@pytest.mark.parametrize(("spacing", "direction"), GRIDS)
def test_tumour_matches_the_analytic_sphere(
    spacing: tuple[float, float, float], direction: np.ndarray | None
) -> None:
    r = volumetry(_scene(spacing, direction))
    diag = math.sqrt(sum(s * s for s in spacing))
    (t,) = r.tumours
    analytic_ml = 4 / 3 * math.pi * TUMOUR_R**3 / 1000
    bound_ml = 4 * math.pi * TUMOUR_R**2 * diag / 2 / 1000
    assert abs(t.volume_ml - analytic_ml) <= bound_ml
    assert 2 * TUMOUR_R - diag <= t.max_diameter_mm <= 2 * TUMOUR_R + 1e-9
    assert 2 * TUMOUR_R - diag <= t.axial_diameter_mm <= t.max_diameter_mm + 1e-9
    assert np.allclose(t.centroid_mm, TUMOUR_CENTRE, atol=diag / 2)


@pytest.mark.parametrize(("spacing", "direction"), GRIDS)
def test_distance_to_a_vessel_within_one_voxel(
    spacing: tuple[float, float, float], direction: np.ndarray | None
) -> None:
    r = volumetry(_scene(spacing, direction))
    diag = math.sqrt(sum(s * s for s in spacing))
    gap = VESSEL_L - TUMOUR_R - VESSEL_R
    (t,) = r.tumours
    assert set(t.nearest_mm) == {"portal_vein"}  # hepatic_vein is in the table but absent
    assert gap - 1e-9 <= t.nearest_mm["portal_vein"] <= gap + diag


def test_liver_matches_the_analytic_ellipsoid() -> None:
    spacing = (0.6, 0.6, 0.9)
    r = volumetry(_scene(spacing, None))
    a, b, c = LIVER_RADII
    analytic_ml = 4 / 3 * math.pi * a * b * c / 1000
    # Knud Thomsen's approximation of the ellipsoid's surface area (error < 1.1 %), doubled.
    p = 1.6075
    area = 4 * math.pi * (((a * b) ** p + (a * c) ** p + (b * c) ** p) / 3) ** (1 / p)
    diag = math.sqrt(sum(s * s for s in spacing))
    # The vessel is carved out of the liver: add it back before comparing with the ellipsoid.
    m = _scene(spacing, None)
    vessel_ml = int(np.count_nonzero(m.array == 3)) * float(np.prod(spacing)) / 1000
    assert abs(r.liver_volume_ml + vessel_ml - analytic_ml) <= 2 * area * diag / 2 / 1000


def test_tumour_touching_a_vessel_is_at_distance_zero_when_they_overlap() -> None:
    shape = (40, 40, 30)
    affine = grid_affine(shape, (1.0, 1.0, 1.0))
    pts = centres_mm(shape, affine)
    liver = np.zeros(shape, np.uint8)
    liver[ellipsoid(pts, (0, 0, 0), (18, 18, 13))] = 1
    tumour = sphere(pts, (0, 0, 0), 6).astype(np.uint8)
    vessel = cylinder(pts, (5, 0, 0), (0, 0, 1), 2).astype(np.uint8)
    maps = [
        LabelMap(array=liver, affine=affine, labels={1: "liver"}),
        LabelMap(array=tumour, affine=affine, labels={1: "liver_tumour"}),
        LabelMap(array=vessel, affine=affine, labels={1: "hepatic_vein"}),
    ]
    (t,) = volumetry(maps).tumours
    assert t.nearest_mm == {"hepatic_vein": 0.0}


def test_a_crop_does_not_hide_a_nearer_vessel_outside_the_liver() -> None:
    # The IVC runs outside the liver's bounding box; the nearest point must still be found.
    shape = (60, 40, 40)
    affine = grid_affine(shape, (1.0, 1.0, 1.0))
    pts = centres_mm(shape, affine)
    arr = np.zeros(shape, np.uint8)
    arr[ellipsoid(pts, (-10, 0, 0), (15, 15, 15))] = 1
    arr[sphere(pts, (1, 0, 0), 3)] = 2
    arr[cylinder(pts, (12, 0, 0), (0, 0, 1), 2)] = 3
    m = LabelMap(
        array=arr, affine=affine, labels={1: "liver", 2: "liver_tumour", 3: "inferior_vena_cava"}
    )
    (t,) = volumetry(m).tumours
    assert 12 - 1 - 3 - 2 <= t.nearest_mm["inferior_vena_cava"] <= 12 - 1 - 3 - 2 + math.sqrt(3)


def _signature(m: LabelMap) -> tuple[object, ...]:
    r = volumetry(m)
    return (
        r.liver_voxels,
        r.tumour_voxels,
        round(r.liver_volume_ml, 9),
        tuple(
            (
                t.voxel_count,
                round(t.max_diameter_mm, 6),
                round(t.axial_diameter_mm, 6),
                tuple(round(c, 6) for c in t.centroid_mm),
                tuple(sorted((k, round(v, 6)) for k, v in t.nearest_mm.items())),
            )
            for t in r.tumours
        ),
    )


BASE = _scene((1.1, 0.9, 1.6), None)
BASE_SIGNATURE = _signature(BASE)


@settings(max_examples=20, deadline=None)
@given(
    perm=st.permutations([0, 1, 2]),
    flips=st.tuples(st.booleans(), st.booleans(), st.booleans()),
)
def test_results_unchanged_when_axes_are_permuted_or_flipped(
    perm: list[int], flips: tuple[bool, bool, bool]
) -> None:
    arr, affine = reorient(BASE.array, BASE.affine, perm, flips)
    m = LabelMap(array=arr, affine=affine, labels=dict(LABELS))
    assert _signature(m) == BASE_SIGNATURE


def test_several_tumours_get_ids_by_decreasing_volume() -> None:
    shape = (70, 50, 40)
    affine = grid_affine(shape, (1.0, 1.0, 1.0))
    pts = centres_mm(shape, affine)
    arr = np.zeros(shape, np.uint8)
    arr[ellipsoid(pts, (0, 0, 0), (33, 23, 18))] = 1
    for centre, radius in (((-18, 0, 0), 4.0), ((0, 0, 0), 7.0), ((18, 0, 0), 5.0)):
        arr[sphere(pts, centre, radius)] = 2
    r = volumetry(LabelMap(array=arr, affine=affine, labels={1: "liver", 2: "liver_tumour"}))
    assert [t.id for t in r.tumours] == ["T1", "T2", "T3"]
    assert [round(t.centroid_mm[0]) for t in r.tumours] == [0, 18, -18]
    assert r.tumours[0].volume_ml > r.tumours[1].volume_ml > r.tumours[2].volume_ml


def test_diagonal_neighbours_are_one_component_26_connectivity() -> None:
    arr = np.zeros((10, 10, 10), np.uint8)
    arr[1:9, 1:9, 1:9] = 1
    arr[3, 3, 3] = 2
    arr[4, 4, 4] = 2  # touches the first only at a corner
    arr[6, 3, 3] = 2  # separate
    m = LabelMap(array=arr, affine=np.eye(4), labels={1: "liver", 2: "liver_tumour"})
    r = volumetry(m)
    assert [t.voxel_count for t in r.tumours] == [2, 1]
    assert r.tumours[0].max_diameter_mm == pytest.approx(math.sqrt(3))
    assert r.tumours[1].max_diameter_mm == 0.0


def test_edge_touching_masks_are_measured_and_flagged() -> None:
    arr = np.zeros((10, 10, 10), np.uint8)
    arr[0:6, 2:8, 2:8] = 1
    arr[0:2, 4:6, 4:6] = 2
    r = volumetry(LabelMap(array=arr, affine=np.eye(4), labels={1: "liver", 2: "liver_tumour"}))
    assert r.liver_voxels == 6 * 6 * 6
    assert "liver mask touches the image edge: the volume may be incomplete" in r.warnings
    assert any(w.startswith("tumour T1 touches the image edge") for w in r.warnings)
    inside = arr.copy()
    inside[0] = 0
    r2 = volumetry(LabelMap(array=inside, affine=np.eye(4), labels={1: "liver", 2: "liver_tumour"}))
    assert r2.warnings == ()


def test_empty_liver_and_different_grids_are_errors() -> None:
    empty = LabelMap(array=np.zeros((4, 4, 4), np.uint8), affine=np.eye(4), labels={1: "liver"})
    with pytest.raises(ImagingInputError, match="empty liver"):
        volumetry(empty)
    only_tumour = LabelMap(
        array=np.ones((4, 4, 4), np.uint8), affine=np.eye(4), labels={1: "liver_tumour"}
    )
    with pytest.raises(ImagingInputError, match="empty liver"):
        volumetry(only_tumour)
    arr = np.ones((4, 4, 4), np.uint8)
    a = LabelMap(array=arr, affine=np.eye(4), labels={1: "liver"}, source="a.nii.gz")
    b = LabelMap(
        array=arr, affine=np.diag([2.0, 1.0, 1.0, 1.0]), labels={1: "liver"}, source="b.nii.gz"
    )
    with pytest.raises(ImagingInputError) as err:
        combine([a, b])
    message = str(err.value)
    assert "a.nii.gz has shape 4x4x4, spacing 1x1x1 mm" in message
    assert "b.nii.gz has shape 4x4x4, spacing 2x1x1 mm" in message


# -- Couinaud segments, with the planner's phantom -----------------------------------------
PHANTOM = make_phantom(
    (96, 80, 64),
    (2.2, 2.0, 2.4),
    tumours=[((7, (0.0, 0.0, 0.0)), 12.0), ((3, (0.0, 0.0, 0.0)), 6.0)],
)


def test_segment_volumes_add_up_and_include_their_tumours() -> None:
    r = volumetry(PHANTOM.label_maps)
    vvox = PHANTOM.voxel_volume_mm3
    for k in range(1, 9):
        count = int(np.count_nonzero(PHANTOM.segments == k))
        in_tumour = int(np.count_nonzero((PHANTOM.segments == k) & PHANTOM.tumour))
        assert r.segments[k].volume_ml == pytest.approx(count * vvox / 1000, rel=1e-12)
        assert r.segments[k].tumour_volume_ml == pytest.approx(in_tumour * vvox / 1000, rel=1e-12)
    assert sum(s.volume_ml for s in r.segments.values()) == pytest.approx(r.liver_volume_ml)
    assert r.tumours[0].segments == {7: 1.0} and r.tumours[1].segments == {3: 1.0}


def test_one_map_with_tumour_replacing_segments_gives_the_same_segments() -> None:
    # In one multi-label map the tumour label hides the segment; each tumour voxel takes the
    # nearest segment, which for tumours well inside one segment is that segment.
    separate = volumetry(PHANTOM.label_maps)
    single = volumetry([PHANTOM.combined_map, PHANTOM.vessel_map])
    assert single.liver_voxels == separate.liver_voxels
    for k in range(1, 9):
        assert single.segments[k].volume_ml == pytest.approx(separate.segments[k].volume_ml)
        assert single.segments[k].tumour_volume_ml == pytest.approx(
            separate.segments[k].tumour_volume_ml
        )
    assert [t.segments for t in single.tumours] == [t.segments for t in separate.tumours]


def test_a_tumour_across_a_segment_boundary_is_split_by_nearest_segment() -> None:
    arr = np.zeros((20, 10, 10), np.uint8)
    arr[1:10, 1:9, 1:9] = 7
    arr[10:19, 1:9, 1:9] = 8
    arr[6:12, 3:7, 3:7] = 9  # 4 slices in segment 7's half, 2 in segment 8's
    labels = {7: "liver_segment_7", 8: "liver_segment_8", 9: "liver_tumour"}
    (t,) = volumetry(LabelMap(array=arr, affine=np.eye(4), labels=labels)).tumours
    assert t.segments == {7: pytest.approx(4 / 6), 8: pytest.approx(2 / 6)}


def test_the_enclosed_shortcut_agrees_with_the_distance_transform(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import livermdt.imaging.anatomy as anatomy_module

    maps = [PHANTOM.combined_map, PHANTOM.vessel_map]
    fast = volumetry(maps)
    monkeypatch.setattr(anatomy_module, "_fill_enclosed", lambda *_: False)
    slow = volumetry(maps)
    assert [t.segments for t in fast.tumours] == [t.segments for t in slow.tumours]
    assert fast.segments == slow.segments
