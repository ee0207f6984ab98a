"""Derived values worked by hand (spec case-v1 "Derived values"; knowledge base A2, A8, A12;
E-AHPBA 2023 for timing). Months are 30.4375 days; the chemotherapy window is the 365 days before
the discussion date."""

from __future__ import annotations

from typing import Any

import pytest

from livermdt.case import Case, derived, parse_case
from livermdt.scores import extensive_chemotherapy

TODAY = "2025-09-15"


def case(**sections: Any) -> Case:
    return parse_case(
        {"schema": "livermdt/case/v1", "id": "synthetic", "discussion_date": TODAY, **sections}
    )


# --- sidedness ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("site", "expected"),
    [
        ("caecum", "right"),
        ("ascending", "right"),
        ("hepatic_flexure", "right"),
        ("splenic_flexure", "left"),
        ("descending", "left"),
        ("sigmoid", "left"),
        ("rectosigmoid", "left"),
        ("rectum", "left"),
    ],
)
def test_sidedness_from_site(site: str, expected: str) -> None:
    d = derived.sidedness(case(primary={"site": site}))
    assert (d.value, d.missing) == (expected, ())


def test_transverse_needs_sidedness() -> None:
    d = derived.sidedness(case(primary={"site": "transverse"}))
    assert (d.value, d.missing) == (None, ("primary.sidedness",))
    d = derived.sidedness(case(primary={"site": "transverse", "sidedness": "right"}))
    assert (d.value, d.missing) == ("right", ())


def test_sidedness_without_site() -> None:
    assert derived.sidedness(case()).missing == ("primary.site",)
    assert derived.sidedness(case()).value is None


# --- RAS --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kras", "nras", "value", "missing"),
    [
        ("wild_type", "wild_type", "wild_type", ()),
        ("mutated", "wild_type", "mutated", ()),
        ("wild_type", "mutated", "mutated", ()),
        ("mutated", None, "mutated", ()),  # one mutation decides
        ("unknown", "mutated", "mutated", ()),
        ("wild_type", "unknown", "unknown", ("biomarkers.nras",)),
        ("wild_type", None, "unknown", ("biomarkers.nras",)),
        (None, None, "unknown", ("biomarkers.kras", "biomarkers.nras")),
        ("unknown", "wild_type", "unknown", ("biomarkers.kras",)),
    ],
)
def test_ras_status(kras: Any, nras: Any, value: str, missing: tuple[str, ...]) -> None:
    d = derived.ras_status(case(biomarkers={"kras": kras, "nras": nras}))
    assert (d.value, d.missing) == (value, missing)


def test_ras_status_without_biomarkers() -> None:
    d = derived.ras_status(case())
    assert (d.value, d.missing) == ("unknown", ("biomarkers.kras", "biomarkers.nras"))


# --- nodes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n_stage", "value"),
    [
        ("N0", False),
        ("N1", True),
        ("N1a", True),
        ("N1b", True),
        ("N1c", True),
        ("N2", True),
        ("N2a", True),
        ("N2b", True),
        ("Nx", None),
    ],
)
def test_node_positive(n_stage: str, value: bool | None) -> None:
    d = derived.node_positive(case(primary={"n_stage": n_stage}))
    assert d.value is value
    assert d.missing == (("primary.n_stage",) if value is None else ())


# --- timing (E-AHPBA 2023) ---------------------------------------------------------------------


def _timed(primary_dx: str, liver_dx: str, **primary: Any) -> Case:
    return case(
        primary={"diagnosis_date": primary_dx, **primary},
        liver_metastases={"diagnosis_date": liver_dx},
    )


@pytest.mark.parametrize(
    ("liver_dx", "expected"),
    [
        ("2023-12-01", "synchronous"),  # before the primary's diagnosis
        ("2024-01-10", "synchronous"),  # same day
        ("2024-02-09", "synchronous"),  # 30 days after
        ("2024-02-10", "early_metachronous"),  # 31 days after
        ("2025-01-09", "early_metachronous"),  # 365 days = 11.99 months
        ("2025-01-10", "late_metachronous"),  # 366 days = 12.02 months
    ],
)
def test_metastasis_timing(liver_dx: str, expected: str) -> None:
    d = derived.metastasis_timing(_timed("2024-01-10", liver_dx))
    assert (d.value, d.missing) == (expected, ())


def test_given_timing_without_dates() -> None:
    d = derived.metastasis_timing(case(liver_metastases={"timing": "synchronous"}))
    assert d.value == "synchronous"
    d = derived.metastasis_timing(case(liver_metastases={"timing": "metachronous"}))
    assert d.value is None
    assert d.missing == ("primary.diagnosis_date", "liver_metastases.diagnosis_date")
    d = derived.metastasis_timing(case(primary={"diagnosis_date": "2024-01-10"}))
    assert d.missing == ("liver_metastases.diagnosis_date", "liver_metastases.timing")


# --- disease-free interval --------------------------------------------------------------------


def test_dfi_across_a_month_end() -> None:
    # 2024-01-31 -> 2024-02-29: 29 days = 0.9528 months; -> 2024-03-01: 30 days = 0.9856.
    c = _timed("2023-12-01", "2024-02-29", resection_date="2024-01-31")
    assert derived.disease_free_interval_months(c).value == pytest.approx(0.95277, abs=1e-5)
    c = _timed("2023-12-01", "2024-03-01", resection_date="2024-01-31")
    assert derived.disease_free_interval_months(c).value == pytest.approx(0.98563, abs=1e-5)


def test_dfi_of_a_year() -> None:
    # 2023-03-28 -> 2024-03-28: 366 days (leap year) = 12.025 months: the Fong "< 12" point is not
    # scored; 2023-03-28 -> 2024-03-27 = 365 days = 11.992 months: it is.
    c = _timed("2023-03-02", "2024-03-28", resection_date="2023-03-28")
    assert derived.disease_free_interval_months(c).value == pytest.approx(12.0246, abs=1e-4)
    c = _timed("2023-03-02", "2024-03-27", resection_date="2023-03-28")
    assert derived.disease_free_interval_months(c).value == pytest.approx(11.9918, abs=1e-4)


def test_dfi_is_zero_for_synchronous_disease() -> None:
    c = _timed("2024-01-10", "2024-02-09", resection_date="2024-03-01")
    d = derived.disease_free_interval_months(c)
    assert (d.value, d.missing) == (0.0, ())


def test_dfi_is_zero_when_metastases_precede_the_primary_resection() -> None:
    # Early metachronous by diagnosis dates (112 days) but found before the primary came out.
    c = _timed("2024-01-10", "2024-05-01", resection_date="2024-06-01")
    assert derived.metastasis_timing(c).value == "early_metachronous"
    assert derived.disease_free_interval_months(c).value == 0.0


def test_dfi_missing_resection_date() -> None:
    c = _timed("2024-01-10", "2024-09-01")
    d = derived.disease_free_interval_months(c)
    assert (d.value, d.missing) == (None, ("primary.resection_date",))


def test_dfi_from_dates_without_the_primary_diagnosis() -> None:
    c = case(
        primary={"resection_date": "2024-01-01"},
        liver_metastases={"diagnosis_date": "2024-07-01"},
    )
    assert derived.disease_free_interval_months(c).value == pytest.approx(182 / 30.4375)


# --- lesions ------------------------------------------------------------------------------------


def _lesions(*lesions: dict[str, Any]) -> Case:
    return case(liver_metastases={"lesions": [{"id": f"L{i}", **x} for i, x in enumerate(lesions)]})


@pytest.mark.parametrize(
    ("segments", "bilobar"),
    [
        ([[4], [5]], True),  # 2-4 vs 5-8
        ([[2, 3]], False),
        ([[6], [8]], False),
        ([[1], [5]], False),  # the caudate counts for neither
        ([[1], [4]], False),
        ([[4, 5]], True),  # one lesion across the midplane
    ],
)
def test_is_bilobar(segments: list[list[int]], bilobar: bool) -> None:
    d = derived.is_bilobar(_lesions(*({"segments": s} for s in segments)))
    assert (d.value, d.missing) == (bilobar, ())


def test_is_bilobar_with_missing_segments() -> None:
    d = derived.is_bilobar(_lesions({"segments": [6]}, {}))
    assert (d.value, d.missing) == (None, ("liver_metastases.lesions[1].segments",))
    d = derived.is_bilobar(_lesions({"segments": [3]}, {"segments": [6]}, {}))
    assert (d.value, d.missing) == (True, ())  # already both sides: the unknown cannot undo it
    assert derived.is_bilobar(case()).missing == ("liver_metastases.lesions",)


def test_lesion_count_and_largest() -> None:
    c = _lesions({"diameter_mm": 24}, {"diameter_mm": 55.5}, {"diameter_mm": 7})
    assert derived.lesion_count(c).value == 3
    assert derived.largest_lesion_mm(c).value == 55.5
    c = _lesions({"diameter_mm": 24}, {})
    d = derived.largest_lesion_mm(c)
    assert (d.value, d.missing) == (24, ("liver_metastases.lesions[1].diameter_mm",))
    assert derived.lesion_count(case()).value is None
    assert derived.largest_lesion_mm(_lesions()).value is None
    assert derived.lesion_count(_lesions()).value == 0


def test_disappeared_lesions_are_not_counted() -> None:
    c = case(liver_metastases={"lesions": [{"id": "L1"}], "disappeared_lesion_ids": ["L2"]})
    d = derived.lesion_count(c)
    assert d.value == 1 and "1 disappeared" in d.note


# --- chemotherapy exposure (A2) -----------------------------------------------------------------
# The case layer measures; "extensive" is decided against the shipped threshold table by
# livermdt.scores (site overrides: tests/scores/test_flr.py).


def _chemo(*courses: dict[str, Any]) -> derived.Derived[derived.ChemotherapyExposure]:
    return derived.chemotherapy_exposure(
        case(treatments=[{"type": "chemotherapy", **c} for c in courses])
    )


@pytest.mark.parametrize(
    ("start", "end", "weeks", "extensive"),
    [
        ("2025-05-01", "2025-07-24", 12.0, False),  # 84 days: not more than 12 weeks
        ("2025-05-01", "2025-07-25", 85 / 7, True),  # 85 days
        ("2025-05-01", "2025-07-31", 13.0, True),  # 91 days
    ],
)
def test_twelve_versus_thirteen_weeks(start: str, end: str, weeks: float, extensive: bool) -> None:
    d = _chemo({"start_date": start, "end_date": end, "regimen": "FOLFOX", "cycles": 20})
    assert d.value is not None
    assert d.value.weeks == pytest.approx(weeks)
    assert extensive_chemotherapy(d) is extensive
    assert d.value.basis == "dates"  # dates win over cycles
    assert (d.value.days_dated, d.value.cycles_2weekly) == (round(weeks * 7), 0)
    assert d.missing == ()


@pytest.mark.parametrize(
    ("regimen", "cycles", "extensive"),
    [
        ("FOLFOX", 6, False),  # 6 x 14 = 84 days
        ("FOLFOX", 7, True),  # more than 6 cycles of a 2-weekly regimen
        ("FOLFIRI", 7, True),
        ("5FU", 6, False),
        ("CAPOX", 4, False),  # 4 x 21 = 84 days
        ("CAPOX", 5, True),  # more than 4 cycles of a 3-weekly regimen
        ("capecitabine", 5, True),
        ("CAPIRI", 4, False),
    ],
)
def test_cycles_when_dates_are_missing(regimen: str, cycles: int, extensive: bool) -> None:
    d = _chemo({"regimen": regimen, "cycles": cycles})
    assert d.value is not None
    assert extensive_chemotherapy(d) is extensive
    assert d.value.basis == "cycles"
    two_weekly = (d.value.cycles_2weekly, d.value.cycles_3weekly) == (cycles, 0)
    assert two_weekly or (d.value.cycles_2weekly, d.value.cycles_3weekly) == (0, cycles)
    assert d.value.days_dated == 0
    cycle_days = 21 if regimen.startswith("CAP") or regimen == "capecitabine" else 14
    assert d.value.weeks == pytest.approx(cycles * cycle_days / 7)


@pytest.mark.parametrize(
    ("end", "days", "extensive"),
    [
        # Window: 2024-09-15 .. 2025-09-15 (365 days). A course from 2024-06-01 counts from
        # 2024-09-15: to 2024-12-08 is 84 days, to 2024-12-09 85 days.
        ("2024-12-08", 84, False),
        ("2024-12-09", 85, True),
        ("2024-09-14", 0, False),  # ended before the window
    ],
)
def test_window_clipping_at_365_days(end: str, days: int, extensive: bool) -> None:
    d = _chemo({"start_date": "2024-06-01", "end_date": end, "regimen": "CAPOX"})
    assert d.value is not None
    assert d.value.weeks == pytest.approx(days / 7)
    assert extensive_chemotherapy(d) is extensive


def test_start_date_with_cycles_is_clipped_at_the_discussion() -> None:
    # 7 x FOLFOX from 2025-07-01 would end 2025-09-16; only 76 days lie before 2025-09-15.
    d = _chemo({"start_date": "2025-07-01", "regimen": "FOLFOX", "cycles": 7})
    assert d.value is not None
    assert d.value.weeks == pytest.approx(76 / 7)
    assert (extensive_chemotherapy(d), d.value.basis) == (False, "cycles")


def test_courses_add_up() -> None:
    d = _chemo(
        {"start_date": "2025-01-01", "end_date": "2025-02-20"},  # 50 days
        {"regimen": "FOLFIRI", "cycles": 3},  # 42 days
    )
    assert d.value is not None
    assert d.value.weeks == pytest.approx(92 / 7)
    assert (extensive_chemotherapy(d), d.value.basis) == (True, "cycles")


def test_uncountable_course_leaves_extensive_undetermined() -> None:
    d = _chemo({"start_date": "2025-06-01", "regimen": "FOLFOX"})
    assert d.value is not None
    assert extensive_chemotherapy(d) is None
    assert d.missing == ("treatments[0].end_date", "treatments[0].cycles")
    d = _chemo({"start_date": "2025-01-01", "end_date": "2025-06-01"}, {"regimen": "other"})
    assert d.value is not None and extensive_chemotherapy(d) is True  # already more than 84 days
    assert "treatments[1].regimen" in d.missing


def test_no_treatments_versus_none_given() -> None:
    d = derived.chemotherapy_exposure(case(treatments=[]))
    assert d.value is not None and (extensive_chemotherapy(d), d.value.weeks) == (False, 0.0)
    d = derived.chemotherapy_exposure(case())
    assert d.value is not None and d.missing == ("treatments",)
    assert extensive_chemotherapy(d) is None


def test_only_chemotherapy_counts() -> None:
    d = derived.chemotherapy_exposure(
        case(
            treatments=[
                {"type": "immunotherapy", "start_date": "2025-01-01", "end_date": "2025-09-01"}
            ]
        )
    )
    assert d.value is not None and extensive_chemotherapy(d) is False


def test_chemotherapy_weeks_total_counts_every_line_at_any_time() -> None:
    c = case(
        treatments=[
            {"type": "chemotherapy", "start_date": "2020-01-01", "end_date": "2020-03-11"},
            {"type": "immunotherapy", "start_date": "2021-01-01", "end_date": "2021-06-01"},
            {"type": "chemotherapy", "start_date": "2025-08-18"},  # ongoing: to 2025-09-15
        ]
    )
    d = derived.chemotherapy_weeks_total(c)
    assert d.value == pytest.approx((70 + 28) / 7) and d.missing == ()
    d = derived.chemotherapy_weeks_total(case(treatments=[{"type": "chemotherapy"}]))
    assert d.value is None and d.missing == ("treatments[0].start_date",)
    d = derived.chemotherapy_weeks_total(case())
    assert (d.value, d.missing) == (None, ("treatments",))  # not recorded: unknown, not 0
    d = derived.chemotherapy_weeks_total(case(treatments=[]))
    assert (d.value, d.missing) == (0.0, ())  # recorded as none


# --- history ------------------------------------------------------------------------------------


def test_previous_hepatectomy() -> None:
    assert derived.previous_hepatectomy(case(treatments=[{"type": "hepatectomy"}])).value is True
    assert derived.previous_hepatectomy(case(treatments=[{"type": "ablation"}])).value is False
    assert derived.previous_hepatectomy(case()).missing == ("treatments",)


def test_months_since_primary_resection() -> None:
    # 2023-09-15 -> 2025-09-15: 731 days = 24.016 months (Oslo score: not "< 24 months").
    d = derived.months_since_primary_resection(case(primary={"resection_date": "2023-09-15"}))
    assert d.value == pytest.approx(24.0164, abs=1e-4)
    # 2023-09-17 -> 729 days = 23.951 months.
    d = derived.months_since_primary_resection(case(primary={"resection_date": "2023-09-17"}))
    assert d.value == pytest.approx(23.9507, abs=1e-4)
    d = derived.months_since_primary_resection(case(primary={"status": "in_situ"}))
    assert (d.value, d.missing) == (None, ())
    d = derived.months_since_primary_resection(case(primary={"status": "resected"}))
    assert (d.value, d.missing) == (None, ("primary.resection_date",))


def test_chemotherapy_lines() -> None:
    c = case(
        treatments=[
            {"type": "chemotherapy", "line": 1},
            {"type": "chemotherapy", "line": 1},
            {"type": "hepatectomy"},
            {"type": "targeted", "line": 2},
            {"type": "chemotherapy"},
        ]
    )
    d = derived.chemotherapy_lines(c)
    assert (d.value, d.missing) == (2, ("treatments[4].line",))
    assert derived.chemotherapy_lines(case(treatments=[])).value == 0
    assert derived.chemotherapy_lines(case()).value is None


def test_age() -> None:
    assert derived.age_years(case(patient={"age_years": 70})).value == 70
    assert derived.age_years(case()).missing == ("patient.age_years",)


def test_derived_is_frozen_and_knows_when_complete() -> None:
    d = derived.Derived(3, (), "x")
    assert d.known
    assert not derived.Derived(3, ("a",)).known
    with pytest.raises(AttributeError):
        d.value = 4  # type: ignore[misc]
