"""``livermdt assess`` (single, batch, JSON Lines, invalid inputs) and ``livermdt rules``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from livermdt.about import DISCLAIMER
from livermdt.cli.main import main
from livermdt.engine.rules_doc import render_rules_markdown

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden" / "cases"
ONE = GOLDEN / "g01-resectable-fong1.json"
INVALID = {
    "schema": "livermdt/case/v1",
    "id": "bad",
    "discussion_date": "2025-09-15",
    "patient": {"weight_kg": -62},
    "labs": {"cea": 3},
}


def test_single_file_json_prints_the_assessment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(ONE), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["case_id"] == "g01-resectable-fong1"
    assert doc["resectability"]["category"] == "resectable"


def test_text_is_the_default_and_carries_the_notice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["assess", str(ONE)]) == 0
    out = capsys.readouterr().out
    assert "Resectability: RESECTABLE" in out
    assert DISCLAIMER in out


def test_batch_jsonl_reports_invalid_and_continues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cases"
    folder.mkdir()
    shutil.copy(ONE, folder / "a.json")
    shutil.copy(GOLDEN / "g31-ecog3-bsc.json", folder / "c.json")
    (folder / "b.json").write_text(json.dumps(INVALID), encoding="utf-8")
    (folder / "notes.txt").write_text("not a case", encoding="utf-8")
    assert main(["assess", str(folder), "--format", "jsonl"]) == 2
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line.get("case_id") for line in lines] == [
        "g01-resectable-fong1",
        None,
        "g31-ecog3-bsc",
    ]
    assert lines[1]["case_file"].endswith("b.json")
    assert any("patient.weight_kg" in e for e in lines[1]["errors"])
    assert any("labs.cea" in e for e in lines[1]["errors"])
    assert "b.json" in captured.err and "patient.weight_kg" in captured.err


def test_out_file_and_json_array_for_many(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code = main(["assess", str(ONE), str(GOLDEN / "g38-dmmr.json"), "-f", "json", "-o", str(out)])
    assert code == 0
    docs = json.loads(out.read_text(encoding="utf-8"))
    assert [d["case_id"] for d in docs] == ["g01-resectable-fong1", "g38-dmmr"]


def test_only_invalid_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    assert main(["assess", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err


def test_rules_check_detects_a_stale_file(tmp_path: Path) -> None:
    target = tmp_path / "rules.md"
    assert main(["rules", "--out", str(target)]) == 0
    assert main(["rules", "--check", "--out", str(target)]) == 0
    target.write_text("stale\n", encoding="utf-8")
    assert main(["rules", "--check", "--out", str(target)]) == 1


def test_checked_in_rules_reference_is_current() -> None:
    current = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == render_rules_markdown(), "run `livermdt rules` and commit docs/rules.md"
