"""``livermdt scores`` and the rule that every evidence id cited by this part resolves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from livermdt.about import DISCLAIMER
from livermdt.cli.main import main
from livermdt.knowledge import all_evidence, default_thresholds, get_evidence
from livermdt.scores.report import render_scores_text, scores_report
from tests.engine.same_facts import block_facts
from tests.scores._cases import case

SCORES_SRC = Path(__file__).resolve().parents[2] / "src" / "livermdt" / "scores"


def test_json_output(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_dir / "examples" / "example-2-small-remnant.json"
    assert main(["scores", str(path), "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["case_id"] == "example-2-small-remnant"
    assert report["flr"]["required_sflr"] == 0.30
    assert report["flr"]["sflr"] == pytest.approx(0.252, abs=5e-4)
    assert report["scores"]["fong_crs"]["value"] == 3
    assert report["response"] is None
    cited = set(report["flr"]["evidence"])
    for block in report["scores"].values():
        cited |= set(block["evidence"])
    assert cited <= set(report["evidence"])
    for evidence_id, record in report["evidence"].items():
        assert record["citation"] == get_evidence(evidence_id).citation


def test_text_output_carries_the_notice_and_the_facts(
    shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_dir / "examples" / "example-1-resectable.json"
    assert main(["scores", str(path)]) == 0
    out = capsys.readouterr().out
    assert DISCLAIMER in out
    assert (
        "sFLR 90.1% of TELV 1309.3 mL (FLR 1180 mL) — 20% required (normal liver) → adequate; "
        "BSA 1.66 m² (Mosteller)"
    ) in out
    assert "Fong clinical risk score [fong_crs]: 1/5 (low risk) — scored: node positive +1" in out
    assert "Tumour Burden Score [tumour_burden_score]: 2.60" in out
    assert "1.6599866130651644" not in out  # the JSON keeps every digit, the text does not
    assert "[fong-1999-crs]" in out
    assert "UNVERIFIED" in out  # kishi-2009-sflr backs the 0.20 default


def test_text_and_json_carry_the_same_scores() -> None:
    report = scores_report(case())
    text = render_scores_text(report)
    assert [f for f in block_facts(report) if f not in text] == []
    for key, block in report["scores"].items():
        assert f"[{key}]" in text
        for path in block["missing"]:
            assert path in text
    for evidence_id in report["evidence"]:
        assert f"[{evidence_id}]" in text


def test_dubois_option(shared_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_dir / "examples" / "example-1-resectable.json"
    assert main(["scores", str(path), "-f", "json", "--bsa", "dubois"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["flr"]["bsa_method"] == "dubois"
    assert "dubois-1916-bsa" in report["evidence"]


def test_invalid_case_exits_2_with_every_problem(
    shared_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = shared_dir / "examples" / "example-4-invalid.json"
    assert main(["scores", str(path)]) == 2
    err = capsys.readouterr().err
    assert "patient.weight_kg" in err
    assert "liver_metastases.lesions[0].segments[0]" in err
    assert "labs.cea" in err


def test_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scores", str(tmp_path / "absent.json")]) == 2
    assert "absent.json" in capsys.readouterr().err


# --- every evidence id cited in this part resolves -------------------------------------------

_ID_LITERAL = re.compile(r"\"([a-z0-9]+(?:-[a-z0-9]+){2,})\"")


def test_every_evidence_literal_in_the_scores_source_resolves() -> None:
    found: set[str] = set()
    for source in SCORES_SRC.glob("*.py"):
        found |= set(_ID_LITERAL.findall(source.read_text(encoding="utf-8")))
    assert "fong-1999-crs" in found and "eisenhauer-2009-recist" in found
    registry = all_evidence()
    unresolved = sorted(i for i in found if i not in registry)
    assert unresolved == []


def test_every_threshold_evidence_id_resolves() -> None:
    for t in default_thresholds().values():
        for evidence_id in t.evidence:
            get_evidence(evidence_id)


def test_public_api_is_pinned() -> None:
    import livermdt.knowledge as knowledge
    import livermdt.scores as scores

    assert set(knowledge.__all__) == {
        "KNOWLEDGE_VERSION",
        "Evidence",
        "KnowledgeDataError",
        "Threshold",
        "ThresholdTable",
        "all_evidence",
        "default_thresholds",
        "get_evidence",
        "resolve_evidence",
        "threshold",
    }
    for name in ("compute_flr", "compute_scores", "compute_response", "required_sflr"):
        assert name in scores.__all__
    for name in scores.__all__:
        assert hasattr(scores, name), name
