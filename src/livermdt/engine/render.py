"""Text rendering of an assessment for a person. It carries the same facts as the JSON (a test
checks that every code, evidence id and number of the JSON appears here), then the notice that
livermdt supports and does not replace the MDT's judgement."""

from __future__ import annotations

import json
import math
from typing import Any

from livermdt.about import DISCLAIMER
from livermdt.engine.model import Assessment

_LABEL = {
    "resectable": "RESECTABLE",
    "potentially_resectable": "POTENTIALLY RESECTABLE",
    "unresectable": "UNRESECTABLE",
    "undetermined": "UNDETERMINED",
}


def _value(value: Any) -> str:
    """A JSON value written exactly as the JSON writes it (numbers keep every digit)."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)  # what json.dumps writes for a finite float
    return json.dumps(value, ensure_ascii=False)


def _pairs(block: dict[str, Any], skip: tuple[str, ...] = ()) -> str:
    parts: list[str] = []
    for key, value in block.items():
        if key in skip:
            continue
        if isinstance(value, dict):
            inner = _pairs(value)
            parts.append(f"{key}={{{inner}}}")
        elif isinstance(value, list):
            items = (_pairs(v) if isinstance(v, dict) else _value(v) for v in value)
            parts.append(f"{key}=[{', '.join(items)}]")
        else:
            parts.append(f"{key}={_value(value)}")
    return ", ".join(parts)


def render_text(assessment: Assessment) -> str:
    """The assessment as plain text (the default output of ``livermdt assess``)."""
    a = assessment.json_view(copy=False)  # read only: no copy needed
    lines: list[str] = []
    add = lines.append
    add(f"livermdt assessment of case {a['case_id']}")
    add(f"engine {a['engine_version']}, knowledge {a['knowledge_version']}, schema {a['schema']}")
    add("")
    res = a["resectability"]
    add(f"Resectability: {_LABEL[res['category']]} ({res['category']})")
    for r in res["reasons"]:
        add(f"  - [{r['code']}] {r['text']} [{', '.join(r['evidence'])}]")
    add("")
    flr = a["flr"]
    add("Future liver remnant: " + (_pairs(flr) if flr else "not computed"))
    add("")
    add("Scores:")
    for key, score in a["scores"].items():
        add(f"  {key}: {_pairs(score)}")
    add("")
    response = a["response"]
    add("Response (RECIST 1.1): " + (_pairs(response) if response else "not assessed"))
    add("")
    add("Recommendations:")
    for rec in a["recommendations"]:
        add(f"  {rec['strength'].upper().replace('_', ' ')}: {rec['code']}")
        add(f"      {rec['rationale']}")
        add(f"      evidence: {', '.join(rec['evidence'])}")
    if not a["recommendations"]:
        add("  none")
    add("")
    add("Missing data:")
    for item in a["missing_data"]:
        add(f"  - {item['field']}: {item['why']}")
    if not a["missing_data"]:
        add("  none")
    add("")
    add("What would change the advice:")
    for item in a["what_would_change"]:
        add(f"  - if {item['field']} {item['if']}: {item['then']}")
    if not a["what_would_change"]:
        add("  none")
    add("")
    add("Evidence:")
    for key, entry in a["evidence"].items():
        handle = ", ".join(
            f"{k} {entry[k]}" for k in ("doi", "pmid", "pmcid", "url") if entry.get(k)
        )
        status = "" if entry.get("verified", True) else " [unverified]"
        add(f"  [{key}] {entry.get('citation', '')}{'; ' + handle if handle else ''}{status}")
    add("")
    add(DISCLAIMER)
    return "\n".join(lines) + "\n"
