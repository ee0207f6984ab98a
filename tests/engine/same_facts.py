"""What "text and JSON carry the same facts" means, checked by tests: every code, evidence id,
case path and number of the JSON assessment appears in the text rendering."""

from __future__ import annotations

import json
from typing import Any

from livermdt.engine import Assessment


def _numbers(value: Any, out: list[str]) -> None:
    if isinstance(value, bool) or value is None:
        return
    if isinstance(value, int | float):
        out.append(json.dumps(value))
    elif isinstance(value, dict):
        for v in value.values():
            _numbers(v, out)
    elif isinstance(value, list):
        for v in value:
            _numbers(v, out)


def json_facts_missing_from_text(a: Assessment, text: str) -> list[str]:
    doc = a.to_json_dict()
    facts: list[str] = [doc["case_id"], doc["resectability"]["category"]]
    for reason in doc["resectability"]["reasons"]:
        facts += [reason["code"], reason["text"], *reason["evidence"]]
    for rec in doc["recommendations"]:
        facts += [rec["code"], rec["strength"].upper().replace("_", " "), rec["rationale"]]
        facts += rec["evidence"]
    for item in doc["missing_data"]:
        facts += [item["field"], item["why"]]
    for item in doc["what_would_change"]:
        facts += [item["field"], item["if"], item["then"]]
    for eid, record in doc["evidence"].items():
        facts += [eid, record["citation"]]
    facts += list(doc["scores"])
    numbers: list[str] = []
    _numbers(doc["flr"], numbers)
    _numbers(doc["scores"], numbers)
    _numbers(doc["response"], numbers)
    facts += numbers
    return [f for f in facts if f not in text]
