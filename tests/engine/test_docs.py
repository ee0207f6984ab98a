"""The Python example in docs/engine.md runs (on a golden case copied to ``case.json``)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_engine_doc_python_examples_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (ROOT / "docs" / "engine.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    shutil.copy(
        ROOT / "tests" / "golden" / "cases" / "g01-resectable-fong1.json", tmp_path / "case.json"
    )
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        namespace: dict[str, object] = {}
        exec(compile(block, "docs/engine.md", "exec"), namespace)
        assessment = namespace["assessment"]
        assert assessment.resectability.category == "resectable"  # type: ignore[attr-defined]
