"""The three shared examples and what ``examples/README.md`` says a correct engine concludes."""

from __future__ import annotations

from pathlib import Path

import pytest

from livermdt.case import load_case
from livermdt.engine import Assessment, assess


def _assess(shared_dir: Path, name: str) -> Assessment:
    return assess(load_case(shared_dir / "examples" / name))


def _strength(a: Assessment, code: str) -> str | None:
    rec = a.recommendation(code)
    return rec.strength if rec else None


def test_example_1_resectable(shared_dir: Path) -> None:
    a = _assess(shared_dir, "example-1-resectable.json")
    assert a.resectability.category == "resectable"
    assert a.scores["fong_crs"]["value"] == 1
    assert a.flr["sflr"] == pytest.approx(0.901, abs=5e-4)
    assert a.flr["required_sflr"] == 0.20
    assert _strength(a, "upfront_hepatectomy") == "recommended"
    assert _strength(a, "hepatectomy") == "recommended"
    assert _strength(a, "perioperative_chemotherapy") in (None, "consider")
    assert _strength(a, "anti_egfr") == "not_recommended"
    assert _strength(a, "thermal_ablation") == "consider"
    assert a.recommendations[0].code == "upfront_hepatectomy"


def test_example_2_small_remnant(shared_dir: Path) -> None:
    a = _assess(shared_dir, "example-2-small-remnant.json")
    assert a.resectability.category == "potentially_resectable"
    assert [r.code for r in a.resectability.reasons] == ["flr_insufficient"]
    assert a.flr["sflr"] == pytest.approx(0.252, abs=5e-4)
    assert a.flr["required_sflr"] == 0.30
    assert a.scores["fong_crs"]["value"] == 3
    assert _strength(a, "portal_vein_embolization") == "recommended"
    assert _strength(a, "functional_liver_assessment") == "recommended"
    assert _strength(a, "upfront_hepatectomy") is None
    assert _strength(a, "hepatectomy") != "recommended"
    # 0.30 x 1309.26 mL = 392.78 mL, rounded up so that the named volume suffices.
    changes = {(c.field, c.if_) for c in a.what_would_change}
    assert ("volumetry.flr_volume_ml", ">= 392.8") in changes


def test_example_3_dmmr_unresectable(shared_dir: Path) -> None:
    a = _assess(shared_dir, "example-3-dmmr-unresectable.json")
    assert a.resectability.category == "unresectable"
    assert "extrahepatic_unresectable" in [r.code for r in a.resectability.reasons]
    assert _strength(a, "immune_checkpoint_inhibitor") == "recommended"
    assert _strength(a, "palliative_systemic_therapy") == "recommended"
    assert _strength(a, "hepatectomy") in (None, "not_recommended")
    transplant = a.recommendation("liver_transplant_evaluation")
    assert transplant is not None and transplant.strength == "not_recommended"
    assert "extrahepatic" in transplant.rationale and "BRAF" in transplant.rationale
