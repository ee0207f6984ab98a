"""The public surface of livermdt.analytics is deliberate, and importing it loads no heavy
library (pandas, lifelines and matplotlib come with the first analysis)."""

from __future__ import annotations

import subprocess
import sys

import livermdt.analytics as analytics


def test_exported_names() -> None:
    assert sorted(analytics.__all__) == sorted(
        [
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
    )
    for name in analytics.__all__:
        assert getattr(analytics, name) is not None


def test_import_loads_no_statistics_library() -> None:
    code = (
        "import sys, livermdt.analytics, livermdt.cli.registry_cmds; "
        "print(sorted(m for m in ('pandas', 'lifelines', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
