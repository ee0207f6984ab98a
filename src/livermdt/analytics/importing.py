"""Registry import: a table (CSV or XLSX) plus a column mapping → :class:`RegistryRecord` list.

Every row is checked; all problems are collected and raised together as one
:class:`~livermdt.errors.ImportDataError` whose lines read
``line 7, column carcinoembryonic_antigen: not a number (got 'abc')``. The caller writes nothing
when this raises (the service layer wraps the write in one transaction).

The mapping (a JSON file for a hospital's export, built in for TCIA) says which source column
feeds which field of :data:`~livermdt.analytics.records.FIELDS`::

    {
      "source": "hospital-x",
      "id_column": "patient",
      "month_days": 30.4375,
      "missing_values": ["", "NA", "-999"],
      "fields": {
        "age_years": {"column": "age"},
        "sex": {"column": "sex", "codes": {"1": "male", "2": "female"}},
        "largest_diameter_mm": {"column": "max_size_cm", "scale": 10},
        "os_event": {"column": "dead"}
      },
      "recorded_scores": {"fong_crs": {"column": "crs"}}
    }

Booleans accept 1/0, yes/no, true/false unless ``codes`` says otherwise.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from livermdt.analytics.records import (
    DEFAULT_MONTH_DAYS,
    FIELDS,
    RECORDED_SCORES,
    FieldSpec,
    RegistryRecord,
)
from livermdt.errors import ImportDataError, InvalidInputError

_BOOL_CODES: dict[str, bool] = {
    "1": True,
    "0": False,
    "yes": True,
    "no": False,
    "true": True,
    "false": False,
    "y": True,
    "n": False,
}

_WIDTH = "\0width"  # marks a row whose cell count differs from the header's

#: At most this many problems are listed; the count of the rest is given.
MAX_PROBLEMS = 50


@dataclass(frozen=True)
class ColumnRule:
    column: str
    codes: Mapping[str, Any] | None = None
    scale: float = 1.0


@dataclass(frozen=True)
class ColumnMapping:
    """A validated column mapping."""

    source: str
    id_column: str
    fields: Mapping[str, ColumnRule]
    recorded_scores: Mapping[str, ColumnRule]
    missing_values: frozenset[str]
    month_days: float = DEFAULT_MONTH_DAYS


@dataclass(frozen=True)
class SourceRow:
    line: int
    cells: Mapping[str, str]


# ---------------------------------------------------------------------------------------------
# reading tables


def read_table(path: Path, sheet: str | None = None) -> tuple[list[str], list[SourceRow]]:
    """Header and rows of a CSV or XLSX file, every cell as text; ``line`` is the 1-based line
    (CSV) or row (XLSX) number a person sees in a spreadsheet."""
    if not path.is_file():
        raise InvalidInputError(f"{path}: no such file")
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, sheet)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as ex:
        raise ImportDataError(f"{path}: not UTF-8 text ({ex.reason})") from ex
    reader = csv.reader(text.splitlines())
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ImportDataError(f"{path}: the file is empty") from None
    rows: list[SourceRow] = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            rows.append(SourceRow(line, {_WIDTH: f"{len(cells)} cells, header has {len(header)}"}))
            continue
        rows.append(SourceRow(line, dict(zip(header, (c.strip() for c in cells), strict=True))))
    return header, rows


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_xlsx(path: Path, sheet: str | None) -> tuple[list[str], list[SourceRow]]:
    from livermdt.analytics._lazy import require

    openpyxl = require("openpyxl")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        if sheet is not None:
            if sheet not in wb.sheetnames:
                raise ImportDataError(
                    f"{path}: no sheet {sheet!r} (sheets: {', '.join(wb.sheetnames)})"
                )
            ws = wb[sheet]
        else:
            ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            header = [_cell_text(h) for h in next(it)]
        except StopIteration:
            raise ImportDataError(f"{path}: the sheet is empty") from None
        while header and header[-1] == "":
            header.pop()
        rows: list[SourceRow] = []
        for n, values in enumerate(it, start=2):
            cells = [_cell_text(v) for v in values][: len(header)]
            if not any(cells):
                continue
            cells += [""] * (len(header) - len(cells))
            rows.append(SourceRow(n, dict(zip(header, cells, strict=True))))
        return header, rows
    finally:
        wb.close()


# ---------------------------------------------------------------------------------------------
# mapping files


def _rule(name: str, raw: object, problems: list[str]) -> ColumnRule | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("column"), str):
        problems.append(f'fields.{name}: needs {{"column": NAME}} (got {raw!r})')
        return None
    codes = raw.get("codes")
    if codes is not None and not isinstance(codes, dict):
        problems.append(f"fields.{name}.codes: must be an object (got {codes!r})")
        return None
    scale = raw.get("scale", 1.0)
    if not isinstance(scale, int | float) or isinstance(scale, bool) or scale <= 0:
        problems.append(f"fields.{name}.scale: must be a positive number (got {scale!r})")
        return None
    unknown = set(raw) - {"column", "codes", "scale"}
    if unknown:
        problems.append(f"fields.{name}: unknown keys {sorted(unknown)}")
        return None
    return ColumnRule(raw["column"], codes, float(scale))


def parse_mapping(doc: Mapping[str, Any]) -> ColumnMapping:
    """Validate a mapping document (see the module docstring)."""
    problems: list[str] = []
    unknown = set(doc) - {
        "source",
        "id_column",
        "month_days",
        "missing_values",
        "fields",
        "recorded_scores",
    }
    if unknown:
        problems.append(f"mapping: unknown keys {sorted(unknown)}")
    source = doc.get("source", "csv")
    if not isinstance(source, str) or not source:
        problems.append(f"source: must be a non-empty text (got {source!r})")
    id_column = doc.get("id_column")
    if not isinstance(id_column, str) or not id_column:
        problems.append(f"id_column: required, the column with the patient id (got {id_column!r})")
    month_days = doc.get("month_days", DEFAULT_MONTH_DAYS)
    if not isinstance(month_days, int | float) or not 28 <= float(month_days) <= 31:
        problems.append(f"month_days: must be 28..31 (got {month_days!r})")
    missing = doc.get("missing_values", [""])
    if not isinstance(missing, list) or not all(isinstance(m, str) for m in missing):
        problems.append(f"missing_values: must be a list of texts (got {missing!r})")
        missing = [""]
    fields: dict[str, ColumnRule] = {}
    raw_fields = doc.get("fields", {})
    if not isinstance(raw_fields, dict):
        problems.append("fields: must be an object")
        raw_fields = {}
    for name, raw in raw_fields.items():
        if name not in FIELDS:
            problems.append(f"fields.{name}: unknown field (known: {', '.join(FIELDS)})")
            continue
        rule = _rule(name, raw, problems)
        if rule is not None:
            fields[name] = rule
    scores: dict[str, ColumnRule] = {}
    raw_scores = doc.get("recorded_scores", {})
    if not isinstance(raw_scores, dict):
        problems.append("recorded_scores: must be an object")
        raw_scores = {}
    for name, raw in raw_scores.items():
        if name not in RECORDED_SCORES:
            problems.append(
                f"recorded_scores.{name}: unknown score (known: {', '.join(RECORDED_SCORES)})"
            )
            continue
        rule = _rule(name, raw, problems)
        if rule is not None:
            scores[name] = rule
    if problems:
        raise ImportDataError("invalid mapping", problems)
    return ColumnMapping(
        source=str(source),
        id_column=str(id_column),
        fields=fields,
        recorded_scores=scores,
        missing_values=frozenset(str(m).strip() for m in missing),
        month_days=float(month_days),
    )


def load_mapping(path: Path) -> ColumnMapping:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: no such mapping file") from None
    except json.JSONDecodeError as ex:
        raise ImportDataError(f"{path}: not JSON (line {ex.lineno}: {ex.msg})") from ex
    if not isinstance(doc, dict):
        raise ImportDataError(f"{path}: the mapping must be a JSON object")
    return parse_mapping(doc)


# ---------------------------------------------------------------------------------------------
# converting cells


class _CellError(Exception):
    pass


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _CellError("not a number") from None
    if not math.isfinite(value):
        raise _CellError("not a finite number")
    return value


def convert(spec: FieldSpec, rule: ColumnRule, text: str) -> Any:
    """One cell → the field's value; raises ``_CellError`` with what is wrong."""
    if rule.codes is not None:
        if text not in rule.codes:
            allowed = ", ".join(repr(k) for k in rule.codes)
            raise _CellError(f"not one of the codes {allowed}")
        value = rule.codes[text]
        if spec.kind == "bool":
            if not isinstance(value, bool):
                raise _CellError(f"the mapping codes it as {value!r}, not true/false")
            return value
        if spec.kind == "enum" and value not in spec.choices:
            raise _CellError(f"the mapping codes it as {value!r}, not one of {spec.choices}")
        if spec.kind in {"int", "float"}:
            text = str(value)
        else:
            return value
    if spec.kind == "bool":
        key = text.lower()
        if key.endswith(".0"):
            key = key[:-2]
        if key not in _BOOL_CODES:
            raise _CellError("not a yes/no value (1/0, yes/no, true/false)")
        return _BOOL_CODES[key]
    if spec.kind == "enum":
        if text not in spec.choices:
            raise _CellError(f"not one of {', '.join(spec.choices)}")
        return text
    if spec.kind == "text":
        return text
    value = _number(text) * rule.scale
    if spec.minimum is not None and value < spec.minimum:
        raise _CellError(f"below the allowed range {spec.minimum:g}..{spec.maximum:g}")
    if spec.maximum is not None and value > spec.maximum:
        raise _CellError(f"above the allowed range {spec.minimum:g}..{spec.maximum:g}")
    if spec.kind == "int":
        if not float(value).is_integer():
            raise _CellError("not a whole number")
        return int(value)
    return value


def _check_consistency(line: int, values: dict[str, Any], problems: list[str]) -> None:
    """Contradictions between fields of one row (each names the columns involved)."""
    os_m, dfs_m = values.get("os_months"), values.get("dfs_months")
    if os_m is not None and dfs_m is not None and dfs_m > os_m + 1e-9:
        problems.append(
            f"line {line}: dfs_months {dfs_m:g} is longer than os_months {os_m:g} "
            "(disease-free survival cannot outlast overall survival)"
        )
    if values.get("recurrence") is True and values.get("dfs_event") is False:
        problems.append(f"line {line}: recurrence is yes but dfs_event is no")
    if values.get("liver_recurrence") is True and values.get("recurrence") is False:
        problems.append(f"line {line}: liver_recurrence is yes but recurrence is no")
    n = values.get("lesion_count")
    multiple = values.get("multiple_metastases")
    if n is not None and multiple is not None and (n > 1) != multiple:
        problems.append(f"line {line}: lesion_count {n} contradicts multiple_metastases {multiple}")
    if values.get("timing") == "metachronous" and values.get("primary_in_situ") is True:
        problems.append(f"line {line}: metachronous metastases with the primary still in situ")


#: A source-specific step run on every row after conversion: it may complete ``values`` (derived
#: fields) and append problems; it sees the raw cells too.
RowHook = Callable[[SourceRow, dict[str, Any], dict[str, "int | None"], list[str]], None]


def rows_to_records(
    header: Sequence[str],
    rows: Sequence[SourceRow],
    mapping: ColumnMapping,
    name: str = "input",
    row_hook: RowHook | None = None,
) -> list[RegistryRecord]:
    """Apply ``mapping`` to every row; all problems at once, or the records."""
    problems: list[str] = []
    needed = [mapping.id_column]
    needed += [r.column for r in mapping.fields.values()]
    needed += [r.column for r in mapping.recorded_scores.values()]
    absent = [c for c in dict.fromkeys(needed) if c not in header]
    if absent:
        raise ImportDataError(
            f"{name}: {len(absent)} column{'s' if len(absent) != 1 else ''} missing",
            [f"line 1 (header): missing column {c!r}" for c in absent],
        )
    records: list[RegistryRecord] = []
    seen: dict[str, int] = {}
    for row in rows:
        if _WIDTH in row.cells:
            problems.append(f"line {row.line}: {row.cells[_WIDTH]}")
            continue
        pid = row.cells[mapping.id_column]
        if not pid:
            problems.append(f"line {row.line}, column {mapping.id_column}: empty patient id")
        elif pid in seen:
            problems.append(
                f"line {row.line}, column {mapping.id_column}: patient id {pid!r} "
                f"already on line {seen[pid]}"
            )
        else:
            seen[pid] = row.line
        values: dict[str, Any] = {}
        for fname, rule in mapping.fields.items():
            text = row.cells[rule.column]
            if text in mapping.missing_values:
                values[fname] = None
                continue
            try:
                values[fname] = convert(FIELDS[fname], rule, text)
            except _CellError as ex:
                problems.append(f"line {row.line}, column {rule.column}: {ex} (got {text!r})")
                values[fname] = None
        scores: dict[str, int | None] = {}
        for sname, rule in mapping.recorded_scores.items():
            text = row.cells[rule.column]
            lo, hi = RECORDED_SCORES[sname]
            spec = FieldSpec(sname, "int", sname, lo, hi)
            if text in mapping.missing_values:
                scores[sname] = None
                continue
            try:
                scores[sname] = convert(spec, rule, text)
            except _CellError as ex:
                problems.append(f"line {row.line}, column {rule.column}: {ex} (got {text!r})")
                scores[sname] = None
        for fname in FIELDS:
            values.setdefault(fname, None)
        if row_hook is not None:
            row_hook(row, values, scores, problems)
        _check_consistency(row.line, values, problems)
        records.append(
            RegistryRecord(
                patient_id=pid,
                source=mapping.source,
                line=row.line,
                values=values,
                recorded_scores=scores,
                month_days=mapping.month_days,
            )
        )
    if not rows:
        problems.append(f"{name}: no data rows")
    raise_problems(name, problems)
    return records


def raise_problems(name: str, problems: list[str]) -> None:
    if not problems:
        return
    shown = problems[:MAX_PROBLEMS]
    if len(problems) > MAX_PROBLEMS:
        shown.append(f"... and {len(problems) - MAX_PROBLEMS} more")
    n = len(problems)
    raise ImportDataError(
        f"{name}: {n} problem{'s' if n != 1 else ''}; nothing was imported", shown
    )


def import_csv(
    path: Path, mapping: ColumnMapping, sheet: str | None = None
) -> list[RegistryRecord]:
    """Read a hospital export (CSV or XLSX) with a mapping; all-or-nothing."""
    header, rows = read_table(path, sheet)
    return rows_to_records(header, rows, mapping, name=path.name)
