"""Write a volumetry result into a case document (``livermdt volumetry ... --into CASE.json``).

Only empty fields are filled: a value the clinician typed is kept, and every decision (set or
kept) is reported as one line. The result is validated as case-v1 before anyone writes it.

* ``volumetry.total_liver_volume_ml`` <- the functional liver volume (case-v1: "measured on
  CT/MR, tumours excluded");
* ``volumetry.tumour_volume_ml`` <- the tumour volume;
* ``volumetry.source`` <- ``ct`` or ``mr`` only when the user says which (a label map does not
  tell the modality, and livermdt does not guess it);
* ``liver_metastases.lesions`` <- one lesion per tumour component, only when the case lists no
  lesion: ``id`` L1.. in the components' order (largest first), ``segments`` (those holding at
  least ``MAIN_SEGMENT_FRACTION`` of the tumour, and always the largest share) and ``diameter_mm``
  (the longest axial diameter, as case-v1 defines it). Typed lesions are never merged with
  measured ones: there is no reliable way to tell which typed lesion a component is.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from livermdt.case import Case, parse_case
from livermdt.imaging.volumetry import TumourMeasurement, VolumetryResult

__all__ = ["MAIN_SEGMENT_FRACTION", "apply_volumetry", "lesion_segments"]

#: A segment holding at least this fraction of a tumour is listed as one of its segments.
MAIN_SEGMENT_FRACTION = 0.10


def lesion_segments(tumour: TumourMeasurement) -> list[int]:
    """The segments a lesion is said to be in: every segment with at least
    ``MAIN_SEGMENT_FRACTION`` of its voxels, and always the one with the largest share."""
    if not tumour.segments:
        return []
    top = max(tumour.segments.items(), key=lambda kv: (kv[1], -kv[0]))[0]
    return sorted({top} | {k for k, f in tumour.segments.items() if f >= MAIN_SEGMENT_FRACTION})


def _is_empty(value: Any) -> bool:
    return value is None or value == [] or value == {}


def apply_volumetry(
    document: Mapping[str, Any],
    result: VolumetryResult,
    modality: str | None = None,
) -> tuple[dict[str, Any], Case, list[str]]:
    """Return the updated document, its validated ``Case``, and one line per decision.

    ``modality``: ``ct`` or ``mr`` (fills ``volumetry.source`` when empty), or None.
    Raises ``CaseValidationError`` when the resulting document is not a valid case.
    """
    doc: dict[str, Any] = copy.deepcopy(dict(document))
    changes: list[str] = []
    vol = doc.get("volumetry")
    if vol is None:
        vol = {}
        doc["volumetry"] = vol

    def fill(key: str, value: Any, what: str) -> None:
        path = f"volumetry.{key}"
        if _is_empty(vol.get(key)):
            vol[key] = value
            changes.append(f"{path}: set to {value} ({what})")
        elif vol[key] != value:
            changes.append(f"{path}: kept the typed {vol[key]} (measured {value}, {what})")

    functional = round(result.functional_liver_volume_ml, 1)
    if functional > 0:
        fill("total_liver_volume_ml", functional, "functional liver volume: tumours excluded")
    else:
        changes.append("volumetry.total_liver_volume_ml: not set (no liver outside the tumours)")
    fill("tumour_volume_ml", round(result.tumour_volume_ml, 1), "sum of the tumour components")
    if modality is not None:
        fill("source", modality, "the modality given on the command line")
    elif _is_empty(vol.get("source")):
        changes.append("volumetry.source: not set (give --modality ct|mr; it is not guessed)")

    mets = doc.get("liver_metastases")
    typed = [] if mets is None else mets.get("lesions")
    if not _is_empty(typed):
        changes.append(
            f"liver_metastases.lesions: kept the {len(typed)} typed lesions "
            f"(imaging found {len(result.tumours)} tumour components; not merged)"
        )
    elif result.tumours:
        lesions: list[dict[str, Any]] = []
        for n, t in enumerate(result.tumours, start=1):
            lesion: dict[str, Any] = {"id": f"L{n}"}
            segs = lesion_segments(t)
            if segs:
                lesion["segments"] = segs
            diameter = round(t.axial_diameter_mm, 1)
            if diameter > 0:
                lesion["diameter_mm"] = diameter
            lesions.append(lesion)
            detail = ", ".join(f"{k}: {v}" for k, v in lesion.items() if k != "id")
            changes.append(f"liver_metastases.lesions: added {lesion['id']} from {t.id} ({detail})")
        if mets is None:
            mets = {}
            doc["liver_metastases"] = mets
        mets["lesions"] = lesions
    if not vol:
        del doc["volumetry"]
    case = parse_case(doc, source="case document after volumetry")
    return doc, case, changes
