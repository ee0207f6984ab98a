"""TransMet's "response after >= 3 months of chemotherapy" (A10) when the treatments are not
recorded: unknown, not "0 months" (missing data is information)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from livermdt.case import parse_case
from livermdt.engine import assess
from livermdt.engine.core import run_rules
from livermdt.engine.rules.transplant import criteria

CASE = Path(__file__).parents[1] / "golden" / "cases" / "g46-transplant-age-65.json"


def _chemo_criterion(document: dict[str, Any]) -> Any:
    _, _, situation = run_rules(parse_case(document))
    (found,) = [c for c in criteria(situation) if c.name == "response_on_chemotherapy"]
    return found


def test_recorded_chemotherapy_with_response_meets_the_criterion() -> None:
    # FOLFOX 2025-03-01 to 2025-08-30 (182 days, about 6 months) with a partial response.
    found = _chemo_criterion(json.loads(CASE.read_text()))
    assert found.met is True


def test_treatments_not_recorded_leave_the_criterion_undetermined() -> None:
    document = json.loads(CASE.read_text())
    del document["treatments"]
    found = _chemo_criterion(document)
    assert found.met is None
    assert "treatments" in found.missing
    assert "unknown months" in found.text
    fields = {m["field"] for m in assess(parse_case(document)).to_json_dict()["missing_data"]}
    assert any(f.startswith("treatments") for f in fields)


def test_treatments_recorded_as_none_fail_the_criterion() -> None:
    document = json.loads(CASE.read_text())
    document["treatments"] = []
    found = _chemo_criterion(document)
    assert found.met is False
    assert "0.0 months" in found.text
