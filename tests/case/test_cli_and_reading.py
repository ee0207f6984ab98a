"""``livermdt validate`` / ``livermdt schema case`` and every way a file can fail to be a case
document: exit status 2, one line per problem, no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from livermdt.case import load_case, parse_case
from livermdt.cli.main import main
from livermdt.errors import CaseValidationError, InvalidInputError
from tests.case.helpers import base

EXAMPLE_4_PROBLEMS = [
    "patient.weight_kg: must be 25..350 kg (got -62)",
    "liver_metastases.lesions[0].segments[0]: Couinaud segment must be 1..8 (got 0)",
    "labs.cea: unknown field (did you mean cea_ng_ml?) (got 7.5)",
]


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str | bytes, name: str = "case.json") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_validate_valid_examples(capsys: pytest.CaptureFixture[str], examples_dir: Path) -> None:
    files = [str(p) for p in sorted(examples_dir.glob("example-[123]-*.json"))]
    assert len(files) == 3
    code, out, err = run(capsys, "validate", *files)
    assert code == 0
    assert out.splitlines() == [f"{f}: valid" for f in files]
    assert err == ""


def test_validate_example_4(capsys: pytest.CaptureFixture[str], examples_dir: Path) -> None:
    path = str(examples_dir / "example-4-invalid.json")
    code, out, err = run(capsys, "validate", path)
    assert code == 2
    assert out.splitlines() == [f"{path}: invalid"] + [f"  {p}" for p in EXAMPLE_4_PROBLEMS]
    assert err.splitlines() == [f"error: {path}: invalid case document"]
    assert "Traceback" not in out + err


def test_validate_several_files_reports_each(
    capsys: pytest.CaptureFixture[str], examples_dir: Path, tmp_path: Path
) -> None:
    good = str(examples_dir / "example-1-resectable.json")
    bad = str(write(tmp_path, "[]"))
    code, out, err = run(capsys, "validate", bad, good)
    assert code == 2
    assert out.splitlines() == [
        f"{bad}: invalid",
        "  a case document is a JSON object {...}, this is a list",
        f"{good}: valid",
    ]
    assert err.strip() == "error: 1 of 2 case documents are invalid"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"schema": "livermdt/case/v1",\n  "id": }',
            "malformed JSON at line 2, column 9: Expecting value",
        ),
        ("", "empty document; a case document is a JSON object"),
        ("  \n\t", "empty document; a case document is a JSON object"),
        ("[1, 2]", "a case document is a JSON object {...}, this is a list"),
        ('"text"', "a case document is a JSON object {...}, this is a string"),
        ("42", "a case document is a JSON object {...}, this is a number"),
        ("null", "a case document is a JSON object {...}, this is null"),
        (
            '{"id": "x"}',
            'not a case document: it has no "schema" key (expected "livermdt/case/v1")',
        ),
        (
            '{"schema": "livermdt/case/v2", "id": "x"}',
            'unsupported schema "livermdt/case/v2"; livermdt reads "livermdt/case/v1"',
        ),
        (
            '{"schema": "livermdt/case/v1", "id": "a", "id": "b"}',
            'malformed case document: the key "id" appears twice in one object',
        ),
        (b'{"id": "\xff"}', "not UTF-8 text (byte 8); a case document is a JSON file"),
    ],
)
def test_not_a_case_document(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | bytes, message: str
) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InvalidInputError) as exc:
        load_case(path)
    assert not isinstance(exc.value, CaseValidationError)
    assert str(exc.value).endswith(message)
    assert exc.value.problems == [str(exc.value)]
    code, out, err = run(capsys, "validate", str(path))
    assert code == 2
    assert out.splitlines() == [f"{path}: invalid", f"  {message}"]
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_missing_file_and_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    missing = tmp_path / "nope.json"
    code, out, _ = run(capsys, "validate", str(missing))
    assert code == 2
    assert out.splitlines() == [f"{missing}: invalid", "  no such file"]
    code, out, _ = run(capsys, "validate", str(tmp_path))
    assert code == 2
    assert out.splitlines() == [f"{tmp_path}: invalid", "  is a directory, not a case file"]


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (PermissionError(13, "Permission denied"), "permission denied"),
        (OSError(5, "Input/output error"), "cannot be read (Input/output error)"),
    ],
)
def test_unreadable_file(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    error: OSError,
    message: str,
) -> None:
    # Simulated: file permissions do not bind a test run as root.
    path = write(tmp_path, json.dumps(base()))

    def refuse(self: Path) -> bytes:
        raise error

    monkeypatch.setattr(Path, "read_bytes", refuse)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 2
    assert out.splitlines() == [f"{path}: invalid", f"  {message}"]


def test_validate_needs_a_file(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "validate")
    assert code == 2
    assert "Missing argument" in err


def test_parse_case_reads_text_bytes_and_mappings(examples_dir: Path) -> None:
    path = examples_dir / "example-1-resectable.json"
    text = path.read_text(encoding="utf-8")
    from_text = parse_case(text)
    assert parse_case(text.encode("utf-8")) == from_text
    assert parse_case(b"\xef\xbb\xbf" + text.encode("utf-8")) == from_text  # BOM tolerated
    assert parse_case(json.loads(text)) == from_text
    assert load_case(path) == from_text
    assert load_case(str(path)) == from_text


def test_schema_case_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "schema", "case")
    assert code == 0
    schema = json.loads(out)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["required"] == ["schema", "id", "discussion_date"]
    assert schema["properties"]["schema"]["const"] == "livermdt/case/v1"
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        assert definition.get("additionalProperties") is False, name
    segment = schema["$defs"]["Lesion"]["properties"]["segments"]["anyOf"][0]["items"]
    assert (segment["minimum"], segment["maximum"]) == (1, 8)
    assert "outcomes" in schema["properties"]
