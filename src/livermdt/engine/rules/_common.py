"""What every rule module shares: threshold look-up, the surgical picture, number formatting.

The surgical picture (:class:`Picture`) is computed once from the facts: which resection the
disease needs, whether it clears every lesion (with ablation where allowed), whether the remnant
is adequate (A2), whether the patient is fit for it. It holds no advice; the rules turn it into
findings.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache

from livermdt.engine.facts import ALL_SEGMENTS, BILIARY_STRUCTURES, Facts, LesionFact
from livermdt.knowledge import Threshold, threshold

POLICY = "livermdt-2025-policy"


@cache
def th(name: str) -> float:
    """The value of a threshold of the knowledge base (cached: knowledge files are read once)."""
    return float(threshold(name).value)


@cache
def _threshold(name: str) -> Threshold:
    return threshold(name)


def holds(name: str, measured: float) -> bool:
    """Whether ``measured`` meets the threshold's own condition (its operator is data too)."""
    return _threshold(name).holds(measured)


def pct(fraction: float) -> str:
    """0.252 -> '25.2%' (one decimal: the boundaries of A2 are 0.05 apart)."""
    return f"{fraction * 100:.1f}%"


def num(value: float) -> str:
    """A number as people write it: no trailing '.0'."""
    return f"{value:g}" if float(value).is_integer() else f"{value:.1f}"


def ceil1(value: float) -> float:
    """Round up to 0.1 (a volume that is enough must not be rounded below the requirement)."""
    return math.ceil(value * 10 - 1e-9) / 10


# --- lesions -----------------------------------------------------------------------------------
def lesion_ablatable(lesion: LesionFact) -> bool | None:
    """A6 with Part C C5: the radiologist's ``ablatable`` judgement when given (it includes the
    achievable minimal margin > 5 mm); otherwise size <= ablation_max_diameter_mm and no contact
    with the biliary confluence or main hepatic ducts. ``None`` when the size is unknown."""
    if lesion.ablatable is not None:
        return lesion.ablatable
    if lesion.vascular_contact & BILIARY_STRUCTURES:
        return False
    if lesion.diameter_mm is None:
        return None
    return holds("ablation_max_diameter_mm", lesion.diameter_mm)


def patient_allows_ablation(f: Facts) -> bool | None:
    """INR <= ablation_max_inr (COLLISION protocol). Ascites is not part of case-v1."""
    if f.inr is None:
        return None
    return holds("ablation_max_inr", f.inr)


def all_true(values: list[bool | None]) -> bool | None:
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


# --- the surgical picture ----------------------------------------------------------------------
@dataclass(frozen=True)
class Picture:
    major: bool | None
    """The resection that clears the disease removes >= major_hepatectomy_min_segments segments."""
    planned: bool
    """A planned resection with its segments is given (volumetry.planned_resection)."""
    residual: tuple[LesionFact, ...]
    """Lesions outside the planned resection."""
    residual_ablatable: bool | None
    clears: bool | None
    """The plan (with ablation of residual lesions where allowed) clears every known lesion."""
    remnant_adequate: bool | None
    remnant_presumed: bool
    """Adequacy presumed for a minor resection without volumetry (docs/engine.md)."""
    kgr_low: bool
    hbs_low: bool
    function_bars_major: bool
    """Child-Pugh B/C or clinically significant portal hypertension (A2)."""


def picture(f: Facts) -> Picture:
    min_major = th("major_hepatectomy_min_segments")
    planned = f.segments_removed is not None
    if planned:
        assert f.segments_removed is not None
        major: bool | None = len(f.segments_removed) >= min_major
    elif f.lesions and all(les.segments for les in f.lesions):
        # Without a plan, lesions in at most two segments can be cleared by a minor resection;
        # more segments may or may not need a major one: that is for the plan to say.
        major = False if len(f.involved_segments) < min_major else None
    else:
        major = None

    residual = f.residual_lesions
    residual_ablatable = (
        all_true([lesion_ablatable(les) for les in residual] + [patient_allows_ablation(f)])
        if residual
        else None
    )
    unknown_segments = any(les.segments is None for les in f.lesions)
    if not f.lesions or unknown_segments:
        clears: bool | None = None
    elif planned:
        clears = True if not residual else residual_ablatable
    else:
        clears = True if major is False else None

    sflr, required = f.sflr, f.required_sflr
    kgr = f.kgr_per_week
    kgr_low = f.pve_done and kgr is not None and not holds("kgr_min_per_week", kgr)
    hbs = f.hbs_pct_min_m2
    hbs_low = hbs is not None and not holds("hida_flr_clearance_min_pct_min_m2", hbs)
    adequate_flag = f.flr.get("adequate")
    presumed = False
    if sflr is not None and required is not None and isinstance(adequate_flag, bool):
        adequate: bool | None = adequate_flag and not kgr_low and not hbs_low
    elif major is False:
        adequate, presumed = (not hbs_low), not hbs_low
    else:
        adequate = None
    function_bars_major = f.flr.get("major_hepatectomy_contraindicated") is True
    return Picture(
        major=major,
        planned=planned,
        residual=residual,
        residual_ablatable=residual_ablatable,
        clears=clears,
        remnant_adequate=adequate,
        remnant_presumed=presumed,
        kgr_low=kgr_low,
        hbs_low=hbs_low,
        function_bars_major=function_bars_major,
    )


def remaining_segments(f: Facts) -> frozenset[int] | None:
    return None if f.segments_removed is None else ALL_SEGMENTS - f.segments_removed
