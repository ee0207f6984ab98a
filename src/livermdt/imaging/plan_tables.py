"""What the planner measures once, so that hundreds of candidate resections are table lookups.

Everything here is computed inside the liver's bounding box (``Anatomy.bbox``):

* segment volumes (voxel counts) and segment adjacency (two segments are adjacent when a voxel of
  one shares a face with a voxel of the other: 6-connectivity);
* the exact Euclidean distance (mm, voxel centre to voxel centre) from every tumour to every
  segment, ``dist[t, s]`` (0 when the tumour has voxels in the segment). On an orthogonal grid the
  closest pair of two disjoint voxel sets lies on their 6-neighbour boundaries, so only boundary
  voxels go into the k-d trees; on a sheared grid every voxel does;
* for each tumour, a local exact distance map (``scipy.ndimage.distance_transform_edt`` with
  ``sampling`` = spacing, inside a crop around the tumour) giving its wedge (tumour + margin) and
  its ablation zone (tumour + ablation margin) as voxel sets;
* one table of "who covers which voxel": every voxel in some wedge or ablation zone gets a
  bit-signature of the wedges/zones that contain it; rows (segment, signature) with their voxel
  counts let any combination of removed segments, wedges and ablations be measured exactly
  (overlaps counted once) by summing table rows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from livermdt.imaging.anatomy import Anatomy, TumourComponent, is_orthogonal

__all__ = ["PlanTables", "TumourSegmentDistances", "WedgeCluster", "build_tables", "item_mask"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Box = tuple[slice, slice, slice]

_MAJOR_VESSELS = ("portal_vein", "hepatic_vein", "inferior_vena_cava")


@dataclass(frozen=True)
class WedgeCluster:
    """Tumours whose wedges (tumour + margin) overlap: one wedge removes them together."""

    tumours: tuple[int, ...]  # indices into the tumour list
    bit: int  # item number in the signature table
    voxels: int  # liver voxels in the wedge
    vessels_hit: tuple[str, ...]  # major vessels inside the wedge
    #: per segment 0..8: the smallest distance (mm) from the cluster's tumours to a voxel of the
    #: segment left outside the wedge, as seen in the tumours' crops (a lower bound where the
    #: crop could not show the exact one) ...
    local_margin_mm: tuple[float, ...]
    #: ... and, per segment, the tumours whose nearest voxel of that segment lies beyond their
    #: wedge: for those the margin is the tumour-segment distance.
    margin_pairs: tuple[tuple[int, ...], ...]


@dataclass(frozen=True)
class PlanTables:
    spacing_mm: tuple[float, float, float]
    voxel_volume_ml: float
    present_segments: tuple[int, ...]
    segment_voxels: tuple[int, ...]  # index 0..8
    liver_voxels: int
    tumour_voxels: int
    tumour_segment_voxels: tuple[tuple[int, ...], ...]  # [t][0..8]
    distances: TumourSegmentDistances
    adjacency: frozenset[tuple[int, int]]
    clusters: tuple[WedgeCluster, ...]
    cluster_of: tuple[int, ...]  # tumour index -> cluster index
    zone_bit: tuple[int | None, ...]  # tumour index -> ablation-zone item (None: no zone)
    zone_voxels: tuple[int, ...]  # tumour index -> liver voxels in its ablation zone (0: none)
    n_items: int
    rows_segment: npt.NDArray[np.uint8]
    rows_signature: npt.NDArray[np.uint64]  # (rows, words)
    rows_count: IntArray
    unsegmented_voxels_assigned: int


def _words(n_items: int) -> int:
    return max(1, math.ceil(n_items / 64))


def item_mask(bits: Sequence[int], n_items: int) -> npt.NDArray[np.uint64]:
    """The signature words with ``bits`` set."""
    out = np.zeros(_words(n_items), dtype=np.uint64)
    for b in bits:
        out[b // 64] |= np.uint64(1) << np.uint64(b % 64)
    return out


def _with_every_liver_voxel_segmented(
    segments: npt.NDArray[np.uint8], liver: BoolArray, spacing: FloatArray
) -> tuple[npt.NDArray[np.uint8], int]:
    """``segments`` where liver voxels without a segment take the nearest segment voxel's; the
    input is returned as is (not copied) when every liver voxel has a segment."""
    from scipy import ndimage

    need = liver & (segments == 0)
    n = int(np.count_nonzero(need))
    if n == 0:
        return segments, 0
    # One exact distance transform over the crop; rare (a liver mask wider than its segments).
    _, nearest = ndimage.distance_transform_edt(
        segments == 0, sampling=spacing, return_indices=True
    )
    out = segments.copy()
    idx = np.nonzero(need)
    out[idx] = segments[nearest[0][idx], nearest[1][idx], nearest[2][idx]]
    return out, n


def _adjacency(segments: npt.NDArray[np.uint8]) -> frozenset[tuple[int, int]]:
    pairs: set[tuple[int, int]] = set()
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        a = segments[tuple(lo)]
        b = segments[tuple(hi)]
        m = (a != b) & (a > 0) & (b > 0)
        if not m.any():
            continue
        codes = np.unique(a[m].astype(np.int16) * 16 + b[m].astype(np.int16))
        for c in codes.tolist():
            u, v = divmod(int(c), 16)
            pairs.add((min(u, v), max(u, v)))
    return frozenset(pairs)


def _boundary_of_labels(segments: npt.NDArray[np.uint8]) -> BoolArray:
    """Voxels with a 6-neighbour of another label (the crop edge counts as another label)."""
    edge = np.zeros(segments.shape, dtype=bool)
    for axis in range(3):
        lo = [slice(None)] * 3
        hi = [slice(None)] * 3
        lo[axis] = slice(0, -1)
        hi[axis] = slice(1, None)
        d = segments[tuple(lo)] != segments[tuple(hi)]
        edge[tuple(lo)] |= d
        edge[tuple(hi)] |= d
        first = [slice(None)] * 3
        last = [slice(None)] * 3
        first[axis] = slice(0, 1)
        last[axis] = slice(-1, None)
        edge[tuple(first)] = True
        edge[tuple(last)] = True
    return edge


def _boundary(mask: BoolArray) -> BoolArray:
    padded = np.pad(mask, 1)
    inner = padded[1:-1, 1:-1, 1:-1].copy()
    for axis in range(3):
        for shift in (-1, 1):
            index = [slice(1, -1)] * 3
            index[axis] = slice(1 + shift, padded.shape[axis] - 1 + shift)
            inner &= padded[tuple(index)]
    return mask & ~inner


def _to_mm(
    idx: Sequence[npt.NDArray[np.intp]], origin: Sequence[int], affine: FloatArray
) -> FloatArray:
    ijk = np.stack(
        [np.asarray(i, dtype=np.float64) + o for i, o in zip(idx, origin, strict=True)], axis=1
    )
    out: FloatArray = ijk @ affine[:3, :3].T + affine[:3, 3]
    return out


@dataclass(frozen=True)
class _Surface:
    """A tumour's boundary points, grouped in cubic cells with one sample point per cell."""

    points: FloatArray
    group: IntArray  # cell of each point
    samples: FloatArray  # one point per cell
    delta_mm: float  # farthest a point lies from its cell's sample


def _surface(points: FloatArray, cell_mm: float = 3.0) -> _Surface:
    cells = np.floor(points / cell_mm).astype(np.int64)
    cells -= cells.min(axis=0)
    n = cells.max(axis=0) + 1
    key = (cells[:, 0] * n[1] + cells[:, 1]) * n[2] + cells[:, 2]
    _, first, group = np.unique(key, return_index=True, return_inverse=True)
    samples = points[first]
    delta = float(np.sqrt(((points - samples[group]) ** 2).sum(axis=1)).max())
    return _Surface(points, group.astype(np.int64), samples, delta)


class _SegmentTrees:
    """A segment's boundary points: a coarse tree (one point per cell) built at once, the exact
    tree built on first use (most segments never need it)."""

    def __init__(self, points: FloatArray) -> None:
        from scipy.spatial import cKDTree

        coarse = _surface(points)
        self.points = points
        self.coarse: Any = cKDTree(coarse.samples)
        self.delta_mm = coarse.delta_mm
        self._exact: Any = None

    @property
    def exact(self) -> Any:
        if self._exact is None:
            from scipy.spatial import cKDTree

            self._exact = cKDTree(self.points)
        return self._exact


class TumourSegmentDistances:
    """Distances (mm) from each tumour to each segment: bounds for all pairs at once, the exact
    value on demand (cached).

    Bounds: the tumour's boundary is sampled one point per 3 mm cell (every point within
    ``delta_t`` of its sample) and so is the segment's (``delta_s``); with ``dc`` the
    sample-to-coarse distances, ``upper = min dc`` and ``lower = upper - delta_t - delta_s``.
    Most decisions (is the margin at least 1 mm?) are settled by the bounds; the exact value
    is computed only where they straddle the question or for the pair that sets a reported
    margin."""

    def __init__(
        self,
        lower: FloatArray,
        upper: FloatArray,
        trees: dict[int, _SegmentTrees],
        surfaces: Sequence[_Surface],
    ) -> None:
        self.lower = lower
        self.upper = upper
        self._trees = trees
        self._surfaces = surfaces
        self._exact: dict[tuple[int, int], float] = {}

    def exact(self, t: int, s: int) -> float:
        key = (t, s)
        if key not in self._exact:
            if self.lower[t, s] == self.upper[t, s]:
                self._exact[key] = float(self.upper[t, s])
            else:
                self._exact[key] = _exact_min(self._trees[s], self._surfaces[t])
        return self._exact[key]

    def at_least(self, t: int, s: int, value: float) -> bool:
        """Whether the distance is >= ``value``."""
        if self.lower[t, s] >= value:
            return True
        if self.upper[t, s] < value:
            return False
        return self.exact(t, s) >= value

    def min_over(self, pairs: Sequence[tuple[int, int]], known: float = math.inf) -> float:
        """The exact smallest distance over ``(tumour, segment)`` pairs and ``known`` (a value
        already found elsewhere, which spares the pairs that cannot beat it)."""
        best = known
        for t, s in sorted(pairs, key=lambda p: float(self.lower[p[0], p[1]])):
            if self.lower[t, s] >= best:
                break
            best = min(best, self.exact(t, s))
        return best


def _exact_min(trees: _SegmentTrees, surface: _Surface) -> float:
    """Exact smallest distance from the surface points to a segment's points.

    ``ub = min dc`` (sample to coarse) bounds it from above. A surface point closer than ``ub``
    lies in a cell whose sample is within ``ub + delta_t`` of the segment, hence within
    ``ub + delta_t + delta_s`` of the coarse points: those samples are measured exactly (bound
    ``ub + delta_t``), the bound tightened, and only the cells still in reach are queried in
    full. The search bounds keep k-d tree searches short even from deep inside a curved
    surface, where unbounded nearest-neighbour searches visit many leaves."""
    if len(surface.points) == 0:
        return math.inf
    dc, _ = trees.coarse.query(surface.samples, k=1)
    ub = float(np.min(dc))
    cand = np.flatnonzero(dc <= ub + surface.delta_mm + trees.delta_mm)
    ds, _ = trees.exact.query(
        surface.samples[cand], k=1, distance_upper_bound=ub + surface.delta_mm + 1e-9
    )
    ub = min(ub, float(np.min(ds)))
    keep_cells = np.zeros(len(surface.samples), dtype=bool)
    keep_cells[cand[ds <= ub + surface.delta_mm]] = True
    near = keep_cells[surface.group]
    d, _ = trees.exact.query(surface.points[near], k=1, distance_upper_bound=ub * (1 + 1e-9) + 1e-9)
    return min(ub, float(np.min(d)))


def _local_distance(
    tmask: BoolArray,
    spacing: FloatArray,
    orthogonal: bool,
    affine: FloatArray,
    origin: Sequence[int],
    reach_mm: float,
) -> FloatArray:
    """Exact Euclidean distance (mm) from every voxel of the crop to the tumour mask."""
    if orthogonal:
        from scipy import ndimage

        d: FloatArray = ndimage.distance_transform_edt(~tmask, sampling=spacing)
        return d
    from scipy.spatial import cKDTree

    tree = cKDTree(_to_mm(np.nonzero(tmask), origin, affine))
    grid = np.indices(tmask.shape).reshape(3, -1)
    pts = _to_mm([grid[0], grid[1], grid[2]], origin, affine)
    dist, _ = tree.query(pts, k=1, distance_upper_bound=reach_mm + 1.0)
    out: FloatArray = np.asarray(dist, dtype=np.float64).reshape(tmask.shape)
    return out


def build_tables(
    anatomy: Anatomy,
    components: Sequence[TumourComponent],
    *,
    margin_mm: float,
    ablation_margin_mm: float,
    ablatable: Sequence[bool],
) -> PlanTables:

    affine = np.asarray(anatomy.affine, dtype=np.float64)
    spacing = np.asarray(anatomy.spacing_mm, dtype=np.float64)
    orthogonal = is_orthogonal(affine)
    bbox = anatomy.bbox
    origin = [s.start for s in bbox]
    liver = anatomy.liver_in_bbox
    # Segment labels are liver by definition (Anatomy: the liver is the union of the liver,
    # segment and tumour labels), so only unsegmented liver voxels need work.
    segments, assigned = _with_every_liver_voxel_segmented(
        np.asarray(anatomy.segments_in_bbox, dtype=np.uint8), liver, spacing
    )
    shape = segments.shape

    # Eight comparisons are cheaper than a bincount, which widens every voxel to 64 bits.
    seg_counts = np.array(
        [0] + [int(np.count_nonzero(segments == s)) for s in range(1, 9)], dtype=np.int64
    )
    present = tuple(s for s in range(1, 9) if seg_counts[s] > 0)
    adjacency = _adjacency(segments)

    # k-d trees of each segment's voxels on its boundary (all voxels on a sheared grid).
    candidates = _boundary_of_labels(segments) if orthogonal else np.ones(shape, dtype=bool)
    candidates &= segments > 0
    cidx = np.nonzero(candidates)
    clab = segments[cidx]
    order = np.argsort(clab, kind="stable")
    cpts = _to_mm([c[order] for c in cidx], origin, affine)
    clab = clab[order]
    starts = np.searchsorted(clab, np.arange(10))
    trees: dict[int, _SegmentTrees] = {}
    for s in present:
        trees[s] = _SegmentTrees(cpts[starts[s] : starts[s + 1]])

    n_t = len(components)
    tumour_seg = np.zeros((n_t, 9), dtype=np.int64)
    lower = np.full((n_t, 9), math.inf)
    upper = np.full((n_t, 9), math.inf)
    surfaces: list[_Surface] = []
    local: list[tuple[Box, FloatArray, BoolArray]] = []
    reach = [max(margin_mm, ablation_margin_mm if ablatable[t] else 0.0) for t in range(n_t)]
    for t, comp in enumerate(components):
        rel = tuple(
            slice(c.start - b.start, c.stop - b.start) for c, b in zip(comp.box, bbox, strict=True)
        )
        tseg = segments[rel][comp.mask]
        tumour_seg[t] = np.bincount(tseg, minlength=9)[:9]
        tb = _boundary(comp.mask) if orthogonal else comp.mask
        surf = _surface(
            _to_mm(np.nonzero(tb), [r.start + o for r, o in zip(rel, origin, strict=True)], affine)
        )
        surfaces.append(surf)
        for s in present:
            if tumour_seg[t, s] > 0:
                lower[t, s] = upper[t, s] = 0.0
            else:
                dc, _ = trees[s].coarse.query(surf.samples, k=1)
                upper[t, s] = float(np.min(dc))
                lower[t, s] = max(0.0, upper[t, s] - surf.delta_mm - trees[s].delta_mm)
        # The local crop: the tumour's box grown by its reach plus two voxels on every side.
        pad = [math.ceil(reach[t] / h) + 2 for h in spacing]
        crop = tuple(
            slice(max(0, r.start - p), min(n, r.stop + p))
            for r, p, n in zip(rel, pad, shape, strict=True)
        )
        inner = tuple(
            slice(r.start - c.start, r.stop - c.start) for r, c in zip(rel, crop, strict=True)
        )
        tmask = np.zeros(tuple(c.stop - c.start for c in crop), dtype=bool)
        tmask[inner] = comp.mask
        d = _local_distance(
            tmask,
            spacing,
            orthogonal,
            affine,
            [c.start + o for c, o in zip(crop, origin, strict=True)],
            reach[t],
        )
        local.append(((crop[0], crop[1], crop[2]), d, tmask))

    distances = TumourSegmentDistances(lower, upper, trees, surfaces)

    # Wedges (tumour + margin) and their overlaps: a dense "last wedge written here" array over
    # the crop finds overlapping wedges without sorting voxel lists.
    size = int(np.prod(shape))
    owner = np.full(size, -1, dtype=np.int32)

    def flat(crop: Box, m: BoolArray) -> IntArray:
        idx = np.nonzero(m)
        out: IntArray = np.ravel_multi_index(
            tuple(i + c.start for i, c in zip(idx, crop, strict=True)), shape
        ).astype(np.int64)
        return out

    parent = list(range(n_t))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    wedge_sets: list[IntArray] = []
    for t in range(n_t):
        crop, d, _ = local[t]
        w = flat(crop, (d <= margin_mm) & liver[crop])
        wedge_sets.append(w)
        before = owner[w]
        for u in np.unique(before[before >= 0]).tolist():
            parent[find(int(u))] = find(t)
        owner[w] = t
    roots: dict[int, list[int]] = {}
    for t in range(n_t):
        roots.setdefault(find(t), []).append(t)
    groups = sorted(roots.values())
    cluster_of = [0] * n_t
    for k, g in enumerate(groups):
        for t in g:
            cluster_of[t] = k
    cluster_sets = [
        wedge_sets[g[0]] if len(g) == 1 else np.unique(np.concatenate([wedge_sets[t] for t in g]))
        for g in groups
    ]
    owner_cluster = np.asarray([*cluster_of, -1], dtype=np.int32)[owner]  # -1 stays -1
    del owner

    n_clusters = len(groups)
    zone_bit: list[int | None] = [None] * n_t
    zone_sets: dict[int, IntArray] = {}
    nxt = n_clusters
    for t in range(n_t):
        if ablatable[t]:
            crop, d, _ = local[t]
            zone_sets[t] = flat(crop, (d <= ablation_margin_mm) & liver[crop])
            zone_bit[t] = nxt
            nxt += 1
    n_items = nxt

    owner3 = owner_cluster.reshape(shape)
    clusters: list[WedgeCluster] = []
    for k, g in enumerate(groups):
        margins = [math.inf] * 9
        deferred: list[list[int]] = [[] for _ in range(9)]
        for t in g:
            crop, d, _ = local[t]
            sub_seg = segments[crop]
            outside_wedge = liver[crop] & (owner3[crop] != k)
            # How far the nearest voxel beyond the crop can be, at least (inf on sides where the
            # crop reaches the liver's box, beyond which there is no liver).
            comp_rel = [
                slice(cb.start - b.start, cb.stop - b.start)
                for cb, b in zip(components[t].box, bbox, strict=True)
            ]
            far = math.inf
            for ax in range(3):
                if crop[ax].start > 0:
                    far = min(far, (comp_rel[ax].start - crop[ax].start + 1) * spacing[ax])
                if crop[ax].stop < shape[ax]:
                    far = min(far, (crop[ax].stop - comp_rel[ax].stop + 1) * spacing[ax])
            for s in present:
                if distances.at_least(t, s, margin_mm + 1e-9):
                    # The nearest voxel of s lies beyond the wedge: the tumour-segment distance.
                    deferred[s].append(t)
                else:
                    sel = outside_wedge & (sub_seg == s)
                    m_s = float(d[sel].min()) if sel.any() else math.inf
                    margins[s] = min(margins[s], m_s, far)
        hits: list[str] = []
        if anatomy.vessel_boxes:
            cset = cluster_sets[k]
            idx = np.unravel_index(cset, shape)
            lo = [int(i.min()) for i in idx]
            hi = [int(i.max()) + 1 for i in idx]
            box_full = tuple(
                slice(l_ + o, h_ + o) for l_, h_, o in zip(lo, hi, origin, strict=True)
            )
            for name in _MAJOR_VESSELS:
                if name not in anatomy.vessel_boxes:
                    continue
                vm = anatomy.vessel_mask(name, (box_full[0], box_full[1], box_full[2]))
                if vm[tuple(i - l_ for i, l_ in zip(idx, lo, strict=True))].any():
                    hits.append(name)
        clusters.append(
            WedgeCluster(
                tumours=tuple(g),
                bit=k,
                voxels=int(cluster_sets[k].size),
                vessels_hit=tuple(hits),
                local_margin_mm=tuple(margins),
                margin_pairs=tuple(tuple(v) for v in deferred),
            )
        )
    del owner3, owner_cluster

    # The signature table: (segment, which wedges/zones cover the voxel) -> voxel count, from
    # dense signature words over the crop (bits are set by scatter, no sorting of voxel lists).
    words = _words(n_items)
    items: list[tuple[IntArray, int]] = [(cluster_sets[k], k) for k in range(n_clusters)]
    items += [(zone_sets[t], b) for t, b in enumerate(zone_bit) if b is not None]
    dense = [np.zeros(size, dtype=np.uint64) for _ in range(words)]
    for idx_set, bit in items:
        dense[bit // 64][idx_set] |= np.uint64(1) << np.uint64(bit % 64)
    covered = dense[0] != 0
    for word in range(1, words):
        covered |= dense[word] != 0
    nz = np.flatnonzero(covered)
    del covered
    seg_of = segments.ravel()[nz]
    sig = np.stack([dw[nz] for dw in dense], axis=1)
    del dense
    if words == 1:
        uniq_sig, inv = np.unique(sig[:, 0], return_inverse=True)
        uniq_rows = uniq_sig[:, None]
    else:
        uniq_rows, inv = np.unique(sig, axis=0, return_inverse=True)
    inv = np.asarray(inv).ravel()
    code = inv.astype(np.int64) * 9 + seg_of.astype(np.int64)
    counts = np.bincount(code, minlength=len(uniq_rows) * 9)
    present_codes = np.flatnonzero(counts)
    rows_segment = (present_codes % 9).astype(np.uint8)
    rows_signature = np.ascontiguousarray(uniq_rows[present_codes // 9]).astype(np.uint64)
    rows_count = counts[present_codes].astype(np.int64)

    zone_voxels = [int(zone_sets[t].size) if t in zone_sets else 0 for t in range(n_t)]

    return PlanTables(
        spacing_mm=(float(spacing[0]), float(spacing[1]), float(spacing[2])),
        voxel_volume_ml=anatomy.voxel_volume_mm3 / 1000.0,
        present_segments=present,
        segment_voxels=tuple(int(v) for v in seg_counts),
        liver_voxels=int(np.count_nonzero(liver)),
        tumour_voxels=int(np.count_nonzero(anatomy.tumour_in_bbox & liver)),
        tumour_segment_voxels=tuple(tuple(int(v) for v in row) for row in tumour_seg),
        distances=distances,
        adjacency=adjacency,
        clusters=tuple(clusters),
        cluster_of=tuple(cluster_of),
        zone_bit=tuple(zone_bit),
        zone_voxels=tuple(zone_voxels),
        n_items=n_items,
        rows_segment=rows_segment,
        rows_signature=rows_signature,
        rows_count=rows_count,
        unsegmented_voxels_assigned=assigned,
    )
