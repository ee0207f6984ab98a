"""The phantom generator: analytic truth, segment arrangement, invariance to the grid.

The expected values are analytic: the ellipsoid volume 4/3·π·a·b·c and sphere volumes 4/3·π·r³;
voxelisation by voxel centres approximates them within a surface-sampling error that shrinks with
the spacing (the tolerances below are a few percent, the size of one voxel shell).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from livermdt.errors import ImagingInputError
from livermdt.imaging.phantom import (
    SEGMENT_ANCHORS,
    TumourSpec,
    VesselSpec,
    make_phantom,
    save_nifti,
    segment_of_point,
)

RADII = (95.0, 70.0, 60.0)


def _counts(segments: np.ndarray) -> list[int]:
    return [int(v) for v in np.bincount(segments.ravel(), minlength=9)]


def test_liver_volume_matches_the_ellipsoid() -> None:
    p = make_phantom((140, 110, 90), (1.5, 1.5, 1.5), vessels=())
    measured_ml = float((p.segments > 0).sum()) * p.voxel_volume_mm3 / 1000.0
    expected_ml = 4.0 / 3.0 * math.pi * 95 * 70 * 60 / 1000.0
    assert p.truth.liver_volume_ml == pytest.approx(expected_ml)
    assert measured_ml == pytest.approx(expected_ml, rel=0.01)


def test_every_segment_is_present_and_anchors_fall_in_their_segment() -> None:
    p = make_phantom(vessels=())
    counts = _counts(p.segments)
    assert all(counts[s] > 0 for s in range(1, 9))
    for seg in SEGMENT_ANCHORS:
        assert segment_of_point(p.anchor_mm(seg)) == seg
    # Right hemiliver (5-8) larger than the left (2-4), caudate the smallest, as in real livers.
    right = sum(counts[s] for s in (5, 6, 7, 8))
    left = sum(counts[s] for s in (2, 3, 4))
    assert right > left
    assert counts[1] == min(counts[1:])


def test_segment_arrangement_follows_couinaud() -> None:
    # +x patient right, +y anterior, +z superior (RAS+).
    assert segment_of_point((70.0, -30.0, -30.0)) == 6  # right posterior inferior
    assert segment_of_point((70.0, -30.0, 30.0)) == 7  # right posterior superior
    assert segment_of_point((25.0, 40.0, 30.0)) == 8  # right anterior superior
    assert segment_of_point((25.0, 40.0, -30.0)) == 5  # right anterior inferior
    assert segment_of_point((-25.0, 30.0, 0.0)) == 4  # left medial
    assert segment_of_point((-70.0, -10.0, 25.0)) == 2  # left lateral superior
    assert segment_of_point((-70.0, 20.0, -25.0)) == 3  # left lateral inferior
    assert segment_of_point((-9.5, -55.0, 0.0)) == 1  # caudate: central posterior
    assert segment_of_point((200.0, 0.0, 0.0)) == 0  # outside the liver


def _adjacent_pairs(segments: np.ndarray) -> set[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for axis in range(3):
        a = np.moveaxis(segments, axis, 0)
        x, y = a[:-1].ravel(), a[1:].ravel()
        m = (x != y) & (x > 0) & (y > 0)
        for u, v in zip(x[m].tolist(), y[m].tolist(), strict=True):
            pairs.add((min(u, v), max(u, v)))
    return pairs


def test_anatomical_neighbours_touch_so_remnants_can_be_contiguous() -> None:
    pairs = _adjacent_pairs(make_phantom(vessels=()).segments)
    for pair in [(2, 3), (2, 4), (3, 4), (4, 5), (4, 8), (5, 6), (5, 8), (6, 7), (7, 8), (1, 4)]:
        assert pair in pairs, pair
    # The left lateral section does not touch the right posterior sector.
    assert (2, 6) not in pairs and (3, 7) not in pairs and (3, 6) not in pairs


def test_tumour_truth_and_voxels() -> None:
    p = make_phantom(
        (140, 110, 90),
        (1.0, 1.0, 1.5),
        tumours=[((6, (0.0, 0.0, 0.0)), 12.0), ((-20.0, 25.0, 5.0), 8.0), (2, 6.0)],
        vessels=(),
    )
    assert [t.segment for t in p.truth.tumours] == [6, 4, 2]
    assert all(t.inside_liver for t in p.truth.tumours)
    total = sum(t.volume_ml for t in p.truth.tumours)
    assert total == pytest.approx(4 / 3 * math.pi * (12**3 + 8**3 + 6**3) / 1000)
    measured = float(p.tumour.sum()) * p.voxel_volume_mm3 / 1000.0
    assert measured == pytest.approx(total, rel=0.05)
    _labels, n = ndimage.label(p.tumour, structure=np.ones((3, 3, 3)))
    assert n == 3
    # Tumour voxels keep their segment label (a segment's volume includes its tumour).
    assert (p.segments[p.tumour] > 0).all()


def test_tumour_is_clipped_to_the_liver_and_flagged() -> None:
    p = make_phantom(tumours=[((94.0, 0.0, 0.0), 10.0)], vessels=())
    (t,) = p.truth.tumours
    assert not t.inside_liver
    assert (p.segments[p.tumour] > 0).all()
    assert 0 < p.tumour.sum() * p.voxel_volume_mm3 / 1000 < t.volume_ml


def test_default_vessels_are_labelled() -> None:
    p = make_phantom()
    present = set(np.unique(p.vessels).tolist())
    assert present == {0, 1, 2, 3}
    names = {v.name for v in p.truth.vessels}
    assert names == {"portal_vein", "hepatic_vein", "inferior_vena_cava"}


def test_tube_volume_matches_a_cylinder() -> None:
    v = VesselSpec("portal_vein", ((-40.0, 0.0, 0.0), (40.0, 0.0, 0.0)), 5.0)
    p = make_phantom((120, 60, 60), (0.5, 0.5, 0.5), vessels=[v], liver_radii_mm=(20, 10, 10))
    measured = float((p.vessels == 1).sum()) * p.voxel_volume_mm3
    capsule = math.pi * 25 * 80 + 4 / 3 * math.pi * 125  # cylinder + two hemispheres
    # The 120 x 0.5 mm field stops at ±29.75 mm: the capsule is cut there.
    cut = math.pi * 25 * 59.5
    assert measured == pytest.approx(cut, rel=0.03)
    assert measured < capsule


FLIPS = [
    np.diag([-1.0, 1.0, 1.0]),
    np.diag([1.0, -1.0, -1.0]),
    np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]),  # permuted axes
]


@pytest.mark.parametrize("direction", FLIPS)
def test_flips_and_permutations_keep_every_count(direction: np.ndarray) -> None:
    spacing = (1.5, 1.5, 1.5)
    base = make_phantom((128, 128, 128), spacing, tumours=[(6, 10.0)])
    moved = make_phantom((128, 128, 128), spacing, direction=direction, tumours=[(6, 10.0)])
    assert _counts(moved.segments) == _counts(base.segments)
    assert int(moved.tumour.sum()) == int(base.tumour.sum())
    # The affine follows: voxel (0,0,0) maps to a different corner but the same anatomy.
    assert not np.allclose(moved.affine, base.affine)


@settings(max_examples=15, deadline=None)
@given(
    angles=st.tuples(*(st.floats(-math.pi, math.pi) for _ in range(3))),
    spacing=st.tuples(*(st.sampled_from([1.5, 2.0, 2.5]) for _ in range(3))),
)
def test_oblique_grids_keep_the_volume(
    angles: tuple[float, float, float], spacing: tuple[float, float, float]
) -> None:
    rx, ry, rz = angles
    cx, sx, cy, sy, cz, sz = (
        math.cos(rx),
        math.sin(rx),
        math.cos(ry),
        math.sin(ry),
        math.cos(rz),
        math.sin(rz),
    )
    rot = (
        np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
        @ np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
        @ np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    )
    n = [int(260 / s) for s in spacing]
    p = make_phantom(n, spacing, direction=rot, vessels=())
    measured = float((p.segments > 0).sum()) * p.voxel_volume_mm3 / 1000.0
    assert measured == pytest.approx(p.truth.liver_volume_ml, rel=0.02)
    assert (p.segments > 0).sum() > 0 and set(np.unique(p.segments).tolist()) == set(range(9))


def test_random_tumours_are_reproducible_from_the_seed() -> None:
    a = make_phantom(random_tumours=5, seed=3, vessels=())
    b = make_phantom(random_tumours=5, seed=3, vessels=())
    c = make_phantom(random_tumours=5, seed=4, vessels=())
    assert a.truth.tumours == b.truth.tumours
    assert a.truth.tumours != c.truth.tumours
    assert np.array_equal(a.tumour, b.tumour)
    assert all(t.segment > 0 for t in a.truth.tumours)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"shape": (0, 10, 10)},
        {"spacing_mm": (1.0, -1.0, 1.0)},
        {"liver_radii_mm": (10.0, 0.0, 10.0)},
        {"direction": np.ones((3, 3))},
        {"affine": np.zeros((4, 4))},
        {"tumours": [TumourSpec(radius_mm=0.0, segment=6)]},
        {"tumours": [(9, 5.0)]},
        {"tumours": [TumourSpec(radius_mm=5.0)]},
        {"vessels": [VesselSpec("aorta", ((0.0, 0.0, 0.0), (1.0, 0.0, 0.0)), 2.0)]},
    ],
)
def test_invalid_phantoms_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ImagingInputError):
        make_phantom(**kwargs)  # type: ignore[arg-type]


def test_save_nifti_round_trip(tmp_path: object) -> None:
    import json
    from pathlib import Path

    import nibabel as nib

    direction = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    p = make_phantom((64, 64, 48), (3.0, 3.0, 4.0), direction=direction, tumours=[(6, 10.0)])
    paths = save_nifti(p, Path(str(tmp_path)))
    seg = nib.load(str(Path(str(tmp_path)) / "phantom_segments.nii.gz"))
    assert np.allclose(seg.affine, p.affine)
    assert np.array_equal(np.asarray(seg.dataobj), p.segments)
    labels = json.loads((Path(str(tmp_path)) / "phantom_segments.labels.json").read_text())
    assert labels["6"] == "liver_segment_6"
    truth = json.loads((Path(str(tmp_path)) / "phantom_truth.json").read_text())
    assert truth["tumours"][0]["segment"] == 6
    assert len(paths) == 7


def test_label_maps_carry_canonical_names_and_combine() -> None:
    from livermdt.imaging import combine

    p = make_phantom((80, 64, 56), (2.5, 2.5, 2.5), tumours=[(6, 9.0)])
    assert p.segments_map.labels == {s: f"liver_segment_{s}" for s in range(1, 9)}
    assert p.tumour_map.labels == {1: "liver_tumour"}
    assert set(p.vessel_map.labels.values()) == {
        "portal_vein",
        "hepatic_vein",
        "inferior_vena_cava",
    }
    assert np.allclose(p.segments_map.affine, p.affine)
    anatomy = combine(list(p.label_maps))
    assert int(anatomy.liver_in_bbox.sum()) == int((p.segments > 0).sum())
    assert int(anatomy.tumour_in_bbox.sum()) == int(p.tumour.sum())
    combined = p.combined_map
    assert int((combined.array == 9).sum()) == int(p.tumour.sum())
    assert int((combined.array > 0).sum()) == int((p.segments > 0).sum())
