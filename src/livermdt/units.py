"""The one place for unit conversions. Every physical quantity in livermdt carries its unit in
its name; fractions are fractions (0.24, not 24)."""

from __future__ import annotations

#: Bilirubin molar mass 584.66 g/mol: 1 mg/dL = 17.104 µmol/L.
_BILIRUBIN_UMOL_L_PER_MG_DL = 17.104


def bilirubin_mg_dl_to_umol_l(value_mg_dl: float) -> float:
    return value_mg_dl * _BILIRUBIN_UMOL_L_PER_MG_DL


def bilirubin_umol_l_to_mg_dl(value_umol_l: float) -> float:
    return value_umol_l / _BILIRUBIN_UMOL_L_PER_MG_DL


def mm3_to_ml(volume_mm3: float) -> float:
    """1 mL = 1 cm³ = 1000 mm³."""
    return volume_mm3 / 1000.0


def ml_to_mm3(volume_ml: float) -> float:
    return volume_ml * 1000.0


def mm_to_cm(length_mm: float) -> float:
    return length_mm / 10.0


def cm_to_mm(length_cm: float) -> float:
    return length_cm * 10.0


def days_to_weeks(days: float) -> float:
    return days / 7.0
