"""One patient's liver anatomy on one grid, combined from one or more label maps.

``combine(maps)`` checks that the grids agree, finds the liver's bounding box in one streaming
pass over each array, and builds the liver, Couinaud-segment and tumour masks inside that box
only (a 512 x 512 x 600 map holds a liver in a fraction of its voxels). Full-grid masks are
offered too (``Anatomy.liver`` ...), built on first use.

Definitions (imaging-v1):

* liver = every voxel labelled ``liver``, ``liver_segment_N``, ``liver_tumour`` or
  ``future_liver_remnant`` (tumours are part of the liver volume; vessels are not, unless a map
  also labels them liver);
* segments: 0 = none, 1..8 Couinaud. A tumour voxel that no map assigns to a segment (one
  multi-label map where the tumour label replaces the segment label) takes the number of the
  nearest segment voxel (exact Euclidean distance in mm): the segment volumes then include the
  tumour inside them, as imaging-v1 defines;
* tumour components: 26-connected components of the tumour voxels.
"""

from __future__ import annotations

import contextlib
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeAlias

import numpy as np
import numpy.typing as npt

from livermdt.errors import ImagingInputError
from livermdt.imaging.conventions import LIVER_STRUCTURES, VESSEL_NAMES, segment_number
from livermdt.imaging.labelmap import FloatArray, LabelArray, LabelMap, describe_geometry
from livermdt.units import mm3_to_ml

__all__ = [
    "Anatomy",
    "Box",
    "TumourComponent",
    "combine",
    "is_orthogonal",
    "tumour_components",
    "vessel_distances_mm",
]

Box: TypeAlias = tuple[slice, slice, slice]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

_SLAB_VOXELS = 1 << 21  # ~2 M voxels per slab: the temporaries stay in cache-sized pieces


# ---------------------------------------------------------------------------------------------
# small geometry helpers
def is_orthogonal(affine: FloatArray, tolerance: float = 1e-6) -> bool:
    """True when the voxel axes are mutually orthogonal (any spacing, any rotation or flip)."""
    m = affine[:3, :3]
    n = np.linalg.norm(m, axis=0)
    u = m / n
    g = u.T @ u
    return bool(np.all(np.abs(g - np.eye(3)) <= tolerance))


def _box_shape(box: Box) -> tuple[int, int, int]:
    return (box[0].stop - box[0].start, box[1].stop - box[1].start, box[2].stop - box[2].start)


def _offset(box: Box, inner: Box) -> Box:
    """``inner`` (relative to ``box``) in the coordinates ``box`` is relative to."""
    return (
        slice(box[0].start + inner[0].start, box[0].start + inner[0].stop),
        slice(box[1].start + inner[1].start, box[1].start + inner[1].stop),
        slice(box[2].start + inner[2].start, box[2].start + inner[2].stop),
    )


def _relative(outer: Box, box: Box) -> Box:
    return (
        slice(box[0].start - outer[0].start, box[0].stop - outer[0].start),
        slice(box[1].start - outer[1].start, box[1].stop - outer[1].start),
        slice(box[2].start - outer[2].start, box[2].stop - outer[2].start),
    )


def _expand(box: Box, by: Sequence[int], limit: tuple[int, int, int]) -> Box:
    return (
        slice(max(0, box[0].start - by[0]), min(limit[0], box[0].stop + by[0])),
        slice(max(0, box[1].start - by[1]), min(limit[1], box[1].stop + by[1])),
        slice(max(0, box[2].start - by[2]), min(limit[2], box[2].stop + by[2])),
    )


def _union(a: Box | None, b: Box | None) -> Box | None:
    if a is None:
        return b
    if b is None:
        return a
    return (
        slice(min(a[0].start, b[0].start), max(a[0].stop, b[0].stop)),
        slice(min(a[1].start, b[1].start), max(a[1].stop, b[1].stop)),
        slice(min(a[2].start, b[2].start), max(a[2].stop, b[2].stop)),
    )


def _touches_edge(box: Box, shape: tuple[int, int, int]) -> bool:
    return any(s.start == 0 or s.stop == n for s, n in zip(box, shape, strict=True))


def _runs(values: Sequence[int]) -> list[tuple[int, int]]:
    """Consecutive runs ``[(lo, hi), ...]`` of sorted distinct integers."""
    out: list[tuple[int, int]] = []
    for v in sorted(set(values)):
        if out and v == out[-1][1] + 1:
            out[-1] = (out[-1][0], v)
        else:
            out.append((v, v))
    return out


def _in_values(a: LabelArray, values: Sequence[int], out: BoolArray | None = None) -> BoolArray:
    """``a`` in ``values``, as a few comparisons on runs of consecutive values (much faster than
    ``np.isin`` or a lookup table on large integer arrays). A run lo..hi is one subtraction and
    one comparison: (a - lo) modulo 2^bits is at most hi - lo exactly for lo <= a <= hi."""
    result = np.zeros(a.shape, dtype=bool) if out is None else out
    integer = a.dtype.kind in "iu"
    top = int(np.iinfo(a.dtype).max) if integer else 1
    unsigned = np.dtype(f"u{a.dtype.itemsize}") if integer else None
    written = False
    for lo, hi in _runs(values):
        if lo > top:  # no voxel can hold it
            continue
        hi = min(hi, top)
        target = None if written else result
        if lo == hi:
            hit = np.equal(a, lo, out=target)
        elif unsigned is not None:
            shifted = np.subtract(a.view(unsigned), unsigned.type(lo), dtype=unsigned)
            hit = np.less_equal(shifted, unsigned.type(hi - lo), out=target)
        else:
            hit = np.logical_and(a >= lo, a <= hi, out=target)
        if written:
            result |= hit
        written = True
    if not written and out is not None:
        result.fill(False)
    return result


def _slow_axis(a: npt.NDArray[Any]) -> int:
    """The axis with the largest stride: slabs along it are contiguous in memory."""
    return int(np.argmax([abs(s) for s in a.strides]))


def _bboxes(a: LabelArray, groups: Sequence[Sequence[int]]) -> list[Box | None]:
    """Bounding box of each group of label values, in one pass over ``a`` slab by slab."""
    axis = _slow_axis(a)
    n = a.shape[axis]
    other = tuple(i for i in range(3) if i != axis)
    plane = a.shape[other[0]] * a.shape[other[1]]
    step = max(1, _SLAB_VOXELS // max(1, plane))
    proj_plane = [np.zeros((a.shape[other[0]], a.shape[other[1]]), bool) for _ in groups]
    proj_axis = [np.zeros(n, bool) for _ in groups]
    wanted = [(gi, list(g)) for gi, g in enumerate(groups) if g]
    for start in range(0, n, step):
        stop = min(n, start + step)
        index: list[slice] = [slice(None)] * 3
        index[axis] = slice(start, stop)
        slab = a[tuple(index)]
        top = int(slab.max())  # labels are never negative: 0 means an empty slab
        if top == 0:
            continue
        for gi, values in wanted:
            if min(values) > top:
                continue
            m = _in_values(slab, values)
            proj_plane[gi] |= m.any(axis=axis)
            proj_axis[gi][start:stop] = m.any(axis=other)
    out: list[Box | None] = []
    for gi in range(len(groups)):
        along = np.flatnonzero(proj_axis[gi])
        if along.size == 0:
            out.append(None)
            continue
        bounds: list[slice] = [slice(0, 0)] * 3
        bounds[axis] = slice(int(along[0]), int(along[-1]) + 1)
        p0 = np.flatnonzero(proj_plane[gi].any(axis=1))
        p1 = np.flatnonzero(proj_plane[gi].any(axis=0))
        bounds[other[0]] = slice(int(p0[0]), int(p0[-1]) + 1)
        bounds[other[1]] = slice(int(p1[0]), int(p1[-1]) + 1)
        out.append((bounds[0], bounds[1], bounds[2]))
    return out


def _tight_boxes(mask: BoolArray) -> list[Box]:
    """Boxes, relative to ``mask``, that each hold whole 26-connected components and are
    separated by empty slices (recursive projection cuts): later work touches only these."""
    out: list[Box] = []
    stack: list[Box] = [(slice(0, mask.shape[0]), slice(0, mask.shape[1]), slice(0, mask.shape[2]))]
    while stack:
        box = stack.pop()
        sub = mask[box]
        runs_per_axis: list[list[tuple[int, int]]] = []
        for axis in range(3):
            proj = sub.any(axis=tuple(i for i in range(3) if i != axis))
            idx = np.flatnonzero(proj)
            if idx.size == 0:
                runs_per_axis = []
                break
            cuts = np.flatnonzero(np.diff(idx) > 1)
            starts = np.concatenate(([idx[0]], idx[cuts + 1]))
            stops = np.concatenate((idx[cuts], [idx[-1]])) + 1
            runs_per_axis.append([(int(s), int(e)) for s, e in zip(starts, stops, strict=True)])
        if not runs_per_axis:
            continue
        split_axis = max(range(3), key=lambda ax: len(runs_per_axis[ax]))
        if len(runs_per_axis[split_axis]) == 1:
            tight = tuple(slice(r[0][0], r[0][1]) for r in runs_per_axis)
            out.append(_offset(box, (tight[0], tight[1], tight[2])))
            continue
        for s, e in runs_per_axis[split_axis]:
            parts = list(box)
            parts[split_axis] = slice(box[split_axis].start + s, box[split_axis].start + e)
            stack.append((parts[0], parts[1], parts[2]))
    out.sort(key=lambda b: (b[0].start, b[1].start, b[2].start))
    return out


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _MapRoles:
    """Which label values of one map play which role."""

    liver: list[int]
    tumour: list[int]
    flr: list[int]
    segments: dict[int, int]  # label value -> segment number
    vessels: dict[str, list[int]]


def _roles(m: LabelMap) -> _MapRoles:
    liver: list[int] = []
    tumour: list[int] = []
    flr: list[int] = []
    segments: dict[int, int] = {}
    vessels: dict[str, list[int]] = {}
    for value, name in m.labels.items():
        if name in LIVER_STRUCTURES:
            liver.append(value)
        if name == "liver_tumour":
            tumour.append(value)
        if name == "future_liver_remnant":
            flr.append(value)
        seg = segment_number(name)
        if seg is not None:
            segments[value] = seg
        if name in VESSEL_NAMES:
            vessels.setdefault(name, []).append(value)
    return _MapRoles(liver, tumour, flr, segments, vessels)


@dataclass(frozen=True, eq=False)
class Anatomy:
    """The combined anatomy of one or more label maps on one grid.

    The masks are held inside ``bbox`` (the bounding box of the liver, tumours included):
    ``liver_in_bbox``, ``segments_in_bbox``, ``tumour_in_bbox``; the full-grid ``liver``,
    ``segments``, ``tumour`` and ``vessels`` are built on first use. ``vessel_mask(name, box)``
    reads a vessel inside any box without building its full-grid mask.
    """

    affine: FloatArray
    shape: tuple[int, int, int]
    bbox: Box
    liver_in_bbox: BoolArray
    segments_in_bbox: npt.NDArray[np.uint8]
    tumour_in_bbox: BoolArray
    flr_in_bbox: BoolArray | None
    has_segments: bool
    vessel_boxes: dict[str, Box]
    maps: tuple[LabelMap, ...]
    warnings: tuple[str, ...] = ()
    #: The 26-connected tumour components, unordered: (full-grid box, mask inside the box).
    tumour_parts: tuple[tuple[Box, BoolArray], ...] = ()
    _roles: tuple[_MapRoles, ...] = field(default=(), repr=False)

    # -- geometry ----------------------------------------------------------------------------
    @property
    def spacing_mm(self) -> tuple[float, float, float]:
        n = np.linalg.norm(self.affine[:3, :3], axis=0)
        return (float(n[0]), float(n[1]), float(n[2]))

    @property
    def voxel_volume_mm3(self) -> float:
        return float(abs(np.linalg.det(self.affine[:3, :3])))

    @property
    def vessel_names(self) -> tuple[str, ...]:
        return tuple(sorted(self.vessel_boxes))

    # -- full-grid masks (built on first use) -----------------------------------------------
    def _full(self, inner: npt.NDArray[Any]) -> npt.NDArray[Any]:
        out = np.zeros(self.shape, dtype=inner.dtype)
        out[self.bbox] = inner
        return out

    @cached_property
    def liver(self) -> BoolArray:
        return self._full(self.liver_in_bbox)

    @cached_property
    def segments(self) -> npt.NDArray[np.uint8]:
        return self._full(self.segments_in_bbox)

    @cached_property
    def tumour(self) -> BoolArray:
        return self._full(self.tumour_in_bbox)

    @cached_property
    def future_liver_remnant(self) -> BoolArray | None:
        return None if self.flr_in_bbox is None else self._full(self.flr_in_bbox)

    @cached_property
    def vessels(self) -> dict[str, BoolArray]:
        full = (slice(0, self.shape[0]), slice(0, self.shape[1]), slice(0, self.shape[2]))
        return {name: self.vessel_mask(name, full) for name in self.vessel_names}

    def vessel_mask(self, name: str, box: Box) -> BoolArray:
        """Mask of vessel ``name`` inside ``box`` (full-grid coordinates)."""
        out = np.zeros(_box_shape(box), dtype=bool)
        for m, roles in zip(self.maps, self._roles, strict=True):
            values = roles.vessels.get(name)
            if values:
                out |= _in_values(m.array[box], values)
        return out


def combine(maps: Sequence[LabelMap]) -> Anatomy:
    """Combine label maps of one patient on one grid into an ``Anatomy``.

    Raises ``ImagingInputError`` when the grids differ (naming both geometries) or when no map
    holds any liver voxel.
    """
    if not maps:
        raise ImagingInputError("no label map given")
    first = maps[0]
    for other in maps[1:]:
        if not first.same_grid(other):
            raise ImagingInputError(
                f"label maps on different grids cannot be combined: {first.source} has "
                f"{first.geometry}; {other.source} has {other.geometry}"
            )
    shape = first.shape
    roles = tuple(_roles(m) for m in maps)
    if not any(r.liver for r in roles):
        names = sorted({n for m in maps for n in m.labels.values()})
        raise ImagingInputError(
            "no liver structure in the label maps (liver, liver_segment_1..8 or liver_tumour; "
            f"got {', '.join(names) or 'none'})"
        )

    # Pass 1: bounding boxes of the liver and of each vessel, streaming over each array.
    liver_box: Box | None = None
    vessel_boxes: dict[str, Box] = {}
    for m, r in zip(maps, roles, strict=True):
        vessel_names = sorted(r.vessels)
        groups: list[list[int]] = [r.liver, *(r.vessels[n] for n in vessel_names)]
        boxes = _bboxes(m.array, groups)
        liver_box = _union(liver_box, boxes[0])
        for name, box in zip(vessel_names, boxes[1:], strict=True):
            if box is not None:
                merged = _union(vessel_boxes.get(name), box)
                assert merged is not None
                vessel_boxes[name] = merged
    sources = ", ".join(m.source for m in maps)
    empty = f"empty liver: no voxel carries a liver or liver-segment label in {sources}"
    if liver_box is None:
        raise ImagingInputError(empty)

    # Pass 2: the masks, inside the liver's box only.
    bshape = _box_shape(liver_box)
    liver = np.zeros(bshape, dtype=bool)
    tumour = np.zeros(bshape, dtype=bool)
    segments = np.zeros(bshape, dtype=np.uint8)
    flr: BoolArray | None = None
    has_segments = False
    conflicts = 0
    scratch = np.empty(bshape, dtype=bool)
    for index, (m, r) in enumerate(zip(maps, roles, strict=True)):
        crop = m.array[liver_box]
        if index == 0:  # the first map writes the masks directly
            _in_values(crop, r.liver, out=liver)
        else:
            liver |= _in_values(crop, r.liver, out=scratch)
        if r.tumour:
            if index == 0:
                _in_values(crop, r.tumour, out=tumour)
            else:
                tumour |= _in_values(crop, r.tumour, out=scratch)
        if r.flr:
            if flr is None:
                flr = np.zeros(bshape, dtype=bool)
            flr |= _in_values(crop, r.flr, out=scratch)
        if not r.segments:
            continue
        first_segment_map = not has_segments
        offsets = {value - seg for value, seg in r.segments.items()}
        values = sorted(r.segments)
        if first_segment_map and len(offsets) == 1 and values[-1] - values[0] == len(values) - 1:
            # The usual layout (values 1..8, or a constant offset): one arithmetic pass.
            _in_values(crop, values, out=scratch)
            if scratch.any():
                has_segments = True
                shift = offsets.pop()
                np.subtract(crop, shift, out=segments, where=scratch, casting="unsafe")
            continue
        for value, seg in sorted(r.segments.items()):
            np.equal(crop, value, out=scratch)
            if not scratch.any():
                continue
            has_segments = True
            if not first_segment_map:
                # A voxel two maps give different segments keeps the first map's.
                conflicts += int(np.count_nonzero(scratch & (segments != 0) & (segments != seg)))
            np.copyto(segments, np.uint8(seg), where=scratch & (segments == 0))
    del scratch
    # Every tumour voxel is a liver voxel, so some liver is not tumour iff there are more.
    if np.count_nonzero(liver) <= np.count_nonzero(tumour):
        raise ImagingInputError(empty)

    warnings: list[str] = []
    if _touches_edge(liver_box, shape):
        warnings.append("liver mask touches the image edge: the volume may be incomplete")
    if conflicts:
        warnings.append(
            f"{conflicts} voxels have different segment labels in different maps: "
            "the first map's segment was kept"
        )
    parts = _label_components(tumour, liver_box) if tumour.any() else []
    anatomy = Anatomy(
        affine=np.array(first.affine),
        shape=shape,
        bbox=liver_box,
        liver_in_bbox=liver,
        segments_in_bbox=segments,
        tumour_in_bbox=tumour,
        flr_in_bbox=flr,
        has_segments=has_segments,
        vessel_boxes=vessel_boxes,
        maps=tuple(maps),
        warnings=tuple(warnings),
        tumour_parts=tuple(parts),
        _roles=roles,
    )
    if has_segments:
        _fill_tumour_segments(anatomy)
    return anatomy


_COARSE = 4  # voxels per cell edge of the coarse grid that groups tumour voxels before labelling
_LABEL_DIRECTLY_BELOW = 1 << 18  # voxels: smaller boxes are labelled without the coarse grid


def _coarse_groups(mask: BoolArray) -> list[tuple[Box, BoolArray]]:
    """Groups of ``mask`` voxels that hold whole 26-connected components, each as a box
    (relative to ``mask``) and the group's voxels inside it. Two 26-neighbours lie in the same
    or 26-neighbouring cells of a coarse grid (``_COARSE`` voxels a side), so every component
    lies inside one 26-connected component of the occupied cells: labelling those cells (64
    times fewer) and then each group inside its own box touches only the boxes around the
    tumours, not the whole space between them."""
    from scipy import ndimage

    c = _COARSE
    shape = mask.shape
    padded_shape = tuple(-(-n // c) * c for n in shape)
    padded = np.zeros(padded_shape, dtype=bool)
    padded[: shape[0], : shape[1], : shape[2]] = mask
    # Four booleans along the last axis are one uint32: non-zero when any of them is set.
    along_last = padded.view(np.uint32) != 0
    cells = along_last.reshape(
        padded_shape[0] // c, c, padded_shape[1] // c, c, padded_shape[2] // c
    ).any(axis=(1, 3))
    labels, _ = ndimage.label(cells, structure=np.ones((3, 3, 3), dtype=bool))
    out: list[tuple[Box, BoolArray]] = []
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        box: Box = (
            slice(sl[0].start * c, min(shape[0], sl[0].stop * c)),
            slice(sl[1].start * c, min(shape[1], sl[1].stop * c)),
            slice(sl[2].start * c, min(shape[2], sl[2].stop * c)),
        )
        member = labels[sl] == k
        for axis in range(3):
            member = np.repeat(member, c, axis=axis)
        box_shape = _box_shape(box)
        out.append((box, mask[box] & member[: box_shape[0], : box_shape[1], : box_shape[2]]))
    return out


def _label_components(tumour: BoolArray, origin: Box) -> list[tuple[Box, BoolArray]]:
    """26-connected components of ``tumour`` (a mask inside box ``origin``), each as its own
    full-grid box and mask, in the order of their first voxel (C order) within boxes separated
    by empty slices. Labelling runs only inside boxes around groups of tumours."""
    from scipy import ndimage

    structure = np.ones((3, 3, 3), dtype=bool)
    parts: list[tuple[Box, BoolArray]] = []
    for leaf in _tight_boxes(tumour):
        sub = tumour[leaf]
        full_leaf = _offset(origin, leaf)
        groups: list[tuple[Box, BoolArray]]
        if sub.size < _LABEL_DIRECTLY_BELOW:
            groups = [
                ((slice(0, sub.shape[0]), slice(0, sub.shape[1]), slice(0, sub.shape[2])), sub)
            ]
        else:
            groups = _coarse_groups(sub)
        found: list[tuple[tuple[int, int, int], Box, BoolArray]] = []
        for gbox, gmask in groups:
            labels, _ = ndimage.label(gmask, structure=structure)
            full_group = _offset(full_leaf, gbox)
            for k, sl in enumerate(ndimage.find_objects(labels), start=1):
                if sl is None:
                    continue
                box = _offset(full_group, (sl[0], sl[1], sl[2]))
                mask = labels[sl] == k
                first = np.unravel_index(int(np.argmax(mask)), mask.shape)
                key = (
                    box[0].start + int(first[0]),
                    box[1].start + int(first[1]),
                    box[2].start + int(first[2]),
                )
                found.append((key, box, mask))
        found.sort(key=lambda f: f[0])
        parts.extend((box, mask) for _, box, mask in found)
    return parts


def _distance_to_outside_mm(
    box: Box, bounds: Box, spacing: FloatArray, idx: tuple[npt.NDArray[np.intp], ...]
) -> npt.NDArray[np.float64]:
    """For voxels at ``idx`` (relative to ``box``): how far (mm) the nearest voxel outside
    ``box`` but inside ``bounds`` is, at least (``inf`` on sides where ``box`` reaches
    ``bounds``)."""
    far = np.full(idx[0].shape, np.inf)
    for a in range(3):
        if box[a].start > bounds[a].start:
            far = np.minimum(far, (idx[a] + 1) * spacing[a])
        if box[a].stop < bounds[a].stop:
            far = np.minimum(far, (box[a].stop - box[a].start - idx[a]) * spacing[a])
    return far


def _fill_enclosed(seg: npt.NDArray[np.uint8], tbox: Box, part: BoolArray) -> bool:
    """The common case without a distance transform: when every segment voxel in the tumour's
    box grown by one voxel has one label k, and every 6-neighbour of the voxels to fill is a
    segment voxel, each voxel to fill gets k, exactly. Proof: along each axis ray from a voxel
    p to fill, the first voxel not to fill is a k voxel, at distance U(p); every segment voxel
    inside the grown box is k, and any voxel outside it is farther than the box face beyond
    that ray's exit, hence farther than U(p). Returns False (nothing changed) otherwise."""
    shape = seg.shape
    if any(b.start < 1 or b.stop > n - 1 for b, n in zip(tbox, shape, strict=True)):
        return False
    box = _expand(tbox, [1, 1, 1], (shape[0], shape[1], shape[2]))
    sub = seg[box]
    need = np.zeros(sub.shape, dtype=bool)
    need[1:-1, 1:-1, 1:-1] = part
    need &= sub == 0
    if not need.any():
        return True
    labelled = sub[sub != 0]
    if labelled.size == 0 or labelled.min() != labelled.max():
        return False
    shell = np.zeros_like(need)
    for axis in range(3):
        for shift in (-1, 1):
            shell |= np.roll(need, shift, axis=axis)
    shell &= ~need
    if not np.all(sub[shell] != 0):
        return False
    sub[need] = labelled[0]
    return True


def _fill_tumour_segments(anatomy: Anatomy) -> None:
    """Give each tumour voxel without a segment the segment of its nearest segment voxel."""
    from scipy import ndimage

    seg = anatomy.segments_in_bbox
    bounds = (
        slice(0, seg.shape[0]),
        slice(0, seg.shape[1]),
        slice(0, seg.shape[2]),
    )
    spacing = np.asarray(anatomy.spacing_mm)
    for full_box, part in anatomy.tumour_parts:
        tbox = _relative(anatomy.bbox, full_box)
        if _fill_enclosed(seg, tbox, part):
            continue
        margin = 2
        while True:
            box = _expand(tbox, [margin] * 3, _box_shape(bounds))
            sub = seg[box]
            need = np.zeros(sub.shape, dtype=bool)
            need[_relative(box, tbox)] = part
            need &= sub == 0
            if not need.any():
                break
            features = sub != 0
            if not features.any():
                if box == bounds:
                    break
                margin *= 2
                continue
            nearest = ndimage.distance_transform_edt(
                ~features, sampling=spacing, return_distances=False, return_indices=True
            )
            flat = np.flatnonzero(need)  # C order, as np.nonzero
            idx = np.unravel_index(flat, need.shape)
            source = nearest.reshape(3, -1)[:, flat]
            steps = (source - np.stack(idx)).T * spacing
            dist = np.sqrt(np.einsum("ij,ij->i", steps, steps))
            far = _distance_to_outside_mm(box, bounds, spacing, idx)
            if box != bounds and np.any(dist > far):
                margin *= 2
                continue
            sub[idx] = sub[source[0], source[1], source[2]]
            break


# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class TumourComponent:
    """One 26-connected tumour component.

    Diameters are between voxel centres (a sphere of radius r measures between 2r minus one
    voxel diagonal and 2r); ``axial_diameter_mm`` is the longest within one slice of the voxel
    plane closest to axial (the one whose normal is nearest the patient S axis).
    """

    id: str
    box: Box  # full-grid coordinates
    mask: BoolArray  # inside ``box``
    voxel_count: int
    volume_ml: float
    max_diameter_mm: float
    axial_diameter_mm: float
    centroid_mm: tuple[float, float, float]
    segment_fractions: dict[int, float]
    touches_edge: bool


def _hull_candidates(
    mask: BoolArray,
    axes: Sequence[int],
    known: BoolArray | None = None,
    known_axes: Sequence[int] = (),
) -> BoolArray:
    """Voxels of ``mask`` that may be vertices of the convex hull of its voxel centres (in 3-D,
    or within their slice when ``axes`` are the two in-plane axes). A voxel whose two
    neighbours on opposite sides along one step d (d in {-1, 0, 1} on ``axes``, 0 elsewhere:
    13 steps in 3-D, 4 in a plane) are both in the mask is their midpoint, so it is no vertex;
    the box edge counts as outside. What is left holds every vertex and is a fraction of the
    surface. ``known``: this function's result for ``known_axes`` (a subset of ``axes``); the
    steps on those axes alone are then not repeated."""
    shape = mask.shape
    padded = np.zeros((shape[0] + 2, shape[1] + 2, shape[2] + 2), dtype=bool)
    padded[1:-1, 1:-1, 1:-1] = mask
    out = mask.copy() if known is None else known.copy()
    both = np.empty(shape, dtype=bool)
    for step in itertools.product((-1, 0, 1), repeat=len(axes)):
        if step <= (0,) * len(axes):  # one of each pair of opposite steps
            continue
        d = [0, 0, 0]
        for axis, di in zip(axes, step, strict=True):
            d[axis] = di
        if known is not None and all(d[a] == 0 for a in range(3) if a not in known_axes):
            continue
        ahead = padded[tuple(slice(1 + di, 1 + di + n) for di, n in zip(d, shape, strict=True))]
        behind = padded[tuple(slice(1 - di, 1 - di + n) for di, n in zip(d, shape, strict=True))]
        np.logical_and(ahead, behind, out=both)
        np.greater(out, both, out=out)  # out and not both
    return out


_HULL_ABOVE = 1500  # points; below this, all pairs (pdist) cost less than Qhull's hull


def _max_pairwise(points_mm: FloatArray, hull_coords: npt.NDArray[Any] | None = None) -> float:
    """The largest distance between two of the points. Only convex-hull vertices can realise
    it, so larger sets are first reduced to their hull (computed on ``hull_coords``, e.g. the
    in-plane indices of coplanar points, when given)."""
    n = len(points_mm)
    if n < 2:
        return 0.0
    if n > _HULL_ABOVE:
        from scipy.spatial import ConvexHull, QhullError

        # A flat or collinear set has no hull in its dimension: then all points, in blocks.
        with contextlib.suppress(QhullError):
            coords = points_mm if hull_coords is None else hull_coords
            points_mm = points_mm[ConvexHull(coords).vertices]
    if len(points_mm) <= 3000:
        from scipy.spatial.distance import pdist

        return math.sqrt(float(pdist(points_mm, "sqeuclidean").max()))
    best = 0.0
    block = 1024
    for s in range(0, len(points_mm), block):
        d = points_mm[s : s + block, None, :] - points_mm[None, :, :]
        best = max(best, float(np.einsum("ijk,ijk->ij", d, d).max()))
    return math.sqrt(best)


def _axial_axis(affine: FloatArray) -> int:
    """The voxel axis across the slices closest to axial: the slice plane spanned by the other
    two axes whose normal is nearest the patient S axis."""
    m = affine[:3, :3]
    best, best_axis = -1.0, 2
    for a in range(3):
        u, v = (m[:, i] for i in range(3) if i != a)
        normal = np.cross(u, v)
        score = abs(normal[2]) / float(np.linalg.norm(normal))
        if score > best + 1e-12:
            best, best_axis = score, a
    return best_axis


def _diameters(
    mask: BoolArray, origin: Sequence[int], affine: FloatArray, ax: int
) -> tuple[float, float]:
    """Longest 3-D and longest in-slice diameter (slices across voxel axis ``ax``), in mm."""
    m = affine[:3, :3]
    offset = affine[:3, 3] + m @ np.asarray(origin, dtype=np.float64)
    in_plane = [i for i in range(3) if i != ax]
    # Per slice, the voxels open along both in-plane axes hold that slice's hull vertices; the
    # 3-D candidates are those of them that are open along the other steps too.
    open_in_plane = _hull_candidates(mask, in_plane)
    pts = np.argwhere(_hull_candidates(mask, (0, 1, 2), open_in_plane, in_plane))
    max_d = _max_pairwise(pts.astype(np.float64) @ m.T + offset)
    extremes = np.argwhere(open_in_plane)
    slice_of = extremes[:, ax]
    if ax != 0:  # argwhere lists the points by their first index
        order = np.argsort(slice_of, kind="stable")
        extremes = extremes[order]
        slice_of = slice_of[order]
    mm = extremes.astype(np.float64) @ m.T + offset
    starts = np.concatenate(([0], np.flatnonzero(np.diff(slice_of)) + 1))
    # Bracket each slice's diameter by its widths along K in-plane directions: the largest
    # width is at most the diameter, and the diameter at most that over cos(pi / 2K). Only the
    # slices whose upper bound beats the best lower bound are measured exactly.
    k = 16
    e1 = m[:, in_plane[0]] / np.linalg.norm(m[:, in_plane[0]])
    e2 = m[:, in_plane[1]] - (m[:, in_plane[1]] @ e1) * e1
    e2 /= np.linalg.norm(e2)
    theta = np.arange(k) * math.pi / k
    directions = np.cos(theta)[:, None] * e1 + np.sin(theta)[:, None] * e2
    proj = mm @ directions.T
    widths = np.maximum.reduceat(proj, starts, axis=0) - np.minimum.reduceat(proj, starts, axis=0)
    lower = widths.max(axis=1)
    upper = lower / math.cos(math.pi / (2 * k)) + 1e-9
    stops = np.concatenate((starts[1:], [len(mm)]))
    axial = 0.0  # the widths only prune: the result is always an exact pairwise distance
    for i in np.argsort(upper)[::-1]:
        if upper[i] <= axial:
            break
        sl = slice(int(starts[i]), int(stops[i]))
        axial = max(axial, _max_pairwise(mm[sl], extremes[sl][:, in_plane]))
    return max_d, axial


def tumour_components(anatomy: Anatomy) -> list[TumourComponent]:
    """The 26-connected tumour components, ordered by decreasing volume (then by centroid, for
    a stable order), with ids ``T1``, ``T2`` ..."""
    found = list(anatomy.tumour_parts)
    vvox = anatomy.voxel_volume_mm3
    affine = anatomy.affine
    ax = _axial_axis(affine)
    items: list[tuple[float, tuple[float, float, float], TumourComponent]] = []
    for box, mask in found:
        origin = [s.start for s in box]
        # The mean index per axis from the per-slice counts: integer sums, so exactly the mean
        # of the voxel indices, without listing the voxels.
        per_axis = [
            np.count_nonzero(mask, axis=tuple(i for i in range(3) if i != a)) for a in range(3)
        ]
        count = int(per_axis[0].sum())
        centre_idx = np.array(
            [
                int(np.dot(np.arange(len(c), dtype=np.int64), c)) / count + o
                for c, o in zip(per_axis, origin, strict=True)
            ]
        )
        centroid = affine[:3, :3] @ centre_idx + affine[:3, 3]
        max_d, axial_d = _diameters(mask, origin, affine, ax)
        fractions: dict[int, float] = {}
        if anatomy.has_segments:
            seg = anatomy.segments_in_bbox[_relative(anatomy.bbox, box)][mask]
            counts = np.bincount(seg, minlength=9)
            fractions = {k: int(counts[k]) / count for k in range(1, 9) if counts[k]}
        comp = TumourComponent(
            id="",
            box=box,
            mask=mask,
            voxel_count=count,
            volume_ml=mm3_to_ml(count * vvox),
            max_diameter_mm=max_d,
            axial_diameter_mm=axial_d,
            centroid_mm=(float(centroid[0]), float(centroid[1]), float(centroid[2])),
            segment_fractions=fractions,
            touches_edge=_touches_edge(box, anatomy.shape),
        )
        items.append((-count, comp.centroid_mm, comp))
    items.sort(key=lambda t: (t[0], t[1]))
    out: list[TumourComponent] = []
    for n, (_, _, comp) in enumerate(items, start=1):
        object.__setattr__(comp, "id", f"T{n}")
        out.append(comp)
    return out


# ---------------------------------------------------------------------------------------------
def _boundary(mask: BoolArray) -> BoolArray:
    """Voxels of ``mask`` with a 6-neighbour outside it (the box edge counts as outside)."""
    inner = mask.copy()
    inner[1:] &= mask[:-1]
    inner[:-1] &= mask[1:]
    inner[:, 1:] &= mask[:, :-1]
    inner[:, :-1] &= mask[:, 1:]
    inner[:, :, 1:] &= mask[:, :, :-1]
    inner[:, :, :-1] &= mask[:, :, 1:]
    inner[0] = inner[-1] = False
    inner[:, 0] = inner[:, -1] = False
    inner[:, :, 0] = inner[:, :, -1] = False
    return mask & ~inner


_CELL = 4  # voxels per cell edge in the coarse stage of the distance search


@dataclass(frozen=True)
class _Cells:
    """Points (mm) grouped into cubic cells of ``_CELL`` voxels: ``points`` lists them cell by
    cell, ``starts`` where each cell begins, ``centres`` each cell's centre (mm)."""

    points: FloatArray
    starts: npt.NDArray[np.intp]
    sizes: npt.NDArray[np.intp]
    centres: FloatArray

    def cell(self, i: int) -> FloatArray:
        """The points of cell ``i`` (a view: the points are stored cell by cell)."""
        start = int(self.starts[i])
        return self.points[start : start + int(self.sizes[i])]

    def members(self, cells: npt.NDArray[np.intp]) -> FloatArray:
        sizes = self.sizes[cells]
        total = int(sizes.sum())
        if total == 0:
            return self.points[:0]
        offsets = np.repeat(self.starts[cells] - np.cumsum(sizes) + sizes, sizes)
        result: FloatArray = self.points[np.arange(total) + offsets]
        return result


def _cells(idx: npt.NDArray[np.intp], affine: FloatArray) -> _Cells:
    points = idx.astype(np.float64) @ affine[:3, :3].T + affine[:3, 3]
    coarse = idx // _CELL
    span = coarse.max(axis=0) + 1 if len(coarse) else np.ones(3, dtype=np.intp)
    keys = (coarse[:, 0] * span[1] + coarse[:, 1]) * span[2] + coarse[:, 2]
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]  # sorted already: each cell's first position, without another sort
    first = np.ones(len(ordered), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    unique = ordered[starts]
    cell_idx = np.stack(
        [unique // (span[1] * span[2]), (unique // span[2]) % span[1], unique % span[2]], axis=1
    )
    centres = (cell_idx * _CELL + (_CELL - 1) / 2).astype(np.float64) @ affine[:3, :3].T
    starts = starts.astype(np.intp)
    sizes = np.diff(np.append(starts, len(order))).astype(np.intp)
    return _Cells(points[order], starts, sizes, centres + affine[:3, 3])


def _cell_radius_mm(affine: FloatArray) -> float:
    """Farthest a voxel centre of a cell can be from the cell's centre."""
    half = (_CELL - 1) / 2
    signs = np.array([[1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1]], dtype=np.float64)
    return float(np.linalg.norm(signs * half @ affine[:3, :3].T, axis=1).max())


def _candidates(mask: BoolArray, orthogonal: bool) -> BoolArray:
    # On an orthogonal grid the voxel of a set nearest to any outside voxel centre lies on the
    # set's 6-neighbour boundary; on a sheared grid every voxel is a candidate.
    return _boundary(mask) if orthogonal else mask


def _nearest_sq(a: FloatArray, b: FloatArray) -> FloatArray:
    """Squared distance from each point of ``a`` to the nearest point of ``b``."""
    from scipy.spatial.distance import cdist

    out = np.empty(len(a))
    for s in range(0, len(a), 1024):
        out[s : s + 1024] = cdist(a[s : s + 1024], b, "sqeuclidean").min(axis=1)
    return out


def _min_distance(a: FloatArray, b: FloatArray) -> float:
    from scipy.spatial.distance import cdist

    best = math.inf
    for s in range(0, len(a), 1024):
        best = min(best, float(cdist(a[s : s + 1024], b, "sqeuclidean").min()))
    return math.sqrt(best)


def vessel_distances_mm(
    anatomy: Anatomy, components: Sequence[TumourComponent]
) -> list[dict[str, float]]:
    """For each component, the exact Euclidean distance (mm, voxel centre to voxel centre) to
    each vessel structure present; 0 where the tumour and the vessel share voxels.

    Coarse to fine: tumour and vessel surface voxels are grouped in cells of 4^3 voxels; cell
    centres give, with the cell radius r, a guaranteed upper bound U (nearest centres + 2r) and
    lower bounds (centre distance - 2r) that discard every cell that cannot hold the closest
    pair; the remaining points are compared exhaustively.
    """
    from scipy.spatial import cKDTree

    out: list[dict[str, float]] = [{} for _ in components]
    if not components or not anatomy.vessel_boxes:
        return out
    affine = anatomy.affine
    orthogonal = is_orthogonal(affine)
    r2 = 2 * _cell_radius_mm(affine)
    tumours = [
        _cells(np.argwhere(_candidates(c.mask, orthogonal)) + [s.start for s in c.box], affine)
        for c in components
    ]
    # The vessel labels each map holds inside each tumour, read once for all vessels (usually
    # none, so the per-vessel test below runs on empty arrays).
    any_vessel = [sorted({v for vs in r.vessels.values() for v in vs}) for r in anatomy._roles]
    inside = [
        [
            values[_in_values(values, wanted)] if wanted else values[:0]
            for values, wanted in zip(
                (m.array[c.box][c.mask] for m in anatomy.maps), any_vessel, strict=True
            )
        ]
        for c in components
    ]
    for name in anatomy.vessel_names:
        box = anatomy.vessel_boxes[name]
        mask = _candidates(anatomy.vessel_mask(name, box), orthogonal)
        vessel = _cells(np.argwhere(mask) + [s.start for s in box], affine)
        tree = cKDTree(vessel.centres)
        for i in range(len(components)):
            if any(
                values.size
                and roles.vessels.get(name)
                and _in_values(values, roles.vessels[name]).any()
                for values, roles in zip(inside[i], anatomy._roles, strict=True)
            ):
                out[i][name] = 0.0
                continue
            t = tumours[i]
            # A few cells first bound the distance: the exact distance between the points of
            # the closest sampled cell and of its nearest vessel cell is at least the answer.
            # A cell can hold the closest pair only if its centre is within the answer plus 2r
            # of a vessel cell centre, so within that bound plus 2r: the query prunes the rest.
            step = max(1, len(t.centres) // 16)
            sample_d, sample_cell = tree.query(t.centres[::step], k=1)
            s_best = int(np.argmin(sample_d))
            bound = _min_distance(t.cell(s_best * step), vessel.cell(int(sample_cell[s_best])))
            centre_d, nearest_cell = tree.query(
                t.centres, k=1, distance_upper_bound=(bound + r2) * (1 + 1e-9) + 1e-9
            )
            best = int(np.argmin(centre_d))
            # An upper bound: the exact distance between the two closest cells' points.
            upper = _min_distance(t.cell(best), vessel.cell(int(nearest_cell[best])))
            near = np.flatnonzero(centre_d - r2 <= upper).astype(np.intp)
            around = tree.query_ball_point(t.centres[near], r=upper + r2)
            vessel_cells = np.unique(
                np.fromiter(itertools.chain.from_iterable(around), dtype=np.intp)
            )
            a = t.members(near)
            b = vessel.members(vessel_cells)
            # Per point lower bounds (distance to the nearest candidate cell centre of the
            # other set, minus a cell radius) drop the points that cannot beat ``upper``.
            a = a[_nearest_sq(a, vessel.centres[vessel_cells]) <= (upper + r2 / 2) ** 2]
            b = b[_nearest_sq(b, t.centres[near]) <= (upper + r2 / 2) ** 2]
            out[i][name] = min(upper, _min_distance(a, b)) if len(a) and len(b) else upper
    return out


def describe(anatomy: Anatomy) -> str:
    """One line naming the grid (for messages)."""
    return describe_geometry(anatomy.shape, anatomy.affine)
