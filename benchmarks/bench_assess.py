"""Assessment throughput: validate and assess 10,000 varied case documents on one core.

The documents come from a seeded JSON generator in this file (no Hypothesis at run time): each is
a valid case-v1 document with 1-8 lesions, optional volumetry, PVE, chemotherapy lines,
restaging, biomarkers and missing sections, so every rule family runs. Timings, side by side:

* ``parse_case`` alone: JSON value -> validated ``Case`` (the price of validation);
* ``assess`` alone: ``Case`` -> ``Assessment`` (rules + FLR + scores + RECIST);
* both, which is what ``livermdt assess`` does per document;
* ``assess`` + ``to_json_dict`` + ``render_text`` (what the CLI prints).

Run: ``python -m benchmarks.bench_assess [--cases N] [--seed S]`` (or ``python -m benchmarks
assess --cases=N``). Prints, for each stage, the median CPU microseconds per case and cases per
second of one core (count / total CPU time of this thread), and cases per second of wall time
(lower on a shared, loaded machine).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from livermdt.case import Case, parse_case
from livermdt.engine import assess, render_text

SITES = (
    "caecum",
    "ascending",
    "hepatic_flexure",
    "descending",
    "sigmoid",
    "rectosigmoid",
    "rectum",
)
PLANS: tuple[tuple[str, list[int]], ...] = (
    ("left_lateral_sectionectomy", [2, 3]),
    ("right_hepatectomy", [5, 6, 7, 8]),
    ("left_hepatectomy", [2, 3, 4]),
    ("extended_right_hepatectomy", [4, 5, 6, 7, 8]),
    ("right_posterior_sectionectomy", [6, 7]),
)
CONTACTS = ("right_hepatic_vein", "middle_hepatic_vein", "left_hepatic_vein", "right_portal_vein")


def _iso(day: date) -> str:
    return day.isoformat()


def generate_case(rng: random.Random, index: int) -> dict[str, Any]:
    """One valid case-v1 document; varied enough to reach every rule family."""
    today = date(2025, 1, 1) + timedelta(days=rng.randint(0, 300))
    liver_dx = today - timedelta(days=rng.randint(10, 200))
    synchronous = rng.random() < 0.3
    primary_dx = liver_dx - timedelta(
        days=rng.randint(0, 20) if synchronous else rng.randint(60, 1500)
    )
    in_situ = synchronous and rng.random() < 0.5
    doc: dict[str, Any] = {
        "schema": "livermdt/case/v1",
        "id": f"bench-{index:05d}",
        "discussion_date": _iso(today),
        "patient": {
            "sex": rng.choice(("female", "male")),
            "age_years": rng.randint(30, 85),
            "height_cm": rng.randint(150, 195),
            "weight_kg": rng.randint(50, 110),
            "ecog": rng.choice((0, 0, 1, 1, 2, 3)),
            "fit_for_major_surgery": rng.choice((True, True, False, None)),
        },
        "primary": {
            "site": rng.choice(SITES),
            "t_stage": rng.choice(("T2", "T3", "T4a")),
            "n_stage": rng.choice(("N0", "N1", "N2")),
            "diagnosis_date": _iso(primary_dx),
            "status": "in_situ" if in_situ else "resected",
            "symptomatic": rng.random() < 0.2,
        },
        "liver": {
            "background": rng.choice(("normal", "normal", "steatosis", "fibrosis")),
            "portal_hypertension": False,
        },
        "labs": {
            "cea_ng_ml": round(rng.uniform(1, 400), 1),
            "inr": round(rng.uniform(0.9, 1.7), 2),
        },
        "biomarkers": {
            "kras": rng.choice(("wild_type", "mutated", "unknown")),
            "nras": rng.choice(("wild_type", "wild_type", "mutated")),
            "braf": rng.choice(("wild_type", "wild_type", "v600e", "unknown")),
            "mmr": rng.choice(("proficient", "proficient", "proficient", "deficient")),
            "her2": rng.choice(("not_amplified", "amplified")),
        },
        "treatments": [],
    }
    if not in_situ:
        resection = min(primary_dx + timedelta(days=rng.randint(0, 20)), today)
        doc["primary"]["resection_date"] = _iso(resection)
    n = rng.randint(1, 8)
    segments = rng.sample(range(1, 9), k=min(n, 8))
    lesions = [
        {
            "id": f"L{i + 1}",
            "segments": [segments[i % len(segments)]],
            "diameter_mm": rng.randint(8, 90),
            "vascular_contact": rng.sample(CONTACTS, k=rng.choice((0, 0, 0, 1, 2))),
        }
        for i in range(n)
    ]
    doc["liver_metastases"] = {"diagnosis_date": _iso(liver_dx), "lesions": lesions}
    if rng.random() < 0.9:
        present = rng.random() < 0.25
        doc["extrahepatic_disease"] = {
            "present": present,
            "sites": ["lung"] if present else [],
            **({"resectable": rng.choice((True, False))} if present else {}),
        }
    if rng.random() < 0.75:
        procedure, removed = rng.choice(PLANS)
        total = rng.randint(1200, 2000)
        doc["volumetry"] = {
            "total_liver_volume_ml": total,
            "planned_resection": {"procedure": procedure, "segments_removed": removed},
            "flr_volume_ml": rng.randint(150, total - 100),
            "source": "ct",
        }
        if rng.random() < 0.15:
            before = doc["volumetry"]["flr_volume_ml"] * 0.75
            doc["pve"] = {
                "procedure": "pve",
                "date": _iso(today - timedelta(days=40)),
                "flr_volume_before_ml": round(before, 1),
                "flr_volume_after_ml": doc["volumetry"]["flr_volume_ml"],
                "days_to_followup_scan": 28,
                "tumour_progression": rng.random() < 0.2,
            }
    for line in range(1, rng.randint(0, 3) + 1):
        start = liver_dx + timedelta(days=14 + 100 * (line - 1))
        end = min(start + timedelta(days=rng.randint(40, 120)), today)
        if start >= today:
            break
        doc["treatments"].append(
            {
                "type": "chemotherapy",
                "start_date": _iso(start),
                "end_date": _iso(end),
                "regimen": rng.choice(("FOLFOX", "CAPOX", "FOLFIRI", "FOLFOXIRI")),
                "line": line,
                "intent": rng.choice(("conversion", "palliative", "perioperative")),
                "best_response": rng.choice(("PR", "SD", "PD")),
            }
        )
    if doc["treatments"] and rng.random() < 0.5:
        first = doc["treatments"][0]["start_date"]
        targets = lesions[:2]
        doc["restaging"] = [
            {
                "date": first,
                "lesions": [{"id": t["id"], "diameter_mm": t["diameter_mm"]} for t in targets],
            },
            {
                "date": _iso(today - timedelta(days=1)),
                "lesions": [
                    {"id": t["id"], "diameter_mm": round(t["diameter_mm"] * rng.uniform(0.5, 1.4))}
                    for t in targets
                ],
                "new_lesions": rng.random() < 0.1,
            },
        ]
    return doc


def generate(count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [generate_case(rng, i) for i in range(count)]


def _time_each(items: list[Any], fn: Callable[[Any], object]) -> tuple[list[float], float, float]:
    """Per-item CPU time of this thread, total CPU time, total wall time. CPU time is what one
    core spends; on a shared machine the wall clock also counts other people's processes."""
    per: list[float] = []
    cpu = time.thread_time
    wall0, cpu0 = time.perf_counter(), cpu()
    for item in items:
        t0 = cpu()
        fn(item)
        per.append(cpu() - t0)
    return per, cpu() - cpu0, time.perf_counter() - wall0


def _report(label: str, per: list[float], cpu_total: float, wall_total: float) -> None:
    median_us = statistics.median(per) * 1e6
    print(
        f"{label:<38} median {median_us:7.0f} us/case  {len(per) / cpu_total:6.0f} cases/s (CPU)"
        f"  {len(per) / wall_total:6.0f} cases/s (wall)"
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks assess")
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=20251115)
    args = parser.parse_args(argv)
    docs = generate(args.cases, args.seed)
    cases: list[Case] = [parse_case(d) for d in docs]  # also warms caches (knowledge tables)
    for case in cases[:50]:
        assess(case)
    categories: dict[str, int] = {}
    for case in cases:
        cat = assess(case).resectability.category
        categories[cat] = categories.get(cat, 0) + 1
    print(f"{args.cases} generated cases (seed {args.seed}); categories: {categories}")
    _report("parse_case (validation only)", *_time_each(docs, parse_case))
    _report("assess (rules, FLR, scores, RECIST)", *_time_each(cases, assess))
    _report("parse_case + assess", *_time_each(docs, lambda d: assess(parse_case(d))))

    def full(doc: dict[str, Any]) -> None:
        a = assess(parse_case(doc))
        a.to_json_dict()
        render_text(a)

    _report("parse + assess + JSON + text", *_time_each(docs, full))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
