"""Safety invariants of the engine over always-valid synthetic cases (``tests/strategies.py``).

Each property is a clinical safety rule of Part A that must hold for every case, not just the
golden ones: no EGFR antibody without known wild-type RAS or around a resection of resectable
disease (A4, A5), no recommended hepatectomy when the remnant is inadequate, extrahepatic disease
unresectable or the patient unfit (A2, A3), every statement cited, at most one proposed strategy.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from livermdt.case import Case
from livermdt.engine import Assessment, assess, render_text
from livermdt.engine.core import run_rules
from livermdt.engine.model import ALL_CODES, STRATEGY_CODES
from livermdt.knowledge import get_evidence
from tests.engine.same_facts import json_facts_missing_from_text
from tests.strategies import valid_cases

# Generating a case costs far more than assessing it, so every property is checked on each
# generated case by one driver test (100 examples in all) rather than by seven tests.
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CASES = st.one_of(valid_cases(), valid_cases(complete=True))


def _strength(a: Assessment, code: str) -> str | None:
    rec = a.recommendation(code)
    return rec.strength if rec else None


def check_assess_never_raises_and_names_a_category(case: Case, a: Assessment) -> None:
    assert a.case_id == case.id
    assert a.resectability.category in {
        "resectable",
        "potentially_resectable",
        "unresectable",
        "undetermined",
    }
    assert all(r.code in ALL_CODES for r in a.recommendations)
    assert len({r.code for r in a.recommendations}) == len(a.recommendations)


def check_no_egfr_antibody_without_wild_type_ras_or_around_resection(
    case: Case, a: Assessment
) -> None:
    strength = _strength(a, "anti_egfr")
    bm = case.biomarkers
    kras = bm.kras if bm else None
    nras = bm.nras if bm else None
    ras_wild_type = kras == "wild_type" and nras == "wild_type"
    if not ras_wild_type or a.resectability.category == "resectable":
        assert strength in (None, "not_recommended"), (kras, nras, strength)


def check_no_recommended_hepatectomy_when_unsafe(case: Case, a: Assessment) -> None:
    if _strength(a, "hepatectomy") != "recommended":
        return
    assert a.flr.get("adequate") is not False
    ehd = case.extrahepatic_disease
    assert ehd is not None and ehd.present is not None
    assert not (ehd.present and ehd.resectable is not True)
    p = case.patient
    assert p is not None
    assert p.ecog is None or p.ecog < 3
    assert a.resectability.category == "resectable"
    planned = case.volumetry.planned_resection if case.volumetry else None
    major = bool(planned and planned.segments_removed and len(planned.segments_removed) >= 3)
    if major:
        assert p.fit_for_major_surgery is not False


def check_every_statement_cites_evidence_that_resolves(case: Case, a: Assessment) -> None:
    for item in [*a.resectability.reasons, *a.recommendations]:
        assert item.evidence, item
        for eid in item.evidence:
            assert eid in a.evidence
            get_evidence(eid)
    for eid, record in a.evidence.items():
        assert record["citation"], eid


def check_at_most_one_strategy_recommended_and_it_comes_first(case: Case, a: Assessment) -> None:
    proposed = [
        r for r in a.recommendations if r.code in STRATEGY_CODES and r.strength == "recommended"
    ]
    assert len(proposed) <= 1
    if proposed:
        assert a.recommendations[0] == proposed[0]


def check_qualifiers_never_replace_hepatectomy(case: Case, a: Assessment) -> None:
    order = {"recommended": 0, "consider": 1}
    hep = _strength(a, "hepatectomy")
    for code in ("repeat_hepatectomy", "laparoscopic_hepatectomy", "upfront_hepatectomy"):
        strength = _strength(a, code)
        if strength in order:
            assert hep in order, (code, strength, hep)
            assert order[hep] <= order[strength]


def check_text_and_json_carry_the_same_facts(case: Case, a: Assessment) -> None:
    assert json_facts_missing_from_text(a, render_text(a)) == []


def check_resectable_only_when_every_a3_criterion_holds(case: Case, a: Assessment) -> None:
    """A3: resectable = the plan clears all disease, the remnant is adequate, the patient is fit,
    extrahepatic disease (if any) is resectable, and there is no progression."""
    if a.resectability.category != "resectable":
        return
    _, _, situation = run_rules(case)
    pic, f = situation.pic, situation.f
    assert pic.clears is True
    assert pic.remnant_adequate is True
    assert not (pic.function_bars_major and pic.major is not False)
    assert f.extrahepatic_present is False or f.extrahepatic_resectable is True
    assert (a.response or {}).get("category") != "PD"
    assert not f.pve_progression


CHECKS = (
    check_resectable_only_when_every_a3_criterion_holds,
    check_assess_never_raises_and_names_a_category,
    check_no_egfr_antibody_without_wild_type_ras_or_around_resection,
    check_no_recommended_hepatectomy_when_unsafe,
    check_every_statement_cites_evidence_that_resolves,
    check_at_most_one_strategy_recommended_and_it_comes_first,
    check_qualifiers_never_replace_hepatectomy,
    check_text_and_json_carry_the_same_facts,
)


@SETTINGS
@given(CASES)
def test_safety_properties(case: Case) -> None:
    a = assess(case)  # assess never raises on a valid case
    for check in CHECKS:
        check(case, a)


def test_safety_properties_on_seeded_benchmark_documents() -> None:
    """The same checks over 150 documents of the benchmark's seeded generator, which reaches
    every category and both sides of the EGFR and hepatectomy rules (asserted, so the checks
    above cannot pass vacuously)."""
    from benchmarks.bench_assess import generate

    from livermdt.case import parse_case

    seen: set[tuple[str, str]] = set()
    for doc in generate(150, seed=11):
        case = parse_case(doc)
        a = assess(case)
        for check in CHECKS:
            check(case, a)
        seen.add(("category", a.resectability.category))
        for rec in a.recommendations:
            seen.add((rec.code, rec.strength))
    for needed in [
        ("category", "resectable"),
        ("category", "potentially_resectable"),
        ("category", "unresectable"),
        ("category", "undetermined"),
        ("hepatectomy", "recommended"),
        ("anti_egfr", "recommended"),
        ("anti_egfr", "not_recommended"),
        ("portal_vein_embolization", "recommended"),
    ]:
        assert needed in seen, needed
