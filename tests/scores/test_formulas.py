"""A1 formulas against values worked by hand from their definitions."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from livermdt.scores import (
    bsa_dubois,
    bsa_mosteller,
    degree_of_hypertrophy,
    kinetic_growth_rate,
    standardised_flr,
    telv_vauthey,
)
from livermdt.scores.formulas import tumour_burden_score


def test_bsa_mosteller_worked_example() -> None:
    # Mosteller (NEJM 1987;317:1098): sqrt(160 x 62 / 3600) = sqrt(2.755556) = 1.659987 m2;
    # /work/shared/examples/README.md states 1.660 for this patient.
    assert bsa_mosteller(160, 62) == pytest.approx(1.659987, abs=1e-6)
    # sqrt(180 x 80 / 3600) = sqrt(4) = 2 exactly.
    assert bsa_mosteller(180, 80) == 2.0


def test_bsa_dubois_worked_example() -> None:
    # DuBois (Arch Intern Med 1916;17:863): 0.007184 x 180^0.725 x 80^0.425.
    # ln 180 = 5.192957, x 0.725 = 3.764894, e^ = 43.1591; ln 80 = 4.382027, x 0.425 = 1.862361,
    # e^ = 6.43892; 0.007184 x 43.1591 x 6.43892 = 1.99642 m2.
    assert bsa_dubois(180, 80) == pytest.approx(1.99642, abs=2e-5)
    # DuBois gives less than Mosteller in obesity (Part B 2.1: 3-5% underestimate).
    assert bsa_dubois(170, 130) < bsa_mosteller(170, 130)


def test_telv_vauthey_worked_examples() -> None:
    # Vauthey 2002: -794.41 + 1267.28 x BSA. BSA 2 -> -794.41 + 2534.56 = 1740.15 mL.
    assert telv_vauthey(2.0) == pytest.approx(1740.15, abs=1e-9)
    # Shared example patient: -794.41 + 1267.28 x 1.659987 = 1309.26 mL (README: 1309.3).
    assert telv_vauthey(bsa_mosteller(160, 62)) == pytest.approx(1309.26, abs=0.01)


def test_telv_refuses_a_bsa_without_positive_volume() -> None:
    # The line crosses 0 at 794.41 / 1267.28 = 0.6269 m2.
    with pytest.raises(ValueError, match="no positive TELV"):
        telv_vauthey(0.6)
    assert telv_vauthey(0.63) > 0


def test_standardised_flr_worked_examples() -> None:
    # Shared example 2: 330 / 1309.26 = 0.2520 (README: 0.252); example 1: 1180 / 1309.26 = 0.9013.
    telv = telv_vauthey(bsa_mosteller(160, 62))
    assert standardised_flr(330, telv) == pytest.approx(0.2520, abs=1e-4)
    assert standardised_flr(1180, telv) == pytest.approx(0.9013, abs=1e-4)


def test_standardised_flr_is_not_clamped_above_one() -> None:
    # A remnant larger than the estimate (formula TELV) stays > 1: the estimate is off, say so.
    assert standardised_flr(1500, 1000) == 1.5


def test_degree_of_hypertrophy_and_kgr_worked_example() -> None:
    # Shindoh 2013: DH = (520 - 380) / 1400 = 0.10; KGR = 0.10 / (28 days / 7) = 0.025 per week.
    dh = degree_of_hypertrophy(380, 520, 1400)
    assert dh == pytest.approx(0.10)
    assert kinetic_growth_rate(dh, 28) == pytest.approx(0.025)
    # A shrinking remnant gives a negative DH and KGR.
    assert degree_of_hypertrophy(500, 450, 1000) == pytest.approx(-0.05)


def test_tumour_burden_score_worked_examples() -> None:
    # Sasaki 2018: sqrt(2.4^2 + 1^2) = sqrt(6.76) = 2.6 (shared example 1: TBS 2.60).
    assert tumour_burden_score(24, 1) == pytest.approx(2.6)
    # sqrt(6.4^2 + 2^2) = sqrt(44.96) = 6.7052.
    assert tumour_burden_score(64, 2) == pytest.approx(6.70522, abs=1e-5)
    # 3-4-5 triangle: 30 mm and 4 lesions -> 5.
    assert tumour_burden_score(30, 4) == pytest.approx(5.0)
    assert tumour_burden_score(0, 0) == 0.0


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: bsa_mosteller(-160, 62), "height_cm"),
        (lambda: bsa_mosteller(160, 0), "weight_kg"),
        (lambda: bsa_dubois(float("nan"), 62), "height_cm"),
        (lambda: standardised_flr(-1, 1000), "flr_volume_ml"),
        (lambda: standardised_flr(100, 0), "telv_ml"),
        (lambda: kinetic_growth_rate(0.1, 0), "days"),
        (lambda: kinetic_growth_rate(float("inf"), 7), "degree_of_hypertrophy"),
        (lambda: tumour_burden_score(10, -1), "lesion_count"),
        (lambda: tumour_burden_score(10, True), "lesion_count"),
    ],
)
def test_invalid_arguments_raise(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


heights = st.floats(100, 250)
weights = st.floats(25, 350)


@settings(max_examples=60)
@given(height=heights, weight=weights, extra=st.floats(0.1, 50))
def test_bsa_increases_with_height_and_weight(height: float, weight: float, extra: float) -> None:
    for formula in (bsa_mosteller, bsa_dubois):
        assert formula(height + extra, weight) > formula(height, weight)
        assert formula(height, weight + extra) > formula(height, weight)


@settings(max_examples=60)
@given(height=heights, weight=weights)
def test_telv_positive_for_every_valid_patient(height: float, weight: float) -> None:
    # The case model's ranges (height >= 100 cm, weight >= 25 kg) keep BSA above 0.83 m2.
    assert telv_vauthey(bsa_mosteller(height, weight)) > 0
    assert telv_vauthey(bsa_dubois(height, weight)) > 0


@settings(max_examples=80)
@given(telv=st.floats(100, 4000), fraction=st.floats(0, 1))
def test_sflr_in_unit_interval_when_flr_does_not_exceed_telv(telv: float, fraction: float) -> None:
    flr = telv * fraction
    sflr = standardised_flr(flr, telv)
    assert 0.0 <= sflr <= 1.0 + 1e-12
    assert math.isclose(sflr * telv, flr, rel_tol=1e-9, abs_tol=1e-9)


@settings(max_examples=60)
@given(largest=st.floats(0, 300), count=st.integers(0, 50))
def test_tbs_at_least_each_component(largest: float, count: int) -> None:
    tbs = tumour_burden_score(largest, count)
    assert tbs >= count
    assert tbs >= largest / 10 - 1e-12
