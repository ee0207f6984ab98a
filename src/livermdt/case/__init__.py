"""The case-v1 document: pydantic models, vocabularies, derived values and error lines.

::

    from livermdt.case import load_case, derived
    case = load_case("examples/example-1-resectable.json")
    derived.sidedness(case).value          # "left"

Invalid documents raise ``livermdt.errors.CaseValidationError`` whose ``problems`` are lines
``path: what is wrong (got VALUE)``; input that is not a case document at all raises
``InvalidInputError`` with one line.
"""

from __future__ import annotations

from livermdt.case import derived, vocab
from livermdt.case._validation import (
    case_json_schema,
    format_validation_errors,
    load_case,
    parse_case,
)
from livermdt.case.derived import (
    ChemotherapyExposure,
    Derived,
    age_years,
    chemotherapy_exposure,
    chemotherapy_lines,
    disease_free_interval_months,
    is_bilobar,
    largest_lesion_mm,
    lesion_count,
    metastasis_timing,
    months_since_primary_resection,
    node_positive,
    previous_hepatectomy,
    ras_status,
    sidedness,
)
from livermdt.case.model import (
    Biomarkers,
    Case,
    ExtrahepaticDisease,
    Labs,
    Lesion,
    Liver,
    LiverMetastases,
    Operation,
    Outcomes,
    PathologicalResponse,
    Patient,
    PlannedResection,
    Primary,
    Pve,
    Recurrence,
    Restaging,
    RestagingLesion,
    Treatment,
    Volumetry,
)
from livermdt.case.vocab import SCHEMA_ID

__all__ = [
    "SCHEMA_ID",
    "Biomarkers",
    "Case",
    "ChemotherapyExposure",
    "Derived",
    "ExtrahepaticDisease",
    "Labs",
    "Lesion",
    "Liver",
    "LiverMetastases",
    "Operation",
    "Outcomes",
    "PathologicalResponse",
    "Patient",
    "PlannedResection",
    "Primary",
    "Pve",
    "Recurrence",
    "Restaging",
    "RestagingLesion",
    "Treatment",
    "Volumetry",
    "age_years",
    "case_json_schema",
    "chemotherapy_exposure",
    "chemotherapy_lines",
    "derived",
    "disease_free_interval_months",
    "format_validation_errors",
    "is_bilobar",
    "largest_lesion_mm",
    "lesion_count",
    "load_case",
    "metastasis_timing",
    "months_since_primary_resection",
    "node_positive",
    "parse_case",
    "previous_hepatectomy",
    "ras_status",
    "sidedness",
    "vocab",
]
