"""The TCIA "Colorectal-Liver-Metastases" clinical table (197 MSKCC patients resected for CRLM).

Simpson AL, Peoples J, Creasy JM, et al. Preoperative CT and survival data for patients
undergoing resection of colorectal liver metastases. Sci Data 11, 172 (2024),
doi:10.1038/s41597-024-02981-2; data doi:10.7937/QXK2-QG03 (CC BY 4.0).

Codings (its data dictionary): -999 = missing; sex 1 = male, 2 = female; ``vital_status`` 1 =
dead; ``synchronous_crlm`` = the primary was still present at the liver operation;
``clinrisk_score`` is the Fong clinical risk score as MSKCC recorded it (0-5) and
``clinrisk_stratified`` its high (3-5) / low (0-2) split.

Choices (documented in ``docs/registry.md``):

- months are days / 30 in this table (every survival time x 30 is a whole number of days, to
  1e-11), so ``month_days`` is 30 and dates on the synthetic anchor round-trip exactly;
- ``synchronous_crlm`` = 1 means the metastases were known before the primary was removed, so
  timing is ``synchronous``; 0 says nothing about timing (the primary may have been removed first
  in synchronous disease), so timing stays missing;
- ``multiple_metastases`` = 0 means one lesion; = 1 leaves the count unknown (needed by TBS/GAME);
- ``max_tumor_size`` is in cm and becomes ``largest_diameter_mm``;
- the recorded clinical risk score is kept as a recorded score, never recomputed over.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from livermdt.analytics.importing import (
    SourceRow,
    parse_mapping,
    read_table,
    rows_to_records,
)
from livermdt.analytics.records import RegistryRecord
from livermdt.errors import ImportDataError

SOURCE = "tcia-crlm"
SHEET = "TCIA_n=197"
ATTRIBUTION = (
    "Clinical data: TCIA Colorectal-Liver-Metastases (Simpson AL et al., Sci Data 2024;11:172, "
    "doi:10.1038/s41597-024-02981-2; data doi:10.7937/QXK2-QG03), CC BY 4.0."
)

_BOOL = {"1": True, "0": False}

#: TCIA column → livermdt field (the table in docs/registry.md is this dictionary).
TCIA_MAPPING: dict[str, Any] = {
    "source": SOURCE,
    "id_column": "Patient-ID",
    "month_days": 30.0,
    "missing_values": ["-999", ""],
    "fields": {
        "age_years": {"column": "age"},
        "sex": {"column": "sex", "codes": {"1": "male", "2": "female"}},
        "body_mass_index_kg_m2": {"column": "body_mass_index"},
        "major_comorbidity": {"column": "major_comorbidity", "codes": _BOOL},
        "node_positive": {"column": "node_positive_primary", "codes": _BOOL},
        "primary_in_situ": {"column": "synchronous_crlm", "codes": _BOOL},
        "multiple_metastases": {"column": "multiple_metastases", "codes": _BOOL},
        "largest_diameter_mm": {"column": "max_tumor_size", "scale": 10},
        "bilobar": {"column": "bilobar_disease", "codes": _BOOL},
        "cea_ng_ml": {"column": "carcinoembryonic_antigen"},
        "extrahepatic_disease": {"column": "extrahep_disease", "codes": _BOOL},
        "preop_chemotherapy": {"column": "chemo_before_liver_resection", "codes": _BOOL},
        "pve": {"column": "preoperative_pve", "codes": _BOOL},
        "steatosis": {"column": "steatosis_yesno", "codes": _BOOL},
        "pathological_response_fraction": {"column": "total_response_percent"},
        "os_months": {"column": "overall_survival_months"},
        "os_event": {"column": "vital_status", "codes": _BOOL},
        "dfs_months": {"column": "months_to_DFS_progression"},
        "dfs_event": {"column": "vital_status_DFS", "codes": _BOOL},
        "recurrence": {"column": "progression_or_recurrence", "codes": _BOOL},
        "liver_recurrence": {"column": "progression_or_recurrence_liveronly", "codes": _BOOL},
        "liver_dfs_months": {"column": "months_to_liver_DFS_progression"},
        "liver_dfs_event": {"column": "vital_status_liver_DFS", "codes": _BOOL},
    },
    "recorded_scores": {"fong_crs": {"column": "clinrisk_score"}},
}

#: Values every TCIA row must have (the survival analysis and the cohort description need them).
REQUIRED = ("age_years", "sex", "os_months", "os_event", "dfs_months", "dfs_event")


def bundled_csv() -> Path:
    """The copy of the TCIA table shipped for the demo (with its attribution file)."""
    return Path(str(resources.files("livermdt.analytics") / "data" / "tcia-crlm-clinical-n197.csv"))


def _tcia_row(
    row: SourceRow, values: dict[str, Any], scores: dict[str, int | None], problems: list[str]
) -> None:
    for name in REQUIRED:
        column = TCIA_MAPPING["fields"][name]["column"]
        if values[name] is None and row.cells[column] in {"", "-999"}:
            problems.append(f"line {row.line}, column {column}: required value is missing")
    # the only thing synchronous_crlm = 1 proves about timing; 0 proves nothing
    values["timing"] = "synchronous" if values["primary_in_situ"] is True else None
    if values["multiple_metastases"] is False:
        values["lesion_count"] = 1
    values["resected"] = True  # the collection is of resected patients (Simpson et al. 2024)
    score = scores.get("fong_crs")
    stratified = row.cells["clinrisk_stratified"]
    if score is None and row.cells["clinrisk_score"] not in {"", "-999"}:
        return  # the score cell itself is wrong and already reported
    expected = "-999" if score is None else ("1" if score >= 3 else "0")
    if stratified != expected:
        problems.append(
            f"line {row.line}, column clinrisk_stratified: does not match clinrisk_score "
            f"{score if score is not None else 'missing'} (expected {expected!r}, "
            f"got {stratified!r})"
        )


def import_tcia(path: Path) -> list[RegistryRecord]:
    """Read the TCIA clinical table (``clinical-n197.csv`` or the distributed ``.xlsx``) into
    registry records; every problem of every row at once, or nothing."""
    header, rows = read_table(path, SHEET if path.suffix.lower() == ".xlsx" else None)
    if header and "clinrisk_stratified" not in header:
        raise ImportDataError(
            f"{path.name}: 1 column missing",
            ["line 1 (header): missing column 'clinrisk_stratified'"],
        )
    return rows_to_records(header, rows, parse_mapping(TCIA_MAPPING), path.name, _tcia_row)
