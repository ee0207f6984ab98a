"""Import of the real TCIA CRLM clinical table, and of broken copies of it (all-or-nothing).

Facts checked against ``../shared/data/README.md`` (Simpson et al., Sci Data 2024): 197 patients,
107 deaths, 29 with clinrisk_score and CEA = -999, 23 with pre-operative PVE.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from livermdt.analytics.casedoc import case_document, record_from_case
from livermdt.analytics.records import days_to_months, outcome_dates
from livermdt.analytics.tcia import bundled_csv, import_tcia
from livermdt.case.model import Case
from livermdt.errors import ImportDataError


@pytest.fixture(scope="module")
def tcia_csv(shared_dir: Path) -> Path:
    return shared_dir / "data" / "tcia-crlm-clinical" / "clinical-n197.csv"


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        r = list(csv.reader(fh))
    return r[0], r[1:]


def _write(tmp_path: Path, header: list[str], rows: list[list[str]]) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    out = tmp_path / "broken.csv"
    out.write_text(buf.getvalue(), encoding="utf-8")
    return out


def test_real_file_counts(tcia_csv: Path) -> None:
    records = import_tcia(tcia_csv)
    assert len(records) == 197
    assert sum(r.values["os_event"] for r in records) == 107
    assert sum(r.recorded_scores["fong_crs"] is None for r in records) == 29
    assert sum(r.values["cea_ng_ml"] is None for r in records) == 29
    assert sum(r.values["pve"] for r in records) == 23
    first = records[0]
    # CRLM-CT-1001: 65, female, max size 1.1 cm, CEA 1.1, OS 117.4 months alive
    assert first.patient_id == "CRLM-CT-1001" and first.line == 2
    assert first.values["sex"] == "female" and first.values["age_years"] == 65
    assert first.values["largest_diameter_mm"] == pytest.approx(11.0)
    assert first.values["os_months"] == 117.4 and first.values["os_event"] is False
    assert first.values["timing"] == "synchronous" and first.values["lesion_count"] == 1
    assert first.recorded_scores == {"fong_crs": 1}


def test_xlsx_gives_the_same_records(shared_dir: Path, tcia_csv: Path) -> None:
    xlsx = shared_dir / "data" / "tcia-crlm-clinical" / "clinical-data-april-2023.xlsx"
    assert import_tcia(xlsx) == import_tcia(tcia_csv)


def test_bundled_copy_is_the_shared_file(tcia_csv: Path) -> None:
    assert bundled_csv().read_bytes() == tcia_csv.read_bytes()
    assert (bundled_csv().parent / "ATTRIBUTION.md").read_text().count("CC BY 4.0") == 1


def test_every_record_is_a_valid_case_document_and_round_trips(tcia_csv: Path) -> None:
    for rec in import_tcia(tcia_csv):
        case = Case.model_validate(case_document(rec))
        back = record_from_case(case.to_json_dict())
        for key in ("os_event", "dfs_event", "recurrence", "node_positive", "timing", "sex"):
            assert back.values[key] == rec.values[key], (rec.patient_id, key)
        # the document's dates give back the recorded months exactly (TCIA months = days / 30)
        dates = outcome_dates(rec)
        os_days = (dates.last_followup_date - dates.operation_date).days
        assert days_to_months(os_days, 30.0) == pytest.approx(rec.values["os_months"], abs=1e-9)


def test_missing_column_is_reported_on_the_header_line(tcia_csv: Path, tmp_path: Path) -> None:
    header, rows = _rows(tcia_csv)
    i = header.index("vital_status")
    broken = _write(tmp_path, header[:i] + header[i + 1 :], [r[:i] + r[i + 1 :] for r in rows])
    with pytest.raises(ImportDataError) as ex:
        import_tcia(broken)
    assert ex.value.problems == ["line 1 (header): missing column 'vital_status'"]


def test_text_in_a_numeric_column_names_line_and_column(tcia_csv: Path, tmp_path: Path) -> None:
    header, rows = _rows(tcia_csv)
    rows[4][header.index("carcinoembryonic_antigen")] = "high"  # file line 6
    broken = _write(tmp_path, header, rows)
    with pytest.raises(ImportDataError) as ex:
        import_tcia(broken)
    assert ex.value.problems == [
        "line 6, column carcinoembryonic_antigen: not a number (got 'high')"
    ]
    assert "nothing was imported" in str(ex.value)


def test_impossible_values_are_all_reported_at_once(tcia_csv: Path, tmp_path: Path) -> None:
    header, rows = _rows(tcia_csv)
    rows[0][header.index("age")] = "250"  # line 2
    rows[1][header.index("sex")] = "3"  # line 3
    rows[2][header.index("months_to_DFS_progression")] = "500"  # line 4: DFS > OS (94.7)
    rows[3][header.index("clinrisk_stratified")] = "0"  # line 5: score 3 is high risk
    rows[5][header.index("vital_status")] = ""  # line 7: required
    broken = _write(tmp_path, header, rows)
    with pytest.raises(ImportDataError) as ex:
        import_tcia(broken)
    problems = ex.value.problems
    assert "line 2, column age: above the allowed range 18..110 (got '250')" in problems
    assert "line 3, column sex: not one of the codes '1', '2' (got '3')" in problems
    assert any(
        p.startswith("line 4: dfs_months 500 is longer than os_months 94.7") for p in problems
    )
    assert any(p.startswith("line 5, column clinrisk_stratified: does not match") for p in problems)
    assert "line 7, column vital_status: required value is missing" in problems
    assert len(problems) == 5


def test_duplicate_patient_and_ragged_row(tcia_csv: Path, tmp_path: Path) -> None:
    header, rows = _rows(tcia_csv)
    rows[10][0] = rows[9][0]  # line 12 repeats line 11's id
    rows[20] = rows[20][:5]  # line 22 is cut short
    broken = _write(tmp_path, header, rows)
    with pytest.raises(ImportDataError) as ex:
        import_tcia(broken)
    assert ex.value.problems == [
        "line 12, column Patient-ID: patient id 'CRLM-CT-1010' already on line 11",
        f"line 22: 5 cells, header has {len(header)}",
    ]


def test_empty_and_absent_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(ImportDataError, match="empty"):
        import_tcia(empty)
    with pytest.raises(Exception, match="no such file"):
        import_tcia(tmp_path / "absent.csv")
