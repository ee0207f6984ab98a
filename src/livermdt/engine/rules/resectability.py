"""Resectability (Part A, A2 and A3; A7 and A9 where progression changes the category).

Each function is one rule: it reads the facts and the surgical picture and returns reasons, each
tagged with the category it argues for. The engine takes the most severe level present:
``unresectable`` > ``undetermined`` > ``potentially_resectable`` > ``resectable``.
"""

from __future__ import annotations

from livermdt.engine.facts import ALL_SEGMENTS, Facts
from livermdt.engine.findings import Findings
from livermdt.engine.model import Category
from livermdt.engine.rules._common import POLICY, Picture, ceil1, holds, num, pct, th

AHPBA = "ahpba-2006-resectability"
ESMO = "esmo-2023-mcrc"


def disease_described(f: Facts, pic: Picture) -> Findings:
    """A3 undetermined: no lesions described, or a lesion without its segments."""
    out = Findings()
    if not f.lesions:
        if f.disappeared_ids:
            out.reason(
                "undetermined",
                "no_visible_lesions",
                "No liver lesion is visible now (all listed lesions disappeared on "
                "chemotherapy); their sites decide the plan.",
                "auer-2010-dlm",
                "eahpba-2023-synchronous",
            )
        else:
            out.reason(
                "undetermined",
                "lesions_not_described",
                "No liver lesion is described: resectability cannot be judged.",
                AHPBA,
            )
            out.need("liver_metastases.lesions", "resectability is judged lesion by lesion")
        return out
    for les in f.lesions:
        if les.segments is None:
            out.reason(
                "undetermined",
                "lesion_segments_unknown",
                f"Lesion {les.id} has no Couinaud segments: whether a resection clears it "
                "cannot be judged.",
                AHPBA,
            )
            out.need(f"{les.path}.segments", "which resection clears the lesion")
        if les.diameter_mm is None:
            out.need(f"{les.path}.diameter_mm", "size decides ablation and the risk scores")
    return out


def extrahepatic(f: Facts, pic: Picture) -> Findings:
    """A3: unresectable extrahepatic disease makes the disease unresectable; unknown status
    leaves the category undetermined."""
    out = Findings()
    sites = ", ".join(f.extrahepatic_sites) or "site not given"
    if f.extrahepatic_present is None:
        out.reason(
            "undetermined",
            "extrahepatic_status_unknown",
            "Whether there is extrahepatic disease is not recorded.",
            AHPBA,
            ESMO,
        )
        out.need(
            "extrahepatic_disease.present",
            "unresectable extrahepatic disease excludes curative liver surgery",
        )
    elif f.extrahepatic_present:
        if f.extrahepatic_resectable is False:
            out.reason(
                "unresectable",
                "extrahepatic_unresectable",
                f"Extrahepatic disease ({sites}) is not resectable.",
                AHPBA,
                ESMO,
            )
        elif f.extrahepatic_resectable is None:
            out.reason(
                "undetermined",
                "extrahepatic_resectability_unknown",
                f"Extrahepatic disease ({sites}) is present and whether it is resectable "
                "is not recorded.",
                AHPBA,
                ESMO,
            )
            out.need(
                "extrahepatic_disease.resectable",
                "resectable extrahepatic disease allows curative surgery; unresectable does not",
            )
        else:
            out.reason(
                "resectable",
                "extrahepatic_resectable",
                f"Extrahepatic disease ({sites}) is judged resectable.",
                AHPBA,
            )
    return out


_HEPATIC_VEINS = frozenset({"right_hepatic_vein", "middle_hepatic_vein", "left_hepatic_vein"})


def anatomy(f: Facts, pic: Picture) -> Findings:
    """A3 unresectable: lesions in all 8 segments; both portal pedicles, all three hepatic veins
    or the main portal vein involved (reconstruction is the surgeons' call, so the text says so)."""
    out = Findings()
    if f.lesions and f.involved_segments == ALL_SEGMENTS:
        out.reason(
            "unresectable",
            "all_segments_involved",
            "Lesions involve all 8 Couinaud segments: no remnant can be left free of disease.",
            AHPBA,
        )
    contacts: frozenset[str] = frozenset()
    for les in f.lesions:
        contacts |= les.vascular_contact
    found: list[str] = []
    if contacts >= _HEPATIC_VEINS:
        found.append("all three hepatic veins")
    if {"right_portal_vein", "left_portal_vein"} <= contacts:
        found.append("both portal pedicles")
    if "main_portal_vein" in contacts:
        found.append("the main portal vein")
    if found:
        out.reason(
            "unresectable",
            "vascular_involvement",
            f"Tumour involves {' and '.join(found)}: no remnant keeps inflow and outflow "
            "unless the surgeons judge a vascular reconstruction possible.",
            AHPBA,
        )
    return out


def fitness(f: Facts, pic: Picture) -> Findings:
    """A3: ECOG >= 3 or unfit for the major resection the disease needs -> unresectable; Child-Pugh
    B/C or portal hypertension bars a major hepatectomy (A2). Age alone never makes a patient
    unfit."""
    out = Findings()
    bsc = int(th("ecog_best_supportive_care_min"))
    if f.ecog is not None and f.ecog >= bsc:
        out.reason(
            "unresectable",
            "performance_status",
            f"ECOG {f.ecog} (>= {bsc}): unfit for liver surgery.",
            AHPBA,
            ESMO,
        )
        return out
    if pic.function_bars_major:
        what = f"Child-Pugh {f.child_pugh}" if f.child_pugh in {"B", "C"} else "portal hypertension"
        if pic.major is True:
            out.reason(
                "unresectable",
                "liver_function_excludes_major",
                f"{what}: no major hepatectomy ({int(th('major_hepatectomy_min_segments'))}+ "
                "segments), and the disease needs one.",
                "jso-2019-flr",
                "azoulay-cirrhosis-flr",
            )
        elif pic.major is None:
            out.reason(
                "undetermined",
                "liver_function_limits_extent",
                f"{what}: only a minor resection is possible; the plan's extent is not known.",
                "jso-2019-flr",
            )
    if f.fit_for_major_surgery is False:
        if pic.major is True:
            out.reason(
                "unresectable",
                "unfit_for_major_resection",
                "Not fit for major surgery, and a minor resection cannot clear the disease.",
                AHPBA,
            )
        elif pic.major is None:
            out.reason(
                "undetermined",
                "unfit_extent_unknown",
                "Not fit for major surgery; whether a minor resection clears the disease is "
                "not known (no planned resection).",
                AHPBA,
            )
            out.need("volumetry.planned_resection", "whether a minor resection clears the disease")
        else:
            out.reason(
                "resectable",
                "fit_for_minor_resection",
                "Not fit for major surgery, but a minor resection clears the disease.",
                AHPBA,
            )
        return out
    if f.fit_for_major_surgery is True:
        out.reason("resectable", "fit", "Judged fit for the operation.", AHPBA)
        return out
    # Fitness not yet judged by the MDT / anaesthetist.
    max_fit = int(th("ecog_fit_surgery_max"))
    if f.ecog is not None and f.ecog <= max_fit:
        out.reason(
            "resectable",
            "fit_by_performance_status",
            f"ECOG {f.ecog} (<= {max_fit}); the anaesthetic judgement is still to be recorded.",
            AHPBA,
        )
        out.need(
            "patient.fit_for_major_surgery",
            "the MDT/anaesthetic judgement confirms fitness for the resection",
        )
    else:
        shown = "not recorded" if f.ecog is None else str(f.ecog)
        out.reason(
            "undetermined",
            "fitness_not_judged",
            f"Fitness for surgery is not judged and ECOG is {shown}.",
            AHPBA,
        )
        out.need("patient.fit_for_major_surgery", "resection needs a patient fit for it")
        if f.ecog is None:
            out.need("patient.ecog", "performance status decides surgery and systemic therapy")
    return out


def clearance(f: Facts, pic: Picture) -> Findings:
    """A3: the planned procedure (with ablation of small residual lesions where allowed) clears
    all known liver disease; without a plan, a minor resection of <= 2 involved segments does."""
    out = Findings()
    if not f.lesions or any(les.segments is None for les in f.lesions):
        return out
    if pic.planned:
        assert f.segments_removed is not None
        removed = ", ".join(str(s) for s in sorted(f.segments_removed))
        name = (f.procedure or "planned resection").replace("_", " ")
        if not pic.residual:
            out.reason(
                "resectable",
                "resection_clears_disease",
                f"The {name} (segments {removed}) removes every known lesion.",
                AHPBA,
            )
        elif pic.residual_ablatable:
            ids = ", ".join(les.id for les in pic.residual)
            out.reason(
                "resectable",
                "resection_with_ablation_clears",
                f"The {name} (segments {removed}) with ablation of {ids} clears all disease.",
                AHPBA,
                "vanderlei-2025-collision",
            )
        else:
            ids = ", ".join(les.id for les in pic.residual)
            level: Category = (
                "potentially_resectable" if pic.residual_ablatable is False else "undetermined"
            )
            out.reason(
                level,
                "resection_leaves_disease",
                f"The {name} (segments {removed}) leaves {ids}, which "
                + (
                    "cannot be ablated."
                    if pic.residual_ablatable is False
                    else "may or may not be ablatable (size, INR or ablatability not known)."
                ),
                AHPBA,
                ESMO,
            )
            if pic.residual_ablatable is None:
                for les in pic.residual:
                    if les.ablatable is None and les.diameter_mm is None:
                        out.need(f"{les.path}.diameter_mm", "whether the lesion can be ablated")
                if f.inr is None:
                    out.need("labs.inr", f"ablation needs INR <= {num(th('ablation_max_inr'))}")
    elif pic.major is False:
        segs = ", ".join(str(s) for s in sorted(f.involved_segments))
        out.reason(
            "resectable",
            "minor_resection_clears",
            f"All lesions lie in segment(s) {segs}: a minor resection clears them.",
            AHPBA,
        )
    else:
        out.reason(
            "undetermined",
            "no_planned_resection",
            f"Lesions involve {len(f.involved_segments)} segments and no planned resection with "
            "volumetry is given: a major hepatectomy may be needed.",
            AHPBA,
            "jso-2019-flr",
        )
        out.need("volumetry.planned_resection", "which resection clears the disease")
        out.need("volumetry.flr_volume_ml", "a major hepatectomy needs an adequate remnant (A2)")
    return out


def remnant(f: Facts, pic: Picture) -> Findings:
    """A2: the remnant is adequate when sFLR >= required (and, after PVE/LVD/ALPPS stage 1, KGR >=
    kgr_min_per_week); within sflr_margin_functional_assessment below the requirement, or with a
    low KGR, propose functional_liver_assessment (HBS below hida_flr_clearance_min_pct_min_m2 =
    insufficient)."""
    out = Findings()
    sflr, required, telv = f.sflr, f.required_sflr, f.telv_ml
    flr_ev = ("vauthey-2002-telv", "jso-2019-flr")
    if pic.remnant_presumed:
        out.reason(
            "resectable",
            "remnant_minor_resection",
            f"A minor resection (at most {int(th('minor_resection_max_segments'))} segments) "
            "leaves most of the liver; "
            "no volumetry is needed to call the remnant adequate.",
            "jso-2019-flr",
            POLICY,
        )
        return out
    if sflr is None or required is None:
        if pic.hbs_low:
            _hbs_reason(f, out)
        elif pic.major is True or (pic.major is None and f.lesions):
            flr_missing = [str(m) for m in f.flr.get("missing") or ()]
            out.reason(
                "undetermined",
                "remnant_not_measured",
                "The standardised remnant (sFLR) cannot be computed for a resection that may be "
                "major" + (f" (missing: {', '.join(flr_missing)})." if flr_missing else "."),
                *flr_ev,
            )
            out.need_all(flr_missing, "the sFLR decides whether the remnant is adequate (A2)")
        return out
    kgr_min = th("kgr_min_per_week")
    basis = _required_basis(f)
    if pic.remnant_adequate is None:
        flr_missing = [str(m) for m in f.flr.get("missing") or ()]
        out.reason(
            "undetermined",
            "remnant_requirement_unknown",
            f"sFLR {pct(sflr)} meets the {pct(required)} minimum, but the requirement may be "
            "higher" + (f" (missing: {', '.join(flr_missing)})." if flr_missing else "."),
            *flr_ev,
        )
        out.need_all(flr_missing, "the required sFLR depends on liver quality and chemotherapy")
    elif pic.remnant_adequate:
        out.reason(
            "resectable",
            "remnant_adequate",
            f"sFLR {pct(sflr)} >= {pct(required)} required ({basis}).",
            *flr_ev,
            *_required_evidence(f),
        )
    else:
        if sflr < required:
            out.reason(
                "potentially_resectable",
                "flr_insufficient",
                f"sFLR {pct(sflr)} < {pct(required)} required ({basis}).",
                *flr_ev,
                *_required_evidence(f),
            )
        if pic.kgr_low:
            kgr = f.kgr_per_week
            assert kgr is not None
            out.reason(
                "potentially_resectable",
                "kgr_insufficient",
                f"Kinetic growth rate {pct(kgr)}/week < {pct(kgr_min)}/week after "
                f"{_procedure_name(f)}: high risk of liver failure.",
                "shindoh-2013-kgr",
            )
        if pic.hbs_low:
            _hbs_reason(f, out)
    if telv is not None and sflr < required:
        needed = ceil1(required * telv)
        out.change(
            "volumetry.flr_volume_ml",
            f">= {num(needed)}",
            f"the remnant becomes adequate ({pct(required)} of TELV {num(round(telv, 1))} mL)",
        )
    before, days = f.pve_before_ml, f.pve_days_to_scan
    if pic.kgr_low and telv is not None and before is not None and days is not None:
        # KGR = (after - before) / TELV / weeks  =>  after >= before + KGR_min x weeks x TELV
        after = ceil1(before + kgr_min * (days / 7) * telv)
        out.change(
            "pve.flr_volume_after_ml",
            f">= {num(after)}",
            f"the kinetic growth rate reaches {pct(kgr_min)}/week",
        )
    near = sflr < required and holds("sflr_margin_functional_assessment", required - sflr)
    if (near or pic.kgr_low) and f.hbs_pct_min_m2 is None:
        why = (
            f"sFLR is within {pct(th('sflr_margin_functional_assessment'))} of the requirement"
            if near
            else f"KGR is below {pct(kgr_min)}/week"
        )
        out.rec(
            "functional_liver_assessment",
            "recommended",
            f"{why}: 99mTc-mebrofenin hepatobiliary scintigraphy measures remnant function "
            f"(< {num(th('hida_flr_clearance_min_pct_min_m2'))} %/min/m2 = insufficient).",
            "degraaf-2010-hbs",
            "cieslak-2016-hbs",
            "shindoh-2013-kgr",
        )
    return out


def _hbs_reason(f: Facts, out: Findings) -> None:
    hbs = f.hbs_pct_min_m2
    assert hbs is not None
    out.reason(
        "potentially_resectable",
        "flr_function_insufficient",
        f"FLR function on hepatobiliary scintigraphy {num(hbs)} %/min/m2 < "
        f"{num(th('hida_flr_clearance_min_pct_min_m2'))}: functionally insufficient.",
        "degraaf-2010-hbs",
        "cieslak-2016-hbs",
    )


def _required_basis(f: Facts) -> str:
    reasons = f.flr.get("required_sflr_reasons") or []
    required = f.required_sflr
    deciding = [r for r in reasons if isinstance(r, dict) and r.get("required_sflr") == required]
    texts = [str(r.get("text")) for r in deciding or reasons if isinstance(r, dict)]
    return "; ".join(t for t in texts if t) or "normal liver"


def _required_evidence(f: Facts) -> tuple[str, ...]:
    ev = [str(e) for e in f.flr.get("evidence") or ()]
    return tuple(ev)


_PROCEDURE_NAMES = {
    "pve": "portal vein embolisation",
    "liver_venous_deprivation": "liver venous deprivation",
    "alpps_stage1": "ALPPS stage 1",
}


def _procedure_name(f: Facts) -> str:
    return _PROCEDURE_NAMES.get(f.pve_procedure or "pve", str(f.pve_procedure))


def progression(f: Facts, pic: Picture) -> Findings:
    """A9 / A3: progression on current (pre-operative) therapy, or tumour progression after PVE
    (A7): not resectable now; change the line, re-stage and re-discuss."""
    out = Findings()
    recist = (f.response or {}).get("category")
    if recist == "PD" or (recist is None and f.last_systemic_best_response == "PD"):
        src = "RECIST 1.1 on the restaging series" if recist == "PD" else "latest treatment"
        out.reason(
            "potentially_resectable",
            "progression_on_therapy",
            f"Progressive disease on current therapy ({src}): no immediate hepatectomy.",
            "adam-2004-progression",
            "eisenhauer-2009-recist",
        )
    if f.pve_progression or f.pve_new_lesions_in_flr:
        where = " with new lesions in the remnant" if f.pve_new_lesions_in_flr else ""
        out.reason(
            "potentially_resectable",
            "progression_after_pve",
            f"Tumour progression after {_procedure_name(f)}{where}: "
            "re-stage and re-discuss before any resection.",
            "simoneau-2012-pve-progression",
            "heil-2021-pvo-lvd",
        )
    return out
