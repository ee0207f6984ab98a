"""Registry import and cohort analytics for liver MDTs (``docs/registry.md``).

- import: :func:`import_tcia` (the TCIA CRLM clinical table), :func:`import_csv` with a column
  mapping (:func:`load_mapping`); all-or-nothing, problems as ``line N, column C: ...``;
- records: :class:`RegistryRecord` (values in the :data:`FIELDS` vocabulary, recorded scores,
  provenance), :func:`case_document` / :func:`record_from_case` (case-v1 with ``outcomes``);
- analysis: :func:`cohort_frame`, :func:`parse_where` / :func:`apply_where`, :func:`analyse`,
  :func:`cohort_report` (files + ``summary.json``), all survival statistics from lifelines;
- :func:`concordance` of recorded MDT decisions with livermdt's proposals.

pandas, lifelines and matplotlib are imported only when a function needs them (the
``analytics`` extra).
"""

from __future__ import annotations

from livermdt.analytics.casedoc import case_document, record_from_case
from livermdt.analytics.concordance import Concordance, DecisionEntry, concordance
from livermdt.analytics.frame import apply_where, cohort_frame, parse_where
from livermdt.analytics.importing import import_csv, load_mapping, parse_mapping
from livermdt.analytics.records import FIELDS, RegistryRecord
from livermdt.analytics.report import Analysis, analyse, cohort_report
from livermdt.analytics.tcia import import_tcia

__all__ = [
    "FIELDS",
    "Analysis",
    "Concordance",
    "DecisionEntry",
    "RegistryRecord",
    "analyse",
    "apply_where",
    "case_document",
    "cohort_frame",
    "cohort_report",
    "concordance",
    "import_csv",
    "import_tcia",
    "load_mapping",
    "parse_mapping",
    "parse_where",
    "record_from_case",
]
