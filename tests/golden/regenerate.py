"""Rewrite the golden assessment snapshots from the current engine.

    python -m tests.golden.regenerate

Review the diff before committing: a changed snapshot is a changed piece of advice. The
hand-written expectations (``expectations.json``, from ``build_cases.py``) are not touched.
"""

from __future__ import annotations

import json
from pathlib import Path

from livermdt.case import load_case
from livermdt.engine import assess

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"
SNAPSHOTS = HERE / "assessments"


def snapshot_text(case_path: Path) -> str:
    return (
        json.dumps(assess(load_case(case_path)).to_json_dict(), indent=2, ensure_ascii=False) + "\n"
    )


def main() -> int:
    SNAPSHOTS.mkdir(exist_ok=True)
    paths = sorted(CASES.glob("*.json"))
    for path in paths:
        (SNAPSHOTS / path.name).write_text(snapshot_text(path), encoding="utf-8")
    print(f"wrote {len(paths)} snapshots to {SNAPSHOTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
