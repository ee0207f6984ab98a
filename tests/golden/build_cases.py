"""Write the golden case documents and their hand-written expectations.

    python -m tests.golden.build_cases

Each golden case is the base patient of the shared examples (160 cm, 62 kg: BSA Mosteller 1.660
m2, TELV Vauthey 1309.27 mL) changed in one clinical respect, so that each case sits just on one
side of one Part A threshold. The expectation next to each case (category, strength of the codes
that matter, decisive thresholds, missing fields) is worked by hand from Part A of
``crlm-knowledge.md`` (and Part C where it corrects Part A); the section is named in ``source``.
The full assessment snapshots in ``assessments/`` are written separately by
``python -m tests.golden.regenerate``, so a change in advice shows as a diff there while these
expectations keep the clinical truth.

Volumes: sFLR = FLR / 1309.27, so 0.20 -> 261.85 mL, 0.30 -> 392.78 mL, 0.40 -> 523.71 mL.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
EXPECT = HERE / "expectations.json"

Doc = dict[str, Any]

BASE: Doc = {
    "schema": "livermdt/case/v1",
    "id": "base",
    "discussion_date": "2025-09-15",
    "patient": {
        "sex": "female",
        "age_years": 57,
        "height_cm": 160,
        "weight_kg": 62,
        "ecog": 0,
        "asa_class": 2,
        "fit_for_major_surgery": True,
    },
    "primary": {
        "site": "descending",
        "t_stage": "T3",
        "n_stage": "N1",
        "diagnosis_date": "2023-03-02",
        "status": "resected",
        "resection_date": "2023-03-28",
        "symptomatic": False,
    },
    "liver_metastases": {
        "diagnosis_date": "2025-08-20",
        "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24, "vascular_contact": []}],
    },
    "extrahepatic_disease": {"present": False, "sites": []},
    "liver": {"background": "normal", "portal_hypertension": False},
    "labs": {
        "cea_ng_ml": 7.5,
        "bilirubin_umol_l": 11,
        "albumin_g_l": 40,
        "inr": 1.05,
        "platelets_10e9_l": 230,
    },
    "biomarkers": {
        "kras": "wild_type",
        "nras": "wild_type",
        "braf": "wild_type",
        "mmr": "proficient",
        "her2": "not_amplified",
    },
    "volumetry": {
        "total_liver_volume_ml": 1420,
        "planned_resection": {
            "procedure": "left_lateral_sectionectomy",
            "segments_removed": [2, 3],
        },
        "flr_volume_ml": 1180,
        "source": "ct",
    },
    "treatments": [],
}

RIGHT_HEP = {"procedure": "right_hepatectomy", "segments_removed": [5, 6, 7, 8]}


def lesion(lid: str, segments: list[int], mm: float, **extra: Any) -> Doc:
    return {"id": lid, "segments": segments, "diameter_mm": mm, "vascular_contact": [], **extra}


def chemo(start: str, end: str, **extra: Any) -> Doc:
    base = {
        "type": "chemotherapy",
        "start_date": start,
        "end_date": end,
        "regimen": "FOLFOX",
        "biologic": "none",
        "line": 1,
        "intent": "conversion",
        "best_response": "PR",
    }
    base.update(extra)
    return base


def right_liver(d: Doc, flr_ml: float, mm: float = 40) -> None:
    """One lesion in segment 6; right hepatectomy planned, leaving ``flr_ml``."""
    d["liver_metastases"]["lesions"] = [lesion("L1", [6], mm)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = flr_ml


def unresectable_peritoneal(d: Doc) -> None:
    d["extrahepatic_disease"] = {"present": True, "sites": ["peritoneum"], "resectable": False}


def transplant_candidate(d: Doc) -> None:
    """Liver-only disease in all 8 segments (unresectable), 6 months of FOLFOX with partial
    response, primary resected > 24 months ago, BRAF wild type, pMMR: every TransMet criterion
    met, Oslo score 0 (largest 40 mm, CEA 20, no progression, 30 months since resection)."""
    d["liver_metastases"]["lesions"] = [
        lesion(f"L{s}", [s], 40 if s == 8 else 20) for s in range(1, 9)
    ]
    del d["volumetry"]
    d["labs"]["cea_ng_ml"] = 20
    d["treatments"] = [chemo("2025-03-01", "2025-08-30", intent="palliative")]
    d["restaging"] = [
        {
            "date": "2025-03-01",
            "lesions": [{"id": "L8", "diameter_mm": 60}, {"id": "L1", "diameter_mm": 30}],
            "new_lesions": False,
            "cea_ng_ml": 60,
        },
        {
            "date": "2025-09-01",
            "lesions": [{"id": "L8", "diameter_mm": 40}, {"id": "L1", "diameter_mm": 20}],
            "new_lesions": False,
            "cea_ng_ml": 20,
        },
    ]


def conversion_bilobar(d: Doc) -> None:
    """Right hepatectomy leaves a 45 mm segment-3 lesion that cannot be ablated: potentially
    resectable (tumour barrier), remnant adequate."""
    d["liver_metastases"]["lesions"] = [lesion("L1", [6], 50), lesion("L2", [3], 45)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 600


def pve_done(d: Doc, before: float, after: float, days: int, **extra: Any) -> None:
    right_liver(d, after)
    d["pve"] = {
        "procedure": "pve",
        "date": "2025-08-01",
        "flr_volume_before_ml": before,
        "flr_volume_after_ml": after,
        "days_to_followup_scan": days,
        "tumour_progression": False,
        "new_lesions_in_flr": False,
        **extra,
    }


Case = tuple[str, str, Callable[[Doc], None], Doc]
GOLDEN: list[Case] = []


def case(cid: str, source: str, expect: Doc) -> Callable[[Callable[[Doc], None]], None]:
    def deco(fn: Callable[[Doc], None]) -> None:
        GOLDEN.append((cid, source, fn, expect))

    return deco


# --- A4: Fong and the strategy for resectable disease
@case(
    "g01-resectable-fong1",
    "A4 (Fong 0-2), A6 COLLISION; same as shared example 1",
    {
        "category": "resectable",
        "no_changes": ["scores.fong_crs"],
        "codes": {
            "upfront_hepatectomy": "recommended",
            "hepatectomy": "recommended",
            "perioperative_chemotherapy": "consider",
            "anti_egfr": "not_recommended",
            "thermal_ablation": "consider",
        },
    },
)
def _(d: Doc) -> None:
    pass


@case(
    "g02-fong2-two-lesions",
    "A4: Fong 2 (node-positive, > 1 lesion) -> upfront surgery",
    {
        "category": "resectable",
        "codes": {"upfront_hepatectomy": "recommended", "perioperative_chemotherapy": "consider"},
        "changes": [["scores.fong_crs", ">= 3"]],
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"].append(lesion("L2", [2], 20))


@case(
    "g03-fong3-cea",
    "A4: Fong 3 (node-positive, > 1 lesion, CEA > 200) -> perioperative chemotherapy",
    {
        "category": "resectable",
        "codes": {
            "perioperative_chemotherapy": "recommended",
            "doublet_chemotherapy": "recommended",
            "upfront_hepatectomy": None,
            "hepatectomy": "recommended",
            "anti_egfr": "not_recommended",
        },
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"].append(lesion("L2", [2], 20))
    d["labs"]["cea_ng_ml"] = 250


@case(
    "g04-fong-incomplete",
    "A4 + missing data: N stage unknown -> Fong incomplete, both strategies consider",
    {
        "category": "resectable",
        "codes": {"upfront_hepatectomy": "consider", "perioperative_chemotherapy": "consider"},
        "missing": ["primary.n_stage"],
    },
)
def _(d: Doc) -> None:
    del d["primary"]["n_stage"]


@case(
    "g05-resectable-ras-mutated-fong3",
    "A4: New EPOC -> no EGFR antibody perioperatively, whatever RAS",
    {
        "category": "resectable",
        "codes": {
            "perioperative_chemotherapy": "recommended",
            "anti_egfr": "not_recommended",
            "bevacizumab": None,
        },
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"].append(lesion("L2", [2], 20))
    d["labs"]["cea_ng_ml"] = 250
    d["biomarkers"]["kras"] = "mutated"


# --- A2: required sFLR, both sides of 0.20 / 0.30 / 0.40
@case(
    "g06-sflr-0.20-under",
    "A2: sFLR 261/1309.27 = 0.1993 < 0.20 (normal liver) -> PVE; within 0.05 -> HBS",
    {
        "category": "potentially_resectable",
        "codes": {
            "portal_vein_embolization": "recommended",
            "functional_liver_assessment": "recommended",
            "hepatectomy": "consider",
            "upfront_hepatectomy": None,
        },
        "changes": [["volumetry.flr_volume_ml", ">= 261.9"]],
    },
)
def _(d: Doc) -> None:
    right_liver(d, 261)


@case(
    "g07-sflr-0.20-over",
    "A2: sFLR 262/1309.27 = 0.2001 >= 0.20 -> adequate",
    {
        "category": "resectable",
        "codes": {
            "hepatectomy": "recommended",
            "upfront_hepatectomy": "recommended",
            "portal_vein_embolization": None,
        },
    },
)
def _(d: Doc) -> None:
    right_liver(d, 262)


@case(
    "g08-sflr-0.30-under",
    "A2: 13+ weeks of chemotherapy -> 0.30; sFLR 392/1309.27 = 0.2994 -> PVE",
    {
        "category": "potentially_resectable",
        "codes": {
            "portal_vein_embolization": "recommended",
            "functional_liver_assessment": "recommended",
            "hepatectomy": "consider",
        },
        "changes": [["volumetry.flr_volume_ml", ">= 392.8"]],
    },
)
def _(d: Doc) -> None:
    right_liver(d, 392)
    d["treatments"] = [chemo("2025-03-03", "2025-07-21")]


@case(
    "g09-sflr-0.30-over",
    "A2: extensive chemotherapy, sFLR 393/1309.27 = 0.3002 >= 0.30",
    {
        "category": "resectable",
        "codes": {"hepatectomy": "recommended", "portal_vein_embolization": None},
    },
)
def _(d: Doc) -> None:
    right_liver(d, 393)
    d["treatments"] = [chemo("2025-03-03", "2025-07-21")]


@case(
    "g10-sflr-0.40-under",
    "A2: fibrosis -> 0.40; sFLR 523/1309.27 = 0.3995",
    {
        "category": "potentially_resectable",
        "codes": {
            "portal_vein_embolization": "recommended",
            "functional_liver_assessment": "recommended",
        },
        "changes": [["volumetry.flr_volume_ml", ">= 523.8"]],
    },
)
def _(d: Doc) -> None:
    right_liver(d, 523)
    d["liver"]["background"] = "fibrosis"


@case(
    "g11-sflr-0.40-over",
    "A2: fibrosis, sFLR 524/1309.27 = 0.4002",
    {"category": "resectable", "codes": {"hepatectomy": "recommended"}},
)
def _(d: Doc) -> None:
    right_liver(d, 524)
    d["liver"]["background"] = "fibrosis"


@case(
    "g12-sflr-far-below",
    "A2: sFLR 180/1309.27 = 0.137, 0.063 short (> 0.05) -> PVE without HBS",
    {
        "category": "potentially_resectable",
        "codes": {
            "portal_vein_embolization": "recommended",
            "liver_venous_deprivation": "consider",
            "functional_liver_assessment": None,
        },
    },
)
def _(d: Doc) -> None:
    right_liver(d, 180)


@case(
    "g13-chemo-12-weeks",
    "A2: exactly 84 days of chemotherapy is not > 12 weeks -> 0.20 applies (sFLR 0.229)",
    {"category": "resectable", "codes": {"hepatectomy": "recommended"}},
)
def _(d: Doc) -> None:
    right_liver(d, 300)
    d["treatments"] = [chemo("2025-06-23", "2025-09-15")]


@case(
    "g14-chemo-13-weeks",
    "A2: 91 days (> 12 weeks) -> 0.30 applies; sFLR 0.229 < 0.30",
    {
        "category": "potentially_resectable",
        "codes": {"portal_vein_embolization": "recommended", "hepatectomy": "consider"},
    },
)
def _(d: Doc) -> None:
    right_liver(d, 300)
    d["treatments"] = [chemo("2025-06-16", "2025-09-15")]


# --- A2/A7: after PVE, KGR 0.019 vs 0.020
@case(
    "g15-kgr-0.019",
    "A2/A7: after PVE sFLR 0.229 >= 0.20 but KGR (299.5-200)/1309.27/4 wk = 0.0190 < 0.02",
    {
        "category": "potentially_resectable",
        "codes": {
            "functional_liver_assessment": "recommended",
            "alpps": "consider",
            "liver_venous_deprivation": "consider",
            "hepatectomy": "consider",
            "portal_vein_embolization": None,
        },
        # 200 + 0.02 x 4 weeks x 1309.26 mL = 304.74 -> 304.8 (g16 shows 304.8 suffices)
        "changes": [["pve.flr_volume_after_ml", ">= 304.8"]],
    },
)
def _(d: Doc) -> None:
    pve_done(d, 200, 299.5, 28)


@case(
    "g16-kgr-0.020",
    "A2: KGR (304.8-200)/1309.27/4 wk = 0.0200 >= 0.02 -> adequate",
    {"category": "resectable", "codes": {"hepatectomy": "recommended", "alpps": None}},
)
def _(d: Doc) -> None:
    pve_done(d, 200, 304.8, 28)


@case(
    "g17-alpps-age-66",
    "A7: failed PVE (sFLR 0.176 < 0.20), age 66 < 67, normal liver -> ALPPS consider",
    {
        "category": "potentially_resectable",
        "codes": {"alpps": "consider", "hepatectomy": "consider"},
    },
)
def _(d: Doc) -> None:
    pve_done(d, 150, 230, 28)
    d["patient"]["age_years"] = 66


@case(
    "g18-alpps-age-67",
    "A7: failed PVE, age 67 -> ALPPS not recommended (registry mortality)",
    {"category": "potentially_resectable", "codes": {"alpps": "not_recommended"}},
)
def _(d: Doc) -> None:
    pve_done(d, 150, 230, 28)
    d["patient"]["age_years"] = 67


@case(
    "g19-progression-after-pve",
    "A7: tumour progression after PVE -> no hepatectomy now; re-stage, re-discuss",
    {
        "category": "potentially_resectable",
        "codes": {
            "hepatectomy": "not_recommended",
            "restaging_imaging": "recommended",
            "mdt_rediscussion": "recommended",
        },
    },
)
def _(d: Doc) -> None:
    pve_done(d, 200, 320, 28, tumour_progression=True, new_lesions_in_flr=True)


@case(
    "g20-two-stage",
    "A7: lesion in the future remnant (45 mm, not ablatable) + sFLR 0.153 -> two-stage",
    {
        "category": "potentially_resectable",
        "codes": {"two_stage_hepatectomy": "recommended", "portal_vein_embolization": None},
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion("L1", [6], 50), lesion("L2", [3], 45)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 200


@case(
    "g21-hbs-below-2.7",
    "A2: volume adequate (sFLR 0.30) but HBS 2.6 < 2.7 %/min/m2 -> insufficient",
    {
        "category": "potentially_resectable",
        "codes": {"portal_vein_embolization": "recommended", "hepatectomy": "consider"},
    },
)
def _(d: Doc) -> None:
    right_liver(d, 400)
    d["liver"]["hida_flr_clearance_pct_min_m2"] = 2.6


@case(
    "g22-hbs-at-2.7",
    "A2: HBS 2.7 is not below 2.7 -> adequate",
    {
        "category": "resectable",
        "codes": {"hepatectomy": "recommended", "portal_vein_embolization": None},
    },
)
def _(d: Doc) -> None:
    right_liver(d, 400)
    d["liver"]["hida_flr_clearance_pct_min_m2"] = 2.7


@case(
    "g61-hbs-low-minor-no-volumetry",
    "A2: HBS 2.5 < 2.7 makes the remnant insufficient even for a minor resection without volumetry",
    {
        "category": "potentially_resectable",
        "codes": {"hepatectomy": "consider", "upfront_hepatectomy": None},
    },
)
def _(d: Doc) -> None:
    del d["volumetry"]
    d["liver"]["hida_flr_clearance_pct_min_m2"] = 2.5


# --- A6: ablation 30 vs 31 mm, SBRT 59 vs 60 mm, combined resection
@case(
    "g23-ablation-30mm",
    "A6: single 30 mm lesion, fit -> ablation consider (COLLISION)",
    {
        "category": "resectable",
        "codes": {"thermal_ablation": "consider", "hepatectomy": "recommended"},
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion("L1", [3], 30)]


@case(
    "g24-ablation-31mm",
    "A6: 31 mm > 30 mm -> no ablation; the size that would change it is named",
    {
        "category": "resectable",
        "codes": {"thermal_ablation": None},
        "changes": [["liver_metastases.lesions[0].diameter_mm", "<= 30"]],
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion("L1", [3], 31)]


@case(
    "g25-ablation-inr-1.6",
    "A6: INR 1.6 > 1.5 -> no ablation",
    {"category": "resectable", "codes": {"thermal_ablation": None}},
)
def _(d: Doc) -> None:
    d["labs"]["inr"] = 1.6


@case(
    "g26-resection-with-ablation",
    "A6: right hepatectomy leaves a 15 mm segment-3 lesion -> ablate it",
    {
        "category": "resectable",
        "codes": {"resection_with_ablation": "recommended", "hepatectomy": "recommended"},
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion("L1", [6], 40), lesion("L2", [3], 15)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500


@case(
    "g27-unfit-ablation",
    "A6: unfit for the right hepatectomy, all lesions <= 30 mm -> ablation recommended",
    {
        "category": "unresectable",
        "codes": {
            "thermal_ablation": "recommended",
            "hepatectomy": "not_recommended",
            "palliative_systemic_therapy": None,
        },
    },
)
def _(d: Doc) -> None:
    d["patient"]["fit_for_major_surgery"] = False
    d["liver_metastases"]["lesions"] = [
        lesion("L1", [6], 25),
        lesion("L2", [7], 20),
        lesion("L3", [8], 18),
    ]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500


@case(
    "g28-sbrt-59mm",
    "A6/C4: unfit, one 59 mm lesion (< 60), 1420 mL liver (> 1000) -> SBRT consider",
    {"category": "unresectable", "codes": {"sbrt": "consider", "thermal_ablation": None}},
)
def _(d: Doc) -> None:
    d["patient"]["fit_for_major_surgery"] = False
    d["liver_metastases"]["lesions"] = [lesion("L1", [7, 8], 59)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500


@case(
    "g29-sbrt-60mm",
    "A6/C4: 60 mm is not < 60 -> no SBRT; the size is named",
    {
        "category": "unresectable",
        "codes": {"sbrt": None},
        "changes": [["liver_metastases.lesions[0].diameter_mm", "< 60"]],
    },
)
def _(d: Doc) -> None:
    d["patient"]["fit_for_major_surgery"] = False
    d["liver_metastases"]["lesions"] = [lesion("L1", [7, 8], 60)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500


# --- A5: systemic therapy by biomarker, ECOG 2 vs 3
@case(
    "g30-ecog2-palliative",
    "A5: ECOG 2 -> no triplet; RAS/BRAF wt left -> doublet + EGFR antibody",
    {
        "category": "unresectable",
        "codes": {
            "palliative_systemic_therapy": "recommended",
            "triplet_chemotherapy": "not_recommended",
            "doublet_chemotherapy": "recommended",
            "anti_egfr": "recommended",
            "hepatectomy": "not_recommended",
        },
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["patient"]["ecog"] = 2


@case(
    "g31-ecog3-bsc",
    "A3/A5: ECOG 3 -> unresectable, best supportive care",
    {
        "category": "unresectable",
        "codes": {
            "best_supportive_care": "recommended",
            "hepatectomy": "not_recommended",
            "palliative_systemic_therapy": None,
            "doublet_chemotherapy": None,
        },
    },
)
def _(d: Doc) -> None:
    d["patient"]["ecog"] = 3


@case(
    "g32-ras-mutated-palliative",
    "A5: RAS mutated -> chemotherapy + bevacizumab, EGFR antibody not recommended",
    {
        "category": "unresectable",
        "codes": {
            "anti_egfr": "not_recommended",
            "bevacizumab": "recommended",
            "doublet_chemotherapy": "recommended",
        },
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["kras"] = "mutated"


@case(
    "g33-ras-unknown",
    "A5: RAS unknown -> biomarker testing; no EGFR antibody",
    {
        "category": "unresectable",
        "codes": {"biomarker_testing": "recommended", "anti_egfr": "not_recommended"},
        "missing": ["biomarkers.kras"],
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["kras"] = "unknown"


@case(
    "g34-no-biomarkers",
    "A5: no biomarkers at all -> testing, never an EGFR antibody",
    {
        "category": "unresectable",
        "codes": {
            "biomarker_testing": "recommended",
            "anti_egfr": "not_recommended",
            "immune_checkpoint_inhibitor": None,
        },
        "missing": ["biomarkers.braf", "biomarkers.mmr"],
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    del d["biomarkers"]


@case(
    "g35-conversion-left-ras-wt",
    "A5: conversion, RAS/BRAF wt left-sided -> doublet + EGFR antibody",
    {
        "category": "potentially_resectable",
        "codes": {
            "conversion_chemotherapy": "recommended",
            "anti_egfr": "recommended",
            "doublet_chemotherapy": "recommended",
            "restaging_imaging": "recommended",
            "bevacizumab": "consider",
        },
    },
)
def _(d: Doc) -> None:
    conversion_bilobar(d)


@case(
    "g36-conversion-right-ras-wt",
    "A5: conversion, right-sided -> triplet + bevacizumab, EGFR antibody at most consider",
    {
        "category": "potentially_resectable",
        "codes": {
            "conversion_chemotherapy": "recommended",
            "triplet_chemotherapy": "recommended",
            "bevacizumab": "recommended",
            "anti_egfr": "consider",
        },
    },
)
def _(d: Doc) -> None:
    conversion_bilobar(d)
    d["primary"]["site"] = "ascending"


@case(
    "g37-braf-v600e",
    "A5: BRAF V600E pMMR -> encorafenib + cetuximab with mFOLFOX6 (BREAKWATER)",
    {
        "category": "unresectable",
        "codes": {
            "encorafenib_cetuximab": "recommended",
            "doublet_chemotherapy": "recommended",
            "anti_egfr": None,
        },
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["braf"] = "v600e"


@case(
    "g38-dmmr",
    "A5: dMMR -> immune checkpoint inhibitor first line",
    {
        "category": "unresectable",
        "codes": {
            "immune_checkpoint_inhibitor": "recommended",
            "palliative_systemic_therapy": "recommended",
        },
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["mmr"] = "deficient"


@case(
    "g39-her2-later-line",
    "A5: after one line, HER2-amplified RAS wt -> HER2-targeted therapy",
    {"category": "unresectable", "codes": {"her2_targeted_therapy": "recommended"}},
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["her2"] = "amplified"
    d["treatments"] = [chemo("2025-01-06", "2025-06-30", intent="palliative", best_response="PD")]


@case(
    "g40-kras-g12c-later-line",
    "A5: after one line, KRAS G12C -> G12C inhibitor (with EGFR antibody)",
    {
        "category": "unresectable",
        "codes": {"kras_g12c_inhibitor": "recommended", "anti_egfr": "not_recommended"},
    },
)
def _(d: Doc) -> None:
    unresectable_peritoneal(d)
    d["biomarkers"]["kras"] = "mutated"
    d["biomarkers"]["kras_variant"] = "G12C"
    d["treatments"] = [chemo("2025-01-06", "2025-06-30", intent="palliative", best_response="PD")]


# --- A8: synchronous primary
def synchronous(d: Doc) -> None:
    d["primary"].update(
        {"status": "in_situ", "resection_date": None, "diagnosis_date": "2025-08-10"}
    )
    d["liver_metastases"]["diagnosis_date"] = "2025-08-20"


@case(
    "g41-sync-symptomatic",
    "A8: symptomatic primary in situ -> bowel first",
    {
        "category": "resectable",
        "codes": {"bowel_first_approach": "recommended", "simultaneous_resection": None},
    },
)
def _(d: Doc) -> None:
    synchronous(d)
    d["primary"]["symptomatic"] = True


@case(
    "g42-sync-rectal-major",
    "A8: asymptomatic rectal primary + right hepatectomy -> liver first; never simultaneous",
    {
        "category": "resectable",
        "codes": {
            "liver_first_approach": "recommended",
            "simultaneous_resection": "not_recommended",
        },
    },
)
def _(d: Doc) -> None:
    synchronous(d)
    d["primary"]["site"] = "rectum"
    right_liver(d, 500)


@case(
    "g43-sync-colon-minor",
    "A8: asymptomatic sigmoid primary, minor liver resection, fit -> simultaneous",
    {
        "category": "resectable",
        "codes": {"simultaneous_resection": "recommended", "liver_first_approach": None},
    },
)
def _(d: Doc) -> None:
    synchronous(d)
    d["primary"]["site"] = "sigmoid"


# --- A9: response
@case(
    "g44-progression-on-conversion",
    "A9: RECIST PD (+24%, +10 mm) on conversion therapy -> no hepatectomy now; change the line",
    {
        "category": "potentially_resectable",
        "codes": {
            "hepatectomy": "not_recommended",
            "conversion_chemotherapy": "recommended",
            "mdt_rediscussion": "recommended",
            "upfront_hepatectomy": None,
        },
    },
)
def _(d: Doc) -> None:
    right_liver(d, 500, mm=52)
    d["treatments"] = [chemo("2025-06-02", "2025-09-01", best_response="PD")]
    d["restaging"] = [
        {"date": "2025-06-01", "lesions": [{"id": "L1", "diameter_mm": 42}], "new_lesions": False},
        {"date": "2025-09-05", "lesions": [{"id": "L1", "diameter_mm": 52}], "new_lesions": False},
    ]


@case(
    "g45-disappeared-lesion",
    "A9: a lesion disappeared on chemotherapy -> gadoxetic MRI, treat the site",
    {"category": "resectable", "codes": {"liver_mri": "recommended"}},
)
def _(d: Doc) -> None:
    d["liver_metastases"]["disappeared_lesion_ids"] = ["L9"]
    d["treatments"] = [chemo("2025-05-01", "2025-07-10")]


# --- A10: transplant screening
@case(
    "g46-transplant-age-65",
    "A10/C2: all TransMet criteria met at 65, Oslo 0 -> transplant evaluation",
    {
        "category": "unresectable",
        "codes": {
            "liver_transplant_evaluation": "recommended",
            "pet_ct": "recommended",
            "hepatectomy": "not_recommended",
        },
    },
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["patient"]["age_years"] = 65


@case(
    "g47-transplant-age-66",
    "A10/C2: age 66 > 65 -> not screened",
    {"category": "unresectable", "codes": {"liver_transplant_evaluation": None}},
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["patient"]["age_years"] = 66


@case(
    "g48-transplant-cea-80",
    "A10/C2: CEA 80 (not < 80), fallen 33% from 120 -> fails; the CEA is named",
    {
        "category": "unresectable",
        "codes": {"liver_transplant_evaluation": None},
        "changes": [["labs.cea_ng_ml", "< 80"]],
    },
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["labs"]["cea_ng_ml"] = 80
    d["restaging"][0]["cea_ng_ml"] = 120
    d["restaging"][1]["cea_ng_ml"] = 80


@case(
    "g49-transplant-cea-fallen-half",
    "A10/C2: CEA 80 but fallen 50% from its maximum 160 -> met (Oslo 0)",
    {"category": "unresectable", "codes": {"liver_transplant_evaluation": "recommended"}},
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["labs"]["cea_ng_ml"] = 80
    d["restaging"][0]["cea_ng_ml"] = 160
    d["restaging"][1]["cea_ng_ml"] = 80


@case(
    "g50-transplant-braf-non-v600",
    "A10/C2: any BRAF mutation excluded from TransMet -> not recommended",
    {"category": "unresectable", "codes": {"liver_transplant_evaluation": "not_recommended"}},
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["biomarkers"]["braf"] = "non_v600"


@case(
    "g51-transplant-dmmr-policy",
    "A10: dMMR -> immunotherapy first (livermdt policy), no transplant referral",
    {
        "category": "unresectable",
        "codes": {
            "liver_transplant_evaluation": None,
            "immune_checkpoint_inhibitor": "recommended",
        },
    },
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["biomarkers"]["mmr"] = "deficient"


# --- A3: unresectable / undetermined
@case(
    "g52-child-pugh-b-major",
    "A2/A3: cirrhosis Child-Pugh B -> no major hepatectomy; right hepatectomy needed",
    {"category": "unresectable", "codes": {"hepatectomy": "not_recommended"}},
)
def _(d: Doc) -> None:
    right_liver(d, 600)
    d["liver"].update({"background": "cirrhosis", "child_pugh_class": "B"})


@case(
    "g53-three-hepatic-veins",
    "A3: contact with all three hepatic veins -> unresectable",
    {"category": "unresectable", "codes": {"hepatectomy": "not_recommended"}},
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [
        lesion("L1", [7, 8], 60, vascular_contact=["right_hepatic_vein", "middle_hepatic_vein"]),
        lesion("L2", [2, 4], 45, vascular_contact=["left_hepatic_vein"]),
    ]
    del d["volumetry"]


@case(
    "g54-extrahepatic-unknown",
    "A3: extrahepatic status not recorded -> undetermined",
    {
        "category": "undetermined",
        "codes": {"mdt_rediscussion": "recommended", "hepatectomy": None},
        "missing": ["extrahepatic_disease.present"],
    },
)
def _(d: Doc) -> None:
    del d["extrahepatic_disease"]


@case(
    "g55-no-lesions",
    "A3: no lesion described -> undetermined",
    {
        "category": "undetermined",
        "codes": {"upfront_hepatectomy": None},
        "missing": ["liver_metastases.lesions"],
    },
)
def _(d: Doc) -> None:
    del d["liver_metastases"]["lesions"]
    del d["volumetry"]


@case(
    "g56-no-volumetry-major",
    "A3: lesions in 4 segments, no plan or volumetry -> undetermined",
    {
        "category": "undetermined",
        "missing": ["volumetry.planned_resection", "volumetry.flr_volume_ml"],
    },
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion("L1", [5, 6], 40), lesion("L2", [7, 8], 35)]
    del d["volumetry"]


@case(
    "g57-extrahepatic-resectable-lung",
    "A3: resectable lung metastasis does not exclude resection",
    {"category": "resectable", "codes": {"hepatectomy": "recommended", "thermal_ablation": None}},
)
def _(d: Doc) -> None:
    d["extrahepatic_disease"] = {"present": True, "sites": ["lung"], "resectable": True}


@case(
    "g58-fitness-not-judged",
    "A3: fitness not judged, ECOG 1 -> resectable, judgement listed as missing",
    {
        "category": "resectable",
        "codes": {"hepatectomy": "recommended"},
        "missing": ["patient.fit_for_major_surgery"],
    },
)
def _(d: Doc) -> None:
    d["patient"]["ecog"] = 1
    d["patient"]["fit_for_major_surgery"] = None


# --- A12: repeat hepatectomy
@case(
    "g59-repeat-hepatectomy",
    "A12: previous hepatectomy -> repeat_hepatectomy qualifies hepatectomy",
    {
        "category": "resectable",
        "codes": {
            "hepatectomy": "recommended",
            "repeat_hepatectomy": "recommended",
            "laparoscopic_hepatectomy": None,
        },
    },
)
def _(d: Doc) -> None:
    d["treatments"] = [
        {"type": "hepatectomy", "start_date": "2024-01-15", "end_date": "2024-01-15"}
    ]


# --- A6: intra-arterial options after first-line progression
@case(
    "g60-liver-only-after-first-line-pd",
    "A6: liver-only unresectable disease progressing after line 1 -> SIRT/HAI/TACE consider",
    {
        "category": "unresectable",
        "codes": {
            "radioembolization": "consider",
            "hepatic_arterial_infusion": "consider",
            "transarterial_chemoembolization": "consider",
            "liver_transplant_evaluation": None,
        },
    },
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["treatments"] = [chemo("2025-03-01", "2025-08-30", intent="palliative", best_response="PD")]
    d["restaging"][1]["lesions"] = [
        {"id": "L8", "diameter_mm": 75},
        {"id": "L1", "diameter_mm": 35},
    ]


# --- more boundaries: COLLISION 10 vs 11 lesions, SBRT liver volume, lines, Oslo
@case(
    "g62-collision-10-lesions",
    "A6: 10 lesions all <= 30 mm (COLLISION allowed up to 10) -> ablation consider",
    {"category": "resectable", "codes": {"thermal_ablation": "consider"}},
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion(f"L{i}", [2 + i % 2], 10) for i in range(10)]


@case(
    "g63-collision-11-lesions",
    "A6: 11 lesions (> 10) -> ablation is not offered as an alternative",
    {"category": "resectable", "codes": {"thermal_ablation": None}},
)
def _(d: Doc) -> None:
    d["liver_metastases"]["lesions"] = [lesion(f"L{i}", [2 + i % 2], 10) for i in range(11)]


@case(
    "g64-sbrt-liver-1000-ml",
    "A6/C4: uninvolved liver must be > 1000 mL; exactly 1000 -> no SBRT, the volume is named",
    {
        "category": "unresectable",
        "codes": {"sbrt": None},
        "changes": [["volumetry.total_liver_volume_ml", "> 1000"]],
    },
)
def _(d: Doc) -> None:
    d["patient"]["fit_for_major_surgery"] = False
    d["liver_metastases"]["lesions"] = [lesion("L1", [7, 8], 45)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500
    d["volumetry"]["total_liver_volume_ml"] = 1000


@case(
    "g65-sbrt-liver-1001-ml",
    "A6/C4: 1001 mL > 1000 mL, one 45 mm lesion -> SBRT consider",
    {"category": "unresectable", "codes": {"sbrt": "consider"}},
)
def _(d: Doc) -> None:
    d["patient"]["fit_for_major_surgery"] = False
    d["liver_metastases"]["lesions"] = [lesion("L1", [7, 8], 45)]
    d["volumetry"]["planned_resection"] = dict(RIGHT_HEP)
    d["volumetry"]["flr_volume_ml"] = 500
    d["volumetry"]["total_liver_volume_ml"] = 1001


@case(
    "g66-transplant-four-lines",
    "A10: 4 lines of chemotherapy (> 3) -> not screened",
    {"category": "unresectable", "codes": {"liver_transplant_evaluation": None}},
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["treatments"] = [
        chemo("2024-03-01", "2024-06-01", intent="palliative", line=1, best_response="PD"),
        chemo("2024-06-15", "2024-09-15", intent="palliative", line=2, best_response="PD"),
        chemo("2024-10-01", "2025-01-15", intent="palliative", line=3, best_response="PD"),
        chemo("2025-03-01", "2025-08-30", intent="palliative", line=4, best_response="PR"),
    ]


@case(
    "g67-transplant-oslo-3",
    "A10: criteria met but Oslo 3 (largest 60 > 55 mm, CEA 90 > 80, 20 months since resection)"
    " -> consider",
    {"category": "unresectable", "codes": {"liver_transplant_evaluation": "consider"}},
)
def _(d: Doc) -> None:
    transplant_candidate(d)
    d["primary"]["diagnosis_date"] = "2023-12-20"
    d["primary"]["resection_date"] = "2024-01-10"
    d["liver_metastases"]["lesions"][7]["diameter_mm"] = 60
    d["labs"]["cea_ng_ml"] = 90
    d["restaging"][0]["lesions"] = [
        {"id": "L8", "diameter_mm": 80},
        {"id": "L1", "diameter_mm": 30},
    ]
    d["restaging"][1]["lesions"] = [
        {"id": "L8", "diameter_mm": 60},
        {"id": "L1", "diameter_mm": 20},
    ]
    d["restaging"][0]["cea_ng_ml"] = 200
    d["restaging"][1]["cea_ng_ml"] = 90


@case(
    "g68-hbs-margin-0.049",
    "A2: sFLR 197.7/1309.26 = 0.1510, 0.0490 short of 0.20 (< 0.05) -> functional assessment",
    {"category": "potentially_resectable", "codes": {"functional_liver_assessment": "recommended"}},
)
def _(d: Doc) -> None:
    right_liver(d, 197.7)


@case(
    "g69-hbs-margin-0.051",
    "A2: sFLR 195/1309.26 = 0.1489, 0.0511 short (not < 0.05) -> no functional assessment",
    {"category": "potentially_resectable", "codes": {"functional_liver_assessment": None}},
)
def _(d: Doc) -> None:
    right_liver(d, 195)


def build() -> list[tuple[str, Doc, Doc]]:
    out: list[tuple[str, Doc, Doc]] = []
    seen: set[str] = set()
    for cid, source, fn, expect in GOLDEN:
        assert cid not in seen, cid
        seen.add(cid)
        doc = copy.deepcopy(BASE)
        doc["id"] = cid
        fn(doc)
        out.append((cid, doc, {"source": source, **expect}))
    return out


def main() -> int:
    CASES.mkdir(exist_ok=True)
    expectations: dict[str, Doc] = {}
    for cid, doc, expect in build():
        (CASES / f"{cid}.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        expectations[cid] = expect
    EXPECT.write_text(json.dumps(expectations, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {len(expectations)} cases to {CASES}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
