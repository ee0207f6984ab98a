"""The examples in docs/registry.md work as written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from livermdt.analytics.frame import frame_columns, parse_where
from livermdt.analytics.importing import SourceRow, parse_mapping, rows_to_records
from livermdt.analytics.tcia import TCIA_MAPPING

DOC = Path(__file__).resolve().parents[2] / "docs" / "registry.md"


def test_the_mapping_example_parses_and_imports_a_row() -> None:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S)
    assert block
    mapping = parse_mapping(json.loads(block.group(1)))
    header = [
        "patient",
        "age",
        "sex",
        "max_size_cm",
        "sync",
        "os_m",
        "dead",
        "dfs_m",
        "dfs_event",
        "crs",
    ]
    cells = dict(zip(header, ["P1", "64", "2", "3.5", "1", "20", "0", "12", "1", "2"], strict=True))
    (rec,) = rows_to_records(header, [SourceRow(2, cells)], mapping)
    assert rec.values["largest_diameter_mm"] == 35.0 and rec.values["timing"] == "synchronous"
    assert rec.recorded_scores == {"fong_crs": 2}


def test_the_where_examples_parse() -> None:
    for example in ("timing=synchronous", "fong_crs_recorded>=3", "pve=true and cea_ng_ml<200"):
        assert example in DOC.read_text(encoding="utf-8")
        assert parse_where([example], frame_columns())


def test_every_tcia_column_of_the_mapping_is_in_the_table() -> None:
    text = DOC.read_text(encoding="utf-8")
    for rule in TCIA_MAPPING["fields"].values():
        assert f"`{rule['column']}`" in text, rule["column"]
