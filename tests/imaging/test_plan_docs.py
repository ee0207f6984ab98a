"""The Python examples of docs/imaging.md's "Resection planning" and "Phantoms" sections run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "imaging.md"


def _examples() -> list[str]:
    text = DOC.read_text(encoding="utf-8")
    mine = text[text.index("## Resection planning") :]
    return re.findall(r"```python\n(.*?)```", mine, flags=re.S)


@pytest.mark.parametrize("index", range(2))
def test_doc_example_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = _examples()
    assert len(examples) == 2
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(examples[index], f"{DOC}:example{index}", "exec"), namespace)
    if index == 0:
        assert namespace["document"]["schema"] == "livermdt/plan/v1"  # type: ignore[index]
    else:
        assert (tmp_path / "out" / "phantom_segments.nii.gz").is_file()
