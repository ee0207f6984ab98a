"""Values computed from a case document, never typed in (spec case-v1, "Derived values";
knowledge base Part A, A2, A8, A12).

Each function takes a ``Case`` and returns a ``Derived``: the value (``None`` when an input is
missing), the case paths whose absence made it ``None`` or uncertain, and a note saying how it was
derived. Nothing here reads the clock: "today" is ``case.discussion_date``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final, Generic, Literal, TypeVar

from livermdt.case import vocab
from livermdt.case._dates import DAYS_PER_MONTH, classify_timing, months_between
from livermdt.case.model import Case, Treatment

T = TypeVar("T")

#: A2: chemotherapy "in the 12 months before the discussion": by default the window is 365 days
#: ending on the discussion date. The window itself (``chemo_extensive_lookback_months``) and how
#: much of it is "extensive" (``chemo_extensive_*``) are site-configurable thresholds in
#: ``livermdt.knowledge``, applied by ``livermdt.scores`` (which passes the window in days).
CHEMOTHERAPY_WINDOW_DAYS: Final = 365
#: Treatment types that count as a line of systemic therapy for ``chemotherapy_lines``.
SYSTEMIC_TREATMENT_TYPES: Final = frozenset({"chemotherapy", "immunotherapy", "targeted", "hai"})

__all__ = [
    "CHEMOTHERAPY_WINDOW_DAYS",
    "DAYS_PER_MONTH",
    "ChemotherapyExposure",
    "Derived",
    "age_years",
    "chemotherapy_exposure",
    "chemotherapy_lines",
    "chemotherapy_weeks_total",
    "disease_free_interval_months",
    "is_bilobar",
    "largest_lesion_mm",
    "lesion_count",
    "metastasis_timing",
    "months_since_primary_resection",
    "node_positive",
    "previous_hepatectomy",
    "ras_status",
    "sidedness",
]


@dataclass(frozen=True)
class Derived(Generic[T]):
    """A derived value with what was missing to compute it and how it was computed."""

    value: T | None
    missing: tuple[str, ...] = ()
    note: str = ""

    @property
    def known(self) -> bool:
        """The value is determined and nothing that could change it is missing."""
        return self.value is not None and not self.missing


@dataclass(frozen=True)
class ChemotherapyExposure:
    """Chemotherapy measured in the 365 days before the discussion (A2). Whether it is
    "extensive" is decided against the site's threshold table by ``livermdt.scores``
    (``extensive_chemotherapy``), not here: the case layer measures, the knowledge decides."""

    #: Weeks counted in all (a lower bound when ``Derived.missing`` is not empty).
    weeks: float | None
    #: Days inside the window of the courses placed by their dates (or by one date and the
    #: cycles), clipped to the window.
    days_dated: int | None
    #: Cycles of 2-weekly and of 3-weekly regimens of the courses without any date (they cannot
    #: be placed in the window, so they count whole).
    cycles_2weekly: int | None
    cycles_3weekly: int | None
    basis: Literal["dates", "cycles"] | None  # "cycles" when any course was counted by cycles


def age_years(case: Case) -> Derived[int]:
    if case.patient is None or case.patient.age_years is None:
        return Derived(None, ("patient.age_years",), "age not given")
    return Derived(case.patient.age_years, (), "as given")


def sidedness(case: Case) -> Derived[vocab.Sidedness]:
    """Given sidedness, else from the site: caecum to hepatic flexure right, splenic flexure to
    rectum left (spec case-v1); the transverse colon needs ``primary.sidedness``."""
    p = case.primary
    if p is not None and p.sidedness is not None:
        return Derived(p.sidedness, (), "as given in primary.sidedness")
    if p is None or p.site is None:
        return Derived(None, ("primary.site",), "primary site not given")
    if p.site in vocab.RIGHT_SITES:
        return Derived("right", (), f"right-sided: {p.site}")
    if p.site in vocab.LEFT_SITES:
        return Derived("left", (), f"left-sided: {p.site}")
    return Derived(None, ("primary.sidedness",), f"{p.site} colon: sidedness must be given")


def ras_status(case: Case) -> Derived[vocab.RasStatus]:
    """``mutated`` if KRAS or NRAS is mutated; ``wild_type`` only if both are wild type; else
    ``unknown`` with the unknown gene(s) in ``missing`` (spec case-v1)."""
    b = case.biomarkers
    kras = b.kras if b else None
    nras = b.nras if b else None
    mutated = [gene for gene, status in (("KRAS", kras), ("NRAS", nras)) if status == "mutated"]
    if mutated:
        return Derived("mutated", (), f"{' and '.join(mutated)} mutated")
    if kras == "wild_type" and nras == "wild_type":
        return Derived("wild_type", (), "KRAS and NRAS wild type")
    missing = tuple(
        f"biomarkers.{gene}"
        for gene, status in (("kras", kras), ("nras", nras))
        if status in (None, "unknown")
    )
    return Derived("unknown", missing, "RAS status needs both KRAS and NRAS")


def node_positive(case: Case) -> Derived[bool]:
    """Any N1 or N2 stage; Nx (nodes not assessable) is unknown."""
    n = case.primary.n_stage if case.primary else None
    if n is None:
        return Derived(None, ("primary.n_stage",), "N stage not given")
    if n == "Nx":
        return Derived(None, ("primary.n_stage",), "Nx: regional nodes not assessed")
    return Derived(n in vocab.NODE_POSITIVE_STAGES, (), f"N stage {n}")


def metastasis_timing(case: Case) -> Derived[vocab.DerivedTiming]:
    """E-AHPBA 2023 (Br J Surg 2023, doi 10.1093/bjs/znad124): synchronous = liver metastases
    diagnosed before the primary or within 30 days after its diagnosis; early metachronous = within
    12 months (365 days at 30.4375 days a month); late metachronous = later. The dates decide when
    both are given (a contradicting ``timing`` is rejected at validation); otherwise a given
    ``synchronous`` stands, and a given ``metachronous`` cannot say early or late."""
    primary_dx = case.primary.diagnosis_date if case.primary else None
    lm = case.liver_metastases
    liver_dx = lm.diagnosis_date if lm else None
    if primary_dx is not None and liver_dx is not None:
        days = (liver_dx - primary_dx).days
        return Derived(
            classify_timing(primary_dx, liver_dx),
            (),
            f"liver metastases diagnosed {days} days after the primary",
        )
    missing = tuple(
        path
        for path, value in (
            ("primary.diagnosis_date", primary_dx),
            ("liver_metastases.diagnosis_date", liver_dx),
        )
        if value is None
    )
    given = lm.timing if lm else None
    if given == "synchronous":
        return Derived("synchronous", (), "as given in liver_metastases.timing")
    if given == "metachronous":
        return Derived(None, missing, "metachronous as given; early or late needs both dates")
    return Derived(None, (*missing, "liver_metastases.timing"), "timing not determinable")


def disease_free_interval_months(case: Case) -> Derived[float]:
    """Primary resection date to liver-metastasis diagnosis, in months of 30.4375 days; 0 for
    synchronous disease and when the metastases were found before the primary was removed
    (spec case-v1; A8)."""
    timing = metastasis_timing(case)
    if timing.value == "synchronous":
        return Derived(0.0, (), "synchronous disease: no disease-free interval")
    resected = case.primary.resection_date if case.primary else None
    liver_dx = case.liver_metastases.diagnosis_date if case.liver_metastases else None
    if resected is not None and liver_dx is not None:
        if liver_dx <= resected:
            return Derived(0.0, (), "liver metastases diagnosed before the primary resection")
        months = months_between(resected, liver_dx)
        return Derived(
            months,
            (),
            f"{(liver_dx - resected).days} days from primary resection to liver diagnosis "
            f"/ {DAYS_PER_MONTH}",
        )
    missing = tuple(
        path
        for path, value in (
            ("primary.resection_date", resected),
            ("liver_metastases.diagnosis_date", liver_dx),
        )
        if value is None
    )
    if timing.value is None:
        missing += tuple(m for m in timing.missing if m not in missing)
    return Derived(None, missing, "needs the primary resection and liver diagnosis dates")


def _lesions_path() -> str:
    return "liver_metastases.lesions"


def is_bilobar(case: Case) -> Derived[bool]:
    """Lesions in both hemilivers: segments 2-4 and 5-8; the caudate (1) counts for neither
    (spec case-v1). Disappeared lesions are not counted (their segments are not recorded)."""
    lm = case.liver_metastases
    if lm is None or lm.lesions is None:
        return Derived(None, (_lesions_path(),), "no lesion list")
    segments: set[int] = set()
    missing: list[str] = []
    for i, lesion in enumerate(lm.lesions):
        if lesion.segments is None:
            missing.append(f"liver_metastases.lesions[{i}].segments")
        else:
            segments.update(lesion.segments)
    left = bool(segments & vocab.LEFT_HEMILIVER_SEGMENTS)
    right = bool(segments & vocab.RIGHT_HEMILIVER_SEGMENTS)
    if left and right:
        return Derived(True, (), "lesions in segments 2-4 and 5-8")
    if missing:
        return Derived(None, tuple(missing), "segments of some lesions not given")
    return Derived(False, (), "lesions in one hemiliver only")


def lesion_count(case: Case) -> Derived[int]:
    """Lesions on the latest imaging (``liver_metastases.lesions``); disappeared lesions are not
    counted."""
    lm = case.liver_metastases
    if lm is None or lm.lesions is None:
        return Derived(None, (_lesions_path(),), "no lesion list")
    gone = len(lm.disappeared_lesion_ids or ())
    note = f"{len(lm.lesions)} listed" + (f", {gone} disappeared not counted" if gone else "")
    return Derived(len(lm.lesions), (), note)


def largest_lesion_mm(case: Case) -> Derived[float]:
    """Longest diameter of the largest listed lesion; when some diameters are missing, the largest
    known one with those paths in ``missing`` (the true value may be larger)."""
    lm = case.liver_metastases
    if lm is None or lm.lesions is None:
        return Derived(None, (_lesions_path(),), "no lesion list")
    if not lm.lesions:
        return Derived(None, (), "no lesions listed")
    known = [x.diameter_mm for x in lm.lesions if x.diameter_mm is not None]
    missing = tuple(
        f"liver_metastases.lesions[{i}].diameter_mm"
        for i, x in enumerate(lm.lesions)
        if x.diameter_mm is None
    )
    if not known:
        return Derived(None, missing, "no lesion diameter given")
    note = "largest listed diameter" + (" (at least; some diameters missing)" if missing else "")
    return Derived(max(known), missing, note)


@dataclass(frozen=True)
class _Course:
    days: int
    by_cycles: bool
    #: Cycles and cycle length of a course without any date (counted whole, not placed).
    undated_cycles: int = 0
    cycle_days: int = 0


def _course_days(
    i: int, t: Treatment, window_start: date, today: date
) -> tuple[_Course | None, tuple[str, ...]]:
    """Days of chemotherapy course ``t`` inside the window, or the paths that are missing."""
    path = f"treatments[{i}]"
    cycle_days = vocab.REGIMEN_CYCLE_DAYS.get(t.regimen or "")
    span_days = t.cycles * cycle_days if t.cycles is not None and cycle_days else None
    start, end, by_cycles = t.start_date, t.end_date, False
    if start is not None and end is None and span_days is not None:
        end, by_cycles = start + timedelta(days=span_days), True
    elif end is not None and start is None and span_days is not None:
        start, by_cycles = end - timedelta(days=span_days), True
    if start is not None and end is not None:
        overlap = (min(end, today) - max(start, window_start)).days
        return _Course(max(overlap, 0), by_cycles), ()
    if span_days is not None and t.cycles is not None and cycle_days is not None:
        # No dates at all: the whole course counts (it cannot be placed in the window).
        return _Course(span_days, True, t.cycles, cycle_days), ()
    missing: list[str] = []
    if start is None:
        missing.append(f"{path}.start_date")
    if end is None:
        missing.append(f"{path}.end_date")
    if t.cycles is None:
        missing.append(f"{path}.cycles")
    if cycle_days is None:
        missing.append(f"{path}.regimen")
    return None, tuple(missing)


def chemotherapy_exposure(
    case: Case, window_days: int = CHEMOTHERAPY_WINDOW_DAYS
) -> Derived[ChemotherapyExposure]:
    """Chemotherapy in the ``window_days`` (365) days before the discussion, measured: days from
    treatment dates clipped to that window (a course with one date and ``cycles`` runs cycles x
    cycle length from that date, then is clipped), and the cycles of courses without any date
    by cycle length (2-weekly FOLFOX, FOLFIRI, FOLFOXIRI, 5FU; 3-weekly CAPOX, CAPIRI,
    capecitabine), which count whole. ``weeks`` adds both up. Whether that is "extensive" (A2)
    is the threshold table's decision: ``livermdt.scores.extensive_chemotherapy``."""
    if case.treatments is None:
        return Derived(
            ChemotherapyExposure(None, None, None, None, None),
            ("treatments",),
            "treatments not given",
        )
    today = case.discussion_date
    window_start = today - timedelta(days=window_days)
    total = 0
    dated = 0
    cycles = {14: 0, 21: 0}
    by_cycles = False
    missing: list[str] = []
    for i, t in enumerate(case.treatments):
        if t.type != "chemotherapy":
            continue
        course, course_missing = _course_days(i, t, window_start, today)
        if course is None:
            missing.extend(course_missing)
            continue
        total += course.days
        if course.undated_cycles:
            cycles[course.cycle_days] += course.undated_cycles
        else:
            dated += course.days
        by_cycles = by_cycles or course.by_cycles
    basis: Literal["dates", "cycles"] = "cycles" if by_cycles else "dates"
    note = f"{total:g} days in the {window_days} days before {today.isoformat()} (basis: {basis})"
    if missing:
        note += "; some courses could not be counted"
    exposure = ChemotherapyExposure(total / 7.0, dated, cycles[14], cycles[21], basis)
    return Derived(exposure, tuple(missing), note)


def chemotherapy_weeks_total(case: Case) -> Derived[float]:
    """Weeks of chemotherapy over every line at any time, from treatment dates (an ongoing course
    runs to the discussion date); TransMet's ">= 3 months" of chemotherapy (A10). ``None``, with
    the paths, when a chemotherapy course lacks its start date or when ``treatments`` is absent
    (not recorded is not "none given"); ``treatments: []`` is 0 weeks."""
    if case.treatments is None:
        return Derived(None, ("treatments",), "treatments not given")
    weeks = 0.0
    missing = tuple(
        f"treatments[{i}].start_date"
        for i, t in enumerate(case.treatments or [])
        if t.type == "chemotherapy" and t.start_date is None
    )
    if missing:
        return Derived(None, missing, "a chemotherapy course without its start date")
    for treatment in case.treatments or []:
        if treatment.type == "chemotherapy" and treatment.start_date is not None:
            end = treatment.end_date or case.discussion_date
            weeks += max((end - treatment.start_date).days, 0) / 7.0
    return Derived(weeks, (), "from treatment dates, every line")


def previous_hepatectomy(case: Case) -> Derived[bool]:
    """A hepatectomy among the treatments before this discussion (A12: repeat hepatectomy)."""
    if case.treatments is None:
        return Derived(None, ("treatments",), "treatments not given")
    found = [i for i, t in enumerate(case.treatments) if t.type == "hepatectomy"]
    if found:
        return Derived(True, (), f"hepatectomy in treatments[{found[0]}]")
    return Derived(False, (), "no hepatectomy in treatments")


def months_since_primary_resection(case: Case) -> Derived[float]:
    """Primary resection date to the discussion date, in months of 30.4375 days (Oslo score)."""
    p = case.primary
    if p is not None and p.status == "in_situ":
        return Derived(None, (), "primary in situ: not resected")
    if p is None or p.resection_date is None:
        return Derived(None, ("primary.resection_date",), "primary resection date not given")
    days = (case.discussion_date - p.resection_date).days
    return Derived(
        months_between(p.resection_date, case.discussion_date),
        (),
        f"{days} days from primary resection to the discussion / {DAYS_PER_MONTH}",
    )


def chemotherapy_lines(case: Case) -> Derived[int]:
    """Distinct ``line`` numbers among systemic treatments (chemotherapy, immunotherapy, targeted,
    HAI); a systemic treatment without ``line`` is listed in ``missing``."""
    if case.treatments is None:
        return Derived(None, ("treatments",), "treatments not given")
    lines: set[int] = set()
    missing: list[str] = []
    for i, t in enumerate(case.treatments):
        if t.type not in SYSTEMIC_TREATMENT_TYPES:
            continue
        if t.line is None:
            missing.append(f"treatments[{i}].line")
        else:
            lines.add(t.line)
    note = f"lines {sorted(lines)}" if lines else "no systemic treatment with a line"
    return Derived(len(lines), tuple(missing), note)
