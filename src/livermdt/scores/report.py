"""The ``livermdt scores`` report: the FLR, score and response blocks of one case with their
evidence, as a JSON object or as text for a person (the same facts in both; the text in the lines of
``livermdt.scores.display``, which ``livermdt assess`` prints too)."""

from __future__ import annotations

from typing import Any

from livermdt.about import DISCLAIMER
from livermdt.case.model import Case
from livermdt.knowledge import KNOWLEDGE_VERSION, ThresholdTable, resolve_evidence
from livermdt.scores._common import unique
from livermdt.scores.display import flr_lines, response_lines, score_lines
from livermdt.scores.flr import BsaMethod, compute_flr
from livermdt.scores.prognostic import compute_scores
from livermdt.scores.recist import compute_response

SCHEMA = "livermdt/scores/v1"


def scores_report(
    case: Case, *, bsa_method: BsaMethod = "mosteller", thresholds: ThresholdTable | None = None
) -> dict[str, Any]:
    """``{"schema", "case_id", "discussion_date", "knowledge_version", "flr", "scores",
    "response", "evidence"}``; ``evidence`` resolves every id cited in the blocks."""
    flr = compute_flr(case, bsa_method=bsa_method, thresholds=thresholds)
    response = compute_response(case, thresholds)
    scores = compute_scores(case, thresholds, response=response)
    ids = unique(
        [
            *flr.evidence,
            *(e for r in flr.required_sflr_reasons for e in r.evidence),
            *(e for s in scores.values() for e in s.evidence),
            *(response.evidence if response else ()),
        ]
    )
    return {
        "schema": SCHEMA,
        "case_id": case.id,
        "discussion_date": case.discussion_date.isoformat(),
        "knowledge_version": KNOWLEDGE_VERSION,
        "flr": flr.model_dump(mode="json"),
        "scores": {k: v.model_dump(mode="json") for k, v in scores.items()},
        "response": response.model_dump(mode="json") if response else None,
        "evidence": {k: v.as_json() for k, v in resolve_evidence(ids).items()},
    }


def render_scores_text(report: dict[str, Any]) -> str:
    """The report for a person; every fact of the JSON report, with the decision-support notice."""
    lines = [
        f"livermdt scores: case {report['case_id']} (discussion {report['discussion_date']}, "
        f"knowledge {report['knowledge_version']})",
        DISCLAIMER,
        "",
        "Future liver remnant",
        *flr_lines(report["flr"]),
        "",
        "Prognostic scores (not computed = an input is missing; never a partial sum)",
    ]
    for key, score in report["scores"].items():
        lines.extend(score_lines(key, score))
    lines.extend(["", "Response (RECIST 1.1, from restaging)", *response_lines(report["response"])])
    lines.extend(["", "Evidence"])
    for evidence_id, record in report["evidence"].items():
        handles = [
            f"doi {record['doi']}" if record["doi"] else "",
            f"PMID {record['pmid']}" if record["pmid"] else "",
            record["pmcid"] or "",
        ]
        handle = "; ".join(h for h in handles if h) or "no DOI/PMID in the knowledge base"
        status = "verified" if record["verified"] else "UNVERIFIED"
        lines.append(f"  [{evidence_id}] {record['citation']} ({handle}) [{status}]")
    return "\n".join(lines) + "\n"
