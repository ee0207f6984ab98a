"""Every range of case-v1 below / at / above its bounds, and every vocabulary value (spec
case-v1 and the ranges livermdt chose, docs/case.md)."""

from __future__ import annotations

from typing import Any

import pytest

from livermdt.case import vocab
from livermdt.case._problems import path_str
from tests.case.helpers import base, ok, problems, put

Path = tuple[str | int, ...]

LESION0: Path = ("liver_metastases", "lesions", 0)
NON_ANATOMICAL = {"procedure": "non_anatomical", "segments_removed": [6]}

# (path, lower bound, lower inclusive?, upper bound or None, integer?, setup)
RANGES: list[tuple[Path, float, bool, float | None, bool]] = [
    (("patient", "age_years"), 18, True, 110, True),
    (("patient", "height_cm"), 100, True, 250, False),
    (("patient", "weight_kg"), 25, True, 350, False),
    (("patient", "ecog"), 0, True, 4, True),
    (("patient", "asa_class"), 1, True, 5, True),
    (("liver_metastases", "lesions", 1, "segments", 0), 1, True, 8, True),
    ((*LESION0, "diameter_mm"), 0, False, 300, False),
    (("liver", "icg_r15_percent"), 0, True, 100, False),
    (("liver", "hida_flr_clearance_pct_min_m2"), 0, True, 100, False),
    (("labs", "cea_ng_ml"), 0, True, None, False),
    (("labs", "ca19_9_u_ml"), 0, True, None, False),
    (("labs", "bilirubin_umol_l"), 0, True, None, False),
    (("labs", "albumin_g_l"), 0, True, 100, False),
    (("labs", "inr"), 0, False, 20, False),
    (("labs", "platelets_10e9_l"), 0, True, None, False),
    (("volumetry", "total_liver_volume_ml"), 0, False, None, False),
    (("volumetry", "tumour_volume_ml"), 0, True, None, False),
    (("volumetry", "flr_volume_ml"), 0, True, None, False),
    (("volumetry", "planned_resection", "segments_removed", 0), 1, True, 8, True),
    (("pve", "flr_volume_before_ml"), 0, True, None, False),
    (("pve", "flr_volume_after_ml"), 0, True, None, False),
    (("pve", "days_to_followup_scan"), 1, True, 365, True),
    (("treatments", 0, "cycles"), 1, True, 100, True),
    (("treatments", 0, "line"), 1, True, 10, True),
    (("restaging", 0, "lesions", 0, "diameter_mm"), 0, True, 300, False),
    (("restaging", 0, "cea_ng_ml"), 0, True, None, False),
    (("outcomes", "operations", 0, "pathological_response", "trg"), 1, True, 5, True),
]


def _doc_for(path: Path) -> dict[str, Any]:
    doc = base()
    if path[:2] == ("volumetry", "planned_resection"):
        doc["volumetry"]["planned_resection"] = dict(NON_ANATOMICAL)
    if path[0] == "volumetry":
        doc["volumetry"]["total_liver_volume_ml"] = 10_000  # room for the FLR above its bound
        doc["volumetry"]["flr_volume_ml"] = 0
        doc["pve"] = None  # its remnant volumes must not exceed a tiny total
    if path[0] == "pve":
        doc["pve"]["date"] = "2024-01-01"  # a follow-up scan up to 365 days later is in the past
    return doc


def _id(value: object) -> str:
    return path_str(value) if isinstance(value, tuple) else str(value)


def _step(integer: bool) -> float:
    return 1 if integer else 0.1


@pytest.mark.parametrize(("path", "lo", "lo_incl", "hi", "integer"), RANGES, ids=_id)
def test_lower_bound(path: Path, lo: float, lo_incl: bool, hi: float | None, integer: bool) -> None:
    step = _step(integer)
    at_ok = lo if lo_incl else lo + step
    ok(put(_doc_for(path), path, at_ok))
    below = lo - step if lo_incl else lo
    lines = problems(put(_doc_for(path), path, below))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path_str(path)}: ")
    assert "must" in lines[0]
    assert lines[0].endswith(f"(got {below:g})")


@pytest.mark.parametrize(
    ("path", "lo", "lo_incl", "hi", "integer"), [r for r in RANGES if r[3] is not None], ids=_id
)
def test_upper_bound(path: Path, lo: float, lo_incl: bool, hi: float, integer: bool) -> None:
    step = _step(integer)
    ok(put(_doc_for(path), path, hi))
    ok(put(_doc_for(path), path, hi - step))
    above = hi + step
    lines = problems(put(_doc_for(path), path, above))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path_str(path)}: ")
    assert f"{hi:g}" in lines[0]


def test_range_message_names_both_bounds() -> None:
    lines = problems(put(base(), (*LESION0, "segments", 0), 9))
    assert lines == [
        "liver_metastases.lesions[0].segments[0]: Couinaud segment must be 1..8 (got 9)"
    ]
    lines = problems(put(base(), ("patient", "age_years"), 17))
    assert lines == ["patient.age_years: age must be 18..110 years (got 17)"]


def test_zero_diameter_is_an_error_but_zero_on_restaging_is_complete_response() -> None:
    # A listed lesion is seen on imaging, so it has a size; 0 mm belongs to restaging (RECIST CR).
    lines = problems(put(base(), (*LESION0, "diameter_mm"), 0))
    assert lines == [
        "liver_metastases.lesions[0].diameter_mm: must be greater than 0 mm and at most 300 mm "
        "(got 0)"
    ]
    ok(put(base(), ("restaging", 1, "lesions", 0, "diameter_mm"), 0))


def test_negative_lab_says_not_negative() -> None:
    assert problems(put(base(), ("labs", "cea_ng_ml"), -1)) == [
        "labs.cea_ng_ml: must not be negative (got -1)"
    ]


def test_blazer_residual_percent_bounds() -> None:
    path: Path = ("outcomes", "operations", 0, "pathological_response")
    for good in (0, 100, 49.5):
        ok(put(base(), path, {"system": "blazer", "residual_tumour_percent": good}))
    for bad in (-0.1, 100.1):
        lines = problems(put(base(), path, {"system": "blazer", "residual_tumour_percent": bad}))
        assert len(lines) == 1 and lines[0].startswith(f"{path_str(path)}.residual_tumour_percent")


# --- vocabularies --------------------------------------------------------------------------------

VOCABULARIES: list[tuple[Path, tuple[str, ...]]] = [
    (("patient", "sex"), vocab.SEXES),
    (("primary", "site"), tuple(s for s in vocab.PRIMARY_SITES if s in vocab.LEFT_SITES)),
    (("primary", "t_stage"), vocab.T_STAGES),
    (("primary", "n_stage"), vocab.N_STAGES),
    (("primary", "status"), ("resected",)),
    ((*LESION0, "vascular_contact", 0), vocab.VASCULAR_CONTACTS),
    (("extrahepatic_disease", "sites", 0), ()),
    (("liver", "background"), vocab.LIVER_BACKGROUNDS),
    (("liver", "child_pugh_class"), vocab.CHILD_PUGH_CLASSES),
    (("biomarkers", "kras"), ("mutated", "unknown")),
    (("biomarkers", "nras"), vocab.MUTATION_STATUSES),
    (("biomarkers", "braf"), vocab.BRAF_STATUSES),
    (("biomarkers", "mmr"), vocab.MMR_STATUSES),
    (("biomarkers", "her2"), vocab.HER2_STATUSES),
    (("biomarkers", "pik3ca"), vocab.MUTATION_STATUSES),
    (("biomarkers", "smad4"), vocab.MUTATION_STATUSES),
    (("biomarkers", "ntrk_fusion"), vocab.FUSION_STATUSES),
    (("volumetry", "source"), vocab.VOLUMETRY_SOURCES),
    (("pve", "procedure"), vocab.PVE_PROCEDURES),
    (("treatments", 0, "type"), ("chemotherapy", "hai", "immunotherapy", "targeted")),
    (("treatments", 0, "regimen"), vocab.REGIMENS),
    (("treatments", 0, "biologic"), vocab.BIOLOGICS),
    (("treatments", 0, "intent"), vocab.INTENTS),
    (("treatments", 0, "best_response"), vocab.RECIST_RESPONSES),
    (("outcomes", "operations", 0, "margin"), vocab.MARGINS),
    (("outcomes", "operations", 0, "clavien_dindo"), vocab.CLAVIEN_DINDO_GRADES),
    (("outcomes", "operations", 0, "phlf_grade"), vocab.PHLF_GRADES),
    (("outcomes", "recurrences", 0, "sites", 0), vocab.RECURRENCE_SITES),
    (("outcomes", "vital_status"), ("alive", "unknown")),
]


@pytest.mark.parametrize(("path", "values"), VOCABULARIES, ids=_id)
def test_vocabulary(path: Path, values: tuple[str, ...]) -> None:
    for value in values:
        doc = base()
        if path[-1] == 0:  # a list: replace it by a one-element list
            put(doc, path[:-1], [value])
        else:
            put(doc, path, value)
        ok(doc)
    doc = base()
    if path == ("extrahepatic_disease", "sites", 0):
        doc["extrahepatic_disease"]["present"] = True
    if path[-1] == 0:
        put(doc, path[:-1], ["no_such_value"])
    else:
        put(doc, path, "no_such_value")
    lines = problems(doc)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path_str(path)}: must be one of: ")
    assert lines[0].endswith('(got "no_such_value")')


def test_every_extrahepatic_site_accepted_when_present() -> None:
    for site in vocab.EXTRAHEPATIC_SITES:
        doc = base()
        doc["extrahepatic_disease"] = {"present": True, "sites": [site], "resectable": True}
        ok(doc)


@pytest.mark.parametrize("site", vocab.PRIMARY_SITES)
def test_every_primary_site(site: str) -> None:
    doc = put(base(), ("primary", "site"), site)
    ok(doc)  # sidedness null: derived (or unknown for transverse), never an error


def test_vocabulary_message_suggests_the_closest_value() -> None:
    lines = problems(put(base(), ("biomarkers", "kras"), "wildtype"))
    assert lines == [
        "biomarkers.kras: must be one of: wild_type, mutated, unknown; did you mean wild_type? "
        '(got "wildtype")'
    ]
    lines = problems(put(base(), ("treatments", 0, "regimen"), "folfox"))
    assert "did you mean FOLFOX?" in lines[0]


def test_schema_is_required_to_be_v1_inside_the_model() -> None:
    from pydantic import ValidationError

    from livermdt.case import Case, format_validation_errors

    with pytest.raises(ValidationError) as exc:
        Case.model_validate({**base(), "schema": "livermdt/case/v2"})
    assert format_validation_errors(exc.value) == [
        'schema: must be "livermdt/case/v1" (got "livermdt/case/v2")'
    ]


@pytest.mark.parametrize("key", ["id", "discussion_date"])
def test_required_top_level_fields(key: str) -> None:
    doc = base()
    del doc[key]
    assert problems(doc) == [f"{key}: required field is missing"]


def test_only_schema_id_and_discussion_date_are_required() -> None:
    case = ok({"schema": "livermdt/case/v1", "id": "x", "discussion_date": "2025-01-01"})
    assert case.patient is None and case.treatments is None


def test_lesion_and_treatment_need_their_key_field() -> None:
    doc = base()
    del doc["liver_metastases"]["lesions"][1]["id"]
    del doc["treatments"][0]["type"]
    assert problems(doc) == [
        "liver_metastases.lesions[1].id: required field is missing",
        "treatments[0].type: required field is missing",
    ]


# --- types ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("patient", "age_years"), "64", "must be a whole number, without quotes"),
        (("patient", "age_years"), 64.5, "must be a whole number"),
        (("patient", "age_years"), True, "must be a whole number"),
        (("labs", "cea_ng_ml"), "38", "must be a number, without quotes"),
        (("patient", "fit_for_major_surgery"), "yes", "must be true or false, without quotes"),
        (("patient", "fit_for_major_surgery"), 1, "must be true or false"),
        (("liver_metastases", "lesions"), {"id": "L1"}, "must be a list [...]"),
        (("patient",), [], "must be an object {...}"),
        ((*LESION0, "id"), 1, "must be text"),
        ((*LESION0, "id"), "", "must not be empty"),
        ((*LESION0, "segments"), [], "must not be empty"),
        (("labs", "cea_ng_ml"), float("nan"), "must be a finite number"),
    ],
)
def test_wrong_types(path: Path, value: Any, message: str) -> None:
    lines = problems(put(base(), path, value))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{path_str(path)}: {message}"), lines[0]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2025-02-30", "is not a calendar date"),
        ("2025-2-3", "must be a date YYYY-MM-DD"),
        ("03/02/2025", "must be a date YYYY-MM-DD"),
        ("2025-02-03T10:00:00", "must be a date YYYY-MM-DD"),
        (20250203, "must be a date YYYY-MM-DD"),
    ],
)
def test_dates_must_be_iso_calendar_dates(value: Any, message: str) -> None:
    lines = problems(put(base(), ("primary", "diagnosis_date"), value))
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"primary.diagnosis_date: {message}")


def test_leap_day_is_a_date() -> None:
    ok(put(base(), ("pve", "date"), "2024-02-29"))


def test_format_validation_errors_for_a_model_on_its_own() -> None:
    from pydantic import ValidationError

    from livermdt.case import Lesion, format_validation_errors

    with pytest.raises(ValidationError) as exc:
        Lesion.model_validate({"id": "L1", "segments": [0], "diameter": 3})
    assert format_validation_errors(exc.value) == [
        "segments[0]: Couinaud segment must be 1..8 (got 0)",
        "diameter: unknown field (did you mean diameter_mm?) (got 3)",
    ]


def test_unknown_field_without_a_close_name_lists_the_allowed_ones() -> None:
    lines = problems(put(base(), ("liver", "colour"), "brown"))
    assert lines == [
        "liver.colour: unknown field; allowed: background, child_pugh_class, portal_hypertension, "
        'icg_r15_percent, hida_flr_clearance_pct_min_m2 (got "brown")'
    ]


def test_parse_case_leaves_its_input_alone() -> None:
    import copy

    doc = put(base(), ("patient", "ecog"), 9)
    doc["primary"]["resection_date"] = "2020-01-01"
    before = copy.deepcopy(doc)
    assert len(problems(doc)) == 2
    assert doc == before


@pytest.mark.parametrize(
    ("path", "value", "line"),
    [
        (("labs", "albumin_g_l"), 101, "labs.albumin_g_l: must be 0..100 g/L (got 101)"),
        (("labs", "inr"), 0, "labs.inr: must be greater than 0 and at most 20 (got 0)"),
        (
            ("volumetry", "total_liver_volume_ml"),
            0,
            "volumetry.total_liver_volume_ml: must be greater than 0 mL (got 0)",
        ),
        (("liver", "icg_r15_percent"), 101, "liver.icg_r15_percent: must be 0..100 % (got 101)"),
        (
            ("treatments", 0, "line"),
            11,
            "treatments[0].line: treatment line must be 1..10 (got 11)",
        ),
    ],
)
def test_range_messages_carry_the_unit(path: Path, value: float, line: str) -> None:
    doc = base()
    if path[0] == "volumetry":
        doc["volumetry"]["flr_volume_ml"] = 0
    assert problems(put(doc, path, value)) == [line]


def test_unit_suffixes_longest_first() -> None:
    from livermdt.case._validation import _unit

    assert _unit("cea_ng_ml") == " ng/mL"
    assert _unit("ca19_9_u_ml") == " U/mL"
    assert _unit("flr_volume_ml") == " mL"
    assert _unit("bilirubin_umol_l") == " µmol/L"


@pytest.mark.parametrize("procedure", vocab.OPERATION_PROCEDURES)
def test_every_operation_procedure(procedure: str) -> None:
    doc = base()
    doc["outcomes"]["operations"][0].update(procedure=procedure, segments_removed=None)
    ok(doc)


def test_unknown_operation_procedure() -> None:
    doc = put(base(), ("outcomes", "operations", 0, "procedure"), "hemihepatectomy")
    lines = problems(doc)
    assert len(lines) == 1
    assert lines[0].startswith(
        "outcomes.operations[0].procedure: must be one of: right_hepatectomy"
    )


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("primary", "status"), "in_situ"),
        (("outcomes", "vital_status"), "dead"),
        (("treatments", 0, "type"), "hepatectomy"),
    ],
)
def test_vocabulary_values_that_need_their_context(path: Path, value: str) -> None:
    # These values are valid, but the base document holds fields that contradict them.
    doc = put(base(), path, value)
    if path[0] == "primary":
        doc["primary"]["resection_date"] = None
    if path[0] == "treatments":
        doc["treatments"][0] = {"type": "hepatectomy", "start_date": "2024-06-01"}
    ok(doc)
