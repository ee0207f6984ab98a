"""The rule registry documents what the rules really cite and read (it is the source of
docs/rules.md), and everything it names resolves in the knowledge base."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from livermdt.engine.registry import PROPOSAL_RULES, RESECTABILITY_RULES, RULES
from livermdt.knowledge import all_evidence, get_evidence, threshold

RULES_DIR = Path(__file__).resolve().parents[2] / "src" / "livermdt" / "engine" / "rules"
_LITERAL = re.compile(r'"([a-z0-9][a-z0-9_.-]*)"')


def _literals() -> set[str]:
    out: set[str] = set()
    for path in RULES_DIR.glob("*.py"):
        out |= set(_LITERAL.findall(path.read_text(encoding="utf-8")))
    return out


def test_every_evidence_id_cited_in_rule_code_is_documented_in_the_registry() -> None:
    known = set(all_evidence())
    cited = _literals() & known
    documented = {e for rule in RULES for e in rule.evidence}
    assert cited, "the scan found no evidence ids: the pattern is wrong"
    assert sorted(cited - documented) == []


def test_every_threshold_read_in_rule_code_is_documented() -> None:
    from livermdt.knowledge import default_thresholds

    names = set(default_thresholds())
    read = _literals() & names
    documented = {t for rule in RULES for t in rule.thresholds}
    assert read
    assert sorted(read - documented) == []


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.rule_id)
def test_registry_entries_resolve(rule: object) -> None:
    from livermdt.engine.findings import RuleSpec

    assert isinstance(rule, RuleSpec)
    assert rule.conditions and rule.outputs and rule.evidence
    for eid in rule.evidence:
        get_evidence(eid)
    for name in rule.thresholds:
        threshold(name)


def test_rule_ids_are_unique_and_every_rule_runs() -> None:
    ids = [r.rule_id for r in RULES]
    assert len(ids) == len(set(ids))
    assert len(RULES) == len(RESECTABILITY_RULES) + len(PROPOSAL_RULES)
