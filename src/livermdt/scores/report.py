"""The ``livermdt scores`` report: the FLR, score and response blocks of one case with their
evidence, as a JSON object or as text for a person (the same facts in both)."""

from __future__ import annotations

from typing import Any

from livermdt.about import DISCLAIMER
from livermdt.case.model import Case
from livermdt.knowledge import KNOWLEDGE_VERSION, ThresholdTable, resolve_evidence
from livermdt.scores._common import unique
from livermdt.scores.flr import BsaMethod, FlrResult, compute_flr
from livermdt.scores.prognostic import ScoreResult, compute_scores
from livermdt.scores.recist import ResponseResult, compute_response

SCHEMA = "livermdt/scores/v1"
_TITLES = {
    "fong_crs": "Fong clinical risk score",
    "tumour_burden_score": "Tumour Burden Score",
    "game": "GAME score",
    "m_cs": "Modified clinical score (m-CS)",
    "oslo_score": "Oslo score",
    "nordlinger": "Nordlinger score",
    "konopke": "Konopke score",
    "nagashima": "Nagashima score",
}


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


def _num(value: float | None, digits: int = 1, unit: str = "") -> str:
    if value is None:
        return "not known"
    text = f"{value:.{digits}f}"
    return f"{text} {unit}".rstrip()


def _pct(fraction: float | None) -> str:
    return "not known" if fraction is None else f"{fraction * 100:+.1f}%"


def _yes_no(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "undetermined"}[value]


def _flr_lines(flr: FlrResult) -> list[str]:
    lines = ["Future liver remnant"]
    lines.append(
        f"  BSA {_num(flr.bsa_m2, 3, 'm2')} ({flr.bsa_method}); "
        f"TELV {_num(flr.telv_ml, 1, 'mL')} (Vauthey)"
    )
    sflr = "not known" if flr.sflr is None else f"{flr.sflr:.3f}"
    lines.append(f"  FLR {_num(flr.flr_volume_ml, 1, 'mL')}; sFLR {sflr}")
    bound = " (at least: missing data could raise it)" if flr.required_sflr_is_lower_bound else ""
    lines.append(
        f"  Required sFLR {flr.required_sflr:.2f}{bound}; adequate: {_yes_no(flr.adequate)}"
    )
    for reason in flr.required_sflr_reasons:
        lines.append(
            f"    {reason.required_sflr:.2f}: {reason.text} [{', '.join(reason.evidence)}]"
        )
    if flr.degree_of_hypertrophy is not None or flr.kgr_per_week is not None:
        dh = (
            "not known" if flr.degree_of_hypertrophy is None else f"{flr.degree_of_hypertrophy:.3f}"
        )
        kgr = "not known" if flr.kgr_per_week is None else f"{flr.kgr_per_week:.4f} per week"
        lines.append(f"  After the procedure: degree of hypertrophy {dh}; KGR {kgr}")
    lines.append(
        "  Major hepatectomy contraindicated (Child-Pugh B/C or portal hypertension): "
        f"{_yes_no(flr.major_hepatectomy_contraindicated)}"
    )
    lines.append(f"  Missing: {', '.join(flr.missing) or 'nothing'}")
    lines.append(f"  Evidence: {', '.join(flr.evidence)}")
    return lines


def _input(value: object) -> str:
    """Display form of a score input: booleans as yes/no, floats to 2 decimals (display only)."""
    if value is None:
        return "not known"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _score_lines(key: str, score: ScoreResult) -> list[str]:
    if score.value is None:
        value = "not computed"
    elif isinstance(score.value, float):
        value = f"{score.value:.2f}"
    else:
        value = str(score.value)
    if score.max is not None and score.value is not None:
        value += f" / {score.max}"
    group = f" ({score.group} risk)" if score.group else ""
    lines = [f"  {_TITLES[key]} [{key}]: {value}{group}"]
    inputs = ", ".join(f"{k} {_input(v)}" for k, v in score.inputs.items())
    lines.append(f"    inputs: {inputs}")
    if score.points:
        lines.append("    points: " + ", ".join(f"{k} {v}" for k, v in score.points.items()))
    if score.missing:
        lines.append(f"    missing: {', '.join(score.missing)}")
    if score.note:
        lines.append(f"    note: {score.note}")
    lines.append(f"    evidence: {', '.join(score.evidence)}")
    return lines


def _response_lines(response: ResponseResult | None) -> list[str]:
    lines = ["Response (RECIST 1.1, from restaging)"]
    if response is None:
        return [*lines, "  Fewer than 2 restaging time points: not assessed."]
    lines.append(f"  Category: {response.category or 'undetermined'}")
    lines.append(
        f"  Target sum: baseline {_num(response.baseline_sum_mm, 1, 'mm')}, "
        f"nadir {_num(response.nadir_sum_mm, 1, 'mm')}, "
        f"current {_num(response.current_sum_mm, 1, 'mm')}"
    )
    lines.append(
        f"  Change from baseline {_pct(response.change_from_baseline)}; "
        f"from nadir {_pct(response.change_from_nadir)}; "
        f"new lesions: {_yes_no(response.new_lesions)}"
    )
    lines.append(
        f"  Targets: {', '.join(response.target_lesion_ids) or 'none'}; "
        f"non-targets: {', '.join(response.non_target_lesion_ids) or 'none'}; "
        f"{response.time_points} time points"
    )
    if response.missing:
        lines.append(f"  Missing: {', '.join(response.missing)}")
    if response.note:
        lines.append(f"  Note: {response.note}")
    lines.append(f"  Evidence: {', '.join(response.evidence)}")
    return lines


def render_scores_text(report: dict[str, Any]) -> str:
    """The report for a person; every fact of the JSON report, with the decision-support notice."""
    flr = FlrResult.model_validate(report["flr"])
    scores = {k: ScoreResult.model_validate(v) for k, v in report["scores"].items()}
    response = ResponseResult.model_validate(report["response"]) if report["response"] else None
    lines = [
        f"livermdt scores: case {report['case_id']} (discussion {report['discussion_date']}, "
        f"knowledge {report['knowledge_version']})",
        DISCLAIMER,
        "",
        *_flr_lines(flr),
        "",
        "Prognostic scores (value None = an input is missing; never a partial sum)",
    ]
    for key, score in scores.items():
        lines.extend(_score_lines(key, score))
    lines.extend(["", *_response_lines(response), "", "Evidence"])
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
