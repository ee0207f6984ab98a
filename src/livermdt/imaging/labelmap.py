"""The label-map type: an integer array on a grid whose geometry comes from its affine.

A label map is not an image. It holds structure labels (``liver``, ``liver_segment_7`` ...), so it
refuses arithmetic (adding two label maps, or scaling one, has no meaning) and offers no
resampling: any interpolation other than nearest neighbour would invent labels, and even nearest
neighbour changes volumes, which is what livermdt measures. (TorchIO's ``LabelMap`` draws the same
line between intensity images and label maps.)

Geometry is always derived from the 4 x 4 affine (voxel index -> patient millimetres, RAS+ as
nibabel): spacing is the norm of each column of its 3 x 3 part, the voxel volume its absolute
determinant. Nothing is assumed isotropic or axis-aligned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn, TypeAlias

import numpy as np
import numpy.typing as npt

from livermdt.errors import ImagingInputError
from livermdt.imaging.conventions import CANONICAL_NAMES

__all__ = ["FloatArray", "LabelArray", "LabelMap", "describe_geometry"]

LabelArray: TypeAlias = npt.NDArray[Any]  # integer (or bool) values; checked at run time
FloatArray: TypeAlias = npt.NDArray[np.float64]


def describe_geometry(shape: tuple[int, ...], affine: FloatArray) -> str:
    """A one-line description of a grid, used in errors that compare two grids."""
    spacing = np.linalg.norm(affine[:3, :3], axis=0)
    origin = affine[:3, 3]
    direction = affine[:3, :3] / np.where(spacing == 0, 1.0, spacing)
    dirs = ",".join(f"{v:.3g}" for v in direction.T.ravel())
    return (
        f"shape {'x'.join(str(int(s)) for s in shape)}, "
        f"spacing {'x'.join(f'{v:.4g}' for v in spacing)} mm, "
        f"origin ({', '.join(f'{v:.4g}' for v in origin)}) mm, direction [{dirs}]"
    )


@dataclass(frozen=True, eq=False)
class LabelMap:
    """An integer label array on a grid, with the names of its labels.

    ``array``: 3-D integer array (0 = background). ``affine``: 4 x 4, voxel index -> patient mm
    (RAS+). ``labels``: label value -> canonical structure name (see
    ``livermdt.imaging.conventions``); values absent from it are structures livermdt does not use.
    ``source``: where it came from (a path, or a description), shown in messages.
    """

    array: LabelArray
    affine: FloatArray
    labels: dict[int, str]
    source: str = "label map"

    def __post_init__(self) -> None:
        arr = np.asanyarray(self.array)
        if arr.dtype == np.bool_:
            arr = arr.view(np.uint8)
        if arr.ndim != 3:
            raise ImagingInputError(
                f"{self.source}: a label map must be 3-D (got {arr.ndim} dimensions, "
                f"shape {arr.shape})"
            )
        if not np.issubdtype(arr.dtype, np.integer):
            raise ImagingInputError(
                f"{self.source}: not a label map: values are {arr.dtype} (labels are integers; "
                "is this the image rather than its segmentation?)"
            )
        if np.issubdtype(arr.dtype, np.signedinteger) and arr.size and int(arr.min()) < 0:
            raise ImagingInputError(
                f"{self.source}: not a label map: negative values (got {int(arr.min())})"
            )
        affine = np.asarray(self.affine, dtype=np.float64)
        if affine.shape != (4, 4) or not np.all(np.isfinite(affine)):
            raise ImagingInputError(f"{self.source}: the affine must be a finite 4 x 4 matrix")
        if abs(float(np.linalg.det(affine[:3, :3]))) <= 1e-12:
            raise ImagingInputError(f"{self.source}: the affine is singular (zero voxel volume)")
        labels: dict[int, str] = {}
        for value, name in self.labels.items():
            if int(value) <= 0:
                raise ImagingInputError(
                    f"{self.source}: label values must be positive integers (got {value!r} "
                    f"for {name!r})"
                )
            if name not in CANONICAL_NAMES:
                raise ImagingInputError(
                    f"{self.source}: unknown structure name {name!r} (known: "
                    f"{', '.join(sorted(CANONICAL_NAMES))})"
                )
            labels[int(value)] = name
        affine.setflags(write=False)
        object.__setattr__(self, "array", arr)
        object.__setattr__(self, "affine", affine)
        object.__setattr__(self, "labels", labels)

    # -- geometry, derived from the affine -------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        s = self.array.shape
        return (int(s[0]), int(s[1]), int(s[2]))

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        n = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(n[0]), float(n[1]), float(n[2]))

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))

    @property
    def geometry(self) -> str:
        """One line naming shape, spacing, origin and direction (for messages)."""
        return describe_geometry(self.shape, self.affine)

    def same_grid(self, other: LabelMap, tolerance_mm: float = 1e-3) -> bool:
        """True when both maps have the same shape and (within ``tolerance_mm``) affine."""
        return self.shape == other.shape and bool(
            np.allclose(self.affine, other.affine, rtol=0.0, atol=tolerance_mm)
        )

    # -- labels ----------------------------------------------------------------------------
    def values_of(self, name: str) -> list[int]:
        """The label values that carry structure ``name`` (usually one)."""
        return sorted(v for v, n in self.labels.items() if n == name)

    def mask(self, name: str) -> npt.NDArray[np.bool_]:
        """Boolean mask of structure ``name`` on the whole grid."""
        values = self.values_of(name)
        if not values:
            return np.zeros(self.shape, dtype=bool)
        return np.isin(self.array, values)

    @property
    def structures(self) -> list[str]:
        return sorted(set(self.labels.values()))

    def __repr__(self) -> str:
        return (
            f"LabelMap(source={self.source!r}, {self.geometry}, dtype={self.array.dtype}, "
            f"labels={self.labels!r})"
        )

    # -- a label map is not an image: no intensity operations ------------------------------
    __array_ufunc__ = None  # numpy ufuncs (np.add(labelmap, 1), labelmap * 2.0) raise TypeError

    def _refuse(self, *_: object) -> NoReturn:
        raise TypeError(
            "a LabelMap holds structure labels, not intensities: arithmetic is refused "
            "(work on .array or on a mask if you mean it)"
        )

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __pow__ = _refuse
    __neg__ = __pos__ = __abs__ = _refuse
