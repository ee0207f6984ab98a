"""Date arithmetic shared by the validation of contradictions and the derived values.

Pure functions over ``datetime.date``; no clock is read anywhere ("today" is the case's
``discussion_date``).
"""

from __future__ import annotations

from datetime import date
from typing import Final

from livermdt.case.vocab import DerivedTiming

#: Mean Gregorian month, 365.2425 / 12 days. Months are computed as days / 30.4375 so that an
#: interval does not depend on which calendar months it spans.
DAYS_PER_MONTH: Final = 30.4375

#: E-AHPBA 2023 (Br J Surg 2023, doi 10.1093/bjs/znad124): synchronous = detected at presentation
#: of the primary. livermdt reads "at presentation" as before the primary's diagnosis or within 30
#: days after it (spec case-v1, liver_metastases.timing).
SYNCHRONOUS_WINDOW_DAYS: Final = 30
#: Early metachronous = detected within 12 months of the primary's diagnosis (E-AHPBA 2023), with
#: the month of ``DAYS_PER_MONTH``: up to 365 days is early, 366 days or more is late.
EARLY_METACHRONOUS_MONTHS: Final = 12


def months_between(start: date, end: date) -> float:
    """Months from ``start`` to ``end`` (negative when ``end`` is earlier), 1 month = 30.4375 d."""
    return (end - start).days / DAYS_PER_MONTH


def classify_timing(primary_diagnosis: date, liver_diagnosis: date) -> DerivedTiming:
    """Synchronous / early / late metachronous from the two diagnosis dates (E-AHPBA 2023)."""
    if (liver_diagnosis - primary_diagnosis).days <= SYNCHRONOUS_WINDOW_DAYS:
        return "synchronous"
    if months_between(primary_diagnosis, liver_diagnosis) <= EARLY_METACHRONOUS_MONTHS:
        return "early_metachronous"
    return "late_metachronous"
