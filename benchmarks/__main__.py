"""Run every benchmark: ``python -m benchmarks [NAME ...] [OPTIONS]`` (``make bench``).

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
    # Leading arguments that name benchmarks select them; everything after is passed on, so
    # options with values work (``python -m benchmarks web --duration 10``).
    short = {n.removeprefix("bench_"): n for n in names}
    wanted: list[str] = []
    rest = list(argv)
    while rest and (rest[0] in short or rest[0] in names):
        wanted.append(short.get(rest[0], rest[0]))
        rest.pop(0)
    if wanted:
        names = [n for n in names if n in wanted]
    status = 0
    for name in names:
        print(f"== {name}", flush=True)
        module = importlib.import_module(f"benchmarks.{name}")
        status |= int(module.main(rest))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
