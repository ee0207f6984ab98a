"""A complete, valid case document to mutate in tests, and helpers to read the problems."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

from livermdt.case import Case, parse_case
from livermdt.errors import CaseValidationError

# Discussion 2025-09-15; every section filled in, no contradiction. Written by hand.
_BASE: dict[str, Any] = {
    "schema": "livermdt/case/v1",
    "id": "synthetic-test-base",
    "discussion_date": "2025-09-15",
    "patient": {
        "sex": "male",
        "age_years": 64,
        "height_cm": 178,
        "weight_kg": 82,
        "ecog": 1,
        "asa_class": 2,
        "fit_for_major_surgery": True,
    },
    "primary": {
        "site": "sigmoid",
        "sidedness": None,
        "t_stage": "T3",
        "n_stage": "N1",
        "diagnosis_date": "2024-01-10",
        "status": "resected",
        "resection_date": "2024-02-01",
        "symptomatic": False,
    },
    "liver_metastases": {
        "diagnosis_date": "2025-03-20",
        "timing": None,
        "lesions": [
            {
                "id": "L1",
                "segments": [7, 8],
                "diameter_mm": 42,
                "vascular_contact": ["right_hepatic_vein"],
                "ablatable": None,
            },
            {"id": "L2", "segments": [6], "diameter_mm": 18, "vascular_contact": []},
        ],
        "disappeared_lesion_ids": ["L3"],
    },
    "extrahepatic_disease": {"present": False, "sites": [], "resectable": None},
    "liver": {
        "background": "normal",
        "child_pugh_class": None,
        "portal_hypertension": False,
        "icg_r15_percent": 8.0,
        "hida_flr_clearance_pct_min_m2": 3.1,
    },
    "labs": {
        "cea_ng_ml": 38.0,
        "ca19_9_u_ml": None,
        "bilirubin_umol_l": 9.0,
        "albumin_g_l": 41.0,
        "inr": 1.0,
        "platelets_10e9_l": 240,
    },
    "biomarkers": {
        "kras": "wild_type",
        "kras_variant": None,
        "nras": "wild_type",
        "braf": "wild_type",
        "mmr": "proficient",
        "her2": "not_amplified",
        "pik3ca": "unknown",
        "smad4": "unknown",
        "ntrk_fusion": "unknown",
    },
    "volumetry": {
        "total_liver_volume_ml": 1650,
        "tumour_volume_ml": 35,
        "planned_resection": {"procedure": "right_hepatectomy", "segments_removed": [5, 6, 7, 8]},
        "flr_volume_ml": 520,
        "source": "ct",
    },
    "pve": {
        "procedure": "pve",
        "date": "2025-07-01",
        "flr_volume_before_ml": 380,
        "flr_volume_after_ml": 520,
        "days_to_followup_scan": 28,
        "tumour_progression": False,
        "new_lesions_in_flr": False,
    },
    "treatments": [
        {
            "type": "chemotherapy",
            "start_date": "2025-04-01",
            "end_date": "2025-06-10",
            "regimen": "FOLFOX",
            "biologic": "panitumumab",
            "cycles": 6,
            "line": 1,
            "intent": "conversion",
            "best_response": "PR",
        }
    ],
    "restaging": [
        {
            "date": "2025-03-25",
            "lesions": [{"id": "L1", "diameter_mm": 58}],
            "new_lesions": False,
            "cea_ng_ml": 120,
        },
        {
            "date": "2025-06-20",
            "lesions": [{"id": "L1", "diameter_mm": 42}, {"id": "L3", "diameter_mm": 0}],
            "new_lesions": False,
            "cea_ng_ml": 38,
        },
    ],
    "outcomes": {
        "operations": [
            {
                "date": "2025-10-20",
                "procedure": "right_hepatectomy",
                "segments_removed": [5, 6, 7, 8],
                "margin": "R0",
                "clavien_dindo": "II",
                "phlf_grade": "none",
                "pathological_response": {"system": "rubbia_brandt", "trg": 2},
            }
        ],
        "recurrences": [{"date": "2026-06-01", "sites": ["lung"]}],
        "last_followup_date": "2026-09-01",
        "death_date": None,
        "vital_status": "alive",
    },
}


def base() -> dict[str, Any]:
    """A fresh deep copy of the complete valid document."""
    return copy.deepcopy(_BASE)


def get(doc: Any, path: Sequence[str | int]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def put(doc: Any, path: Sequence[str | int], value: Any) -> dict[str, Any]:
    """Set ``path`` to ``value`` in ``doc`` (in place) and return ``doc``."""
    parent = get(doc, path[:-1])
    parent[path[-1]] = value
    return doc  # type: ignore[no-any-return]


def problems(doc: Any) -> list[str]:
    """The problem lines of an invalid document (fails the test when it is valid)."""
    try:
        parse_case(doc)
    except CaseValidationError as err:
        return err.problems
    raise AssertionError("the document was accepted")


def ok(doc: Any) -> Case:
    return parse_case(doc)
