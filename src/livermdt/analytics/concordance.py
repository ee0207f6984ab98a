"""MDT concordance: how often the recorded decisions followed livermdt's proposal.

Input: one :class:`DecisionEntry` per recorded decision (plain values; the service layer reads
them from the store). The MDT says itself whether its decision follows the proposal
(``follows_proposal``, with a reason when it does not); this module counts, it does not judge.

Measures (``concordance``):
- overall: decisions, following, share following;
- by resectability category of the proposal (resectable, potentially_resectable, ...);
- by recommendation code: for each code the proposal *recommended*, the decisions on such
  proposals, how many followed the proposal, and how many decisions contained that code;
- the deviation reasons, with the category and proposed strategy of each.

When a case was decided more than once at the same meeting, only the latest decision counts
(a later decision corrects an earlier one; both stay in the store).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

#: The strategy codes of assessment-v1 (at most one is ``recommended``).
STRATEGY_CODES = frozenset(
    {
        "upfront_hepatectomy",
        "perioperative_chemotherapy",
        "conversion_chemotherapy",
        "palliative_systemic_therapy",
        "best_supportive_care",
    }
)


@dataclass(frozen=True)
class DecisionEntry:
    """One recorded decision and the proposal the team saw."""

    case_id: str
    meeting_id: str
    recorded_at: datetime
    category: str | None
    recommended_codes: Sequence[str]
    decided_codes: Sequence[str]
    follows_proposal: bool
    deviation_reason: str | None = None

    @property
    def proposed_strategy(self) -> str | None:
        return next((c for c in self.recommended_codes if c in STRATEGY_CODES), None)


def recommended_codes(assessment: dict[str, Any]) -> list[str]:
    """Codes an assessment-v1 result recommends (strength ``recommended``), in its order."""
    out = []
    for rec in assessment.get("recommendations") or []:
        if isinstance(rec, dict) and rec.get("strength") == "recommended" and rec.get("code"):
            out.append(str(rec["code"]))
    return out


@dataclass(frozen=True)
class Share:
    decisions: int
    following: int

    @property
    def share(self) -> float | None:
        return self.following / self.decisions if self.decisions else None

    def to_json(self) -> dict[str, Any]:
        return {"decisions": self.decisions, "following": self.following, "share": self.share}


@dataclass(frozen=True)
class CodeConcordance:
    code: str
    proposals: int
    following: int
    decided_with_code: int

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "proposals": self.proposals,
            "following": self.following,
            "share_following": self.following / self.proposals if self.proposals else None,
            "decided_with_code": self.decided_with_code,
        }


@dataclass(frozen=True)
class Concordance:
    overall: Share
    by_category: dict[str, Share]
    by_code: list[CodeConcordance]
    deviations: list[dict[str, Any]] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "overall": self.overall.to_json(),
            "by_category": {k: v.to_json() for k, v in self.by_category.items()},
            "by_code": [c.to_json() for c in self.by_code],
            "deviation_reasons": self.reasons,
            "deviations": self.deviations,
        }


def latest_per_meeting(entries: Iterable[DecisionEntry]) -> list[DecisionEntry]:
    """The latest decision per (meeting, case)."""
    latest: dict[tuple[str, str], DecisionEntry] = {}
    for e in entries:
        key = (e.meeting_id, e.case_id)
        if key not in latest or e.recorded_at >= latest[key].recorded_at:
            latest[key] = e
    return sorted(latest.values(), key=lambda e: (e.recorded_at, e.case_id))


def concordance(entries: Iterable[DecisionEntry]) -> Concordance:
    """Concordance of the recorded decisions with the proposals (see the module docstring)."""
    decisions = latest_per_meeting(entries)
    overall = Share(len(decisions), sum(d.follows_proposal for d in decisions))
    cat_n: Counter[str] = Counter()
    cat_f: Counter[str] = Counter()
    code_n: Counter[str] = Counter()
    code_f: Counter[str] = Counter()
    code_d: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    deviations: list[dict[str, Any]] = []
    for d in decisions:
        cat = d.category or "undetermined"
        cat_n[cat] += 1
        cat_f[cat] += d.follows_proposal
        for code in dict.fromkeys(d.recommended_codes):
            code_n[code] += 1
            code_f[code] += d.follows_proposal
            code_d[code] += code in d.decided_codes
        if not d.follows_proposal:
            reason = (d.deviation_reason or "").strip() or "(no reason recorded)"
            reasons[reason] += 1
            deviations.append(
                {
                    "case_id": d.case_id,
                    "meeting_id": d.meeting_id,
                    "category": d.category,
                    "proposed_strategy": d.proposed_strategy,
                    "recommended_codes": list(d.recommended_codes),
                    "decided_codes": list(d.decided_codes),
                    "reason": reason,
                }
            )
    by_category = {c: Share(cat_n[c], cat_f[c]) for c in sorted(cat_n)}
    by_code = [
        CodeConcordance(code, code_n[code], code_f[code], code_d[code])
        for code in sorted(code_n, key=lambda c: (-code_n[c], c))
    ]
    ordered_reasons = dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return Concordance(overall, by_category, by_code, deviations, ordered_reasons)
