"""Contradictions between fields (spec case-v1, "Errors", and the ones livermdt adds; docs/case.md):
each one alone, the boundary where it stops being one, and all of them reported together."""

from __future__ import annotations

from typing import Any

import pytest

from livermdt.case._problems import path_str
from tests.case.helpers import base, ok, problems, put


def test_the_base_document_is_valid() -> None:
    ok(base())


# --- spec case-v1 -----------------------------------------------------------------------------


def test_primary_resection_before_diagnosis() -> None:
    doc = put(base(), ("primary", "resection_date"), "2024-01-09")
    assert problems(doc) == [
        "primary.resection_date: resection is before the primary's diagnosis date 2024-01-10 "
        "(got 2024-01-09)"
    ]
    ok(put(base(), ("primary", "resection_date"), "2024-01-10"))  # same day is fine


def test_flr_larger_than_total_liver_volume() -> None:
    doc = put(base(), ("volumetry", "flr_volume_ml"), 1650.5)
    assert problems(doc) == [
        "volumetry.flr_volume_ml: the future liver remnant is larger than the total liver volume "
        "1650 mL (got 1650.5)"
    ]
    ok(
        put(base(), ("volumetry", "flr_volume_ml"), 1650)
    )  # equal: nothing removed, not a contradiction


def test_duplicate_lesion_id() -> None:
    doc = put(base(), ("liver_metastases", "lesions", 1, "id"), "L1")
    assert problems(doc) == [
        "liver_metastases.lesions[1].id: lesion id is used twice "
        '(also liver_metastases.lesions[0]) (got "L1")'
    ]


def test_restaging_names_an_unknown_lesion() -> None:
    doc = put(base(), ("restaging", 1, "lesions", 1, "id"), "L9")
    assert problems(doc) == [
        "restaging[1].lesions[1].id: names neither a lesion in liver_metastases.lesions nor one in "
        'liver_metastases.disappeared_lesion_ids (got "L9")'
    ]


def test_restaging_may_name_a_disappeared_lesion() -> None:
    case = ok(base())
    assert case.restaging is not None and case.restaging[1].lesions is not None
    assert case.restaging[1].lesions[1].id == "L3"


def test_disappeared_id_also_listed() -> None:
    doc = put(base(), ("liver_metastases", "disappeared_lesion_ids"), ["L3", "L2"])
    assert problems(doc) == [
        "liver_metastases.disappeared_lesion_ids[1]: a disappeared lesion is also listed in "
        'liver_metastases.lesions[1] (got "L2")'
    ]


# --- livermdt additions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("primary", "diagnosis_date"), "2025-09-16"),
        (("primary", "resection_date"), "2025-09-16"),
        (("liver_metastases", "diagnosis_date"), "2025-09-16"),
        (("pve", "date"), "2025-09-16"),
        (("treatments", 0, "start_date"), "2025-09-16"),
        (("treatments", 0, "end_date"), "2025-09-16"),
        (("restaging", 1, "date"), "2025-09-16"),
    ],
)
def test_dates_after_the_discussion(path: tuple[str | int, ...], value: str) -> None:
    def doc_with(day: str) -> dict[str, Any]:
        doc = base()
        doc["treatments"][0]["end_date"] = None  # so that the start may move
        doc["pve"]["days_to_followup_scan"] = None  # so that the PVE may move
        doc["primary"]["resection_date"] = None  # so that the diagnosis may move
        doc["outcomes"] = None
        return put(doc, path, day)

    lines = problems(doc_with(value))
    assert lines == [
        f"{path_str(path)}: date is after the discussion date 2025-09-15 (got {value})"
    ]
    ok(doc_with("2025-09-15"))  # on the discussion date itself: fine


def test_pve_followup_scan_after_the_discussion() -> None:
    # PVE 2025-07-01 + 77 days = 2025-09-16, one day after the discussion.
    doc = put(base(), ("pve", "days_to_followup_scan"), 77)
    assert problems(doc) == [
        "pve.days_to_followup_scan: the follow-up scan (2025-09-16) would be after the discussion "
        "date 2025-09-15 (got 77)"
    ]
    ok(put(base(), ("pve", "days_to_followup_scan"), 76))


def test_in_situ_primary_with_a_resection_date() -> None:
    doc = put(base(), ("primary", "status"), "in_situ")
    assert problems(doc) == [
        'primary.resection_date: a resection date is given but primary.status is "in_situ" '
        "(got 2024-02-01)"
    ]


@pytest.mark.parametrize(
    ("site", "sidedness", "valid"),
    [
        ("sigmoid", "left", True),
        ("sigmoid", "right", False),
        ("caecum", "right", True),
        ("caecum", "left", False),
        ("hepatic_flexure", "left", False),
        ("splenic_flexure", "right", False),
        ("transverse", "left", True),
        ("transverse", "right", True),
        ("transverse", None, True),  # sidedness then unknown, not an error
    ],
)
def test_sidedness_against_site(site: str, sidedness: Any, valid: bool) -> None:
    doc = base()
    doc["primary"].update(site=site, sidedness=sidedness)
    if valid:
        ok(doc)
    else:
        assert problems(doc) == [
            f"primary.sidedness: contradicts the site {site}, which is "
            f'{"right" if sidedness == "left" else "left"}-sided (got "{sidedness}")'
        ]


@pytest.mark.parametrize(
    ("liver_dx", "timing", "valid"),
    [
        # Primary diagnosed 2024-01-10; synchronous = up to 30 days after (E-AHPBA 2023).
        ("2024-02-09", "synchronous", True),  # 30 days
        ("2024-02-09", "metachronous", False),
        ("2024-02-10", "metachronous", True),  # 31 days
        ("2024-02-10", "synchronous", False),
        ("2023-12-01", "synchronous", True),  # before the primary
        ("2023-12-01", "metachronous", False),
    ],
)
def test_explicit_timing_against_the_dates(liver_dx: str, timing: str, valid: bool) -> None:
    doc = base()
    doc["liver_metastases"].update(diagnosis_date=liver_dx, timing=timing)
    doc["restaging"] = None
    if valid:
        ok(doc)
    else:
        lines = problems(doc)
        assert len(lines) == 1 and lines[0].startswith(
            "liver_metastases.timing: contradicts the dates"
        )
        assert lines[0].endswith(f'(got "{timing}")')


def test_treatment_ending_before_it_starts() -> None:
    doc = put(base(), ("treatments", 0, "end_date"), "2025-03-31")
    assert problems(doc) == [
        "treatments[0].end_date: treatment ends before it starts (2025-04-01) (got 2025-03-31)"
    ]
    ok(put(base(), ("treatments", 0, "end_date"), "2025-04-01"))


def test_regimen_on_a_procedure() -> None:
    doc = base()
    doc["treatments"].append({"type": "hepatectomy", "start_date": "2024-06-01", "cycles": 3})
    assert problems(doc) == [
        "treatments[1].cycles: a cycles belongs to a systemic treatment, not to hepatectomy (got 3)"
    ]


def test_repeated_segment_and_structure() -> None:
    doc = base()
    doc["liver_metastases"]["lesions"][0]["segments"] = [7, 8, 7]
    doc["liver_metastases"]["lesions"][0]["vascular_contact"] = ["right_hepatic_vein"] * 2
    assert problems(doc) == [
        "liver_metastases.lesions[0].segments[2]: segment is listed twice (got 7)",
        "liver_metastases.lesions[0].vascular_contact[1]: structure is listed twice "
        '(got "right_hepatic_vein")',
    ]


def test_extrahepatic_sites_without_disease() -> None:
    doc = put(base(), ("extrahepatic_disease", "sites"), ["lung"])
    assert problems(doc) == [
        "extrahepatic_disease.sites: sites are given but extrahepatic_disease.present is false "
        '(got ["lung"])'
    ]


def test_kras_variant_with_wild_type_kras() -> None:
    doc = put(base(), ("biomarkers", "kras_variant"), "G12C")
    assert problems(doc) == [
        'biomarkers.kras_variant: a KRAS variant is given but biomarkers.kras is "wild_type" '
        '(got "G12C")'
    ]
    doc["biomarkers"]["kras"] = "mutated"
    ok(doc)


@pytest.mark.parametrize(
    ("procedure", "segments", "valid"),
    [
        ("right_hepatectomy", [5, 6, 7, 8], True),
        ("right_hepatectomy", [1, 5, 6, 7, 8], True),  # caudate added
        ("right_hepatectomy", [5, 6, 7], False),
        ("right_hepatectomy", [4, 5, 6, 7, 8], False),
        ("extended_right_hepatectomy", [4, 5, 6, 7, 8], True),
        ("left_hepatectomy", [2, 3, 4], True),
        ("extended_left_hepatectomy", [2, 3, 4, 5, 8], True),
        ("left_lateral_sectionectomy", [2, 3], True),
        ("left_lateral_sectionectomy", [3], False),
        ("right_posterior_sectionectomy", [6, 7], True),
        ("right_anterior_sectionectomy", [5, 8], True),
        ("central_hepatectomy", [4, 5, 8], True),
        ("segmentectomy", [6], True),
        ("segmentectomy", [6, 7], False),
        ("bisegmentectomy", [6, 7], True),
        ("bisegmentectomy", [6], False),
        ("non_anatomical", [2, 6, 7], True),
    ],
)
def test_planned_resection_segments(procedure: str, segments: list[int], valid: bool) -> None:
    doc = put(
        base(),
        ("volumetry", "planned_resection"),
        {"procedure": procedure, "segments_removed": segments},
    )
    if valid:
        ok(doc)
    else:
        lines = problems(doc)
        assert len(lines) == 1
        assert lines[0].startswith(
            f"volumetry.planned_resection.segments_removed: {procedure} removes "
        )


def test_new_lesions_in_the_remnant_are_progression() -> None:
    doc = put(base(), ("pve", "new_lesions_in_flr"), True)
    assert problems(doc) == [
        "pve.tumour_progression: new lesions in the remnant are tumour progression, but "
        "tumour_progression is false (got false)"
    ]
    doc["pve"]["tumour_progression"] = True
    ok(doc)


def test_pve_remnant_larger_than_the_liver() -> None:
    doc = put(base(), ("pve", "flr_volume_after_ml"), 1651)
    doc["pve"]["flr_volume_before_ml"] = 1700
    assert problems(doc) == [
        "pve.flr_volume_before_ml: the future liver remnant is larger than the total liver volume "
        "1650 mL (volumetry.total_liver_volume_ml) (got 1700)",
        "pve.flr_volume_after_ml: the future liver remnant is larger than the total liver volume "
        "1650 mL (volumetry.total_liver_volume_ml) (got 1651)",
    ]
    doc["pve"].update(flr_volume_before_ml=400, flr_volume_after_ml=1650)
    ok(doc)


def test_restaging_out_of_order_and_measured_twice() -> None:
    doc = base()
    doc["restaging"][1]["date"] = "2025-03-24"
    doc["restaging"][1]["lesions"][1]["id"] = "L1"
    assert problems(doc) == [
        "restaging[1].date: restaging entries must be oldest first (earlier than the entry before, "
        "2025-03-25) (got 2025-03-24)",
        'restaging[1].lesions[1].id: lesion measured twice in one restaging (got "L1")',
    ]


# --- outcomes --------------------------------------------------------------------------------


def _dead(death: str) -> dict[str, Any]:
    doc = base()
    doc["outcomes"].update(death_date=death, vital_status="dead", last_followup_date=death)
    return doc


def test_death_before_operation() -> None:
    doc = _dead("2025-10-19")
    assert (
        "outcomes.death_date: death is before the operation outcomes.operations[0] (2025-10-20) "
        "(got 2025-10-19)" in problems(doc)
    )


def test_death_before_recurrence_and_followup_after_death() -> None:
    doc = _dead("2026-05-31")
    doc["outcomes"]["last_followup_date"] = "2026-06-02"
    assert problems(doc) == [
        "outcomes.death_date: death is before the recurrence outcomes.recurrences[0] (2026-06-01) "
        "(got 2026-05-31)",
        "outcomes.last_followup_date: follow-up after the death date 2026-05-31 (got 2026-06-02)",
    ]
    ok(_dead("2026-06-01"))


def test_alive_with_a_death_date() -> None:
    doc = _dead("2026-09-01")
    doc["outcomes"]["vital_status"] = "alive"
    assert problems(doc) == [
        "outcomes.vital_status: a death date (2026-09-01) is given but vital_status is alive "
        '(got "alive")'
    ]


def test_death_before_the_discussion() -> None:
    doc = _dead("2025-09-14")
    doc["outcomes"]["operations"] = []
    doc["outcomes"]["recurrences"] = []
    assert problems(doc) == [
        "outcomes.death_date: death is before the discussion date 2025-09-15 (got 2025-09-14)"
    ]


def test_outcome_operation_before_the_discussion() -> None:
    doc = put(base(), ("outcomes", "operations", 0, "date"), "2025-09-14")
    assert problems(doc) == [
        "outcomes.operations[0].date: outcomes follow the discussion (2025-09-15); an earlier "
        "operation belongs in treatments (got 2025-09-14)"
    ]
    ok(put(base(), ("outcomes", "operations", 0, "date"), "2025-09-15"))


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (
            {"system": "blazer"},
            "residual_tumour_percent: the blazer system needs residual_tumour_percent",
        ),
        (
            {"system": "rubbia_brandt", "trg": 1, "residual_tumour_percent": 5},
            "residual_tumour_percent: residual_tumour_percent does not belong to the rubbia_brandt "
            "system (got 5)",
        ),
    ],
)
def test_pathological_response_system(response: dict[str, Any], expected: str) -> None:
    doc = put(base(), ("outcomes", "operations", 0, "pathological_response"), response)
    assert problems(doc) == [f"outcomes.operations[0].pathological_response.{expected}"]


# --- all at once --------------------------------------------------------------------------------


def test_field_errors_and_contradictions_are_reported_together() -> None:
    doc = base()
    doc["patient"]["ecog"] = 7  # field error
    doc["labs"]["cea"] = 7.5  # unknown key
    doc["primary"]["resection_date"] = "2024-01-01"  # contradiction
    doc["volumetry"]["flr_volume_ml"] = 5000  # contradiction
    assert problems(doc) == [
        "patient.ecog: ECOG performance status must be 0..4 (got 7)",
        "labs.cea: unknown field (did you mean cea_ng_ml?) (got 7.5)",
        "primary.resection_date: resection is before the primary's diagnosis date 2024-01-10 "
        "(got 2024-01-01)",
        "volumetry.flr_volume_ml: the future liver remnant is larger than the total liver volume "
        "1650 mL (got 5000)",
    ]


def test_an_invalid_field_does_not_create_a_contradiction() -> None:
    # Removing the invalid lesion id to look for contradictions must not make restaging[...]
    # "name an unknown lesion", nor an invalid TRG make the response "need a TRG".
    doc = base()
    doc["liver_metastases"]["lesions"][0]["id"] = ""
    doc["outcomes"]["operations"][0]["pathological_response"]["trg"] = 6
    assert problems(doc) == [
        'liver_metastases.lesions[0].id: must not be empty (got "")',
        "outcomes.operations[0].pathological_response.trg: tumour regression grade must be 1..5 "
        "(got 6)",
    ]


def test_many_contradictions_at_once_each_with_its_path() -> None:
    doc = base()
    doc["primary"]["sidedness"] = "right"
    doc["liver_metastases"]["lesions"][1]["id"] = "L1"
    doc["treatments"][0]["end_date"] = "2025-01-01"
    lines = problems(doc)
    assert [line.split(":")[0] for line in lines] == [
        "primary.sidedness",
        "liver_metastases.lesions[1].id",
        "treatments[0].end_date",
    ]
