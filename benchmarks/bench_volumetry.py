"""Volumetry of a 512 x 512 x 300 label map (``--large``: x 600): livermdt against what a user
would otherwise write with SimpleITK or scipy.ndimage, in the same run.

The map (0.7 x 0.7 x 1.0 mm) comes from ``livermdt.imaging.phantom``: an ellipsoid liver in
eight Couinaud-like segments (labels 1-8), ``--tumours`` spherical tumours (label 9, default 30),
portal vein, hepatic veins and IVC (labels 10, 11, 12) carved out of the liver, one uint8 array.

Each pipeline measures the same things: liver / tumour / segment volumes, tumour components
(26-connectivity), the longest 3-D diameter of each, and tumour-to-vessel distances.

Each returns the same outputs (liver volume, tumour count, each tumour's Feret diameter and its
distance to each vessel), and the run prints how far the others are from livermdt; livermdt
also measures what they do not (segment volumes, axial diameters, centroids, segment fractions).

* livermdt: ``livermdt.imaging.volumetry`` (loaded array to result).
* SimpleITK: LabelShapeStatisticsImageFilter (volumes; ComputeFeretDiameterOn for the tumour
  components), ConnectedComponent (fully connected), SignedMaurerDistanceMap of each vessel on
  the liver's bounding box.
* scipy: ndimage.label (26-connectivity), one bincount for volumes, distance_transform_edt of
  each vessel on the liver's bounding box, brute-force Feret diameter over surface voxels.

Run: ``python -m benchmarks volumetry [--large] [--repeats N] [--tumours N]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

SPACING_MM = (0.7, 0.7, 1.0)
VESSELS = {10: "portal_vein", 11: "hepatic_vein", 12: "inferior_vena_cava"}


def build_map(depth: int, tumours: int, seed: int = 7) -> tuple[Any, Any]:
    """The synthetic label map (a ``LabelMap``) and its phantom."""
    from livermdt.imaging.labelmap import LabelMap
    from livermdt.imaging.phantom import make_phantom

    phantom = make_phantom(
        (512, 512, depth),
        SPACING_MM,
        liver_radii_mm=(110.0, 85.0, 75.0 if depth <= 300 else 90.0),
        random_tumours=tumours,
        random_radius_mm=(4.0, 20.0),
        seed=seed,
    )
    arr = phantom.segments.copy()
    arr[phantom.tumour] = 9
    for value in (1, 2, 3):
        arr[phantom.vessels == value] = 9 + value
    labels = {k: f"liver_segment_{k}" for k in range(1, 9)}
    labels.update(
        {9: "liver_tumour", 10: "portal_vein", 11: "hepatic_vein", 12: "inferior_vena_cava"}
    )
    return LabelMap(array=arr, affine=phantom.affine, labels=labels, source="benchmark"), phantom


def run_livermdt(m: Any) -> dict[str, Any]:
    from livermdt.imaging import volumetry

    r = volumetry(m)
    return {
        "liver_ml": r.liver_volume_ml,
        "tumours": len(r.tumours),
        "max_diameter_mm": max((t.max_diameter_mm for t in r.tumours), default=0.0),
        "feret_mm": sorted(t.max_diameter_mm for t in r.tumours),
        "distances_mm": {
            name: sorted(t.nearest_mm[name] for t in r.tumours) for name in VESSELS.values()
        },
    }


def _liver_box(arr: np.ndarray[Any, Any]) -> tuple[slice, ...]:
    liver = (arr >= 1) & (arr <= 9)
    box = []
    for axis in range(3):
        idx = np.flatnonzero(liver.any(axis=tuple(a for a in range(3) if a != axis)))
        box.append(slice(int(idx[0]), int(idx[-1]) + 1))
    return tuple(box)


def run_simpleitk(m: Any) -> dict[str, Any]:
    import SimpleITK as sitk

    sitk.ProcessObject.SetGlobalDefaultNumberOfThreads(1)  # one core, like the targets
    arr = m.array
    # SimpleITK arrays are z, y, x: the transposed view keeps the same voxels.
    img = sitk.GetImageFromArray(np.ascontiguousarray(arr.transpose(2, 1, 0)))
    img.SetSpacing(SPACING_MM)
    stats = sitk.LabelShapeStatisticsImageFilter()
    stats.Execute(img)
    liver_mm3 = sum(stats.GetPhysicalSize(k) for k in range(1, 10) if stats.HasLabel(k))
    tumour = sitk.BinaryThreshold(img, 9, 9, 1, 0)
    comps = sitk.ConnectedComponent(tumour, True)
    feret = sitk.LabelShapeStatisticsImageFilter()
    feret.ComputeFeretDiameterOn()
    feret.Execute(comps)
    diam = max((feret.GetFeretDiameter(k) for k in feret.GetLabels()), default=0.0)
    box = _liver_box(arr)
    start = [box[0].start, box[1].start, box[2].start]
    size = [box[0].stop - box[0].start, box[1].stop - box[1].start, box[2].stop - box[2].start]
    crop = sitk.RegionOfInterest(img, size, start)
    tcrop = sitk.RegionOfInterest(comps, size, start)
    tc = sitk.GetArrayViewFromImage(tcrop)
    distances: dict[str, list[float]] = {}
    for value, name in VESSELS.items():
        vessel = sitk.BinaryThreshold(crop, value, value, 1, 0)
        dmap = sitk.SignedMaurerDistanceMap(
            vessel, insideIsPositive=False, squaredDistance=False, useImageSpacing=True
        )
        d = sitk.GetArrayViewFromImage(dmap)
        distances[name] = sorted(float(d[tc == k].min()) for k in feret.GetLabels())
    return {
        "liver_ml": liver_mm3 / 1000.0,
        "tumours": len(feret.GetLabels()),
        "max_diameter_mm": diam,
        "feret_mm": sorted(feret.GetFeretDiameter(k) for k in feret.GetLabels()),
        "distances_mm": distances,
    }


def run_scipy(m: Any) -> dict[str, Any]:
    from scipy import ndimage
    from scipy.spatial.distance import pdist

    arr = m.array
    vvox = float(np.prod(SPACING_MM))
    counts = np.bincount(arr.ravel(), minlength=13)
    liver_ml = float(counts[1:10].sum()) * vvox / 1000.0
    labels, n = ndimage.label(arr == 9, structure=np.ones((3, 3, 3), bool))
    feret = []
    objects = ndimage.find_objects(labels)
    for k, sl in enumerate(objects, start=1):
        mask = labels[sl] == k
        surface = mask & ~ndimage.binary_erosion(mask)
        pts = np.argwhere(surface) * np.asarray(SPACING_MM)
        feret.append(float(pdist(pts).max()) if len(pts) > 1 else 0.0)
    box = _liver_box(arr)
    crop = arr[box]
    lcrop = labels[box]
    distances: dict[str, list[float]] = {}
    for value, name in VESSELS.items():
        d = ndimage.distance_transform_edt(crop != value, sampling=SPACING_MM)
        distances[name] = sorted(float(d[lcrop == k].min()) for k in range(1, n + 1))
    return {
        "liver_ml": liver_ml,
        "tumours": n,
        "max_diameter_mm": max(feret, default=0.0),
        "feret_mm": sorted(feret),
        "distances_mm": distances,
    }


def _time(
    fn: Callable[[Any], dict[str, Any]], m: Any, repeats: int
) -> tuple[float, float, dict[str, Any]]:
    """Median wall and CPU (this process) seconds; CPU time is what one core spends, and is
    less distorted than wall time on a shared machine."""
    walls, cpus = [], []
    out: dict[str, Any] = {}
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        out = fn(m)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    return statistics.median(walls), statistics.median(cpus), out


def _peak_bytes(fn: Callable[[Any], Any], m: Any) -> int:
    tracemalloc.start()
    try:
        fn(m)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _agreement(ours: dict[str, Any], theirs: dict[str, Any]) -> str:
    """How far another pipeline's outputs are from livermdt's (same volumes, components, Feret
    diameters and tumour-vessel distances, each list sorted as tumours are numbered apart)."""
    if ours["tumours"] != theirs["tumours"]:
        return f"DIFFERENT: {theirs['tumours']} tumours, livermdt {ours['tumours']}"
    feret = max(
        (abs(a - b) for a, b in zip(ours["feret_mm"], theirs["feret_mm"], strict=True)),
        default=0.0,
    )
    dist = max(
        (
            abs(a - b)
            for name in VESSELS.values()
            for a, b in zip(ours["distances_mm"][name], theirs["distances_mm"][name], strict=True)
        ),
        default=0.0,
    )
    return (
        f"agrees with livermdt: liver {abs(ours['liver_ml'] - theirs['liver_ml']):.1e} ml, "
        f"Feret {feret:.1e} mm, vessel distances {dist:.1e} mm (largest differences)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks volumetry")
    parser.add_argument("--large", action="store_true", help="512 x 512 x 600 instead of x 300")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tumours", type=int, default=30)
    parser.add_argument("--skip-alternatives", action="store_true")
    args = parser.parse_args(argv)
    depth = 600 if args.large else 300
    t0 = time.perf_counter()
    m, _ = build_map(depth, args.tumours)
    size_mb = m.array.nbytes / 1e6
    print(
        f"label map 512 x 512 x {depth} uint8 ({size_mb:.0f} MB), spacing {SPACING_MM} mm, "
        f"{args.tumours} tumours requested; built in {time.perf_counter() - t0:.1f} s"
    )
    # One pass over the array, for scale (the issue measured about 5 ms on this machine).
    pass_s, pass_cpu, _ = _time(lambda a: {"max": int(a.array.max())}, m, 5)
    print(
        f"one pass over the array (max): wall {pass_s * 1000:.1f} ms, cpu {pass_cpu * 1000:.1f} ms"
    )

    lm_s, lm_cpu, lm = _time(run_livermdt, m, args.repeats)
    summary = {k: lm[k] for k in ("liver_ml", "tumours", "max_diameter_mm")}
    peak = _peak_bytes(run_livermdt, m)
    print(
        f"livermdt volumetry: median wall {lm_s:.3f} s, cpu {lm_cpu:.3f} s over {args.repeats} "
        f"(= {lm_cpu / pass_cpu:.0f} passes over the array); peak traced memory "
        f"{peak / 1e6:.0f} MB = {peak / m.array.nbytes:.2f} x the label map; {summary}"
    )
    status = 0
    if not args.skip_alternatives:
        for name, fn in (("SimpleITK", run_simpleitk), ("scipy.ndimage", run_scipy)):
            repeats = max(1, min(args.repeats, 3))
            s, c, res = _time(fn, m, repeats)
            print(
                f"{name}: median wall {s:.3f} s ({s / lm_s:.1f} x livermdt), cpu {c:.3f} s "
                f"({c / lm_cpu:.1f} x livermdt) over {repeats}; "
                f"{ {k: res[k] for k in summary} }; {_agreement(lm, res)}"
            )
    if lm_cpu >= 1.0 and not args.large:
        print("target missed: volumetry of 512 x 512 x 300 should take under 1 s")
        status = 1
    if peak >= 4 * m.array.nbytes:
        print("target missed: peak memory should stay under 4 x the label map")
        status = 1
    return status
