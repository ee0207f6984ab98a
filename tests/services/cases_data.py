"""Valid and invalid case documents for the store and API tests (from the shared examples)."""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any


def demo_document(n: int = 1) -> dict[str, Any]:
    """One of the synthetic demo case documents shipped with the package (valid case-v1)."""
    folder = resources.files("livermdt.services").joinpath("demo_cases")
    doc: dict[str, Any] = json.loads(folder.joinpath(f"demo-{n}.json").read_text())
    return doc


def edited(doc: dict[str, Any], cea_ng_ml: float) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    new.setdefault("labs", {})["cea_ng_ml"] = cea_ng_ml
    return new


def invalid_document() -> dict[str, Any]:
    """Example 4 of the shared set: three problems (segment 0, negative weight, unknown key)."""
    doc = demo_document(1)
    doc["liver_metastases"]["lesions"][0]["segments"] = [0]
    doc["patient"]["weight_kg"] = -62
    doc["labs"]["cea"] = doc["labs"].pop("cea_ng_ml")
    return doc
