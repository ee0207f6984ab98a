"""Body size and liver volume formulas (knowledge base A1; Part B 2.1), as pure functions.

Nothing is rounded here: rounding is for display only. Invalid arguments (a negative volume, a
zero TELV) raise ``ValueError``: callers pass validated case values, so such a call is a bug.
"""

from __future__ import annotations

import math

from livermdt.units import days_to_weeks, mm_to_cm

#: Vauthey 2002 (Liver Transpl), TELV (mL) = -794.41 + 1267.28 x BSA (m2); verified through
#: J Surg Oncol 2019;119:594 (doi 10.1002/jso.25430). Evidence id ``vauthey-2002-telv``.
TELV_INTERCEPT_ML = -794.41
TELV_SLOPE_ML_PER_M2 = 1267.28


def _positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive finite number (got {value!r})")


def _non_negative(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
        raise ValueError(f"{name} must be a non-negative finite number (got {value!r})")


def bsa_mosteller(height_cm: float, weight_kg: float) -> float:
    """Body surface area (m2), Mosteller (N Engl J Med 1987;317:1098): sqrt(height x weight / 3600).
    Evidence ``mosteller-1987-bsa``."""
    _positive("height_cm", height_cm)
    _positive("weight_kg", weight_kg)
    return math.sqrt(height_cm * weight_kg / 3600.0)


def bsa_dubois(height_cm: float, weight_kg: float) -> float:
    """Body surface area (m2), DuBois (Arch Intern Med 1916;17:863):
    0.007184 x height^0.725 x weight^0.425. Underestimates by 3-5% in obesity.
    Evidence ``dubois-1916-bsa``."""
    _positive("height_cm", height_cm)
    _positive("weight_kg", weight_kg)
    return 0.007184 * math.pow(height_cm, 0.725) * math.pow(weight_kg, 0.425)


def telv_vauthey(bsa_m2: float) -> float:
    """Total estimated liver volume (mL), Vauthey 2002: -794.41 + 1267.28 x BSA.

    The line crosses zero at BSA 0.627 m2, far below any adult (the case model accepts height
    >= 100 cm and weight >= 25 kg, BSA >= 0.83 m2); a BSA at or below it raises ``ValueError``."""
    _positive("bsa_m2", bsa_m2)
    telv = TELV_INTERCEPT_ML + TELV_SLOPE_ML_PER_M2 * bsa_m2
    if telv <= 0:
        raise ValueError(f"BSA {bsa_m2!r} m2 gives no positive TELV (Vauthey formula)")
    return telv


def standardised_flr(flr_volume_ml: float, telv_ml: float) -> float:
    """sFLR = FLR volume / TELV, a fraction (Vauthey, Surgery 2000;127:512).

    Not clamped: a remnant larger than the estimated total liver volume gives sFLR > 1, which says
    the estimate is off for this patient (the remnant is then ample by volume); see docs/scores.md.
    """
    _non_negative("flr_volume_ml", flr_volume_ml)
    _positive("telv_ml", telv_ml)
    return flr_volume_ml / telv_ml


def degree_of_hypertrophy(flr_before_ml: float, flr_after_ml: float, telv_ml: float) -> float:
    """DH = sFLR after - sFLR before = (FLR after - FLR before) / TELV, a fraction (Shindoh, J Am
    Coll Surg 2013;216:201). Negative when the remnant shrank."""
    _non_negative("flr_before_ml", flr_before_ml)
    _non_negative("flr_after_ml", flr_after_ml)
    _positive("telv_ml", telv_ml)
    return (flr_after_ml - flr_before_ml) / telv_ml


def kinetic_growth_rate(degree_of_hypertrophy: float, days: float) -> float:
    """KGR = DH / weeks from the procedure to the follow-up scan, a fraction per week (Shindoh
    2013: 2 %/week = 0.02 per week)."""
    if not math.isfinite(degree_of_hypertrophy):
        raise ValueError(f"degree_of_hypertrophy must be finite (got {degree_of_hypertrophy!r})")
    _positive("days", days)
    return degree_of_hypertrophy / days_to_weeks(days)


def tumour_burden_score(largest_diameter_mm: float, lesion_count: int) -> float:
    """Tumour Burden Score (Sasaki, Ann Surg 2018;267:132): sqrt((largest diameter in cm)^2 +
    (number of liver lesions)^2); the diameter is converted from mm to cm (Part C, C6)."""
    _non_negative("largest_diameter_mm", largest_diameter_mm)
    if isinstance(lesion_count, bool) or not isinstance(lesion_count, int) or lesion_count < 0:
        raise ValueError(f"lesion_count must be a non-negative integer (got {lesion_count!r})")
    return math.hypot(mm_to_cm(largest_diameter_mm), lesion_count)
