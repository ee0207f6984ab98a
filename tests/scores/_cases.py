"""Small, hand-written case documents for the score tests (discussion date 2025-09-15)."""

from __future__ import annotations

import copy
from typing import Any

from livermdt.case import Case, parse_case

#: Patient of the shared examples 1-3: 160 cm, 62 kg -> BSA (Mosteller) 1.660 m2, TELV 1309.3 mL.
BASE: dict[str, Any] = {
    "schema": "livermdt/case/v1",
    "id": "scores-test",
    "discussion_date": "2025-09-15",
    "patient": {"age_years": 57, "height_cm": 160, "weight_kg": 62, "ecog": 0},
    "primary": {
        "site": "sigmoid",
        "t_stage": "T3",
        "n_stage": "N0",
        "diagnosis_date": "2023-03-02",
        "status": "resected",
        "resection_date": "2023-03-28",
    },
    "liver_metastases": {
        "diagnosis_date": "2025-08-20",
        "lesions": [{"id": "L1", "segments": [3], "diameter_mm": 24}],
    },
    "extrahepatic_disease": {"present": False},
    "liver": {"background": "normal", "portal_hypertension": False},
    "labs": {"cea_ng_ml": 7.5},
    "biomarkers": {"kras": "wild_type", "nras": "wild_type", "braf": "wild_type"},
    "volumetry": {"flr_volume_ml": 1180},
    "treatments": [],
}


def case(**changes: Any) -> Case:
    """``BASE`` with top-level sections replaced (``None`` removes a section)."""
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            doc.pop(key, None)
        else:
            doc[key] = value
    return parse_case(doc)


def section(name: str, **fields: Any) -> dict[str, Any]:
    """A copy of one ``BASE`` section with some fields changed (``None`` keeps an explicit null)."""
    out = copy.deepcopy(BASE[name])
    out.update(fields)
    return dict(out)
