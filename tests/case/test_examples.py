"""The example documents (examples/, copied from the shared examples): 1-3 valid with the derived
values their README states, 4 invalid with exactly its three problems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.case import derived, load_case
from livermdt.errors import CaseValidationError
from tests.case.test_cli_and_reading import EXAMPLE_4_PROBLEMS


def test_example_1_resectable(examples_dir: Path) -> None:
    case = load_case(examples_dir / "example-1-resectable.json")
    assert derived.sidedness(case).value == "left"  # descending colon
    assert derived.node_positive(case).value is True  # N1: the Fong node point
    assert derived.metastasis_timing(case).value == "late_metachronous"
    # "primary resected 29 months earlier": 2023-03-28 -> 2025-09-15 = 902 days = 29.63 months.
    assert derived.months_since_primary_resection(case).value == pytest.approx(902 / 30.4375)
    # DFI 2023-03-28 -> 2025-08-20 = 876 days = 28.78 months (no Fong "< 12 months" point).
    assert derived.disease_free_interval_months(case).value == pytest.approx(28.7803, abs=1e-4)
    assert derived.lesion_count(case).value == 1
    assert derived.largest_lesion_mm(case).value == 24
    assert derived.is_bilobar(case).value is False
    assert derived.ras_status(case).value == "wild_type"
    exposure = derived.chemotherapy_exposure(case).value
    assert exposure is not None and exposure.weeks == 0.0


def test_example_2_small_remnant(examples_dir: Path) -> None:
    case = load_case(examples_dir / "example-2-small-remnant.json")
    # FOLFOX 2025-02-03 -> 2025-06-23 = 140 days = 20 weeks: more than 12 weeks (sFLR 0.30 needed).
    exposure = derived.chemotherapy_exposure(case).value
    assert exposure is not None
    assert (exposure.weeks, exposure.days_dated, exposure.basis) == (20.0, 140, "dates")
    assert derived.lesion_count(case).value == 2
    assert derived.largest_lesion_mm(case).value == 64
    assert derived.is_bilobar(case).value is False  # segments 5-7 only
    assert derived.chemotherapy_lines(case).value == 1


def test_example_3_dmmr_unresectable(examples_dir: Path) -> None:
    case = load_case(examples_dir / "example-3-dmmr-unresectable.json")
    assert derived.sidedness(case).value == "right"  # caecum
    # Liver diagnosed 3 days after the primary: synchronous (E-AHPBA 2023), DFI 0.
    assert derived.metastasis_timing(case).value == "synchronous"
    assert derived.disease_free_interval_months(case).value == 0.0
    assert derived.is_bilobar(case).value is True  # segments 2, 4 and 5-8
    assert derived.lesion_count(case).value == 6
    assert derived.largest_lesion_mm(case).value == 61
    assert case.biomarkers is not None
    assert (case.biomarkers.mmr, case.biomarkers.braf) == ("deficient", "v600e")
    assert derived.months_since_primary_resection(case).value is None  # primary in situ


def test_example_4_has_exactly_its_three_problems(examples_dir: Path) -> None:
    with pytest.raises(CaseValidationError) as exc:
        load_case(examples_dir / "example-4-invalid.json")
    assert sorted(exc.value.problems) == sorted(EXAMPLE_4_PROBLEMS)
    assert str(exc.value) == "invalid case document: 3 problems"


@pytest.mark.parametrize("n", [1, 2, 3])
def test_examples_round_trip(examples_dir: Path, n: int) -> None:
    path = next(examples_dir.glob(f"example-{n}-*.json"))
    assert load_case(path).to_json_dict() == json.loads(path.read_text(encoding="utf-8"))


def test_examples_match_the_shared_examples(shared_dir: Path, examples_dir: Path) -> None:
    shared = sorted((shared_dir / "examples").glob("example-*.json"))
    assert len(shared) == 4
    for path in shared:
        ours = examples_dir / path.name
        assert json.loads(ours.read_text(encoding="utf-8")) == json.loads(
            path.read_text(encoding="utf-8")
        ), path.name
