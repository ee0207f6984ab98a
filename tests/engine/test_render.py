"""Text and JSON renderings carry the same facts; the JSON is the assessment-v1 object."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.about import DISCLAIMER, __version__
from livermdt.case import load_case
from livermdt.engine import Assessment, assess, render_text
from livermdt.knowledge import KNOWLEDGE_VERSION
from tests.engine.same_facts import json_facts_missing_from_text

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "cases"
SPEC_KEYS = [
    "schema",
    "case_id",
    "engine_version",
    "knowledge_version",
    "resectability",
    "flr",
    "scores",
    "response",
    "recommendations",
    "missing_data",
    "what_would_change",
    "evidence",
]


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json"))[::6], ids=lambda p: p.stem)
def test_text_carries_every_fact_of_the_json(path: Path) -> None:
    a = assess(load_case(path))
    text = render_text(a)
    assert json_facts_missing_from_text(a, text) == []
    assert text.rstrip().endswith(DISCLAIMER)


def test_the_check_itself_notices_a_dropped_fact() -> None:
    a = assess(load_case(GOLDEN / "g06-sflr-0.20-under.json"))
    text = render_text(a).replace("portal_vein_embolization", "pve")
    assert "portal_vein_embolization" in json_facts_missing_from_text(a, text)


def test_the_check_notices_a_number_dropped_or_shown_at_another_precision() -> None:
    a = assess(load_case(GOLDEN / "g15-kgr-0.019.json"))
    text = render_text(a)
    assert json_facts_missing_from_text(a, text) == []
    assert "KGR 1.9%/week" in text and "TELV 1309.3 mL" in text and "BSA 1.66 m²" in text
    assert "degree of hypertrophy 7.6%" in text  # fractions as percentages
    assert "1.6599866130651644" not in text  # JSON precision stays in the JSON
    for shown in ("1.9%", "1309.3", "1.66", "22.9%"):
        dropped = text.replace(shown, "?")
        assert shown in json_facts_missing_from_text(a, dropped), shown
    assert "22.9%" in json_facts_missing_from_text(a, text.replace("22.9%", "23%"))


def test_json_has_the_spec_keys_and_round_trips() -> None:
    a = assess(load_case(GOLDEN / "g48-transplant-cea-80.json"))
    doc = a.to_json_dict()
    assert list(doc) == SPEC_KEYS
    assert doc["schema"] == "livermdt/assessment/v1"
    assert doc["engine_version"] == __version__
    assert doc["knowledge_version"] == KNOWLEDGE_VERSION
    assert doc["what_would_change"] == [
        {"field": "labs.cea_ng_ml", "if": "< 80", "then": doc["what_would_change"][0]["then"]}
    ]
    again = Assessment.model_validate(json.loads(json.dumps(doc)))
    assert again.to_json_dict() == doc
    assert set(doc["scores"]) == {
        "fong_crs",
        "tumour_burden_score",
        "game",
        "m_cs",
        "oslo_score",
        "nordlinger",
        "konopke",
        "nagashima",
    }


def test_public_engine_api_is_small() -> None:
    import livermdt.engine

    assert sorted(livermdt.engine.__all__) == ["Assessment", "assess", "render_text"]
    import livermdt

    assert livermdt.assess is assess


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json"))[::5], ids=lambda p: p.stem)
def test_hand_written_json_dump_equals_pydantic_dump(path: Path) -> None:
    a = assess(load_case(path))
    assert a.to_json_dict() == a.model_dump(mode="json", by_alias=True)
    dumped = a.to_json_dict()
    dumped["flr"]["sflr"] = "changed"
    assert a.flr.get("sflr") != "changed"  # a copy, not the assessment's own dict


@pytest.mark.parametrize("path", sorted(GOLDEN.glob("*.json"))[::4], ids=lambda p: p.stem)
def test_score_blocks_equal_the_pydantic_dump_of_the_models(path: Path) -> None:
    from livermdt.scores import compute_scores, score_blocks

    case = load_case(path)
    models = {k: v.model_dump(mode="json") for k, v in compute_scores(case).items()}
    blocks = score_blocks(case)
    assert blocks == models
    for key, block in blocks.items():
        assert list(block) == list(models[key])  # same key order in the JSON
        assert [type(v) for v in block.values()] == [type(v) for v in models[key].values()]
