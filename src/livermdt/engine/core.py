"""``assess(case)``: run the rules, compose their findings into an ``Assessment``.

The engine decides nothing itself. It takes the most severe category the resectability rules
argue for, lets the proposal rules read that category, and merges what they propose: when two
rules speak about the same code, ``not_recommended`` wins over ``recommended``, which wins over
``consider`` (the cautious reading first).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from livermdt.about import __version__
from livermdt.case import Case
from livermdt.engine.facts import build_facts
from livermdt.engine.findings import ChangeF, Findings, MissingF, ReasonF, RecF
from livermdt.engine.model import (
    ALL_CODES,
    CATEGORIES,
    STRATEGY_CODES,
    Assessment,
    Category,
)
from livermdt.engine.registry import PROPOSAL_RULES, RESECTABILITY_RULES
from livermdt.engine.rules._common import picture
from livermdt.engine.rules.surgery import Situation
from livermdt.knowledge import KNOWLEDGE_VERSION, get_evidence

#: Most severe first.
_SEVERITY: tuple[Category, ...] = (
    "unresectable",
    "undetermined",
    "potentially_resectable",
    "resectable",
)
_PRECEDENCE = {"not_recommended": 0, "recommended": 1, "consider": 2}
_STRENGTH_ORDER = {"recommended": 0, "consider": 1, "not_recommended": 2}
_CODE_ORDER = {code: i for i, code in enumerate(ALL_CODES)}


def decide_category(reasons: Iterable[ReasonF]) -> Category:
    levels = {r.level for r in reasons}
    for level in _SEVERITY:
        if level in levels and level != "resectable":
            return level
    return "resectable"


def _shown_reasons(reasons: list[ReasonF], category: Category) -> list[ReasonF]:
    """The reasons at the deciding level; for ``undetermined`` also what already blocks a
    resection (so the MDT sees both what is missing and what is known to be wrong)."""
    rank = {level: i for i, level in enumerate(_SEVERITY)}
    shown: set[Category] = {category}
    if category == "undetermined":
        shown.add("potentially_resectable")
    chosen = [r for r in reasons if r.level in shown]
    return sorted(chosen, key=lambda r: rank[r.level])


def merge_recommendations(recs: Iterable[RecF]) -> list[RecF]:
    """One entry per code: the most cautious strength wins; then ordered with the proposed
    strategy first, then recommended, consider and not_recommended, each by code group."""
    best: dict[str, RecF] = {}
    for rec in recs:
        held = best.get(rec.code)
        if held is None or _PRECEDENCE[rec.strength] < _PRECEDENCE[held.strength]:
            best[rec.code] = rec
        elif held.strength == rec.strength and held is not rec:
            merged_ev = held.evidence + tuple(e for e in rec.evidence if e not in held.evidence)
            best[rec.code] = RecF(held.code, held.strength, held.rationale, merged_ev)

    def key(rec: RecF) -> tuple[int, int, int]:
        proposed = rec.strength == "recommended" and rec.code in STRATEGY_CODES
        return (0 if proposed else 1, _STRENGTH_ORDER[rec.strength], _CODE_ORDER[rec.code])

    return sorted(best.values(), key=key)


def _dedupe_missing(items: Iterable[MissingF]) -> list[MissingF]:
    seen: dict[str, MissingF] = {}
    for item in items:
        seen.setdefault(item.field, item)
    return list(seen.values())


def _dedupe_changes(items: Iterable[ChangeF]) -> list[ChangeF]:
    seen: dict[tuple[str, str], ChangeF] = {}
    for item in items:
        seen.setdefault((item.field, item.condition), item)
    return list(seen.values())


def _block_ids(*blocks: dict[str, Any] | None) -> list[str]:
    """Evidence ids cited by the FLR / response blocks and each score block (their top-level
    ``evidence`` lists; nested reasons cite a subset of these)."""
    out: list[str] = []
    for block in blocks:
        if block:
            out.extend(block.get("evidence") or ())
    return out


@cache
def _evidence_json(evidence_id: str) -> dict[str, Any]:
    return get_evidence(evidence_id).as_json()


def run_rules(case: Case) -> tuple[Category, Findings, Situation]:
    """Run every rule; return the category, all findings, and the situation the proposal rules
    read (exposed for tests and the rules documentation)."""
    facts = build_facts(case)
    pic = picture(facts)
    found = Findings()
    for rule in RESECTABILITY_RULES:
        found.extend(rule.fn(facts, pic))
    category = decide_category(found.reasons)
    if category == "unresectable":
        # What resection planning lacks no longer matters once the disease is unresectable;
        # what treatment needs is listed by the proposal rules.
        found.missing.clear()
    situation = Situation(
        facts, pic, category, frozenset(r.code for r in found.reasons if r.level != "resectable")
    )
    for rule in PROPOSAL_RULES:
        found.extend(rule.fn(situation))
    return category, found, situation


def assess(case: Case) -> Assessment:
    """The engine's reading of one case (assessment-v1). Pure: same case, same assessment."""
    category, found, situation = run_rules(case)
    facts = situation.f
    assert category in CATEGORIES
    reasons = _shown_reasons(found.reasons, category)
    recs = merge_recommendations(found.recommendations)
    cited: dict[str, None] = {}  # an ordered set: first citation first
    for evidence in [r.evidence for r in reasons] + [r.evidence for r in recs]:
        cited.update(dict.fromkeys(evidence))
    cited.update(dict.fromkeys(_block_ids(facts.flr, facts.response, *facts.scores.values())))
    # One validation of the whole object (in pydantic's core) is cheaper than building each part.
    return Assessment.model_validate(
        {
            "case_id": case.id,
            "engine_version": __version__,
            "knowledge_version": KNOWLEDGE_VERSION,
            "resectability": {
                "category": category,
                "reasons": [
                    {"code": r.code, "text": r.text, "evidence": list(r.evidence)} for r in reasons
                ],
            },
            "flr": facts.flr,
            "scores": facts.scores,
            "response": facts.response,
            "recommendations": [
                {
                    "code": r.code,
                    "strength": r.strength,
                    "rationale": r.rationale,
                    "evidence": list(r.evidence),
                }
                for r in recs
            ],
            "missing_data": [
                {"field": m.field, "why": m.why} for m in _dedupe_missing(found.missing)
            ],
            "what_would_change": [
                {"field": c.field, "if": c.condition, "then": c.then}
                for c in _dedupe_changes(found.changes)
            ],
            "evidence": {eid: dict(_evidence_json(eid)) for eid in cited},
        }
    )
