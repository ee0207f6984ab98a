"""Automatic resection planning (imaging-v1 ``livermdt/plan/v1``; knowledge base A1, A2, A6, A7).

``plan(maps)`` lists the resections that clear every tumour with the requested margin and leave a
remnant of two or more contiguous segments, with the remnant each leaves:

* candidates: the anatomical procedures of case-v1 (with and without the caudate), single
  segmentectomies, bisegmentectomies of adjacent segments, and irredundant unions of up to
  ``max_parts`` of them (each part holds tumour no other part holds); each completed, for the
  tumours it does not clear, by parenchyma-sparing wedges (tumour + margin) or thermal ablation of
  tumours <= 30 mm (A6; ``ablation_max_diameter_mm``);
* a tumour is cleared by a resection when every voxel within ``margin_mm`` of it is removed:
  ``min_margin_mm`` is the smallest distance (exact Euclidean, mm, voxel centre to voxel centre)
  from a resected tumour to a remnant voxel, and clearing needs ``min_margin_mm >= margin_mm``;
* volumes: resected = removed segments plus wedges, ablated = ablation zones (tumour + the
  minimal ablative margin of A6, ``ablation_min_margin_mm``) outside them, FLR = the rest;
* sFLR = FLR / TELV (Vauthey, A1) with a case or ``telv_ml``; the requirement is A2's
  (``livermdt.scores.flr.required_sflr``). Without them the sFLR is FLR / measured functional liver
  volume (labelled ``sflr_basis``) and ``required_sflr`` / ``adequate`` are null: never guessed;
* ranking: adequate remnant first (adequate, then undetermined, then inadequate), then the most
  parenchyma spared (smallest resected + ablated volume), then fewer ablations and fewer parts;
  ``recommended_option`` is the first option whose remnant is adequate;
* when no one-stage option is adequate: the two-stage sequence (A7): stage 1 clears the tumours of
  the future remnant by wedges / ablation, PVE of the branch feeding what stage 2 removes, stage 2
  the major resection, with the FLR needed and the growth needed.

What it does not judge: inflow, outflow and biliary drainage of the remnant beyond segment
contiguity, vascular invasion beyond refusing wedges that reach a major vessel, the patient's
fitness. It supports, and never replaces, the MDT's judgement.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from livermdt.case.vocab import PROCEDURE_SEGMENTS
from livermdt.errors import ImagingInputError
from livermdt.imaging.anatomy import Anatomy, combine, tumour_components
from livermdt.imaging.labelmap import LabelMap
from livermdt.imaging.plan_tables import PlanTables, build_tables, item_mask
from livermdt.knowledge import ThresholdTable, default_thresholds

if TYPE_CHECKING:
    from livermdt.case.model import Case

__all__ = [
    "PLAN_SCHEMA",
    "PlanOption",
    "RejectedOption",
    "ResectionPlan",
    "TumourClearance",
    "TumourPlanInfo",
    "TwoStagePlan",
    "Wedge",
    "plan",
    "render_text",
]

PLAN_SCHEMA = "livermdt/plan/v1"
SflrBasis = Literal["telv", "functional_liver_volume"]
Clearance = Literal["resection", "wedge", "ablation"]

#: PVE targets (A7) for the major resections a two-stage strategy may end with.
PVE_TARGETS: dict[str, str] = {
    "right_hepatectomy": "right portal vein",
    "extended_right_hepatectomy": "right portal vein and the segment 4 portal branches",
    "left_hepatectomy": "left portal vein",
    "extended_left_hepatectomy": (
        "left portal vein and the right anterior (segments 5 and 8) portal branches"
    ),
}
_MAJOR_MIN_SEGMENTS = 3  # case-v1: "Major hepatectomy" = three or more segments
#: A7, B 2.4 and B 2.8: PVE before a major resection, two-stage hepatectomy for bilobar disease.
_EVIDENCE_TWO_STAGE = ("shindoh-2013-pve", "bednarsch-2020-alpps-tsh")
#: B 2.4: adding segment-4 branches to PVE before an extended right hepatectomy.
_EVIDENCE_SEGMENT4 = "surgery-2018-pve-segment4"


# ---------------------------------------------------------------------------------------------
# results
@dataclass(frozen=True)
class TumourPlanInfo:
    id: str
    volume_ml: float
    axial_diameter_mm: float
    max_diameter_mm: float
    segments: dict[int, float]  # fraction of the tumour in each segment
    ablatable: bool
    ablation_reason: str
    wedge_possible: bool
    wedge_reason: str


@dataclass(frozen=True)
class Wedge:
    """A non-anatomical resection: the tumours plus ``margin_mm`` of parenchyma around them."""

    tumours: tuple[str, ...]
    margin_mm: float
    volume_ml: float  # the wedge's liver volume outside the segments the option removes
    min_margin_mm: float | None  # smallest distance from its tumours to the remnant


@dataclass(frozen=True)
class TumourClearance:
    id: str
    by: Clearance
    margin_mm: float | None  # to the remnant; None for ablation (the ablation zone is not cut)


@dataclass(frozen=True)
class PlanOption:
    procedure: str  # case-v1 vocabulary term for the whole; "ablation" when nothing is cut
    label: str  # what a surgeon reads: "right posterior sectionectomy (6-7) + wedge of T2"
    parts: tuple[str, ...]
    segments_removed: tuple[int, ...]
    remnant_segments: tuple[int, ...]
    non_anatomical: tuple[Wedge, ...]
    ablation: tuple[str, ...]
    clears_all_tumours: bool
    tumours: tuple[TumourClearance, ...]
    min_margin_mm: float | None
    resected_volume_ml: float
    ablated_volume_ml: float
    flr_volume_ml: float
    sflr: float
    sflr_basis: SflrBasis
    required_sflr: float | None
    adequate: bool | None
    remnant_contiguous: bool
    major: bool
    reason: str

    @property
    def parenchyma_lost_ml(self) -> float:
        return self.resected_volume_ml + self.ablated_volume_ml


@dataclass(frozen=True)
class RejectedOption:
    procedure: str
    label: str
    segments_removed: tuple[int, ...]
    reason: str


@dataclass(frozen=True)
class TwoStagePlan:
    strategy: Literal["two_stage_hepatectomy", "pve_then_resection"]
    stage1_wedges: tuple[Wedge, ...]
    stage1_ablation: tuple[str, ...]
    pve_target: str
    stage2_procedure: str
    stage2_segments_removed: tuple[int, ...]
    flr_volume_ml: float
    sflr: float
    required_sflr: float
    flr_needed_ml: float
    growth_needed_ml: float
    growth_needed_fraction: float
    reason: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class ResectionPlan:
    margin_mm: float
    options: tuple[PlanOption, ...]
    recommended_option: int | None
    two_stage: TwoStagePlan | None
    tumours: tuple[TumourPlanInfo, ...]
    liver_volume_ml: float
    functional_liver_volume_ml: float
    segment_volumes_ml: dict[int, float]
    adjacent_segments: tuple[tuple[int, int], ...]
    telv_ml: float | None
    required_sflr: float | None
    sflr_basis: SflrBasis
    options_considered: int
    rejected: tuple[RejectedOption, ...]
    notes: tuple[str, ...]
    warnings: tuple[str, ...]
    missing: tuple[str, ...]
    evidence: tuple[str, ...]
    schema: str = PLAN_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        """The ``livermdt/plan/v1`` JSON document (volumes to 0.1 mL, distances to 0.1 mm,
        fractions to 0.001; the dataclasses keep full precision)."""
        return {
            "schema": self.schema,
            "margin_mm": _r1(self.margin_mm),
            "options": [_option_dict(o) for o in self.options],
            "recommended_option": self.recommended_option,
            "two_stage": None if self.two_stage is None else _two_stage_dict(self.two_stage),
            "tumours": [
                {
                    "id": t.id,
                    "volume_ml": _r1(t.volume_ml),
                    "axial_diameter_mm": _r1(t.axial_diameter_mm),
                    "max_diameter_mm": _r1(t.max_diameter_mm),
                    "segments": {str(k): _r3(v) for k, v in sorted(t.segments.items())},
                    "ablatable": t.ablatable,
                    "ablation_reason": t.ablation_reason,
                    "wedge_possible": t.wedge_possible,
                    "wedge_reason": t.wedge_reason,
                }
                for t in self.tumours
            ],
            "liver_volume_ml": _r1(self.liver_volume_ml),
            "functional_liver_volume_ml": _r1(self.functional_liver_volume_ml),
            "segment_volumes_ml": {
                str(k): _r1(v) for k, v in sorted(self.segment_volumes_ml.items())
            },
            "adjacent_segments": [list(p) for p in self.adjacent_segments],
            "telv_ml": None if self.telv_ml is None else _r1(self.telv_ml),
            "required_sflr": None if self.required_sflr is None else _r3(self.required_sflr),
            "sflr_basis": self.sflr_basis,
            "options_considered": self.options_considered,
            "rejected": [
                {
                    "procedure": r.procedure,
                    "label": r.label,
                    "segments_removed": list(r.segments_removed),
                    "reason": r.reason,
                }
                for r in self.rejected
            ],
            "notes": list(self.notes),
            "warnings": list(self.warnings),
            "missing": list(self.missing),
            "evidence": list(self.evidence),
        }


def _r1(v: float) -> float | None:
    return None if not math.isfinite(v) else round(v, 1)


def _r3(v: float) -> float:
    return round(v, 3)


def _wedge_dict(w: Wedge) -> dict[str, Any]:
    return {
        "tumours": list(w.tumours),
        "margin_mm": _r1(w.margin_mm),
        "volume_ml": _r1(w.volume_ml),
        "min_margin_mm": None if w.min_margin_mm is None else _r1(w.min_margin_mm),
    }


def _option_dict(o: PlanOption) -> dict[str, Any]:
    return {
        "procedure": o.procedure,
        "label": o.label,
        "parts": list(o.parts),
        "segments_removed": list(o.segments_removed),
        "remnant_segments": list(o.remnant_segments),
        "non_anatomical": [_wedge_dict(w) for w in o.non_anatomical],
        "ablation": list(o.ablation),
        "clears_all_tumours": o.clears_all_tumours,
        "tumours": [
            {"id": c.id, "by": c.by, "margin_mm": None if c.margin_mm is None else _r1(c.margin_mm)}
            for c in o.tumours
        ],
        "min_margin_mm": None if o.min_margin_mm is None else _r1(o.min_margin_mm),
        "resected_volume_ml": _r1(o.resected_volume_ml),
        "ablated_volume_ml": _r1(o.ablated_volume_ml),
        "flr_volume_ml": _r1(o.flr_volume_ml),
        "sflr": _r3(o.sflr),
        "sflr_basis": o.sflr_basis,
        "required_sflr": None if o.required_sflr is None else _r3(o.required_sflr),
        "adequate": o.adequate,
        "remnant_contiguous": o.remnant_contiguous,
        "major": o.major,
        "reason": o.reason,
    }


def _two_stage_dict(t: TwoStagePlan) -> dict[str, Any]:
    return {
        "strategy": t.strategy,
        "stage1": {
            "non_anatomical": [_wedge_dict(w) for w in t.stage1_wedges],
            "ablation": list(t.stage1_ablation),
        },
        "pve_target": t.pve_target,
        "stage2": {
            "procedure": t.stage2_procedure,
            "segments_removed": list(t.stage2_segments_removed),
        },
        "flr_volume_ml": _r1(t.flr_volume_ml),
        "sflr": _r3(t.sflr),
        "required_sflr": _r3(t.required_sflr),
        "flr_needed_ml": _r1(t.flr_needed_ml),
        "growth_needed_ml": _r1(t.growth_needed_ml),
        "growth_needed_fraction": _r3(t.growth_needed_fraction),
        "reason": t.reason,
        "evidence": list(t.evidence),
    }


# ---------------------------------------------------------------------------------------------
# the requirement (A1, A2)
@dataclass(frozen=True)
class _Requirement:
    telv_ml: float | None
    value: float | None  # required sFLR (the known facts' value)
    highest: float | None  # what it may be once the missing facts are known
    major_contraindicated: bool | None
    contraindication: str
    missing: tuple[str, ...]
    evidence: tuple[str, ...]
    notes: tuple[str, ...]


def _requirement(
    case: Case | None,
    telv_ml: float | None,
    required_sflr: float | None,
    thresholds: ThresholdTable | None,
) -> _Requirement:
    missing: list[str] = []
    evidence: list[str] = []
    notes: list[str] = []
    value: float | None = required_sflr
    highest: float | None = required_sflr
    contraindicated: bool | None = False if required_sflr is not None else None
    why = ""
    if telv_ml is not None and not (math.isfinite(telv_ml) and telv_ml > 0):
        raise ImagingInputError(f"telv_ml must be a positive number of mL (got {telv_ml!r})")
    if required_sflr is not None and not (0.0 < required_sflr < 1.0):
        raise ImagingInputError(
            f"required_sflr must be a fraction in (0, 1) (got {required_sflr!r})"
        )
    if case is not None:
        from livermdt.scores import flr as flr_scores
        from livermdt.scores import formulas

        patient = case.patient
        if telv_ml is None:
            height = patient.height_cm if patient else None
            weight = patient.weight_kg if patient else None
            if height is None:
                missing.append("patient.height_cm")
            if weight is None:
                missing.append("patient.weight_kg")
            if height is not None and weight is not None:
                telv_ml = formulas.telv_vauthey(formulas.bsa_mosteller(height, weight))
                evidence += ["mosteller-1987-bsa", "vauthey-2002-telv"]
        if required_sflr is None:
            req = flr_scores.required_sflr(case, thresholds)
            value = req.value
            highest = req.highest_possible
            contraindicated = req.major_hepatectomy_contraindicated
            why = ", ".join(req.contraindication_reasons)
            missing += req.missing
            evidence += req.evidence
            if req.is_lower_bound:
                notes.append(
                    f"the required sFLR is at least {value:.2f} and may be up to {highest:.2f} "
                    f"once {', '.join(req.missing)} is known (A2)"
                )
    if telv_ml is None:
        notes.append(
            "sFLR is the remnant over the measured functional liver volume (no TELV: give --case "
            "with height and weight); required_sflr and adequate are left null, never guessed"
        )
        value = highest = None
        contraindicated = None
    return _Requirement(
        telv_ml=telv_ml,
        value=value,
        highest=highest,
        major_contraindicated=contraindicated,
        contraindication=why,
        missing=tuple(dict.fromkeys(missing)),
        evidence=tuple(dict.fromkeys(evidence)),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------------------------
# candidate parts
@dataclass(frozen=True)
class _Part:
    procedure: str  # case-v1 vocabulary
    segments: frozenset[int]
    label: str


def _seg_text(segs: Sequence[int] | frozenset[int]) -> str:
    s = sorted(segs)
    runs: list[str] = []
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[j] + 1:
            j += 1
        runs.append(
            str(s[i]) if j == i else (f"{s[i]}, {s[j]}" if j == i + 1 else f"{s[i]}-{s[j]}")
        )
        i = j + 1
    return ", ".join(runs)


def _parts(present: Sequence[int], adjacency: frozenset[tuple[int, int]]) -> list[_Part]:
    out: list[_Part] = []
    seen: set[frozenset[int]] = set()
    have = set(present)

    def add(p: _Part) -> None:
        if p.segments <= have and p.segments not in seen:
            seen.add(p.segments)
            out.append(p)

    for name, segs in PROCEDURE_SEGMENTS.items():
        add(_Part(name, frozenset(segs), f"{name.replace('_', ' ')} ({_seg_text(segs)})"))
    for name, segs in PROCEDURE_SEGMENTS.items():
        with_1 = frozenset(segs) | {1}
        add(_Part(name, with_1, f"{name.replace('_', ' ')} with caudate ({_seg_text(with_1)})"))
    for s in range(1, 9):
        add(_Part("segmentectomy", frozenset({s}), f"segmentectomy {s}"))
    for a, b in sorted(adjacency):
        add(_Part("bisegmentectomy", frozenset({a, b}), f"bisegmentectomy {a}-{b}"))
    return out


def _connected(segs: Sequence[int], adjacency: frozenset[tuple[int, int]]) -> bool:
    if not segs:
        return False
    todo = [segs[0]]
    seen = {segs[0]}
    want = set(segs)
    while todo:
        u = todo.pop()
        for a, b in adjacency:
            v = b if a == u else a if b == u else None
            if v is not None and v in want and v not in seen:
                seen.add(v)
                todo.append(v)
    return seen == want


# ---------------------------------------------------------------------------------------------
# evaluation of one candidate by table lookups
@dataclass
class _Candidate:
    parts: tuple[_Part, ...]
    removed: frozenset[int]
    wedges: tuple[int, ...]  # cluster indices
    ablated: tuple[int, ...]  # tumour indices
    by: tuple[Clearance, ...]  # per tumour
    resected_vox: int = 0
    ablated_vox: int = 0
    flr_vox: int = 0


def _measure(tables: PlanTables, cand: _Candidate) -> None:
    keep = np.ones(9, dtype=bool)
    keep[0] = False
    for s in cand.removed:
        keep[s] = False
    sv = tables.segment_voxels
    removed_vox = sum(sv[s] for s in cand.removed)
    remnant_vox = sum(sv[s] for s in range(1, 9) if keep[s])
    wedge_extra = abl = 0
    if cand.wedges or cand.ablated:
        in_remnant = keep[tables.rows_segment]
        sig = tables.rows_signature
        hit_w = np.zeros(len(sig), dtype=bool)
        if cand.wedges:
            w_mask = item_mask([tables.clusters[k].bit for k in cand.wedges], tables.n_items)
            hit_w = (sig & w_mask[None, :]).any(axis=1) & in_remnant
            wedge_extra = int(tables.rows_count[hit_w].sum())
        bits = [b for b in (tables.zone_bit[t] for t in cand.ablated) if b is not None]
        if bits:
            a_mask = item_mask(bits, tables.n_items)
            hit_a = (sig & a_mask[None, :]).any(axis=1) & in_remnant & ~hit_w
            abl = int(tables.rows_count[hit_a].sum())
    cand.resected_vox = removed_vox + wedge_extra
    cand.ablated_vox = abl
    cand.flr_vox = remnant_vox - wedge_extra - abl


def _wedge_voxels(tables: PlanTables, cand: _Candidate, k: int) -> int:
    """Voxels of wedge ``k`` outside the segments the candidate removes."""
    keep = np.ones(9, dtype=bool)
    keep[0] = False
    for s in cand.removed:
        keep[s] = False
    own = item_mask([tables.clusters[k].bit], tables.n_items)
    hit = (tables.rows_signature & own[None, :]).any(axis=1) & keep[tables.rows_segment]
    return int(tables.rows_count[hit].sum())


# ---------------------------------------------------------------------------------------------
def _as_anatomy(source: Anatomy | LabelMap | Sequence[LabelMap]) -> Anatomy:
    if isinstance(source, Anatomy):
        return source
    if isinstance(source, LabelMap):
        return combine([source])
    return combine(list(source))


def plan(
    source: Anatomy | LabelMap | Sequence[LabelMap],
    *,
    margin_mm: float = 1.0,
    case: Case | None = None,
    telv_ml: float | None = None,
    required_sflr: float | None = None,
    max_parts: int = 3,
    max_options: int = 25,
    max_wedge_diameter_mm: float | None = 50.0,
    allow_ablation: bool = True,
    thresholds: ThresholdTable | None = None,
) -> ResectionPlan:
    """Propose resections for the tumours of ``source`` (label maps or a combined ``Anatomy``).

    ``margin_mm``: the resection margin every resected tumour must have (default 1 mm).
    ``case``: a case-v1 document for TELV (height, weight) and the required sFLR (A2);
    ``telv_ml`` / ``required_sflr`` give them directly (they override the case's).
    ``max_parts``: most anatomical parts combined in one option; ``max_options``: the list's
    length after ranking; ``max_wedge_diameter_mm``: largest tumour (3-D diameter) offered a
    wedge (a planner setting, not a clinical rule; ``None``: no limit); ``allow_ablation``:
    offer thermal ablation (A6); ``thresholds``: a site's threshold table (default: the shipped
    one) for the ablation size limit, the ablative margin and the required sFLR.
    """
    if not (math.isfinite(margin_mm) and margin_mm >= 0):
        raise ImagingInputError(f"margin_mm must be >= 0 mm (got {margin_mm!r})")
    if max_parts < 1:
        raise ImagingInputError(f"max_parts must be >= 1 (got {max_parts})")
    if max_options < 1:
        raise ImagingInputError(f"max_options must be >= 1 (got {max_options})")
    anatomy = _as_anatomy(source)
    if not anatomy.has_segments:
        raise ImagingInputError(
            "resection planning needs Couinaud segments (liver_segment_1..8) in the label maps"
        )
    components = tumour_components(anatomy)
    if not components:
        raise ImagingInputError("no tumour (liver_tumour) in the label maps: nothing to plan")
    req = _requirement(case, telv_ml, required_sflr, thresholds)

    table = thresholds if thresholds is not None else default_thresholds()
    abl_t = table["ablation_max_diameter_mm"]
    abl_margin = table["ablation_min_margin_mm"]
    # Diameters are compared at 1e-6 mm: a 30 mm diameter between voxel centres may come out
    # as 30.000000000000004 from the affine arithmetic, and must still be <= 30 mm.
    ablatable = [allow_ablation and abl_t.holds(round(c.axial_diameter_mm, 6)) for c in components]
    tables = build_tables(
        anatomy,
        components,
        margin_mm=margin_mm,
        ablation_margin_mm=abl_margin.value,
        ablatable=ablatable,
    )
    vml = tables.voxel_volume_ml
    n_t = len(components)
    ids = [c.id for c in components]
    present = tables.present_segments
    dist = tables.distances
    tseg = [
        frozenset(s for s in range(1, 9) if tables.tumour_segment_voxels[t][s] > 0)
        for t in range(n_t)
    ]

    # Which tumours may be wedged / ablated, and why (the surgeon reads this).
    wedge_ok_cluster: list[bool] = []
    for cl in tables.clusters:
        big = [
            t
            for t in cl.tumours
            if max_wedge_diameter_mm is not None
            and round(components[t].max_diameter_mm, 6) > max_wedge_diameter_mm
        ]
        wedge_ok_cluster.append(not big and not cl.vessels_hit)
    infos: list[TumourPlanInfo] = []
    for t, c in enumerate(components):
        cl = tables.clusters[tables.cluster_of[t]]
        if (
            max_wedge_diameter_mm is not None
            and round(c.max_diameter_mm, 6) > max_wedge_diameter_mm
        ):
            wreason = (
                f"no wedge: {c.max_diameter_mm:.0f} mm > {max_wedge_diameter_mm:g} mm "
                "(planner setting for non-anatomical resection)"
            )
        elif cl.vessels_hit:
            wreason = (
                f"no wedge: tumour + {margin_mm:g} mm reaches the {', '.join(cl.vessels_hit)}"
            ).replace("_", " ")
        elif not wedge_ok_cluster[tables.cluster_of[t]]:
            wreason = "no wedge: its wedge overlaps that of a tumour that cannot be wedged"
        else:
            wreason = f"wedge possible (tumour + {margin_mm:g} mm)"
            if len(cl.tumours) > 1:
                others = ", ".join(ids[u] for u in cl.tumours if u != t)
                wreason += f", in one wedge with {others}"
        if not allow_ablation:
            areason = "ablation not offered (allow_ablation is off)"
        elif ablatable[t]:
            areason = (
                f"ablatable: axial diameter {c.axial_diameter_mm:.0f} mm "
                f"{abl_t.operator} {abl_t.value:g} mm (A6)"
            )
        else:
            areason = (
                f"not ablatable: axial diameter {c.axial_diameter_mm:.0f} mm "
                f"> {abl_t.value:g} mm (A6)"
            )
        infos.append(
            TumourPlanInfo(
                id=c.id,
                volume_ml=c.volume_ml,
                axial_diameter_mm=c.axial_diameter_mm,
                max_diameter_mm=c.max_diameter_mm,
                segments=dict(sorted(c.segment_fractions.items())),
                ablatable=ablatable[t],
                ablation_reason=areason,
                wedge_possible=wedge_ok_cluster[tables.cluster_of[t]],
                wedge_reason=wreason,
            )
        )

    # Candidate segment sets: irredundant unions of parts that hold tumour.
    parts = _parts(present, tables.adjacency)
    tumour_segments = frozenset().union(*tseg)
    relevant = [p for p in parts if p.segments & tumour_segments]
    unions: dict[frozenset[int], tuple[_Part, ...]] = {frozenset(): ()}
    for k in range(1, max_parts + 1):
        for combo in itertools.combinations(relevant, k):
            segs = frozenset().union(*(p.segments for p in combo))
            if segs in unions:
                continue
            ok = True
            for i, p in enumerate(combo):
                rest = frozenset().union(*(q.segments for j, q in enumerate(combo) if j != i))
                if (p.segments & tumour_segments) <= rest:
                    ok = False
                    break
            if ok:
                unions[segs] = combo

    def resect_margin(t: int, keep: Sequence[int]) -> float:
        return dist.min_over([(t, s) for s in keep])

    def resect_clears(t: int, keep: Sequence[int]) -> bool:
        return all(dist.at_least(t, s, margin_mm) and dist.at_least(t, s, 1e-9) for s in keep)

    def wedge_margin(k: int, keep: Sequence[int]) -> float:
        cl = tables.clusters[k]
        local = min((cl.local_margin_mm[s] for s in keep), default=math.inf)
        return dist.min_over([(t, s) for s in keep for t in cl.margin_pairs[s]], local)

    candidates: list[_Candidate] = []
    rejected: list[RejectedOption] = []
    named = set(PROCEDURE_SEGMENTS)
    for removed, combo in unions.items():
        keep = [s for s in present if s not in removed]
        contiguous = len(keep) >= 2 and _connected(keep, tables.adjacency)
        cleared = [t for t in range(n_t) if tseg[t] <= removed and resect_clears(t, keep)]
        left = [t for t in range(n_t) if t not in cleared]
        single_named = len(combo) == 1 and combo[0].procedure in named
        if not contiguous:
            if single_named:
                rejected.append(
                    RejectedOption(
                        combo[0].procedure,
                        combo[0].label,
                        tuple(sorted(removed)),
                        f"remnant {_seg_text(keep) or 'empty'}: "
                        + (
                            "fewer than two segments"
                            if len(keep) < 2
                            else "segments not contiguous"
                        ),
                    )
                )
            continue
        n_before = len(candidates)
        seen_variants: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        for mode in ("wedge_first", "ablation_first"):
            wedges: set[int] = set()
            ablated: set[int] = set()
            ok = True
            for t in left:
                k = tables.cluster_of[t]
                can_w = wedge_ok_cluster[k]
                if mode == "wedge_first":
                    if can_w:
                        wedges.add(k)
                    elif ablatable[t]:
                        ablated.add(t)
                    else:
                        ok = False
                elif ablatable[t]:
                    ablated.add(t)
                elif can_w:
                    wedges.add(k)
                else:
                    ok = False
            if not ok:
                break
            # A tumour inside a chosen wedge is removed with it and needs no ablation.
            ablated = {t for t in ablated if tables.cluster_of[t] not in wedges}
            key = (tuple(sorted(wedges)), tuple(sorted(ablated)))
            if key in seen_variants:
                continue
            seen_variants.add(key)
            by: list[Clearance] = []
            for t in range(n_t):
                if t in cleared:
                    by.append("resection")
                elif tables.cluster_of[t] in wedges:
                    by.append("wedge")
                else:
                    by.append("ablation")
            cand = _Candidate(combo, removed, key[0], key[1], tuple(by))
            _measure(tables, cand)
            candidates.append(cand)

        if single_named and left and len(candidates) == n_before:
            # Neither alone nor completed by wedges / ablation: say why.
            why = []
            for t in left:
                if not tseg[t] <= removed:
                    inside = sorted(tseg[t] - removed)
                    why.append(
                        f"{ids[t]} lies in the remnant (segment {_seg_text(inside)}); "
                        f"{infos[t].wedge_reason}; {infos[t].ablation_reason}"
                    )
                else:
                    m = resect_margin(t, keep)
                    near = min(keep, key=lambda s: dist.exact(t, s))
                    why.append(
                        f"{ids[t]} margin {m:.1f} mm < {margin_mm:g} mm (to segment {near}); "
                        f"{infos[t].wedge_reason}; {infos[t].ablation_reason}"
                    )
            rejected.append(
                RejectedOption(
                    combo[0].procedure,
                    combo[0].label,
                    tuple(sorted(removed)),
                    "does not clear every tumour: " + " | ".join(why),
                )
            )

    functional_vox = tables.liver_voxels - tables.tumour_voxels
    basis: SflrBasis = "telv" if req.telv_ml is not None else "functional_liver_volume"
    denominator_ml = req.telv_ml if req.telv_ml is not None else functional_vox * vml

    def judge(sflr: float, major: bool) -> tuple[bool | None, str]:
        adequate: bool | None
        if req.value is None or basis != "telv":
            adequate = None
            verdict = (
                f"sFLR {sflr:.2f} of the measured functional liver "
                "(adequacy not judged: no TELV / requirement)"
            )
        elif major and req.major_contraindicated:
            adequate = False
            verdict = f"major hepatectomy contraindicated ({req.contraindication}; A2)"
        elif sflr < req.value:
            adequate = False
            verdict = f"sFLR {sflr:.2f} < required {req.value:.2f}: remnant inadequate (A2)"
        elif req.highest is not None and sflr < req.highest:
            adequate = None
            verdict = (
                f"sFLR {sflr:.2f} >= {req.value:.2f} but the requirement may be up to "
                f"{req.highest:.2f} (missing {', '.join(req.missing)})"
            )
        elif major and req.major_contraindicated is None:
            adequate = None
            verdict = (
                f"sFLR {sflr:.2f} >= required {req.value:.2f}, but whether a major hepatectomy is "
                f"allowed is undetermined (missing {', '.join(req.missing)}; A2)"
            )
        else:
            adequate = True
            verdict = f"sFLR {sflr:.2f} >= required {req.value:.2f}: remnant adequate (A2)"
        return adequate, verdict

    def build(cand: _Candidate) -> PlanOption:
        keep = tuple(s for s in present if s not in cand.removed)
        flr_ml = cand.flr_vox * vml
        sflr = flr_ml / denominator_ml if denominator_ml > 0 else 0.0
        major = len(cand.removed) >= _MAJOR_MIN_SEGMENTS
        clearances: list[TumourClearance] = []
        margins: list[float] = []
        for t in range(n_t):
            if cand.by[t] == "resection":
                m: float | None = resect_margin(t, keep)
            elif cand.by[t] == "wedge":
                m = wedge_margin(tables.cluster_of[t], keep)
            else:
                m = None
            if m is not None:
                margins.append(m)
            clearances.append(TumourClearance(ids[t], cand.by[t], m))
        wedges = tuple(
            Wedge(
                tumours=tuple(ids[t] for t in tables.clusters[k].tumours),
                margin_mm=margin_mm,
                volume_ml=_wedge_voxels(tables, cand, k) * vml,
                min_margin_mm=wedge_margin(k, keep),
            )
            for k in cand.wedges
        )
        ablation = tuple(ids[t] for t in cand.ablated)
        labels = [p.label for p in cand.parts]
        labels += [f"wedge of {', '.join(w.tumours)}" for w in wedges]
        labels += [f"ablation of {i}" for i in ablation]
        if cand.parts:
            if len(cand.parts) == 1:
                procedure = cand.parts[0].procedure
            else:
                core = cand.removed - {1}
                match = [n for n, s in PROCEDURE_SEGMENTS.items() if frozenset(s) == core]
                procedure = (
                    match[0]
                    if match
                    else {1: "segmentectomy", 2: "bisegmentectomy"}.get(
                        len(cand.removed), "non_anatomical"
                    )
                )
        else:
            procedure = "non_anatomical" if wedges else "ablation"

        adequate, verdict = judge(sflr, major)

        how = []
        for c in clearances:
            if c.by == "ablation":
                why = infos[ids.index(c.id)].ablation_reason.split(": ", 1)[1]
                how.append(f"{c.id} by ablation ({why})")
            else:
                mtxt = (
                    "beyond the liver"
                    if c.margin_mm is None or not math.isfinite(c.margin_mm)
                    else f"{c.margin_mm:.1f} mm"
                )
                how.append(f"{c.id} by {c.by} (margin {mtxt} >= {margin_mm:g} mm)")
        reason = (
            f"clears {'; '.join(how)}. Remnant {_seg_text(keep)} contiguous. "
            f"FLR {flr_ml:.0f} mL; {verdict}."
        )
        finite = [m for m in margins if math.isfinite(m)]
        return PlanOption(
            procedure=procedure,
            label=" + ".join(labels),
            parts=tuple(labels),
            segments_removed=tuple(sorted(cand.removed)),
            remnant_segments=keep,
            non_anatomical=wedges,
            ablation=ablation,
            clears_all_tumours=True,
            tumours=tuple(clearances),
            min_margin_mm=min(finite) if finite else None,
            resected_volume_ml=cand.resected_vox * vml,
            ablated_volume_ml=cand.ablated_vox * vml,
            flr_volume_ml=flr_ml,
            sflr=sflr,
            sflr_basis=basis,
            required_sflr=req.value,
            adequate=adequate,
            remnant_contiguous=True,
            major=major,
            reason=reason,
        )

    tier = {True: 0, None: 1, False: 2}

    def rank_key(c: _Candidate) -> tuple[Any, ...]:
        sflr = c.flr_vox * vml / denominator_ml if denominator_ml > 0 else 0.0
        adequate, _ = judge(sflr, len(c.removed) >= _MAJOR_MIN_SEGMENTS)
        labels = [p.label for p in c.parts]
        return (
            tier[adequate],
            c.resected_vox + c.ablated_vox,
            len(c.ablated),
            len(c.parts) + len(c.wedges) + len(c.ablated),
            tuple(sorted(c.removed)),
            labels,
            c.wedges,
            c.ablated,
        )

    # Rank on the cheap facts; only the listed options are written out in full (margins,
    # reasons), which keeps exact distance queries to the pairs a surgeon will read.
    ranked = sorted(candidates, key=rank_key)
    adequacy = [
        judge(
            c.flr_vox * vml / denominator_ml if denominator_ml > 0 else 0.0,
            len(c.removed) >= _MAJOR_MIN_SEGMENTS,
        )[0]
        for c in ranked
    ]
    built = [(build(c), c) for c in ranked[:max_options]]
    options = tuple(o for o, _ in built[:max_options])
    recommended = next((i for i, o in enumerate(options) if o.adequate is True), None)

    notes = list(req.notes)
    if len(ranked) > max_options:
        notes.append(f"{len(ranked)} options clear every tumour; the best {max_options} are listed")
    if not ranked:
        notes.append(
            "no option clears every tumour with the margin and leaves two contiguous segments"
        )
    if recommended is None and ranked and basis == "telv" and req.value is not None:
        if all(a is False for a in adequacy):
            notes.append("no one-stage option leaves an adequate remnant (A2)")
        else:
            notes.append("adequacy is undetermined for the best options: see missing")
    if tables.unsegmented_voxels_assigned:
        notes.append(
            f"{tables.unsegmented_voxels_assigned * vml:.1f} mL of liver without a segment label "
            "was given the nearest segment"
        )
    absent = [s for s in range(1, 9) if s not in present]
    if absent:
        notes.append(f"segments absent from the label maps: {_seg_text(absent)}")
    notes.append(
        "remnant checks are segment contiguity only: inflow, outflow and biliary drainage are for "
        "the surgeon to confirm"
    )

    # Two-stage (A7): only when adequacy is known and no one-stage option is adequate.
    two_stage: TwoStagePlan | None = None
    if (
        basis == "telv"
        and req.value is not None
        and req.telv_ml is not None
        and ranked
        and all(a is False for a in adequacy)
    ):
        if req.major_contraindicated:
            notes.append("no two-stage proposal: a major hepatectomy is contraindicated (A2)")
        else:
            best: tuple[_Candidate, str] | None = None
            for cand in ranked:
                core = cand.removed - {1}
                name = next(
                    (n for n, s in PROCEDURE_SEGMENTS.items() if frozenset(s) == core), None
                )
                if name is None or name not in PVE_TARGETS:
                    continue
                if best is None or cand.flr_vox > best[0].flr_vox:
                    best = (cand, name)
            if best is None:
                notes.append("no two-stage proposal: no major resection clears the tumours")
            else:
                o, name = build(best[0]), best[1]
                needed = req.value * req.telv_ml
                growth = max(0.0, needed - o.flr_volume_ml)
                staged = bool(o.non_anatomical or o.ablation)
                stage1 = ", ".join(
                    [f"wedge of {', '.join(w.tumours)}" for w in o.non_anatomical]
                    + [f"ablation of {i}" for i in o.ablation]
                )
                two_stage = TwoStagePlan(
                    strategy="two_stage_hepatectomy" if staged else "pve_then_resection",
                    stage1_wedges=o.non_anatomical,
                    stage1_ablation=o.ablation,
                    pve_target=PVE_TARGETS[name],
                    stage2_procedure=name,
                    stage2_segments_removed=o.segments_removed,
                    flr_volume_ml=o.flr_volume_ml,
                    sflr=o.sflr,
                    required_sflr=req.value,
                    flr_needed_ml=needed,
                    growth_needed_ml=growth,
                    growth_needed_fraction=growth / o.flr_volume_ml
                    if o.flr_volume_ml > 0
                    else math.inf,
                    reason=(
                        (f"stage 1 clears the future remnant ({stage1}); " if staged else "")
                        + f"PVE of the {PVE_TARGETS[name]}; stage 2 "
                        + f"{name.replace('_', ' ')} ({_seg_text(o.segments_removed)}). "
                        + f"FLR {o.flr_volume_ml:.0f} mL (sFLR {o.sflr:.2f}) must grow to "
                        + f"{needed:.0f} mL (sFLR {req.value:.2f}): +{growth:.0f} mL (A2, A7)"
                    ),
                    evidence=tuple(
                        dict.fromkeys(
                            [*req.evidence, *_EVIDENCE_TWO_STAGE]
                            + ([_EVIDENCE_SEGMENT4] if name == "extended_right_hepatectomy" else [])
                        )
                    ),
                )

    evidence = list(req.evidence)
    if any(o.ablation for o in options):
        evidence += [*abl_t.evidence, *abl_margin.evidence]
    seg_ml = {s: tables.segment_voxels[s] * vml for s in present}
    return ResectionPlan(
        margin_mm=margin_mm,
        options=options,
        recommended_option=recommended,
        two_stage=two_stage,
        tumours=tuple(infos),
        liver_volume_ml=tables.liver_voxels * vml,
        functional_liver_volume_ml=functional_vox * vml,
        segment_volumes_ml=seg_ml,
        adjacent_segments=tuple(sorted(tables.adjacency)),
        telv_ml=req.telv_ml,
        required_sflr=req.value,
        sflr_basis=basis,
        options_considered=len(ranked),
        rejected=tuple(rejected),
        notes=tuple(notes),
        warnings=tuple(anatomy.warnings),
        missing=req.missing,
        evidence=tuple(dict.fromkeys(evidence)),
    )


# ---------------------------------------------------------------------------------------------
def render_text(result: ResectionPlan) -> str:
    """The plan as a person reads it: options ranked, why each clears or fails, the two-stage
    proposal, notes, and the decision-support notice."""
    from livermdt.about import DISCLAIMER

    lines: list[str] = [f"Resection plan (margin {result.margin_mm:g} mm)"]
    basis = (
        f"sFLR = FLR / TELV {result.telv_ml:.0f} mL"
        if result.telv_ml is not None
        else "sFLR = FLR / measured functional liver volume (no TELV)"
    )
    req = "not judged" if result.required_sflr is None else f"{result.required_sflr:.2f}"
    lines.append(
        f"Liver {result.liver_volume_ml:.0f} mL, functional {result.functional_liver_volume_ml:.0f}"
        f" mL; {basis}; required sFLR {req}"
    )
    lines.append("Tumours:")
    for t in result.tumours:
        segs = ", ".join(f"{s} ({f:.0%})" for s, f in t.segments.items())
        lines.append(
            f"  {t.id}: {t.volume_ml:.1f} mL, axial {t.axial_diameter_mm:.0f} mm, "
            f"segments {segs}; {t.ablation_reason}; {t.wedge_reason}"
        )
    lines.append(
        f"Options ({len(result.options)} listed of {result.options_considered} that clear "
        "every tumour):"
    )
    for i, o in enumerate(result.options):
        star = "*" if i == result.recommended_option else " "
        adequate = {True: "adequate", False: "INADEQUATE", None: "adequacy not judged"}[o.adequate]
        lines.append(
            f"{star}{i:>2}. {o.label}: resected {o.resected_volume_ml:.0f} mL, ablated "
            f"{o.ablated_volume_ml:.0f} mL, FLR {o.flr_volume_ml:.0f} mL, sFLR {o.sflr:.2f} "
            f"({adequate})"
        )
        lines.append(f"      {o.reason}")
    if result.recommended_option is not None:
        lines.append(f"* recommended: option {result.recommended_option}")
    if result.two_stage is not None:
        lines.append(f"Two-stage proposal ({result.two_stage.strategy.replace('_', ' ')}):")
        lines.append(f"  {result.two_stage.reason}")
    if result.rejected:
        lines.append("Not proposed:")
        lines += [f"  {r.label}: {r.reason}" for r in result.rejected]
    if result.notes or result.warnings:
        lines.append("Notes:")
        lines += [f"  {n}" for n in (*result.warnings, *result.notes)]
    if result.missing:
        lines.append("Missing: " + ", ".join(result.missing))
    if result.evidence:
        lines.append("Evidence: " + ", ".join(result.evidence))
    lines.append(DISCLAIMER)
    return "\n".join(lines)
