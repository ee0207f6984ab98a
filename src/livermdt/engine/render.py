"""Text rendering of an assessment for a person, as read at the meeting: FLR, scores and response
in the lines of ``livermdt.scores.display`` (percentages, numbers rounded to what is measured).
It carries the same facts as the JSON (a test checks that every code, evidence id, case path and
number of the JSON appears here, numbers at their displayed precision), then the notice that
livermdt supports and does not replace the MDT's judgement. The JSON is never rounded."""

from __future__ import annotations

from livermdt.about import DISCLAIMER
from livermdt.engine.model import Assessment
from livermdt.scores.display import flr_lines, response_lines, score_lines

_LABEL = {
    "resectable": "RESECTABLE",
    "potentially_resectable": "POTENTIALLY RESECTABLE",
    "unresectable": "UNRESECTABLE",
    "undetermined": "UNDETERMINED",
}


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
    add("Future liver remnant:")
    lines.extend(flr_lines(a["flr"]) if a["flr"] else ["  not computed"])
    add("")
    add("Scores (not computed = an input is missing; never a partial sum):")
    for key, score in a["scores"].items():
        lines.extend(score_lines(key, score))
    add("")
    add("Response (RECIST 1.1):")
    lines.extend(response_lines(a["response"]))
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
