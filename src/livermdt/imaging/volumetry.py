"""Volumetry of a liver label map (imaging-v1, ``livermdt volumetry``).

Volumes are voxel counts times the voxel volume (|det| of the affine's 3 x 3 part), exactly; the
liver includes its tumours, the functional liver excludes them. Per tumour component
(26-connectivity): volume, longest 3-D and longest axial diameter (between voxel centres),
centroid (patient mm, RAS+), the fraction in each Couinaud segment, and the exact Euclidean
distance (mm, anisotropic, voxel centre to voxel centre) to each vessel structure present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from livermdt.about import DISCLAIMER
from livermdt.imaging.anatomy import (
    Anatomy,
    combine,
    tumour_components,
    vessel_distances_mm,
)
from livermdt.imaging.labelmap import LabelMap
from livermdt.units import mm3_to_ml

__all__ = [
    "SCHEMA",
    "InputInfo",
    "SegmentVolume",
    "TumourMeasurement",
    "VolumetryResult",
    "render_text",
    "volumetry",
]

SCHEMA = "livermdt/volumetry/v1"


@dataclass(frozen=True)
class InputInfo:
    path: str
    shape: tuple[int, int, int]
    spacing_mm: tuple[float, float, float]


@dataclass(frozen=True)
class SegmentVolume:
    """A Couinaud segment: its volume includes the tumour inside it; ``tumour_volume_ml`` is the
    part of it that is tumour."""

    volume_ml: float
    tumour_volume_ml: float


@dataclass(frozen=True)
class TumourMeasurement:
    id: str
    voxel_count: int
    volume_ml: float
    max_diameter_mm: float
    axial_diameter_mm: float
    centroid_mm: tuple[float, float, float]
    segments: dict[int, float]  # segment -> fraction of the tumour's voxels
    nearest_mm: dict[str, float]  # vessel structure -> distance
    touches_edge: bool


@dataclass(frozen=True)
class VolumetryResult:
    inputs: tuple[InputInfo, ...]
    voxel_volume_mm3: float
    liver_voxels: int
    tumour_voxels: int
    liver_volume_ml: float
    tumour_volume_ml: float
    functional_liver_volume_ml: float
    segments: dict[int, SegmentVolume]  # empty when no map labels segments
    tumours: tuple[TumourMeasurement, ...]
    warnings: tuple[str, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        """The ``livermdt/volumetry/v1`` document (ml to 1 mm³, mm to 0.01 mm)."""
        return {
            "schema": SCHEMA,
            "inputs": [
                {
                    "path": i.path,
                    "shape": list(i.shape),
                    "spacing_mm": [round(s, 4) for s in i.spacing_mm],
                }
                for i in self.inputs
            ],
            "liver_volume_ml": _ml(self.liver_volume_ml),
            "tumour_volume_ml": _ml(self.tumour_volume_ml),
            "functional_liver_volume_ml": _ml(self.functional_liver_volume_ml),
            "segments": {
                str(k): {
                    "volume_ml": _ml(v.volume_ml),
                    "tumour_volume_ml": _ml(v.tumour_volume_ml),
                }
                for k, v in sorted(self.segments.items())
            },
            "tumours": [
                {
                    "id": t.id,
                    "volume_ml": _ml(t.volume_ml),
                    "max_diameter_mm": _mm(t.max_diameter_mm),
                    "axial_diameter_mm": _mm(t.axial_diameter_mm),
                    "centroid_mm": [_mm(c) for c in t.centroid_mm],
                    "segments": {str(k): round(f, 4) for k, f in sorted(t.segments.items())},
                    "nearest": {k: _mm(d) for k, d in sorted(t.nearest_mm.items())},
                }
                for t in self.tumours
            ],
            "warnings": list(self.warnings),
        }


def _ml(value: float) -> float:
    return round(value, 3)


def _mm(value: float) -> float:
    return round(value, 2)


_COUNT_CHUNK = 1 << 20  # voxels per chunk: the chunk and its comparison stay in cache


def _segment_counts(seg: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """Voxels per segment value 0..8 (``seg`` holds no other value), chunk by chunk: eight
    comparisons of a cached chunk cost less than ``bincount``'s conversion to an int64 index."""
    flat = seg.reshape(-1)
    counts = np.zeros(9, dtype=np.int64)
    hit = np.empty(min(_COUNT_CHUNK, flat.size), dtype=bool)
    for start in range(0, flat.size, _COUNT_CHUNK):
        chunk = flat[start : start + _COUNT_CHUNK]
        out = hit[: chunk.size]
        for k in range(1, 9):
            counts[k] += np.count_nonzero(np.equal(chunk, k, out=out))
    counts[0] = flat.size - int(counts[1:].sum())
    return counts


def volumetry(
    maps: LabelMap | Sequence[LabelMap] | Anatomy,
    inputs: Sequence[InputInfo] | None = None,
) -> VolumetryResult:
    """Measure the liver, its segments and its tumours.

    ``maps``: one label map, several on the same grid (combined), or an ``Anatomy``.
    ``inputs``: how to name the inputs in the result (default: each map's source).
    """
    if isinstance(maps, Anatomy):
        anatomy = maps
    else:
        anatomy = combine([maps] if isinstance(maps, LabelMap) else list(maps))
    if inputs is None:
        inputs = [
            InputInfo(path=m.source, shape=m.shape, spacing_mm=m.spacing_mm) for m in anatomy.maps
        ]
    vvox = anatomy.voxel_volume_mm3
    liver_voxels = int(np.count_nonzero(anatomy.liver_in_bbox))
    tumour_voxels = int(np.count_nonzero(anatomy.tumour_in_bbox))
    segments: dict[int, SegmentVolume] = {}
    per_segment = _segment_counts(anatomy.segments_in_bbox) if anatomy.has_segments else None
    if per_segment is not None:
        seg = anatomy.segments_in_bbox
        # The tumour components partition the tumour voxels: count inside their boxes only.
        in_tumour = np.zeros(9, dtype=np.int64)
        for box, mask in anatomy.tumour_parts:
            inner = tuple(
                slice(b.start - o.start, b.stop - o.start)
                for b, o in zip(box, anatomy.bbox, strict=True)
            )
            in_tumour += np.bincount(seg[inner][mask], minlength=9)[:9]
        for k in range(1, 9):
            count = int(per_segment[k])
            segments[k] = SegmentVolume(
                volume_ml=mm3_to_ml(count * vvox),
                tumour_volume_ml=mm3_to_ml(int(in_tumour[k]) * vvox),
            )
    components = tumour_components(anatomy)
    distances = vessel_distances_mm(anatomy, components)
    warnings = list(anatomy.warnings)
    tumours: list[TumourMeasurement] = []
    for comp, nearest in zip(components, distances, strict=True):
        if comp.touches_edge:
            warnings.append(
                f"tumour {comp.id} touches the image edge: its volume and diameters may be "
                "incomplete"
            )
        tumours.append(
            TumourMeasurement(
                id=comp.id,
                voxel_count=comp.voxel_count,
                volume_ml=comp.volume_ml,
                max_diameter_mm=comp.max_diameter_mm,
                axial_diameter_mm=comp.axial_diameter_mm,
                centroid_mm=comp.centroid_mm,
                segments=dict(comp.segment_fractions),
                nearest_mm=nearest,
                touches_edge=comp.touches_edge,
            )
        )
    if per_segment is not None:
        unassigned = liver_voxels - int(per_segment[1:9].sum())
        if unassigned:
            warnings.append(
                f"{mm3_to_ml(unassigned * vvox):.1f} ml of liver lies in no segment: "
                "the segment volumes do not add up to the liver volume"
            )
    liver_ml = mm3_to_ml(liver_voxels * vvox)
    tumour_ml = mm3_to_ml(tumour_voxels * vvox)
    return VolumetryResult(
        inputs=tuple(inputs),
        voxel_volume_mm3=vvox,
        liver_voxels=liver_voxels,
        tumour_voxels=tumour_voxels,
        liver_volume_ml=liver_ml,
        tumour_volume_ml=tumour_ml,
        functional_liver_volume_ml=mm3_to_ml((liver_voxels - tumour_voxels) * vvox),
        segments=segments,
        tumours=tuple(tumours),
        warnings=tuple(warnings),
    )


def render_text(result: VolumetryResult) -> str:
    """The same facts as ``to_json``, for people."""
    lines = ["Liver volumetry (livermdt/volumetry/v1)"]
    for i in result.inputs:
        shape = " x ".join(str(s) for s in i.shape)
        spacing = " x ".join(f"{s:.3g}" for s in i.spacing_mm)
        lines.append(f"  input: {i.path} ({shape} voxels, {spacing} mm)")
    lines += [
        f"Liver volume:            {result.liver_volume_ml:10.1f} ml (tumours included)",
        f"Tumour volume:           {result.tumour_volume_ml:10.1f} ml",
        f"Functional liver volume: {result.functional_liver_volume_ml:10.1f} ml "
        "(liver minus tumours)",
    ]
    if result.segments:
        lines.append("Segments (volume includes the tumour inside it):")
        for k, v in sorted(result.segments.items()):
            lines.append(
                f"  segment {k}: {v.volume_ml:8.1f} ml, of which tumour {v.tumour_volume_ml:.1f} ml"
            )
    else:
        lines.append("Segments: none labelled")
    if result.tumours:
        lines.append(f"Tumours ({len(result.tumours)}, 26-connected components):")
        for t in result.tumours:
            segs = ", ".join(f"{k}: {f:.0%}" for k, f in sorted(t.segments.items())) or "-"
            near = ", ".join(f"{k} {d:.1f} mm" for k, d in sorted(t.nearest_mm.items())) or "-"
            centre = ", ".join(f"{c:.1f}" for c in t.centroid_mm)
            lines.append(
                f"  {t.id}: {t.volume_ml:.1f} ml, axial diameter {t.axial_diameter_mm:.1f} mm, "
                f"longest 3-D {t.max_diameter_mm:.1f} mm, centroid ({centre}) mm"
            )
            lines.append(f"      segments {segs}; nearest vessels: {near}")
    else:
        lines.append("Tumours: none labelled")
    for w in result.warnings:
        lines.append(f"warning: {w}")
    lines.append("")
    lines.append(DISCLAIMER)
    return "\n".join(lines)
