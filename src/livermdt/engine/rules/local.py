"""Local therapy (Part A, A6 with Part C C4 and C5): thermal ablation and SBRT.

Ablatability is the radiologist's ``ablatable`` judgement when given (it includes whether a
minimal margin > 5 mm is achievable, C5); otherwise size <= ablation_max_diameter_mm and no contact
with the biliary confluence or main ducts, with INR <= ablation_max_inr.
"""

from __future__ import annotations

from livermdt.engine.findings import Findings
from livermdt.engine.rules._common import lesion_ablatable, num, patient_allows_ablation, th
from livermdt.engine.rules.surgery import Situation

ABLATION_EV = ("vanderlei-2025-collision", "jvir-ablation-margin", "wang-2013-ablation-margin")
#: How far above a size limit a lesion still counts as "near" it for what_would_change.
NEAR_MM = 10.0
_UNFIT_CODES = frozenset({"unfit_for_major_resection", "liver_function_excludes_major"})


def unfit_only(s: Situation) -> bool:
    """Unresectable only because the patient cannot have the resection that clears the disease."""
    blocking = {r for r in s.reason_codes if r in _UNFIT_CODES}
    others = {
        "extrahepatic_unresectable",
        "all_segments_involved",
        "vascular_involvement",
        "performance_status",
    }
    return s.category == "unresectable" and bool(blocking) and not (others & s.reason_codes)


def ablation_for_unfit(s: Situation) -> bool:
    """A6: every lesion ablatable in a patient unfit for the resection that would clear it."""
    f = s.f
    if not unfit_only(s) or not f.lesions:
        return False
    ok = [lesion_ablatable(les) for les in f.lesions] + [patient_allows_ablation(f)]
    return all(v is True for v in ok)


def thermal_ablation(s: Situation) -> Findings:
    """A6: recommended when the patient is unfit for the clearing resection; ``consider`` as an
    alternative to resection in fit patients with <= ablation_max_lesions_alternative lesions all <=
    ablation_max_diameter_mm (COLLISION)."""
    out = Findings()
    f = s.f
    max_mm = th("ablation_max_diameter_mm")
    margin = num(th("ablation_min_margin_mm"))
    if ablation_for_unfit(s):
        out.rec(
            "thermal_ablation",
            "recommended",
            "Unfit for the resection that would clear the disease, and every lesion can be "
            f"ablated (<= {num(max_mm)} mm, margin > {margin} mm achievable).",
            *ABLATION_EV,
        )
        return out
    if unfit_only(s) and f.lesions and f.inr is None:
        out.need("labs.inr", f"ablation needs INR <= {num(th('ablation_max_inr'))}")
    if s.category != "resectable" or f.extrahepatic_present is not False:
        return out
    if f.ecog is not None and f.ecog > int(th("ablation_alternative_max_ecog")):
        return out
    max_n = int(th("ablation_max_lesions_alternative"))
    if f.lesion_count is None or f.lesion_count > max_n:
        return out
    sizes_ok = [les.diameter_mm is not None and les.diameter_mm <= max_mm for les in f.lesions]
    ablatable = [lesion_ablatable(les) for les in f.lesions]
    patient_ok = patient_allows_ablation(f)
    if all(sizes_ok) and all(a is True for a in ablatable):
        if patient_ok is None:
            out.need("labs.inr", f"ablation needs INR <= {num(th('ablation_max_inr'))}")
        elif patient_ok:
            out.rec(
                "thermal_ablation",
                "consider",
                f"{f.lesion_count} lesion(s), all <= {num(max_mm)} mm: ablation was non-inferior "
                "to resection with fewer complications (COLLISION), if a margin > "
                f"{margin} mm (ideally > {num(th('ablation_ideal_margin_mm'))} mm) is achievable.",
                *ABLATION_EV,
                "petre-2017-ablation",
            )
        return out
    # Exactly one lesion too large, the rest eligible: name the size that would change it.
    # "Near" = less than NEAR_MM above the limit (a livermdt choice, docs/engine.md).
    too_big = [
        les
        for les, ok in zip(f.lesions, sizes_ok, strict=True)
        if not ok
        and les.diameter_mm is not None
        and les.diameter_mm < max_mm + NEAR_MM
        and les.ablatable is not False
    ]
    others_ok = all(
        a is True or (les in too_big) for les, a in zip(f.lesions, ablatable, strict=True)
    )
    if len(too_big) == 1 and others_ok and patient_ok is not False:
        les = too_big[0]
        out.change(
            f"{les.path}.diameter_mm",
            f"<= {num(max_mm)}",
            "thermal ablation becomes an alternative to resection (COLLISION)",
        )
    return out


def sbrt(s: Situation) -> Findings:
    """A6 with C4: SBRT ``consider`` for lesions unsuitable for resection and ablation, at most
    sbrt_max_lesions lesions, largest < sbrt_max_diameter_mm, uninvolved liver >
    sbrt_min_uninvolved_liver_ml (Scorsetti phase II eligibility; one trial, not a guideline)."""
    out = Findings()
    f = s.f
    if not (unfit_only(s) or s.reason_codes & {"vascular_involvement"}):
        return out
    if s.reason_codes & {"extrahepatic_unresectable", "performance_status"}:
        return out
    if ablation_for_unfit(s) or not f.lesions:
        return out
    max_n = int(th("sbrt_max_lesions"))
    max_mm = th("sbrt_max_diameter_mm")
    min_ml = th("sbrt_min_uninvolved_liver_ml")
    if f.lesion_count is None or f.lesion_count > max_n or f.largest_mm is None:
        return out
    ev = ("scorsetti-2018-sbrt", "ihnat-2018-sbrt")
    if f.largest_mm >= max_mm:
        big = max(f.lesions, key=lambda les: les.diameter_mm or 0.0)
        out.change(
            f"{big.path}.diameter_mm",
            f"< {num(max_mm)}",
            "SBRT becomes an option (Scorsetti eligibility)",
        )
        return out
    if f.total_liver_volume_ml is None:
        out.need(
            "volumetry.total_liver_volume_ml",
            f"SBRT needs more than {num(min_ml)} mL of uninvolved liver",
        )
        return out
    if f.total_liver_volume_ml <= min_ml:
        out.change(
            "volumetry.total_liver_volume_ml",
            f"> {num(min_ml)}",
            "SBRT becomes an option (Scorsetti eligibility)",
        )
        return out
    out.rec(
        "sbrt",
        "consider",
        f"{f.lesion_count} lesion(s) unsuitable for resection and ablation, largest "
        f"{num(f.largest_mm)} mm (< {num(max_mm)}), uninvolved liver "
        f"{num(f.total_liver_volume_ml)} mL (> {num(min_ml)}): SBRT per the Scorsetti phase II "
        "eligibility (one trial, not a guideline).",
        *ev,
    )
    return out
