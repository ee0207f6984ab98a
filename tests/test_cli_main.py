"""The one place where errors become exit codes (livermdt.cli.main)."""

from __future__ import annotations

import pytest

from livermdt.about import DISCLAIMER, __version__
from livermdt.cli.main import main, report_error
from livermdt.errors import CaseValidationError, ConflictError, InvalidInputError


def test_version_names_code_and_knowledge(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert __version__ in out and "knowledge" in out


def test_help_states_the_decision_support_notice(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "does not replace" in out
    assert "does not replace" in DISCLAIMER


def test_invalid_input_exit_2_one_problem_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    err = CaseValidationError(["a.b: must be 1..8 (got 9)", "c: unknown field (got 1)"])
    assert report_error(err) == 2
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: invalid case document: 2 problems"
    assert lines[1:] == ["  a.b: must be 1..8 (got 9)", "  c: unknown field (got 1)"]


def test_single_message_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert report_error(InvalidInputError("file is empty")) == 2
    assert capsys.readouterr().err == "error: file is empty\n"
    assert report_error(ConflictError("stale version")) == 1


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["no-such-command"]) == 2
