"""Facts: everything the rules read, computed once per case from the case document, the derived
values of ``livermdt.case.derived`` and the blocks of ``livermdt.scores``.

This module is the only place that knows how those parts shape their results; the rules read
plain, typed facts. Nothing here is recomputed that another part already computes (FLR, scores,
RECIST, derived values), and nothing absent is defaulted: a fact that needs an absent input is
``None`` and its case paths are kept in ``missing``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any, cast

from pydantic import BaseModel

from livermdt.case import Case
from livermdt.case import derived as dv
from livermdt.scores import compute_flr, compute_response, score_blocks

#: Structures whose contact excludes thermal ablation (heat injury to the central bile ducts;
#: Part A A6).
BILIARY_STRUCTURES = frozenset({"biliary_confluence", "right_hepatic_duct", "left_hepatic_duct"})
ALL_SEGMENTS = frozenset(range(1, 9))


@dataclass(frozen=True)
class LesionFact:
    index: int
    id: str
    segments: frozenset[int] | None
    diameter_mm: float | None
    vascular_contact: frozenset[str]
    ablatable: bool | None

    @property
    def path(self) -> str:
        return f"liver_metastases.lesions[{self.index}]"


@dataclass(frozen=True)
class Facts:
    """Typed facts of one case. ``missing`` maps a fact name to the case paths it lacks."""

    case_id: str
    discussion_date: date
    # patient
    age_years: int | None
    ecog: int | None
    fit_for_major_surgery: bool | None
    # primary
    primary_status: str | None
    primary_site: str | None
    symptomatic: bool | None
    sidedness: str | None
    # liver disease
    lesions: tuple[LesionFact, ...]
    disappeared_ids: tuple[str, ...]
    lesion_count: int | None
    largest_mm: float | None
    bilobar: bool | None
    # extrahepatic
    extrahepatic_present: bool | None
    extrahepatic_resectable: bool | None
    extrahepatic_sites: tuple[str, ...]
    # liver
    background: str | None
    child_pugh: str | None
    portal_hypertension: bool | None
    hbs_pct_min_m2: float | None
    inr: float | None
    # biomarkers
    ras: str
    kras: str | None
    nras: str | None
    kras_variant: str | None
    braf: str | None
    mmr: str | None
    her2: str | None
    ntrk: str | None
    # labs
    cea_ng_ml: float | None
    cea_max_ng_ml: float | None
    # plan and volumes
    procedure: str | None
    segments_removed: frozenset[int] | None
    total_liver_volume_ml: float | None
    flr_volume_ml: float | None
    # PVE / LVD / ALPPS stage 1
    pve_procedure: str | None
    pve_before_ml: float | None
    pve_days_to_scan: int | None
    pve_progression: bool | None
    pve_new_lesions_in_flr: bool | None
    # blocks computed by livermdt.scores
    flr: dict[str, Any]
    scores: dict[str, dict[str, Any]]
    response: dict[str, Any] | None
    # treatments
    previous_hepatectomy: bool
    chemo_lines: int
    chemo_weeks_total: float | None
    last_systemic_best_response: str | None
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)

    # --- convenience -----------------------------------------------------------------------
    def miss(self, name: str) -> tuple[str, ...]:
        return self.missing.get(name, ())

    @property
    def sflr(self) -> float | None:
        return _num(self.flr.get("sflr"))

    @property
    def required_sflr(self) -> float | None:
        return _num(self.flr.get("required_sflr"))

    @property
    def telv_ml(self) -> float | None:
        return _num(self.flr.get("telv_ml"))

    @property
    def kgr_per_week(self) -> float | None:
        return _num(self.flr.get("kgr_per_week"))

    @property
    def pve_done(self) -> bool:
        return self.pve_procedure is not None

    def score(self, key: str) -> int | float | None:
        block = self.scores.get(key)
        if block is None:
            return None
        value = block.get("value")
        return value if isinstance(value, int | float) else None

    def score_missing(self, key: str) -> tuple[str, ...]:
        block = self.scores.get(key) or {}
        return tuple(str(m) for m in block.get("missing") or ())

    @cached_property
    def involved_segments(self) -> frozenset[int]:
        out: set[int] = set()
        for lesion in self.lesions:
            if lesion.segments:
                out |= lesion.segments
        return frozenset(out)

    @cached_property
    def residual_lesions(self) -> tuple[LesionFact, ...]:
        """Lesions the planned resection does not remove (some segment outside the plan)."""
        if self.segments_removed is None:
            return ()
        return tuple(
            lesion
            for lesion in self.lesions
            if lesion.segments is not None and not lesion.segments <= self.segments_removed
        )

    @property
    def rectal(self) -> bool | None:
        return None if self.primary_site is None else self.primary_site == "rectum"


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _jsonable(block: BaseModel) -> dict[str, Any]:
    """A block of ``livermdt.scores`` (a pydantic model) as its assessment-v1 JSON dict."""
    return block.model_dump(mode="json")


def _lesions(case: Case) -> tuple[LesionFact, ...]:
    lm = case.liver_metastases
    if lm is None or not lm.lesions:
        return ()
    return tuple(
        LesionFact(
            index=i,
            id=les.id,
            segments=frozenset(les.segments) if les.segments else None,
            diameter_mm=les.diameter_mm,
            vascular_contact=frozenset(les.vascular_contact or ()),
            ablatable=les.ablatable,
        )
        for i, les in enumerate(lm.lesions)
    )


def _systemic_history(case: Case) -> str | None:
    """Best response of the latest systemic treatment (treatments are oldest first)."""
    for treatment in reversed(case.treatments or []):
        if treatment.type in {"chemotherapy", "immunotherapy", "targeted"}:
            return treatment.best_response
    return None


def _cea_max(case: Case) -> float | None:
    values = [r.cea_ng_ml for r in case.restaging or [] if r.cea_ng_ml is not None]
    if case.labs is not None and case.labs.cea_ng_ml is not None:
        values.append(case.labs.cea_ng_ml)
    return max(values) if values else None


def _dv(fn_name: str, case: Case, missing: dict[str, tuple[str, ...]], key: str) -> Any:
    result = getattr(dv, fn_name)(case)
    if result.missing:
        missing[key] = tuple(result.missing)
    return result.value


def build_facts(case: Case) -> Facts:
    """Compute every fact the rules read, once."""
    missing: dict[str, tuple[str, ...]] = {}
    p, pr, lm = case.patient, case.primary, case.liver_metastases
    ehd, liver, labs, bm = case.extrahepatic_disease, case.liver, case.labs, case.biomarkers
    vol, pve = case.volumetry, case.pve
    plan = vol.planned_resection if vol is not None else None

    best = _systemic_history(case)
    lesions = _lesions(case)
    response = compute_response(case)

    return Facts(
        case_id=case.id,
        discussion_date=case.discussion_date,
        age_years=p.age_years if p else None,
        ecog=p.ecog if p else None,
        fit_for_major_surgery=p.fit_for_major_surgery if p else None,
        primary_status=pr.status if pr else None,
        primary_site=pr.site if pr else None,
        symptomatic=pr.symptomatic if pr else None,
        sidedness=_dv("sidedness", case, missing, "sidedness"),
        lesions=lesions,
        disappeared_ids=tuple(lm.disappeared_lesion_ids or ()) if lm else (),
        lesion_count=_dv("lesion_count", case, missing, "lesion_count"),
        largest_mm=_dv("largest_lesion_mm", case, missing, "largest_mm"),
        bilobar=_dv("is_bilobar", case, missing, "bilobar"),
        extrahepatic_present=ehd.present if ehd else None,
        extrahepatic_resectable=ehd.resectable if ehd else None,
        extrahepatic_sites=tuple(ehd.sites or ()) if ehd else (),
        background=liver.background if liver else None,
        child_pugh=liver.child_pugh_class if liver else None,
        portal_hypertension=liver.portal_hypertension if liver else None,
        hbs_pct_min_m2=liver.hida_flr_clearance_pct_min_m2 if liver else None,
        inr=labs.inr if labs else None,
        ras=_dv("ras_status", case, missing, "ras") or "unknown",
        kras=bm.kras if bm else None,
        nras=bm.nras if bm else None,
        kras_variant=bm.kras_variant if bm else None,
        braf=bm.braf if bm else None,
        mmr=bm.mmr if bm else None,
        her2=bm.her2 if bm else None,
        ntrk=bm.ntrk_fusion if bm else None,
        cea_ng_ml=labs.cea_ng_ml if labs else None,
        cea_max_ng_ml=_cea_max(case),
        procedure=plan.procedure if plan else None,
        segments_removed=frozenset(plan.segments_removed)
        if plan and plan.segments_removed
        else None,
        total_liver_volume_ml=vol.total_liver_volume_ml if vol else None,
        flr_volume_ml=vol.flr_volume_ml if vol else None,
        pve_procedure=pve.procedure if pve else None,
        pve_before_ml=pve.flr_volume_before_ml if pve else None,
        pve_days_to_scan=pve.days_to_followup_scan if pve else None,
        pve_progression=pve.tumour_progression if pve else None,
        pve_new_lesions_in_flr=pve.new_lesions_in_flr if pve else None,
        flr=_jsonable(compute_flr(case)),
        # A ScoreBlock is the block's JSON dict (TypedDicts are not dict[str, Any] to mypy).
        scores=cast(dict[str, dict[str, Any]], score_blocks(case, response=response)),
        response=_jsonable(response) if response is not None else None,
        previous_hepatectomy=bool(_dv("previous_hepatectomy", case, missing, "prev_hep")),
        chemo_lines=int(_dv("chemotherapy_lines", case, missing, "chemo_lines") or 0),
        chemo_weeks_total=_dv("chemotherapy_weeks_total", case, missing, "chemo_weeks"),
        last_systemic_best_response=best,
        missing=missing,
    )


def paths(*items: str | Sequence[str]) -> tuple[str, ...]:
    """Flatten paths, keeping order and dropping duplicates."""
    out: list[str] = []
    for item in items:
        for path in [item] if isinstance(item, str) else item:
            if path not in out:
                out.append(path)
    return tuple(out)
