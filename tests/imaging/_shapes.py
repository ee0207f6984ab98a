"""Analytic shapes voxelised on any grid, for the imaging tests: a voxel belongs to a shape when
its centre (patient mm, from the affine) lies inside it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt


def rotation(axis: Sequence[float], angle_deg: float) -> npt.NDArray[np.float64]:
    """Rodrigues rotation matrix about ``axis``."""
    a = np.asarray(axis, dtype=np.float64)
    a = a / np.linalg.norm(a)
    t = np.deg2rad(angle_deg)
    k = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(t) * k + (1 - np.cos(t)) * (k @ k)


def grid_affine(
    shape: Sequence[int],
    spacing_mm: Sequence[float],
    direction: npt.NDArray[np.float64] | None = None,
    centre_mm: Sequence[float] = (0.0, 0.0, 0.0),
) -> npt.NDArray[np.float64]:
    """An affine whose grid is centred on ``centre_mm``."""
    d = np.eye(3) if direction is None else np.asarray(direction, dtype=np.float64)
    m = d @ np.diag(np.asarray(spacing_mm, dtype=np.float64))
    affine = np.eye(4)
    affine[:3, :3] = m
    half = (np.asarray(shape, dtype=np.float64) - 1) / 2
    affine[:3, 3] = np.asarray(centre_mm, dtype=np.float64) - m @ half
    return affine


def centres_mm(shape: Sequence[int], affine: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Voxel-centre coordinates, shape ``(*shape, 3)``."""
    idx = np.indices(tuple(shape), dtype=np.float64)
    pts = np.einsum("ij,j...->...i", affine[:3, :3], idx)
    return pts + affine[:3, 3]


def sphere(
    pts: npt.NDArray[np.float64], centre: Sequence[float], radius_mm: float
) -> npt.NDArray[np.bool_]:
    d = pts - np.asarray(centre, dtype=np.float64)
    return np.einsum("...i,...i->...", d, d) <= radius_mm**2


def ellipsoid(
    pts: npt.NDArray[np.float64], centre: Sequence[float], radii_mm: Sequence[float]
) -> npt.NDArray[np.bool_]:
    d = (pts - np.asarray(centre, dtype=np.float64)) / np.asarray(radii_mm, dtype=np.float64)
    return np.einsum("...i,...i->...", d, d) <= 1.0


def cylinder(
    pts: npt.NDArray[np.float64],
    point: Sequence[float],
    axis: Sequence[float],
    radius_mm: float,
) -> npt.NDArray[np.bool_]:
    """An infinite cylinder about the line through ``point`` along ``axis``."""
    u = np.asarray(axis, dtype=np.float64)
    u = u / np.linalg.norm(u)
    d = pts - np.asarray(point, dtype=np.float64)
    along = np.einsum("...i,i->...", d, u)
    perp = d - along[..., None] * u
    return np.einsum("...i,...i->...", perp, perp) <= radius_mm**2


def reorient(
    array: npt.NDArray[np.generic],
    affine: npt.NDArray[np.float64],
    perm: Sequence[int],
    flips: Sequence[bool],
) -> tuple[npt.NDArray[np.generic], npt.NDArray[np.float64]]:
    """The same voxels with axes permuted then flipped, and the affine that keeps each voxel at
    the same place in the patient."""
    out = np.transpose(array, perm)
    new = np.eye(4)
    new[:3, :3] = affine[:3, :3][:, list(perm)]
    new[:3, 3] = affine[:3, 3]
    for axis, flip in enumerate(flips):
        if flip:
            n = out.shape[axis]
            out = np.flip(out, axis=axis)
            new[:3, 3] = new[:3, 3] + new[:3, axis] * (n - 1)
            new[:3, axis] = -new[:3, axis]
    return np.ascontiguousarray(out), new
