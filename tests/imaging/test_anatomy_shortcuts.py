"""The shortcuts volumetry takes for speed, each against the plain computation it replaces:
label runs as one subtraction (against ``np.isin``), tumour labelling on a coarse grid first
(against ``scipy.ndimage.label`` of the whole box), hull candidates (against Qhull's vertices of
every voxel centre) and per-segment counts (against ``np.count_nonzero``)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import ndimage
from scipy.spatial import ConvexHull

from livermdt.imaging.anatomy import (
    _coarse_groups,
    _hull_candidates,
    _in_values,
    _label_components,
    _tight_boxes,
)
from livermdt.imaging.volumetry import _segment_counts

SEED = 20261122


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.uint16, np.int32, np.bool_])
def test_in_values_equals_isin(dtype: type) -> None:
    rng = np.random.default_rng(SEED)
    top = 1 if dtype is np.bool_ else 40
    a = rng.integers(0, top + 1, size=(30, 20, 10)).astype(dtype)
    view = a[3:27, ::2, 1:9]  # a strided view, as the liver's box of a map is
    for values in ([1], [1, 2, 3, 4, 5, 6, 7, 8, 9], [0, 1], [2, 3, 7, 8, 9, 30], [255, 256, 999]):
        expected = np.isin(view, values)
        assert np.array_equal(_in_values(view, values), expected)
        out = np.ones(view.shape, dtype=bool)
        assert np.array_equal(_in_values(view, values, out=out), expected)
        assert np.array_equal(out, expected)


def _components(mask: np.ndarray) -> list[tuple[tuple[slice, ...], np.ndarray]]:
    box = (slice(0, mask.shape[0]), slice(0, mask.shape[1]), slice(0, mask.shape[2]))
    return _label_components(mask, box)


def test_coarse_grid_labelling_finds_the_same_components_in_the_same_order() -> None:
    # 90 x 80 x 60 voxels (above the size labelled directly, one box: the projections overlap),
    # about 150 blobs in about 50 coarse groups; a diagonal-only contact joins (26-connected).
    rng = np.random.default_rng(SEED)
    mask = ndimage.binary_dilation(rng.random((90, 80, 60)) < 0.0004, iterations=2)
    mask[10, 10, 10] = mask[11, 11, 11] = True  # a diagonal pair: one component
    mask[40:44, 3, 3] = True
    labels, n = ndimage.label(mask, structure=np.ones((3, 3, 3), dtype=bool))
    assert len(_tight_boxes(mask)) == 1 and 1 < len(_coarse_groups(mask)) < n
    parts = _components(mask)
    assert len(parts) == n
    rebuilt = np.zeros(mask.shape, dtype=np.int32)
    for k, (box, part) in enumerate(parts, start=1):
        assert part.any()
        view = rebuilt[box]
        assert not np.any(view[part])  # no voxel in two components
        view[part] = k
    assert np.array_equal(rebuilt != 0, mask)
    # Each part is one scipy component, and the parts come in the order of their first voxel.
    firsts = []
    for box, part in parts:
        values = np.unique(labels[box][part])
        assert len(values) == 1 and np.count_nonzero(labels == values[0]) == part.sum()
        first = np.unravel_index(int(np.argmax(part)), part.shape)
        firsts.append(tuple(s.start + int(f) for s, f in zip(box, first, strict=True)))
    assert firsts == sorted(firsts)


@pytest.mark.parametrize("shape_seed", range(4))
def test_hull_candidates_hold_every_hull_vertex(shape_seed: int) -> None:
    rng = np.random.default_rng(SEED + shape_seed)
    mask = ndimage.binary_dilation(rng.random((14, 12, 9)) < 0.01, iterations=2)
    mask[rng.random(mask.shape) < 0.05] = True
    pts = np.argwhere(mask).astype(np.float64)
    vertices = {tuple(p) for p in pts[ConvexHull(pts).vertices]}
    candidates = {tuple(p) for p in np.argwhere(_hull_candidates(mask, (0, 1, 2)))}
    assert vertices <= candidates
    assert len(candidates) < len(pts)
    # Within each slice across axis 2: the 2-D hull vertices of that slice.
    in_plane = np.argwhere(_hull_candidates(mask, (0, 1)))
    for k in range(mask.shape[2]):
        sl = np.argwhere(mask[:, :, k]).astype(np.float64)
        if len(sl) < 3 or np.linalg.matrix_rank(sl[1:] - sl[0]) < 2:
            continue
        hull2 = {tuple(p) for p in sl[ConvexHull(sl).vertices]}
        cand2 = {(float(i), float(j)) for i, j, kk in in_plane if kk == k}
        assert hull2 <= cand2


@pytest.mark.parametrize("axial", range(3))
def test_hull_candidates_from_known_in_plane_equal_direct(axial: int) -> None:
    rng = np.random.default_rng(SEED + axial)
    mask = ndimage.binary_dilation(rng.random((15, 13, 11)) < 0.02, iterations=2)
    mask[rng.random(mask.shape) < 0.05] = True
    in_plane = [a for a in range(3) if a != axial]
    known = _hull_candidates(mask, in_plane)
    direct = _hull_candidates(mask, (0, 1, 2))
    assert np.array_equal(_hull_candidates(mask, (0, 1, 2), known, in_plane), direct)


def test_segment_counts_equal_count_nonzero() -> None:
    rng = np.random.default_rng(SEED)
    seg = rng.integers(0, 9, size=(130, 100, 90), dtype=np.uint8)  # more than one chunk
    counts = _segment_counts(seg)
    for k in range(9):
        assert counts[k] == np.count_nonzero(seg == k)
    assert list(itertools.accumulate(counts))[-1] == seg.size
