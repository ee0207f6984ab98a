"""The public surface of livermdt.case is deliberate: this pins it."""

from __future__ import annotations

import livermdt.case
from livermdt.case import vocab


def test_exported_names() -> None:
    assert set(livermdt.case.__all__) == {
        "SCHEMA_ID", "Biomarkers", "Case", "ChemotherapyExposure", "Derived",
        "ExtrahepaticDisease", "Labs", "Lesion", "Liver", "LiverMetastases", "Operation",
        "Outcomes", "PathologicalResponse", "Patient", "PlannedResection", "Primary", "Pve",
        "Recurrence", "Restaging", "RestagingLesion", "Treatment", "Volumetry", "age_years",
        "case_json_schema", "chemotherapy_exposure", "chemotherapy_lines", "derived",
        "disease_free_interval_months", "format_validation_errors", "is_bilobar",
        "largest_lesion_mm", "lesion_count", "load_case", "metastasis_timing",
        "months_since_primary_resection", "node_positive", "parse_case", "previous_hepatectomy",
        "ras_status", "sidedness", "vocab",
    }  # fmt: skip
    for name in livermdt.case.__all__:
        assert getattr(livermdt.case, name) is not None


def test_top_level_lazy_names() -> None:
    import livermdt

    assert livermdt.Case is livermdt.case.Case
    assert livermdt.load_case is livermdt.case.load_case
    assert livermdt.parse_case is livermdt.case.parse_case


def test_procedure_segments_cover_the_spec() -> None:
    # spec case-v1, "Vocabularies": anatomical procedures and their Couinaud segments.
    assert {
        "right_hepatectomy": {5, 6, 7, 8},
        "extended_right_hepatectomy": {4, 5, 6, 7, 8},
        "left_hepatectomy": {2, 3, 4},
        "extended_left_hepatectomy": {2, 3, 4, 5, 8},
        "left_lateral_sectionectomy": {2, 3},
        "right_posterior_sectionectomy": {6, 7},
        "right_anterior_sectionectomy": {5, 8},
        "central_hepatectomy": {4, 5, 8},
    } == vocab.PROCEDURE_SEGMENTS
    assert set(vocab.PROCEDURES) == set(vocab.PROCEDURE_SEGMENTS) | set(
        vocab.PROCEDURE_SEGMENT_COUNT
    )
    assert set(vocab.OPERATION_PROCEDURES) >= set(vocab.PROCEDURES) | {"wedge"}


def test_sides_partition_the_sites() -> None:
    assert vocab.RIGHT_SITES | vocab.LEFT_SITES | {"transverse"} == set(vocab.PRIMARY_SITES)
    assert not vocab.RIGHT_SITES & vocab.LEFT_SITES


def test_regimen_cycle_lengths() -> None:
    two_weekly = {r for r, d in vocab.REGIMEN_CYCLE_DAYS.items() if d == 14}
    three_weekly = {r for r, d in vocab.REGIMEN_CYCLE_DAYS.items() if d == 21}
    assert two_weekly == {"FOLFOX", "FOLFIRI", "FOLFOXIRI", "5FU"}
    assert three_weekly == {"CAPOX", "CAPIRI", "capecitabine"}
    assert set(vocab.REGIMENS) == two_weekly | three_weekly | {"other"}


def test_node_positive_stages() -> None:
    assert {"N1", "N1a", "N1b", "N1c", "N2", "N2a", "N2b"} == vocab.NODE_POSITIVE_STAGES
