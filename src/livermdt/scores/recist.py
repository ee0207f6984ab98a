"""RECIST 1.1 response from the case's ``restaging`` series (knowledge base A9; Part C, C1 and
item 10; Eisenhauer, Eur J Cancer 2009;45:228).

The first ``restaging`` entry is the baseline and the last is the current time point. Target
lesions are the measurable (longest diameter >= 10 mm) liver lesions of the baseline, largest
first, at most 2 per organ and 5 in total: with liver-only data, at most 2. Every other lesion is
non-target. Thresholds are compared in exact decimal arithmetic, so -30.0% is a partial response
and +20.0% with +5.0 mm is progression.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from livermdt.case.model import Case, Restaging
from livermdt.knowledge import ThresholdTable
from livermdt.scores._common import Block, exact, holds_exactly, table_or_default, unique

Category = Literal["CR", "PR", "SD", "PD"]
EVIDENCE = ("eisenhauer-2009-recist",)


class ResponseResult(Block):
    """The assessment-v1 ``response`` block plus how it was obtained. Sums in mm, changes as
    fractions (-0.375 = -37.5%), unrounded. ``category`` is ``None`` when missing data could change
    it; ``missing`` lists those case paths."""

    category: Category | None
    baseline_sum_mm: float | None
    nadir_sum_mm: float | None
    current_sum_mm: float | None
    change_from_baseline: float | None
    change_from_nadir: float | None
    new_lesions: bool | None
    target_lesion_ids: list[str]
    non_target_lesion_ids: list[str]
    baseline_date: date | None
    current_date: date | None
    time_points: int
    missing: list[str]
    evidence: list[str]
    note: str


def select_targets(
    baseline_mm: list[tuple[str, float | None]], thresholds: ThresholdTable | None = None
) -> tuple[list[str], list[str]]:
    """Target and non-target lesion ids from the baseline measurements of one organ (the liver):
    measurable lesions (>= 10 mm) largest first, ties in the order given, up to 2 per organ and 5
    in total. Unmeasured and smaller lesions are non-target."""
    table = table_or_default(thresholds)
    per_organ = int(table["recist_max_targets_per_organ"].value)
    total = int(table["recist_max_targets"].value)
    measurable_t = table["recist_measurable_min_mm"]
    measurable = [
        (lesion_id, d)
        for lesion_id, d in baseline_mm
        if d is not None and holds_exactly(measurable_t, exact(d))
    ]
    measurable.sort(key=lambda item: -item[1])
    targets = [lesion_id for lesion_id, _ in measurable[: min(per_organ, total)]]
    non_targets = [lesion_id for lesion_id, _ in baseline_mm if lesion_id not in targets]
    return targets, non_targets


def progression_by_sum(
    nadir_sum_mm: float, current_sum_mm: float, thresholds: ThresholdTable | None = None
) -> bool:
    """PD by the target sum: at least +20% over the nadir AND at least +5 mm. From a nadir of
    0 mm (every target gone) a reappearance of >= 5 mm is progression."""
    table = table_or_default(thresholds)
    nadir, current = exact(nadir_sum_mm), exact(current_sum_mm)
    if not holds_exactly(table["recist_pd_abs_mm"], current - nadir):
        return False
    if nadir == 0:
        return True
    return holds_exactly(table["recist_pd_change"], (current - nadir) / nadir)


def recist_category(
    *,
    baseline_sum_mm: float,
    nadir_sum_mm: float,
    current_sum_mm: float,
    new_lesions: bool,
    non_targets_gone: bool | None = True,
    thresholds: ThresholdTable | None = None,
) -> Category | None:
    """The RECIST 1.1 category of the current time point (Eisenhauer 2009): any new lesion or PD
    by sum -> PD; every target at 0 mm -> CR when the non-target lesions are gone too, PR when
    some remain, ``None`` when that is unknown; a fall of >= 30% from baseline -> PR; else SD."""
    table = table_or_default(thresholds)
    if new_lesions or progression_by_sum(nadir_sum_mm, current_sum_mm, table):
        return "PD"
    baseline, current = exact(baseline_sum_mm), exact(current_sum_mm)
    if current == 0:
        if non_targets_gone is None:
            return None
        return "CR" if non_targets_gone else "PR"
    if baseline > 0 and holds_exactly(table["recist_pr_change"], (current - baseline) / baseline):
        return "PR"
    return "SD"


@dataclass(frozen=True)
class _Point:
    sum_mm: float | None
    missing: tuple[str, ...]


def _measure(
    entry: Restaging,
    k: int,
    lesion_id: str,
    disappeared: frozenset[str],
    is_current: bool,
) -> tuple[float | None, str | None]:
    """The lesion's diameter at time point ``k`` (0 for a lesion in ``disappeared_lesion_ids`` at
    the current time point), or the missing case path."""
    for j, lesion in enumerate(entry.lesions or ()):
        if lesion.id == lesion_id:
            if lesion.diameter_mm is None:
                return None, f"restaging[{k}].lesions[{j}].diameter_mm"
            return lesion.diameter_mm, None
    if is_current and lesion_id in disappeared:
        return 0.0, None
    return None, f"restaging[{k}].lesions"


def compute_response(case: Case, thresholds: ThresholdTable | None = None) -> ResponseResult | None:
    """The ``response`` block, or ``None`` with fewer than 2 restaging time points."""
    table = table_or_default(thresholds)
    series = case.restaging or []
    if len(series) < 2:
        return None
    baseline_entry, current_entry = series[0], series[-1]
    last = len(series) - 1
    lm = case.liver_metastases
    disappeared = frozenset(lm.disappeared_lesion_ids or ()) if lm else frozenset()
    missing: list[str] = []
    notes: list[str] = []

    baseline_mm = [(x.id, x.diameter_mm) for x in baseline_entry.lesions or ()]
    if baseline_entry.lesions is None:
        missing.append("restaging[0].lesions")
    for j, (_, d) in enumerate(baseline_mm):
        if d is None:
            missing.append(f"restaging[0].lesions[{j}].diameter_mm")
    targets, non_targets = select_targets(baseline_mm, table)

    # New lesions: any follow-up time point that reports them means progression occurred.
    flags = [(k, series[k].new_lesions) for k in range(1, len(series))]
    new_lesions: bool | None
    if any(flag is True for _, flag in flags):
        new_lesions = True
    elif any(flag is None for _, flag in flags):
        new_lesions = None
        missing.extend(f"restaging[{k}].new_lesions" for k, flag in flags if flag is None)
    else:
        new_lesions = False

    def result(
        category: Category | None,
        points: list[_Point] | None = None,
        nadir: float | None = None,
    ) -> ResponseResult:
        baseline_sum = points[0].sum_mm if points else None
        current_sum = points[-1].sum_mm if points else None
        change_b = (
            (current_sum - baseline_sum) / baseline_sum
            if baseline_sum and current_sum is not None
            else None
        )
        change_n = (
            (current_sum - nadir) / nadir
            if nadir is not None and nadir > 0 and current_sum is not None
            else None
        )
        return ResponseResult(
            category=category,
            baseline_sum_mm=baseline_sum,
            nadir_sum_mm=nadir,
            current_sum_mm=current_sum,
            change_from_baseline=change_b,
            change_from_nadir=change_n,
            new_lesions=new_lesions,
            target_lesion_ids=targets,
            non_target_lesion_ids=non_targets,
            baseline_date=baseline_entry.date,
            current_date=current_entry.date,
            time_points=len(series),
            missing=unique(missing),
            evidence=list(EVIDENCE),
            note=" ".join(notes),
        )

    if not targets:
        notes.append(
            "No measurable target lesion (>= 10 mm) at baseline: only new lesions can be assessed."
        )
        return result("PD" if new_lesions else None)

    points: list[_Point] = [
        _Point(sum(d for i, d in baseline_mm if i in targets and d is not None), ())
    ]
    for k in range(1, len(series)):
        values: list[float] = []
        point_missing: list[str] = []
        for lesion_id in targets:
            d, path = _measure(series[k], k, lesion_id, disappeared, k == last)
            if d is None:
                point_missing.append(path or f"restaging[{k}].lesions")
            else:
                values.append(d)
        points.append(_Point(None if point_missing else sum(values), tuple(point_missing)))

    known = [p.sum_mm for p in points if p.sum_mm is not None]
    nadir = min(known)
    current = points[-1]
    intermediate_unknown = any(p.sum_mm is None for p in points[1:-1])
    if current.sum_mm is None:
        missing.extend(current.missing)
        return result("PD" if new_lesions else None, points, nadir)
    if new_lesions or progression_by_sum(nadir, current.sum_mm, table):
        return result("PD", points, nadir)
    if new_lesions is None:
        return result(None, points, nadir)

    non_targets_gone: bool | None = True
    if current.sum_mm == 0:
        states: list[bool | None] = []
        for lesion_id in non_targets:
            d, path = _measure(current_entry, last, lesion_id, disappeared, True)
            if d is None:
                states.append(None)
                if path:
                    missing.append(path)
            else:
                states.append(d == 0)
        if any(s is False for s in states):
            non_targets_gone = False
        elif any(s is None for s in states):
            non_targets_gone = None
    elif intermediate_unknown:
        # An unmeasured intermediate sum could be a lower nadir, which could make this PD.
        missing.extend(m for p in points[1:-1] for m in p.missing)
        return result(None, points, nadir)

    category = recist_category(
        baseline_sum_mm=points[0].sum_mm or 0.0,
        nadir_sum_mm=nadir,
        current_sum_mm=current.sum_mm,
        new_lesions=False,
        non_targets_gone=non_targets_gone,
        thresholds=table,
    )
    if any(lesion_id in disappeared for lesion_id in targets):
        notes.append("Targets in disappeared_lesion_ids count as 0 mm at the current time point.")
    return result(category, points, nadir)
