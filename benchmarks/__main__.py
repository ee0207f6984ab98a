"""Run every benchmark: ``python -m benchmarks [NAME ...]`` (``make bench``).

Each ``benchmarks/bench_*.py`` module defines ``main(argv: list[str]) -> int``; it prints medians
and compares livermdt with the alternative a user would otherwise pick, in the same run.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [a for a in argv if not a.startswith("-")]
    if wanted:
        names = [n for n in names if n in wanted or n.removeprefix("bench_") in wanted]
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        status |= int(module.main([a for a in argv if a.startswith("-")]))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
