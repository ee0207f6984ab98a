"""Contradictions between fields of a case document that parse one by one (spec case-v1,
"Errors": a clinician could have mistyped them). Every check adds a ``Problem`` with the path of
the field to correct; all of them are reported together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextvars import ContextVar
from datetime import date
from typing import TYPE_CHECKING

from livermdt.case import vocab
from livermdt.case._dates import classify_timing
from livermdt.case._problems import Problem

if TYPE_CHECKING:
    from livermdt.case.model import Case, Operation, PlannedResection


#: Paths removed from a document because they failed validation (set by ``parse_case`` while it
#: looks for contradictions among the remaining fields). A check that relies on a field being
#: absent must not fire when the field was only removed for being invalid.
REMOVED_PATHS: ContextVar[frozenset[str]] = ContextVar("REMOVED_PATHS", default=frozenset())


def _removed(prefix: str) -> bool:
    return any(
        p == prefix or p.startswith((prefix + ".", prefix + "[")) for p in REMOVED_PATHS.get()
    )


def find_contradictions(case: Case) -> list[Problem]:
    """Every contradiction in ``case``, in document order."""
    problems: list[Problem] = []
    problems += _dates_after_discussion(case)
    problems += _primary(case)
    problems += _liver_metastases(case)
    problems += _extrahepatic(case)
    problems += _biomarkers(case)
    problems += _volumetry(case)
    problems += _pve(case)
    problems += _treatments(case)
    problems += _restaging(case)
    problems += _outcomes(case)
    return problems


def _dated_fields(case: Case) -> Iterable[tuple[str, date | None]]:
    """Every date that describes the past as seen at the discussion (outcomes excluded)."""
    if case.primary is not None:
        yield "primary.diagnosis_date", case.primary.diagnosis_date
        yield "primary.resection_date", case.primary.resection_date
    if case.liver_metastases is not None:
        yield "liver_metastases.diagnosis_date", case.liver_metastases.diagnosis_date
    if case.pve is not None:
        yield "pve.date", case.pve.date
    for i, t in enumerate(case.treatments or ()):
        yield f"treatments[{i}].start_date", t.start_date
        yield f"treatments[{i}].end_date", t.end_date
    for i, r in enumerate(case.restaging or ()):
        yield f"restaging[{i}].date", r.date


def _dates_after_discussion(case: Case) -> list[Problem]:
    today = case.discussion_date
    problems = [
        Problem(path, f"date is after the discussion date {today.isoformat()}", value)
        for path, value in _dated_fields(case)
        if value is not None and value > today
    ]
    pve = case.pve
    if pve is not None and pve.date is not None and pve.days_to_followup_scan is not None:
        scan = date.fromordinal(pve.date.toordinal() + pve.days_to_followup_scan)
        if pve.date <= today < scan:
            problems.append(
                Problem(
                    "pve.days_to_followup_scan",
                    f"the follow-up scan ({scan.isoformat()}) would be after the discussion date "
                    f"{today.isoformat()}",
                    pve.days_to_followup_scan,
                )
            )
    return problems


def _primary(case: Case) -> list[Problem]:
    p = case.primary
    if p is None:
        return []
    problems: list[Problem] = []
    if p.diagnosis_date and p.resection_date and p.resection_date < p.diagnosis_date:
        problems.append(
            Problem(
                "primary.resection_date",
                f"resection is before the primary's diagnosis date {p.diagnosis_date.isoformat()}",
                p.resection_date,
            )
        )
    if p.status == "in_situ" and p.resection_date is not None:
        problems.append(
            Problem(
                "primary.resection_date",
                'a resection date is given but primary.status is "in_situ"',
                p.resection_date,
            )
        )
    if p.site is not None and p.sidedness is not None:
        implied = (
            "right"
            if p.site in vocab.RIGHT_SITES
            else "left"
            if p.site in vocab.LEFT_SITES
            else None
        )
        if implied is not None and implied != p.sidedness:
            problems.append(
                Problem(
                    "primary.sidedness",
                    f"contradicts the site {p.site}, which is {implied}-sided",
                    p.sidedness,
                )
            )
    return problems


def _liver_metastases(case: Case) -> list[Problem]:
    lm = case.liver_metastases
    if lm is None:
        return []
    problems: list[Problem] = []
    primary_dx = case.primary.diagnosis_date if case.primary else None
    if lm.timing is not None and primary_dx is not None and lm.diagnosis_date is not None:
        derived = classify_timing(primary_dx, lm.diagnosis_date)
        derived_kind = "synchronous" if derived == "synchronous" else "metachronous"
        if derived_kind != lm.timing:
            days = (lm.diagnosis_date - primary_dx).days
            problems.append(
                Problem(
                    "liver_metastases.timing",
                    f"contradicts the dates: liver metastases diagnosed {days} days after the "
                    f"primary make them {derived_kind} (synchronous = before or within 30 days "
                    "after the primary's diagnosis)",
                    lm.timing,
                )
            )
    seen: dict[str, int] = {}
    for i, lesion in enumerate(lm.lesions or ()):
        if lesion.id in seen:
            problems.append(
                Problem(
                    f"liver_metastases.lesions[{i}].id",
                    f"lesion id is used twice (also liver_metastases.lesions[{seen[lesion.id]}])",
                    lesion.id,
                )
            )
        else:
            seen[lesion.id] = i
        problems += _repeated(f"liver_metastases.lesions[{i}].segments", lesion.segments, "segment")
        problems += _repeated(
            f"liver_metastases.lesions[{i}].vascular_contact", lesion.vascular_contact, "structure"
        )
    gone: dict[str, int] = {}
    for k, lesion_id in enumerate(lm.disappeared_lesion_ids or ()):
        path = f"liver_metastases.disappeared_lesion_ids[{k}]"
        if lesion_id in seen:
            problems.append(
                Problem(
                    path,
                    "a disappeared lesion is also listed in liver_metastases.lesions"
                    f"[{seen[lesion_id]}]",
                    lesion_id,
                )
            )
        if lesion_id in gone:
            problems.append(Problem(path, "lesion id is listed twice", lesion_id))
        gone.setdefault(lesion_id, k)
    return problems


def _repeated(path: str, values: Sequence[int | str] | None, what: str) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[int | str] = set()
    for j, value in enumerate(values or ()):
        if value in seen:
            problems.append(Problem(f"{path}[{j}]", f"{what} is listed twice", value))
        seen.add(value)
    return problems


def _extrahepatic(case: Case) -> list[Problem]:
    e = case.extrahepatic_disease
    if e is None or e.present is not False:
        return []
    problems: list[Problem] = []
    if e.sites:
        problems.append(
            Problem(
                "extrahepatic_disease.sites",
                "sites are given but extrahepatic_disease.present is false",
                e.sites,
            )
        )
    return problems


def _biomarkers(case: Case) -> list[Problem]:
    b = case.biomarkers
    if b is None or b.kras_variant is None or b.kras != "wild_type":
        return []
    return [
        Problem(
            "biomarkers.kras_variant",
            'a KRAS variant is given but biomarkers.kras is "wild_type"',
            b.kras_variant,
        )
    ]


def _resection_segments(
    path: str, procedure: str | None, segments: list[int] | None
) -> list[Problem]:
    """Anatomical procedures remove their segments (spec case-v1 vocabulary), with the caudate
    (segment 1) added where the surgeon says so; segmentectomy takes one segment, bisegmentectomy
    two."""
    if procedure is None or segments is None:
        return []
    removed = frozenset(segments)
    if procedure in vocab.PROCEDURE_SEGMENTS:
        expected = vocab.PROCEDURE_SEGMENTS[procedure]
        if removed not in (expected, expected | {1}):
            listed = ", ".join(str(s) for s in sorted(expected))
            return [
                Problem(
                    f"{path}.segments_removed",
                    f"{procedure} removes segments {listed} (and 1 where the caudate is added)",
                    segments,
                )
            ]
    elif procedure in vocab.PROCEDURE_SEGMENT_COUNT:
        count = vocab.PROCEDURE_SEGMENT_COUNT[procedure]
        if count is not None and len(removed) != count:
            word = "one segment" if count == 1 else f"{count} segments"
            return [Problem(f"{path}.segments_removed", f"{procedure} removes {word}", segments)]
    return []


def _planned(path: str, plan: PlannedResection | Operation) -> list[Problem]:
    return _repeated(f"{path}.segments_removed", plan.segments_removed, "segment") + (
        _resection_segments(path, plan.procedure, plan.segments_removed)
    )


def _volumetry(case: Case) -> list[Problem]:
    v = case.volumetry
    if v is None:
        return []
    problems: list[Problem] = []
    if (
        v.flr_volume_ml is not None
        and v.total_liver_volume_ml is not None
        and v.flr_volume_ml > v.total_liver_volume_ml
    ):
        problems.append(
            Problem(
                "volumetry.flr_volume_ml",
                "the future liver remnant is larger than the total liver volume "
                f"{v.total_liver_volume_ml:g} mL",
                v.flr_volume_ml,
            )
        )
    if v.planned_resection is not None:
        problems += _planned("volumetry.planned_resection", v.planned_resection)
    return problems


def _pve(case: Case) -> list[Problem]:
    p = case.pve
    if p is None:
        return []
    problems: list[Problem] = []
    total = case.volumetry.total_liver_volume_ml if case.volumetry else None
    for name in ("flr_volume_before_ml", "flr_volume_after_ml"):
        value = getattr(p, name)
        if value is not None and total is not None and value > total:
            problems.append(
                Problem(
                    f"pve.{name}",
                    "the future liver remnant is larger than the total liver volume "
                    f"{total:g} mL (volumetry.total_liver_volume_ml)",
                    value,
                )
            )
    if p.new_lesions_in_flr is True and p.tumour_progression is False:
        problems.append(
            Problem(
                "pve.tumour_progression",
                "new lesions in the remnant are tumour progression, "
                "but tumour_progression is false",
                False,
            )
        )
    return problems


def _treatments(case: Case) -> list[Problem]:
    problems: list[Problem] = []
    for i, t in enumerate(case.treatments or ()):
        path = f"treatments[{i}]"
        if t.start_date and t.end_date and t.end_date < t.start_date:
            problems.append(
                Problem(
                    f"{path}.end_date",
                    f"treatment ends before it starts ({t.start_date.isoformat()})",
                    t.end_date,
                )
            )
        if t.type in vocab.PROCEDURAL_TREATMENT_TYPES:
            for name in ("regimen", "biologic", "cycles", "line"):
                value = getattr(t, name)
                if value is not None:
                    problems.append(
                        Problem(
                            f"{path}.{name}",
                            f"a {name} belongs to a systemic treatment, not to {t.type}",
                            value,
                        )
                    )
    return problems


def _restaging(case: Case) -> list[Problem]:
    lm = case.liver_metastases
    listed = {lesion.id for lesion in (lm.lesions or ())} if lm else set()
    disappeared = set(lm.disappeared_lesion_ids or ()) if lm else set()
    check_ids = (
        lm is not None
        and (lm.lesions is not None or lm.disappeared_lesion_ids is not None)
        and not _removed("liver_metastases")
    )
    problems: list[Problem] = []
    previous: date | None = None
    for i, r in enumerate(case.restaging or ()):
        if r.date is not None:
            if previous is not None and r.date < previous:
                problems.append(
                    Problem(
                        f"restaging[{i}].date",
                        "restaging entries must be oldest first (earlier than the entry before, "
                        f"{previous.isoformat()})",
                        r.date,
                    )
                )
            previous = r.date
        seen: set[str] = set()
        for j, m in enumerate(r.lesions or ()):
            path = f"restaging[{i}].lesions[{j}].id"
            if m.id in seen:
                problems.append(Problem(path, "lesion measured twice in one restaging", m.id))
            seen.add(m.id)
            if check_ids and m.id not in listed and m.id not in disappeared:
                problems.append(
                    Problem(
                        path,
                        "names neither a lesion in liver_metastases.lesions nor one in "
                        "liver_metastases.disappeared_lesion_ids",
                        m.id,
                    )
                )
    return problems


def _outcomes(case: Case) -> list[Problem]:
    o = case.outcomes
    if o is None:
        return []
    today = case.discussion_date
    problems: list[Problem] = []
    death = o.death_date
    liver_dx = case.liver_metastases.diagnosis_date if case.liver_metastases else None
    for i, op in enumerate(o.operations or ()):
        path = f"outcomes.operations[{i}]"
        if op.date is not None:
            if op.date < today:
                problems.append(
                    Problem(
                        f"{path}.date",
                        f"outcomes follow the discussion ({today.isoformat()}); an earlier "
                        "operation belongs in treatments",
                        op.date,
                    )
                )
            if liver_dx is not None and op.date < liver_dx:
                problems.append(
                    Problem(
                        f"{path}.date",
                        "operation is before the liver metastases were diagnosed "
                        f"({liver_dx.isoformat()})",
                        op.date,
                    )
                )
            if death is not None and death < op.date:
                problems.append(
                    Problem(
                        "outcomes.death_date",
                        f"death is before the operation outcomes.operations[{i}] "
                        f"({op.date.isoformat()})",
                        death,
                    )
                )
        problems += _planned(path, op)
        problems += _pathological_response(f"{path}.pathological_response", op)
    for i, rec in enumerate(o.recurrences or ()):
        if rec.date is None:
            continue
        if rec.date < today:
            problems.append(
                Problem(
                    f"outcomes.recurrences[{i}].date",
                    f"outcomes follow the discussion ({today.isoformat()})",
                    rec.date,
                )
            )
        if death is not None and death < rec.date:
            problems.append(
                Problem(
                    "outcomes.death_date",
                    f"death is before the recurrence outcomes.recurrences[{i}] "
                    f"({rec.date.isoformat()})",
                    death,
                )
            )
    if death is not None:
        if death < today:
            problems.append(
                Problem(
                    "outcomes.death_date",
                    f"death is before the discussion date {today.isoformat()}",
                    death,
                )
            )
        if o.last_followup_date is not None and o.last_followup_date > death:
            problems.append(
                Problem(
                    "outcomes.last_followup_date",
                    f"follow-up after the death date {death.isoformat()}",
                    o.last_followup_date,
                )
            )
        if o.vital_status == "alive":
            problems.append(
                Problem(
                    "outcomes.vital_status",
                    f"a death date ({death.isoformat()}) is given but vital_status is alive",
                    o.vital_status,
                )
            )
    return problems


def _pathological_response(path: str, op: Operation) -> list[Problem]:
    pr = op.pathological_response
    if pr is None:
        return []
    if pr.system == "blazer":
        wanted, other = "residual_tumour_percent", "trg"
    else:
        wanted, other = "trg", "residual_tumour_percent"
    problems: list[Problem] = []
    if getattr(pr, wanted) is None and not _removed(f"{path}.{wanted}"):
        problems.append(Problem(f"{path}.{wanted}", f"the {pr.system} system needs {wanted}"))
    if getattr(pr, other) is not None:
        problems.append(
            Problem(
                f"{path}.{other}",
                f"{other} does not belong to the {pr.system} system",
                getattr(pr, other),
            )
        )
    return problems
