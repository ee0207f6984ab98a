"""The code in docs/case.md runs, and the console transcript there is what the CLI prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from livermdt.cli.main import main
from tests.conftest import ROOT

DOC = ROOT / "docs" / "case.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_python_examples_run(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = _blocks("python")
    assert blocks
    monkeypatch.chdir(ROOT)
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), {})


def test_validate_transcript(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    transcript = _blocks("console")[0].splitlines()
    assert transcript[0] == "$ livermdt validate examples/*.json"
    expected = transcript[1 : transcript.index("$ echo $?")]
    monkeypatch.chdir(ROOT)
    files = sorted(str(p.relative_to(ROOT)) for p in Path(ROOT, "examples").glob("*.json"))
    assert main(["validate", *files]) == int(transcript[transcript.index("$ echo $?") + 1])
    assert capsys.readouterr().out.splitlines() == expected


def test_error_lines_in_the_docs_are_real() -> None:
    from livermdt.case import parse_case
    from livermdt.errors import CaseValidationError

    documented = _blocks("text")[0].splitlines()
    doc = {
        "schema": "livermdt/case/v1",
        "discussion_date": "2025-09-15",
        "patient": {"age_years": "63"},
        "primary": {"diagnosis_date": "2024-01-10", "resection_date": "2024-01-01"},
        "liver_metastases": {
            "lesions": [{"id": "L1", "segments": [2]}, {"id": "L2", "segments": [9]}]
        },
        "labs": {"cea": 7.5},
        "biomarkers": {"kras": "wildtype"},
    }
    with pytest.raises(CaseValidationError) as exc:
        parse_case(doc)
    assert sorted(exc.value.problems) == sorted(documented)
