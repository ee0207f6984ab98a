"""The Python examples of docs/imaging.md before "## Resection planning" run as written."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "imaging.md"


def _examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8").split("## Resection planning")[0]
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


def test_the_volumetry_examples_run() -> None:
    examples = _examples()
    assert examples, "docs/imaging.md lost its volumetry example"
    for code in examples:
        exec(compile(code, str(DOC), "exec"), {})
