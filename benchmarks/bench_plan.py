"""Resection planning speed: ``livermdt.imaging.plan`` against the obvious alternative.

Synthetic map: the public phantom on a 512 x 512 x 300 grid (0.7 x 0.7 x 1.0 mm), eight segments,
vessels, 1, 10 and 30 tumours (seeded). Reported, per tumour count:

* ``plan`` end to end (label maps in, ranked options out, ``combine`` included) and from an
  already combined ``Anatomy``: median wall time and median CPU time of one process (every step
  is single-threaded: scipy's distance transform and k-d tree queries run on one core);
* the alternative a user would write first: for each candidate resection, mask arithmetic for
  the remnant and a full distance transform of it (``scipy.ndimage.distance_transform_edt`` with
  the spacing) to read the margin at the tumour voxels. It is timed on a few candidates and
  multiplied by the number of candidates the planner evaluated (wedges and ablation zones would
  cost it more transforms still, so this is its lower bound);
* peak memory of ``plan`` (tracemalloc: numpy allocations included) against the size of one
  label map (uint8, 78.6 MB at this size). Targets: under 2 s, under 4 x the label map.

``python -m benchmarks plan [--quick] [--repeat=N]`` (options as ``--name=value``: the runner
passes on only arguments that start with ``-``); ``--quick`` uses a 256 x 256 x 150 grid.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

TARGET_S = 2.0
TARGET_MEMORY_RATIO = 4.0


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    walls: list[float] = []
    cpus: list[float] = []
    result: Any = None
    for _ in range(repeat):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    return statistics.median(walls), statistics.median(cpus), result


def _naive_candidate_s(anatomy: Any, removed: tuple[int, ...], margin_mm: float) -> float:
    from scipy import ndimage

    t0 = time.process_time()
    seg = anatomy.segments_in_bbox
    liver = anatomy.liver_in_bbox
    remnant = liver & ~np.isin(seg, removed)
    d = ndimage.distance_transform_edt(~remnant, sampling=anatomy.spacing_mm)
    margin = float(d[anatomy.tumour_in_bbox].min())
    _clears = margin >= margin_mm
    _resected = int(np.count_nonzero(liver & ~remnant))
    _flr = int(np.count_nonzero(remnant))
    return time.process_time() - t0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks plan")
    parser.add_argument("--quick", action="store_true", help="256 x 256 x 150 grid")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--naive-samples", type=int, default=3)
    args = parser.parse_args(argv)

    from livermdt.imaging.anatomy import combine
    from livermdt.imaging.phantom import make_phantom
    from livermdt.imaging.plan import plan

    shape, spacing = (
        ((256, 256, 150), (1.4, 1.4, 2.0)) if args.quick else ((512, 512, 300), (0.7, 0.7, 1.0))
    )
    map_bytes = int(np.prod(shape))  # one uint8 label map
    print(
        f"grid {shape[0]}x{shape[1]}x{shape[2]}, spacing {spacing} mm, label map "
        f"{map_bytes / 1e6:.1f} MB; medians of {args.repeat}; CPU = process time (one core)"
    )
    header = (
        f"{'tumours':>7} {'plan(maps) s':>13} {'cpu s':>7} {'plan(anat) s':>13} {'cpu s':>7} "
        f"{'options':>7} {'naive/cand s':>12} {'naive total s':>13} {'ratio':>7} "
        f"{'peak MB':>8} {'x map':>6}"
    )
    print(header)
    ok = True
    for n in (1, 10, 30):
        p = make_phantom(shape, spacing, random_tumours=n, random_radius_mm=(4.0, 15.0), seed=n)
        maps = p.label_maps
        wall_maps, cpu_maps, result = _timed(lambda maps=maps: plan(maps), args.repeat)
        anatomy = combine(list(maps))
        wall_anat, cpu_anat, _ = _timed(lambda a=anatomy: plan(a), args.repeat)

        tracemalloc.start()
        plan(maps)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

        considered = max(1, result.options_considered)
        sample = [o.segments_removed for o in result.options if o.segments_removed][
            : args.naive_samples
        ] or [(6,)]
        naive = statistics.median(_naive_candidate_s(anatomy, r, 1.0) for r in sample)
        naive_total = naive * considered
        ratio = naive_total / cpu_maps
        mem_ratio = peak / map_bytes
        ok &= cpu_maps < TARGET_S and mem_ratio < TARGET_MEMORY_RATIO
        print(
            f"{n:>7} {wall_maps:>13.2f} {cpu_maps:>7.2f} {wall_anat:>13.2f} {cpu_anat:>7.2f} "
            f"{considered:>7} {naive:>12.3f} {naive_total:>13.1f} {ratio:>6.0f}x "
            f"{peak / 1e6:>8.1f} {mem_ratio:>6.2f}",
            flush=True,
        )
    print(
        f"targets: plan(maps) CPU < {TARGET_S:g} s and peak memory < {TARGET_MEMORY_RATIO:g} x "
        f"the label map: {'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1
