"""Tumour-vessel distances against a brute-force oracle (every pair of voxel centres), on
orthogonal, oblique and sheared grids; the lesion fields ``--into`` derives; the public API."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import livermdt.imaging
from livermdt.imaging import LabelMap
from livermdt.imaging.anatomy import (
    combine,
    is_orthogonal,
    tumour_components,
    vessel_distances_mm,
)
from livermdt.imaging.into_case import MAIN_SEGMENT_FRACTION, lesion_segments
from livermdt.imaging.volumetry import TumourMeasurement
from tests.imaging._shapes import rotation


def _brute_force_mm(a_idx: np.ndarray, b_idx: np.ndarray, affine: np.ndarray) -> float:
    pa = a_idx @ affine[:3, :3].T
    pb = b_idx @ affine[:3, :3].T
    d = pa[:, None, :] - pb[None, :, :]
    return float(np.sqrt(np.einsum("ijk,ijk->ij", d, d).min()))


def _blob_map(seed: int, affine: np.ndarray) -> LabelMap:
    rng = np.random.default_rng(seed)
    arr = np.ones((14, 12, 10), np.uint8)  # liver everywhere
    arr[rng.random(arr.shape) < 0.04] = 3  # scattered vessel voxels
    arr[5:8, 4:7, 3:6] = 2  # one tumour
    arr[5:8, 4:7, 3:6][rng.random((3, 3, 3)) < 0.3] = 1  # ragged
    arr[6, 5, 4] = 2
    return LabelMap(
        array=arr, affine=affine, labels={1: "liver", 2: "liver_tumour", 3: "hepatic_vein"}
    )


AFFINES = [
    pytest.param(np.diag([0.7, 1.3, 2.9, 1.0]), id="anisotropic"),
    pytest.param(
        np.block(
            [
                [rotation((0.3, 1, 0.2), 41) @ np.diag([0.8, 1.1, 1.9]), np.zeros((3, 1))],
                [np.zeros((1, 3)), np.ones((1, 1))],
            ]
        ),
        id="oblique",
    ),
    pytest.param(
        np.array([[1.0, 0.0, 0.0, 0], [0.0, 1.0, 0.35, 0], [0.0, 0.0, 2.0, 0], [0, 0, 0, 1.0]]),
        id="sheared-gantry-tilt",
    ),
]


@pytest.mark.parametrize("affine", AFFINES)
@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_distance_equals_brute_force(affine: np.ndarray, seed: int) -> None:
    m = _blob_map(seed, affine)
    anatomy = combine([m])
    components = tumour_components(anatomy)
    vessel_idx = np.argwhere(m.array == 3)
    for comp, nearest in zip(components, vessel_distances_mm(anatomy, components), strict=True):
        comp_idx = np.argwhere(comp.mask) + [s.start for s in comp.box]
        assert nearest["hepatic_vein"] == pytest.approx(
            _brute_force_mm(comp_idx, vessel_idx, affine), abs=1e-9
        )


def test_sheared_grid_is_detected() -> None:
    assert is_orthogonal(np.diag([0.7, 1.3, 2.9, 1.0]))
    assert not is_orthogonal(AFFINES[2].values[0])


def _measurement(segments: dict[int, float]) -> TumourMeasurement:
    return TumourMeasurement(
        id="T1",
        voxel_count=10,
        volume_ml=1.0,
        max_diameter_mm=10.0,
        axial_diameter_mm=9.0,
        centroid_mm=(0.0, 0.0, 0.0),
        segments=segments,
        nearest_mm={},
        touches_edge=False,
    )


def test_lesion_segments_threshold_below_at_above() -> None:
    f = MAIN_SEGMENT_FRACTION
    assert lesion_segments(_measurement({7: 1 - f + 0.001, 8: f - 0.001})) == [7]
    assert lesion_segments(_measurement({7: 1 - f, 8: f})) == [7, 8]
    assert lesion_segments(_measurement({7: 1 - f - 0.001, 8: f + 0.001})) == [7, 8]
    # the largest share is always listed, even when every share is small
    shares = {k: 1 / 8 - (0.001 if k != 5 else -0.007) for k in range(1, 9)}
    assert 5 in lesion_segments(_measurement(shares))
    assert lesion_segments(_measurement({})) == []


def test_public_api_is_pinned() -> None:
    assert sorted(livermdt.imaging.__all__) == [
        "Anatomy",
        "LabelMap",
        "TumourComponent",
        "VolumetryResult",
        "combine",
        "plan",
        "read_labelmap",
        "read_labelmaps",
        "tumour_components",
        "volumetry",
    ]
    for name in livermdt.imaging.__all__:
        assert hasattr(livermdt.imaging, name)
    assert callable(livermdt.imaging.volumetry)


def test_full_grid_masks_agree_with_the_cropped_ones() -> None:
    from livermdt.imaging.phantom import make_phantom

    ph = make_phantom((40, 40, 30), (4.0, 4.0, 4.0), tumours=[((7, (0.0, 0.0, 0.0)), 10.0)])
    a = combine(ph.label_maps)
    assert a.liver.shape == a.shape
    assert int(a.liver.sum()) == int(a.liver_in_bbox.sum()) == int(np.count_nonzero(ph.segments))
    assert np.array_equal(a.segments[a.bbox], a.segments_in_bbox)
    assert int(a.tumour.sum()) == int(np.count_nonzero(ph.tumour))
    assert set(a.vessels) == {"portal_vein", "hepatic_vein", "inferior_vena_cava"}
    for name, mask in a.vessels.items():
        value = {"portal_vein": 1, "hepatic_vein": 2, "inferior_vena_cava": 3}[name]
        assert np.array_equal(mask, ph.vessels == value)
