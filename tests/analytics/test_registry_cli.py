"""``livermdt registry ...`` and ``livermdt cohort ...`` end to end: the "done when" of the issue —
one command imports the TCIA data and writes a report whose figures match the independent values
(tests/analytics/test_tcia_oracle.py holds them with their provenance)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from livermdt.about import DISCLAIMER
from livermdt.cli.main import main
from tests.analytics.test_tcia_oracle import OS_ALL, OS_FONG_HIGH


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cli.sqlite3"
    monkeypatch.setenv("LIVERMDT_DATABASE_URL", f"sqlite:///{path}")
    return path


@pytest.fixture(scope="module")
def tcia_csv(shared_dir: Path) -> Path:
    return shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv"


def test_one_command_imports_and_reports(
    db: Path, tcia_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report"
    assert main(["registry", "import-tcia", str(tcia_csv), "--report", str(out)]) == 0
    text = capsys.readouterr().out
    assert "imported 197 patients from tcia-crlm" in text
    assert "CC BY 4.0" in text and DISCLAIMER in text
    assert "Overall survival: n=197, events=107, median 76.0 months (95% CI 66.1–98.9)" in text
    summary = json.loads((out / "summary.json").read_text())
    overall = summary["endpoints"]["os"]["overall"]
    assert (overall["n"], overall["events"]) == OS_ALL[:2]
    assert overall["median_months"] == pytest.approx(OS_ALL[2], abs=1e-9)
    assert summary["attribution"].startswith("Clinical data: TCIA")

    # the report from the store, filtered, gives the same figures as the file
    again = tmp_path / "again"
    assert main(["cohort", "report", "--out", str(again), "--where", "fong_crs_recorded>=3"]) == 0
    s2 = json.loads((again / "summary.json").read_text())
    assert s2["filters"] == ["fong_crs_recorded>=3"]
    high = s2["endpoints"]["os"]["overall"]
    assert (high["n"], high["events"]) == OS_FONG_HIGH[:2]
    assert high["median_months"] == pytest.approx(OS_FONG_HIGH[2], abs=1e-9)


def test_bad_file_exits_2_and_writes_nothing(
    db: Path, tcia_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with tcia_csv.open(encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    rows[3][rows[0].index("age")] = "sixty"
    broken = tmp_path / "broken.csv"
    with broken.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)
    assert main(["registry", "import-tcia", str(broken)]) == 2
    err = capsys.readouterr().err
    assert "line 4, column age: not a number (got 'sixty')" in err
    assert main(["cohort", "report", "--out", str(tmp_path / "r")]) == 0
    assert json.loads((tmp_path / "r" / "summary.json").read_text())["n_patients"] == 0


def test_bad_where_is_a_usage_error(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cohort", "report", "--out", str(tmp_path), "--where", "eval(1)"]) == 2
    assert "expected FIELD OP VALUE" in capsys.readouterr().err
    assert main(["cohort", "report", "--out", str(tmp_path), "--where", "timing>early"]) == 2
    assert "needs a number" in capsys.readouterr().err


def test_generic_csv_with_mapping_and_dry_run(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "export.csv"
    data.write_text(
        "pid,age,gender,size_cm,dead,os_m,rec,dfs_m,crs\n"
        "A1,61,F,2.5,yes,40.0,yes,12.0,2\n"
        "A2,70,M,6.0,no,55.5,no,55.5,NA\n"
    )
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "source": "hospital-x",
                "id_column": "pid",
                "missing_values": ["", "NA"],
                "fields": {
                    "age_years": {"column": "age"},
                    "sex": {"column": "gender", "codes": {"F": "female", "M": "male"}},
                    "largest_diameter_mm": {"column": "size_cm", "scale": 10},
                    "os_event": {"column": "dead"},
                    "os_months": {"column": "os_m"},
                    "dfs_event": {"column": "rec"},
                    "recurrence": {"column": "rec"},
                    "dfs_months": {"column": "dfs_m"},
                },
                "recorded_scores": {"fong_crs": {"column": "crs"}},
            }
        )
    )
    assert main(["registry", "import-csv", str(data), "--mapping", str(mapping), "--dry-run"]) == 0
    assert "2 patients checked; nothing written" in capsys.readouterr().out
    assert main(["registry", "import-csv", str(data), "--mapping", str(mapping)]) == 0
    assert "imported 2 patients from hospital-x" in capsys.readouterr().out
    out = tmp_path / "rep"
    assert main(["cohort", "report", "--out", str(out), "--source", "hospital-x"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["n_patients"] == 2 and summary["endpoints"]["os"]["overall"]["events"] == 1


def test_bad_mapping_lists_every_problem(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "x.csv"
    data.write_text("pid\nA\n")
    mapping = tmp_path / "map.json"
    mapping.write_text(json.dumps({"fields": {"height": {"column": "h"}, "sex": "gender"}}))
    assert main(["registry", "import-csv", str(data), "--mapping", str(mapping)]) == 2
    err = capsys.readouterr().err
    assert "id_column: required" in err
    assert "fields.height: unknown field" in err
    assert "fields.sex: needs" in err


def test_concordance_without_decisions(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cohort", "concordance"]) == 0
    assert "no recorded decisions" in capsys.readouterr().out
    assert main(["cohort", "concordance", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["overall"]["decisions"] == 0
