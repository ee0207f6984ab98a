"""Unit conversions, both ways (STYLE.md practice 3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from livermdt import units


def test_bilirubin_reference_value() -> None:
    # 1 mg/dL = 10 mg/L; 10 mg/L / 584.66 g/mol (bilirubin) = 17.104 µmol/L
    assert units.bilirubin_mg_dl_to_umol_l(1.0) == pytest.approx(17.104)
    assert units.bilirubin_umol_l_to_mg_dl(34.208) == pytest.approx(2.0)


def test_volume_and_length() -> None:
    assert units.mm3_to_ml(1_062_450) == pytest.approx(1062.45)
    assert units.ml_to_mm3(1.5) == pytest.approx(1500.0)
    assert units.mm_to_cm(55.0) == pytest.approx(5.5)
    assert units.cm_to_mm(3.0) == pytest.approx(30.0)
    assert units.days_to_weeks(84) == pytest.approx(12.0)


@given(st.floats(min_value=0, max_value=1e9, allow_nan=False))
def test_round_trips(x: float) -> None:
    assert units.ml_to_mm3(units.mm3_to_ml(x)) == pytest.approx(x)
    assert units.cm_to_mm(units.mm_to_cm(x)) == pytest.approx(x)
    assert units.bilirubin_mg_dl_to_umol_l(units.bilirubin_umol_l_to_mg_dl(x)) == pytest.approx(x)
