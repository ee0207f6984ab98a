"""The Python examples in docs/scores.md and docs/evidence.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _python_blocks(name: str) -> list[str]:
    text = (DOCS / name).read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("name", ["scores.md", "evidence.md"])
def test_python_examples_run(name: str) -> None:
    blocks = _python_blocks(name)
    assert blocks, f"{name} has no python example"
    for block in blocks:
        exec(compile(block, f"docs/{name}", "exec"), {})
