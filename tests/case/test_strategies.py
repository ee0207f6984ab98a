"""The shared strategies reach every clinically interesting corner they promise (tests/strategies.py
docstring): each predicate below is satisfied by some generated case."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import Phase, given, settings

from livermdt.case import Case, derived
from livermdt.scores import extensive_chemotherapy
from tests.strategies import valid_cases


def _ecog(c: Case) -> int | None:
    return c.patient.ecog if c.patient else None


CORNERS: dict[str, Callable[[Case], bool]] = {
    "fit": lambda c: bool(c.patient and c.patient.fit_for_major_surgery),
    "unfit": lambda c: bool(c.patient and c.patient.fit_for_major_surgery is False),
    "ecog >= 3": lambda c: (_ecog(c) or 0) >= 3,
    "synchronous": lambda c: derived.metastasis_timing(c).value == "synchronous",
    "early metachronous": lambda c: derived.metastasis_timing(c).value == "early_metachronous",
    "late metachronous": lambda c: derived.metastasis_timing(c).value == "late_metachronous",
    "primary in situ": lambda c: bool(c.primary and c.primary.status == "in_situ"),
    "bilobar": lambda c: derived.is_bilobar(c).value is True,
    "one hemiliver": lambda c: derived.is_bilobar(c).value is False,
    "RAS mutated": lambda c: derived.ras_status(c).value == "mutated",
    "RAS wild type": lambda c: derived.ras_status(c).value == "wild_type",
    "RAS unknown": lambda c: derived.ras_status(c).value == "unknown",
    "dMMR": lambda c: bool(c.biomarkers and c.biomarkers.mmr == "deficient"),
    "BRAF V600E": lambda c: bool(c.biomarkers and c.biomarkers.braf == "v600e"),
    "extrahepatic disease": lambda c: bool(
        c.extrahepatic_disease and c.extrahepatic_disease.present
    ),
    "PVE with progression": lambda c: bool(c.pve and c.pve.tumour_progression),
    "PVE without progression": lambda c: bool(c.pve and c.pve.tumour_progression is False),
    "extensive chemotherapy": lambda c: (
        extensive_chemotherapy(derived.chemotherapy_exposure(c)) is True
    ),
    "chemotherapy counted by cycles": lambda c: (
        derived.chemotherapy_exposure(c).value.basis  # type: ignore[union-attr]
        == "cycles"
    ),
    "several chemotherapy lines": lambda c: (derived.chemotherapy_lines(c).value or 0) >= 2,
    "previous hepatectomy": lambda c: derived.previous_hepatectomy(c).value is True,
    "restaging with a disappeared lesion": lambda c: any(
        m.id.startswith("D") for r in c.restaging or () for m in r.lesions or ()
    ),
    "death recorded": lambda c: bool(c.outcomes and c.outcomes.death_date),
    "cirrhosis": lambda c: bool(c.liver and c.liver.background == "cirrhosis"),
}


def test_strategy_reaches_every_corner() -> None:
    seen: set[str] = set()

    # Derandomized, and 300 cases: hypothesis front-loads simple examples, and in a full-suite run
    # 100 derandomized cases once missed the ~1-in-10 cirrhosis corner.
    @settings(
        max_examples=300, database=None, phases=[Phase.generate], deadline=None, derandomize=True
    )
    @given(valid_cases())
    def draw(case: Case) -> None:
        seen.update(name for name, holds in CORNERS.items() if holds(case))

    draw()
    assert set(CORNERS) - seen == set()
