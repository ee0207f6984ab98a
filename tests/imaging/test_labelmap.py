"""The label-map type: geometry from the affine, refusal of what is not a label map."""

from __future__ import annotations

import numpy as np
import pytest

from livermdt.errors import ImagingInputError
from livermdt.imaging import LabelMap
from tests.imaging._shapes import grid_affine, rotation


def _map(array: np.ndarray, affine: np.ndarray | None = None, **labels: int) -> LabelMap:
    return LabelMap(
        array=array,
        affine=np.eye(4) if affine is None else affine,
        labels={v: k for k, v in (labels or {"liver": 1}).items()},
        source="test",
    )


def test_geometry_comes_from_the_affine_even_oblique() -> None:
    direction = rotation((1, 2, 3), 37.0)
    affine = grid_affine((4, 5, 6), (0.7, 0.8, 2.5), direction)
    m = _map(np.zeros((4, 5, 6), np.uint8), affine)
    assert m.spacing_mm == pytest.approx((0.7, 0.8, 2.5))
    assert m.voxel_volume_mm3 == pytest.approx(0.7 * 0.8 * 2.5)
    assert m.shape == (4, 5, 6)


def test_a_flipped_axis_keeps_a_positive_voxel_volume() -> None:
    affine = np.diag([-0.5, 0.5, 3.0, 1.0])
    assert _map(np.zeros((2, 2, 2), np.uint8), affine).voxel_volume_mm3 == pytest.approx(0.75)


def test_bool_masks_are_accepted_as_labels() -> None:
    m = _map(np.ones((2, 2, 2), bool))
    assert m.array.dtype == np.uint8


@pytest.mark.parametrize(
    ("array", "fragment"),
    [
        (np.zeros((2, 2), np.uint8), "3-D"),
        (np.zeros((2, 2, 2), np.float32), "not a label map"),
        (np.full((2, 2, 2), -1, np.int16), "negative"),
    ],
)
def test_what_is_not_a_label_map_is_refused(array: np.ndarray, fragment: str) -> None:
    with pytest.raises(ImagingInputError, match=fragment):
        _map(array)


def test_singular_affine_and_unknown_names_are_refused() -> None:
    with pytest.raises(ImagingInputError, match="singular"):
        _map(np.zeros((2, 2, 2), np.uint8), np.diag([1.0, 0.0, 1.0, 1.0]))
    with pytest.raises(ImagingInputError, match="unknown structure name 'spleen'"):
        LabelMap(array=np.zeros((2, 2, 2), np.uint8), affine=np.eye(4), labels={1: "spleen"})


def test_a_label_map_refuses_arithmetic() -> None:
    m = _map(np.zeros((2, 2, 2), np.uint8))
    with pytest.raises(TypeError, match="not intensities"):
        _ = m + 1
    with pytest.raises(TypeError, match="not intensities"):
        _ = 2.0 * m
    with pytest.raises(TypeError):
        np.add(m, 1)


def test_mask_and_same_grid() -> None:
    arr = np.zeros((3, 3, 3), np.uint8)
    arr[1, 1, 1] = 2
    m = LabelMap(array=arr, affine=np.eye(4), labels={1: "liver", 2: "liver_tumour"})
    assert int(m.mask("liver_tumour").sum()) == 1
    assert int(m.mask("portal_vein").sum()) == 0
    shifted = np.eye(4)
    shifted[0, 3] = 0.5
    other = LabelMap(array=arr, affine=shifted, labels={1: "liver"})
    assert m.same_grid(m) and not m.same_grid(other)
