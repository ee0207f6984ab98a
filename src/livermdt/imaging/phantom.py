"""Analytic liver phantoms: an ellipsoid liver split into eight Couinaud-like regions, spherical
tumours and tube vessels, voxelised on any grid (spacing, oblique / flipped / permuted axes).

The anatomy is defined in patient millimetres (RAS+, as nibabel: +x towards the patient's right,
+y anterior, +z superior), independently of the grid; the grid only decides where the voxel
centres fall. Rotating, flipping or permuting the grid therefore changes the arrays but never the
anatomy, which is what pipelines must be checked against (TorchIO's lesson: geometry comes from
the affine).

Segment arrangement (normalised liver coordinates ``X = x / a``, ``Y = y / b``, ``Z = z / c``
about the liver centre, ``+X`` patient right, ``+Y`` anterior, ``+Z`` superior):

* segment 1 (caudate): central-posterior, ``Y < -0.55`` and ``-0.5 < X < 0.12`` and ``|Z| < 0.55``
  (it borders segments 2, 4, 6/7 and 8, so remnants 1-2-3 or 1-6-7 stay contiguous);
* the main portal fissure (Cantlie's line, middle hepatic vein) ``X = Xc = -0.1`` divides the
  right hemiliver (5-8, ``X > Xc``) from the left (2-4);
* the right portal fissure (right hepatic vein), the oblique plane ``(X - 0.35) - 0.5 Y = 0``,
  divides the right posterior sector (6, 7; lateral-posterior) from the right anterior (5, 8);
* the umbilical fissure ``X = -0.45`` divides segment 4 (medial) from the left lateral section
  (2 superior-posterior, 3 inferior-anterior, split by ``Z - 0.3 Y = 0``);
* the transverse portal plane ``Z = 0`` divides 7/8 (superior) from 6/5 (inferior).

Adjacent regions share faces, so remnants such as 2-3-4 or 1-5-6-7-8 are contiguous.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import numpy.typing as npt

from livermdt.errors import ImagingInputError

if TYPE_CHECKING:
    from livermdt.imaging.labelmap import LabelMap

__all__ = [
    "SEGMENT_ANCHORS",
    "Phantom",
    "PhantomTruth",
    "TumourSpec",
    "TumourTruth",
    "VesselSpec",
    "default_vessels",
    "make_phantom",
    "save_nifti",
    "segment_of_point",
]

FloatArray: TypeAlias = npt.NDArray[np.float64]

#: Cantlie's line, the umbilical fissure, and the caudate box (normalised coordinates).
_X_CANTLIE = -0.10
_X_UMBILICAL = -0.45
_CAUDATE_Y = -0.55
# -0.50 < X < 0.12: past the umbilical fissure, so it borders 2 as well as 4 and 7.
_CAUDATE_MID_X = -0.19
_CAUDATE_HALF_X = 0.31
_CAUDATE_HALF_Z = 0.55

#: A point well inside each segment, in normalised liver coordinates; ``(segment, offset_mm)``
#: tumour positions are relative to these.
SEGMENT_ANCHORS: dict[int, tuple[float, float, float]] = {
    1: (-0.10, -0.75, 0.0),
    2: (-0.70, -0.10, 0.30),
    3: (-0.70, 0.20, -0.30),
    4: (-0.28, 0.30, 0.0),
    5: (0.30, 0.40, -0.40),
    6: (0.60, -0.30, -0.40),
    7: (0.60, -0.30, 0.40),
    8: (0.30, 0.40, 0.40),
}

SEGMENT_LABELS: dict[int, str] = {s: f"liver_segment_{s}" for s in range(1, 9)}
TUMOUR_LABELS: dict[int, str] = {1: "liver_tumour"}
VESSEL_LABELS: dict[int, str] = {1: "portal_vein", 2: "hepatic_vein", 3: "inferior_vena_cava"}
_VESSEL_VALUE = {name: value for value, name in VESSEL_LABELS.items()}


@dataclass(frozen=True)
class TumourSpec:
    """A spherical tumour: centre in patient mm, or a segment anchor plus an offset in mm."""

    radius_mm: float
    centre_mm: tuple[float, float, float] | None = None
    segment: int | None = None
    offset_mm: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass(frozen=True)
class VesselSpec:
    """A tube of constant radius along a polyline (patient mm)."""

    name: str  # portal_vein | hepatic_vein | inferior_vena_cava
    points_mm: tuple[tuple[float, float, float], ...]
    radius_mm: float


@dataclass(frozen=True)
class TumourTruth:
    id: str
    centre_mm: tuple[float, float, float]
    radius_mm: float
    volume_ml: float  # analytic sphere volume
    segment: int  # the region holding the centre
    inside_liver: bool  # the whole sphere lies inside the liver ellipsoid


@dataclass(frozen=True)
class PhantomTruth:
    """What the phantom is, analytically (before voxelisation)."""

    liver_centre_mm: tuple[float, float, float]
    liver_radii_mm: tuple[float, float, float]
    liver_volume_ml: float  # 4/3 pi a b c
    tumours: tuple[TumourTruth, ...]
    vessels: tuple[VesselSpec, ...]


@dataclass(frozen=True)
class Phantom:
    """Voxelised phantom: three label maps on one grid, plus the analytic truth."""

    affine: FloatArray
    segments: npt.NDArray[np.uint8]  # 0 outside, 1..8 Couinaud-like regions
    tumour: npt.NDArray[np.bool_]
    vessels: npt.NDArray[np.uint8]  # 0, 1 portal_vein, 2 hepatic_vein, 3 inferior_vena_cava
    truth: PhantomTruth
    source: str = "livermdt phantom"
    _cache: dict[str, LabelMap] = field(default_factory=dict, repr=False, compare=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        s = self.segments.shape
        return (int(s[0]), int(s[1]), int(s[2]))

    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        n = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(n[0]), float(n[1]), float(n[2]))

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))

    def _map(self, key: str, array: npt.NDArray[np.generic], labels: dict[int, str]) -> LabelMap:
        # Imported here so the arrays and the truth are usable on their own.
        from livermdt.imaging.labelmap import LabelMap

        if key not in self._cache:
            self._cache[key] = LabelMap(
                array=array,
                affine=self.affine.copy(),
                labels=dict(labels),
                source=f"{self.source} ({key})",
            )
        return self._cache[key]

    @property
    def segments_map(self) -> LabelMap:
        """Label map with ``liver_segment_1`` .. ``liver_segment_8`` (tumour voxels included)."""
        return self._map("segments", self.segments, SEGMENT_LABELS)

    @property
    def tumour_map(self) -> LabelMap:
        """Label map with ``liver_tumour`` = 1 (tumours clipped to the liver)."""
        return self._map("tumour", self.tumour.astype(np.uint8), TUMOUR_LABELS)

    @property
    def vessel_map(self) -> LabelMap:
        """Label map with ``portal_vein`` = 1, ``hepatic_vein`` = 2, ``inferior_vena_cava`` = 3."""
        return self._map("vessels", self.vessels, VESSEL_LABELS)

    @property
    def label_maps(self) -> tuple[LabelMap, LabelMap, LabelMap]:
        """The three maps, in the order segments, tumour, vessels (for ``combine``)."""
        return (self.segments_map, self.tumour_map, self.vessel_map)

    @property
    def combined_map(self) -> LabelMap:
        """One map: segments 1..8 and ``liver_tumour`` = 9 overriding them (vessels left out)."""
        arr = self.segments.copy()
        arr[self.tumour] = 9
        return self._map("combined", arr, {**SEGMENT_LABELS, 9: "liver_tumour"})

    def anchor_mm(self, segment: int) -> tuple[float, float, float]:
        """The anchor point of a segment in patient mm."""
        return _anchor_mm(segment, self.truth.liver_centre_mm, self.truth.liver_radii_mm)


TumourInput: TypeAlias = (
    TumourSpec
    | tuple[Sequence[float], float]
    | tuple[tuple[int, Sequence[float]], float]
    | tuple[int, float]
)


def _anchor_mm(
    segment: int, centre: Sequence[float], radii: Sequence[float]
) -> tuple[float, float, float]:
    if segment not in SEGMENT_ANCHORS:
        raise ImagingInputError(f"phantom tumour segment must be 1..8 (got {segment})")
    n = SEGMENT_ANCHORS[segment]
    return (
        float(centre[0] + n[0] * radii[0]),
        float(centre[1] + n[1] * radii[1]),
        float(centre[2] + n[2] * radii[2]),
    )


def _as_tumour_spec(item: TumourInput) -> TumourSpec:
    if isinstance(item, TumourSpec):
        return item
    where, radius = item
    if isinstance(where, int):
        return TumourSpec(radius_mm=float(radius), segment=where)
    seq: list[Any] = list(where)
    if len(seq) == 2 and isinstance(seq[0], int):
        off = [float(v) for v in seq[1]]
        if len(off) != 3:
            raise ImagingInputError(f"phantom tumour offset must have 3 values (got {off})")
        return TumourSpec(
            radius_mm=float(radius), segment=seq[0], offset_mm=(off[0], off[1], off[2])
        )
    if len(seq) == 3:
        c = [float(v) for v in seq]
        return TumourSpec(radius_mm=float(radius), centre_mm=(c[0], c[1], c[2]))
    raise ImagingInputError(
        f"phantom tumour position must be (x, y, z) mm or (segment, offset_mm) (got {where!r})"
    )


def default_vessels(
    liver_centre_mm: Sequence[float] = (0.0, 0.0, 0.0),
    liver_radii_mm: Sequence[float] = (95.0, 70.0, 60.0),
) -> tuple[VesselSpec, ...]:
    """Portal vein along the hilum with right and left branches, three hepatic veins between the
    sectors draining to a posterior inferior vena cava (points on the fissures defined above)."""
    cx, cy, cz = (float(v) for v in liver_centre_mm)
    a, b, c = (float(v) for v in liver_radii_mm)

    def p(x: float, y: float, z: float) -> tuple[float, float, float]:
        return (cx + x * a, cy + y * b, cz + z * c)

    hilum = p(_X_CANTLIE, -0.25, -0.05)
    ivc_x = _X_CANTLIE + 0.05
    return (
        VesselSpec("portal_vein", (p(_X_CANTLIE, -0.35, -1.3), hilum), 6.0),
        VesselSpec("portal_vein", (hilum, p(0.55, -0.05, -0.02)), 4.0),
        VesselSpec("portal_vein", (hilum, p(-0.45, 0.05, -0.02)), 3.5),
        VesselSpec("inferior_vena_cava", (p(ivc_x, -0.95, -1.3), p(ivc_x, -0.95, 1.3)), 9.0),
        VesselSpec("hepatic_vein", (p(ivc_x, -0.85, 0.6), p(0.55, 0.0, 0.1)), 3.5),
        VesselSpec("hepatic_vein", (p(ivc_x, -0.85, 0.6), p(_X_CANTLIE, 0.45, 0.0)), 3.0),
        VesselSpec("hepatic_vein", (p(ivc_x, -0.85, 0.6), p(-0.7, 0.05, 0.05)), 3.0),
    )


def _grid_affine(
    shape: Sequence[int],
    spacing_mm: Sequence[float],
    direction: npt.ArrayLike | None,
    centre_mm: Sequence[float],
) -> FloatArray:
    rot = np.eye(3) if direction is None else np.asarray(direction, dtype=np.float64)
    if rot.shape != (3, 3):
        raise ImagingInputError(f"phantom direction must be a 3x3 matrix (got shape {rot.shape})")
    if not np.allclose(rot.T @ rot, np.eye(3), atol=1e-6):
        raise ImagingInputError("phantom direction must be orthonormal (rotation/flip/permutation)")
    lin = rot * np.asarray(spacing_mm, dtype=np.float64)[None, :]
    half = (np.asarray(shape, dtype=np.float64) - 1.0) / 2.0
    aff = np.eye(4)
    aff[:3, :3] = lin
    aff[:3, 3] = np.asarray(centre_mm, dtype=np.float64) - lin @ half
    return aff


def _slabs(n: int, voxels_per_slice: int, budget: int = 4_000_000) -> Iterator[tuple[int, int]]:
    step = max(1, budget // max(1, voxels_per_slice))
    for k0 in range(0, n, step):
        yield k0, min(n, k0 + step)


def _classify(X: FloatArray, Y: FloatArray, Z: FloatArray) -> npt.NDArray[np.uint8]:
    """Segment number (1..8) of normalised coordinates, ignoring whether they are in the liver."""
    right = X > _X_CANTLIE
    posterior = ((X - 0.35) - 0.5 * Y) > 0
    superior = Z > 0
    out = np.where(
        right,
        np.where(posterior, np.where(superior, 7, 6), np.where(superior, 8, 5)),
        np.where(X > _X_UMBILICAL, 4, np.where((Z - 0.3 * Y) > 0, 2, 3)),
    ).astype(np.uint8)
    caudate = (
        (Y < _CAUDATE_Y)
        & (np.abs(X - _CAUDATE_MID_X) < _CAUDATE_HALF_X)
        & (np.abs(Z) < _CAUDATE_HALF_Z)
    )
    out[caudate] = 1
    return out


def segment_of_point(
    point_mm: Sequence[float],
    liver_centre_mm: Sequence[float] = (0.0, 0.0, 0.0),
    liver_radii_mm: Sequence[float] = (95.0, 70.0, 60.0),
) -> int:
    """The segment (1..8) of a point in patient mm, 0 outside the liver ellipsoid."""
    n = [
        (float(point_mm[i]) - float(liver_centre_mm[i])) / float(liver_radii_mm[i])
        for i in range(3)
    ]
    if n[0] ** 2 + n[1] ** 2 + n[2] ** 2 > 1.0:
        return 0
    arr = _classify(np.array([n[0]]), np.array([n[1]]), np.array([n[2]]))
    return int(arr[0])


def _index_box(
    inv: FloatArray, shape: Sequence[int], lo_mm: FloatArray, hi_mm: FloatArray
) -> tuple[slice, slice, slice] | None:
    """The voxel index box covering an axis-aligned mm box (through all 8 corners)."""
    corners = np.array(
        [
            [x, y, z, 1.0]
            for x in (lo_mm[0], hi_mm[0])
            for y in (lo_mm[1], hi_mm[1])
            for z in (lo_mm[2], hi_mm[2])
        ]
    )
    ijk = (inv @ corners.T)[:3]
    lo = np.floor(ijk.min(axis=1)).astype(int) - 1
    hi = np.ceil(ijk.max(axis=1)).astype(int) + 2
    sl = []
    for d in range(3):
        a, b = max(0, int(lo[d])), min(int(shape[d]), int(hi[d]))
        if a >= b:
            return None
        sl.append(slice(a, b))
    return (sl[0], sl[1], sl[2])


def _box_points(affine: FloatArray, box: tuple[slice, slice, slice]) -> FloatArray:
    """Patient mm of every voxel centre in a box, shape (3, ni, nj, nk)."""
    ii, jj, kk = np.meshgrid(
        np.arange(box[0].start, box[0].stop, dtype=np.float64),
        np.arange(box[1].start, box[1].stop, dtype=np.float64),
        np.arange(box[2].start, box[2].stop, dtype=np.float64),
        indexing="ij",
    )
    lin = affine[:3, :3]
    t = affine[:3, 3]
    return np.stack([lin[r, 0] * ii + lin[r, 1] * jj + lin[r, 2] * kk + t[r] for r in range(3)])


def make_phantom(
    shape: Sequence[int] = (128, 128, 96),
    spacing_mm: Sequence[float] = (1.5, 1.5, 2.0),
    *,
    direction: npt.ArrayLike | None = None,
    affine: npt.ArrayLike | None = None,
    liver_centre_mm: Sequence[float] = (0.0, 0.0, 0.0),
    liver_radii_mm: Sequence[float] = (95.0, 70.0, 60.0),
    tumours: Sequence[TumourInput] = (),
    vessels: Sequence[VesselSpec] | None = None,
    random_tumours: int = 0,
    random_radius_mm: tuple[float, float] = (4.0, 20.0),
    random_gap_mm: float = 5.0,
    seed: int = 0,
) -> Phantom:
    """Voxelise the analytic liver on a grid.

    The grid is ``affine`` when given (4x4, voxel index → patient mm); otherwise ``spacing_mm``
    along the columns of ``direction`` (an orthonormal 3x3: rotation, flips, axis permutation;
    identity by default) with the grid centre on the liver centre. A voxel belongs to a structure
    when its centre does. ``tumours`` are ``TumourSpec`` or ``(centre_mm, radius_mm)`` or
    ``((segment, offset_mm), radius_mm)`` or ``(segment, radius_mm)``; ``random_tumours`` more are
    drawn with ``seed`` (radii in ``random_radius_mm``, each sphere wholly inside the liver and
    ``random_gap_mm`` from every other tumour, so each is its own component). ``vessels``
    defaults to :func:`default_vessels`; pass ``()`` for none.
    """
    if len(shape) != 3 or any(int(s) < 1 for s in shape):
        raise ImagingInputError(f"phantom shape must be three positive sizes (got {tuple(shape)})")
    radii = tuple(float(r) for r in liver_radii_mm)
    if len(radii) != 3 or min(radii) <= 0:
        raise ImagingInputError(f"phantom liver radii must be three positive mm (got {radii})")
    centre = tuple(float(v) for v in liver_centre_mm)
    shp = (int(shape[0]), int(shape[1]), int(shape[2]))
    if affine is None:
        if len(spacing_mm) != 3 or min(float(s) for s in spacing_mm) <= 0:
            raise ImagingInputError(f"phantom spacing must be three positive mm (got {spacing_mm})")
        aff = _grid_affine(shp, spacing_mm, direction, centre)
    else:
        aff = np.asarray(affine, dtype=np.float64)
        if aff.shape != (4, 4) or abs(np.linalg.det(aff[:3, :3])) < 1e-12:
            raise ImagingInputError("phantom affine must be an invertible 4x4 matrix")
    inv: FloatArray = np.asarray(np.linalg.inv(aff), dtype=np.float64)
    a, b, c = radii
    cvec = np.asarray(centre)

    # Liver and segments, slab by slab along the last axis to keep memory bounded.
    segments = np.zeros(shp, dtype=np.uint8)
    lin = aff[:3, :3]
    t = aff[:3, 3]
    ii, jj = np.meshgrid(
        np.arange(shp[0], dtype=np.float64), np.arange(shp[1], dtype=np.float64), indexing="ij"
    )
    base = [lin[r, 0] * ii + lin[r, 1] * jj + t[r] - cvec[r] for r in range(3)]
    for k0, k1 in _slabs(shp[2], shp[0] * shp[1]):
        kk = np.arange(k0, k1, dtype=np.float64)[None, None, :]
        X = (base[0][..., None] + lin[0, 2] * kk) / a
        Y = (base[1][..., None] + lin[1, 2] * kk) / b
        Z = (base[2][..., None] + lin[2, 2] * kk) / c
        inside = X * X + Y * Y + Z * Z <= 1.0
        seg = _classify(X, Y, Z)
        seg[~inside] = 0
        segments[:, :, k0:k1] = seg

    # Tumours: spheres, clipped to the liver.
    specs = [_as_tumour_spec(t_) for t_ in tumours]
    rng = np.random.default_rng(seed)
    placed: list[tuple[FloatArray, float]] = [
        (_spec_centre(sp, centre, radii), sp.radius_mm) for sp in specs
    ]
    for n_random in range(random_tumours):
        r = float(rng.uniform(*random_radius_mm))
        for _attempt in range(10_000):
            u = rng.uniform(-1.0, 1.0, 3)
            tc = cvec + u * np.asarray(radii)
            # Wholly inside the liver and apart from every other tumour: one component each.
            if _sphere_inside_ellipsoid(tc - cvec, r, radii) and all(
                float(np.linalg.norm(tc - pc)) >= r + pr + random_gap_mm for pc, pr in placed
            ):
                break
        else:
            raise ImagingInputError(
                f"phantom: could not place random tumour {n_random + 1} of {random_tumours} "
                f"(radius {r:.1f} mm) inside the liver {random_gap_mm:g} mm from the others"
            )
        placed.append((tc, r))
        specs.append(TumourSpec(radius_mm=r, centre_mm=(float(tc[0]), float(tc[1]), float(tc[2]))))
    tumour = np.zeros(shp, dtype=bool)
    truths: list[TumourTruth] = []
    for n, spec in enumerate(specs, start=1):
        if spec.radius_mm <= 0:
            raise ImagingInputError(f"phantom tumour radius must be > 0 mm (got {spec.radius_mm})")
        tc = _spec_centre(spec, centre, radii)
        r = spec.radius_mm
        box = _index_box(inv, shp, tc - r, tc + r)
        if box is not None:
            pts = _box_points(aff, box)
            d2 = ((pts - tc[:, None, None, None]) ** 2).sum(axis=0)
            tumour[box] |= (d2 <= r * r) & (segments[box] > 0)
        tcl = (float(tc[0]), float(tc[1]), float(tc[2]))
        truths.append(
            TumourTruth(
                id=f"P{n}",
                centre_mm=tcl,
                radius_mm=r,
                volume_ml=4.0 / 3.0 * math.pi * r**3 / 1000.0,
                segment=segment_of_point(tcl, centre, radii),
                inside_liver=_sphere_inside_ellipsoid(tc - cvec, r, radii),
            )
        )

    # Vessels: tubes (capsules) along polylines.
    vspecs = tuple(default_vessels(centre, radii) if vessels is None else vessels)
    vmap = np.zeros(shp, dtype=np.uint8)
    for v in vspecs:
        if v.name not in _VESSEL_VALUE:
            raise ImagingInputError(
                f"phantom vessel name must be one of {sorted(_VESSEL_VALUE)} (got {v.name!r})"
            )
        value = _VESSEL_VALUE[v.name]
        pts_mm = [np.asarray(p, dtype=np.float64) for p in v.points_mm]
        for p0, p1 in itertools.pairwise(pts_mm):
            lo = np.minimum(p0, p1).astype(np.float64) - v.radius_mm
            hi = np.maximum(p0, p1).astype(np.float64) + v.radius_mm
            box = _index_box(inv, shp, lo, hi)
            if box is None:
                continue
            pts = _box_points(aff, box)
            d = p1 - p0
            dd = float(d @ d)
            rel = pts - p0[:, None, None, None]
            s = np.clip(np.tensordot(d, rel, axes=1) / dd if dd > 0 else 0.0, 0.0, 1.0)
            diff = rel - d[:, None, None, None] * s
            inside_tube = (diff**2).sum(axis=0) <= v.radius_mm**2
            sub = vmap[box]
            sub[inside_tube & (sub == 0)] = value

    truth = PhantomTruth(
        liver_centre_mm=(centre[0], centre[1], centre[2]),
        liver_radii_mm=(a, b, c),
        liver_volume_ml=4.0 / 3.0 * math.pi * a * b * c / 1000.0,
        tumours=tuple(truths),
        vessels=vspecs,
    )
    return Phantom(affine=aff, segments=segments, tumour=tumour, vessels=vmap, truth=truth)


def _spec_centre(spec: TumourSpec, centre: Sequence[float], radii: Sequence[float]) -> FloatArray:
    if spec.centre_mm is not None:
        return np.asarray(spec.centre_mm, dtype=np.float64)
    if spec.segment is not None:
        anchor = np.asarray(_anchor_mm(spec.segment, centre, radii), dtype=np.float64)
        return anchor + np.asarray(spec.offset_mm, dtype=np.float64)
    raise ImagingInputError("phantom tumour needs centre_mm or segment")


def _fibonacci_directions(n: int = 2000) -> FloatArray:
    k = np.arange(n, dtype=np.float64) + 0.5
    z = 1.0 - 2.0 * k / n
    phi = math.pi * (1.0 + math.sqrt(5.0)) * k
    rho = np.sqrt(1.0 - z * z)
    return np.stack([rho * np.cos(phi), rho * np.sin(phi), z], axis=1)


_DIRECTIONS = _fibonacci_directions()


def _sphere_inside_ellipsoid(rel: FloatArray, r: float, radii: Sequence[float]) -> bool:
    """Whether the ball of radius ``r`` about ``rel`` lies in the ellipsoid: for a convex body K,
    B(c, r) is inside K iff c.u + r <= h_K(u) for every unit u (h_K the support function,
    sqrt(sum (a_i u_i)^2) for an ellipsoid); checked on 2000 directions with a 1 % slack."""
    h = np.sqrt(((_DIRECTIONS * np.asarray(radii, dtype=np.float64)) ** 2).sum(axis=1))
    reach = _DIRECTIONS @ np.asarray(rel, dtype=np.float64) + r * 1.01
    return bool(np.all(reach <= h))


def save_nifti(phantom: Phantom, directory: str | Path, *, stem: str = "phantom") -> list[Path]:
    """Write the three maps as NIfTI (``STEM_segments.nii.gz``, ``STEM_tumour.nii.gz``,
    ``STEM_vessels.nii.gz``), each with a ``NAME.labels.json`` sidecar, and ``STEM_truth.json``."""
    try:
        import nibabel as nib
    except ImportError as exc:  # pragma: no cover - nibabel is part of the imaging extra
        from livermdt.errors import MissingExtraError

        raise MissingExtraError("imaging", "nibabel") from exc
    out = Path(directory)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for key, arr, labels in (
        ("segments", phantom.segments, SEGMENT_LABELS),
        ("tumour", phantom.tumour.astype(np.uint8), TUMOUR_LABELS),
        ("vessels", phantom.vessels, VESSEL_LABELS),
    ):
        path = out / f"{stem}_{key}.nii.gz"
        img = nib.Nifti1Image(np.asarray(arr, dtype=np.uint8), phantom.affine)  # type: ignore[no-untyped-call]
        img.set_qform(phantom.affine, code=1)  # type: ignore[no-untyped-call]
        img.set_sform(phantom.affine, code=1)  # type: ignore[no-untyped-call]
        nib.save(img, str(path))
        sidecar = out / f"{stem}_{key}.labels.json"
        sidecar.write_text(json.dumps({str(k): v for k, v in labels.items()}, indent=2) + "\n")
        written += [path, sidecar]
    t = phantom.truth
    truth_doc = {
        "liver_centre_mm": list(t.liver_centre_mm),
        "liver_radii_mm": list(t.liver_radii_mm),
        "liver_volume_ml": t.liver_volume_ml,
        "tumours": [
            {
                "id": tt.id,
                "centre_mm": list(tt.centre_mm),
                "radius_mm": tt.radius_mm,
                "volume_ml": tt.volume_ml,
                "segment": tt.segment,
                "inside_liver": tt.inside_liver,
            }
            for tt in t.tumours
        ],
        "vessels": [
            {"name": v.name, "points_mm": [list(p) for p in v.points_mm], "radius_mm": v.radius_mm}
            for v in t.vessels
        ],
        "voxel_volume_mm3": phantom.voxel_volume_mm3,
    }
    truth_path = out / f"{stem}_truth.json"
    truth_path.write_text(json.dumps(truth_doc, indent=2) + "\n")
    written.append(truth_path)
    return written
