"""``livermdt scores CASE.json``: the FLR, prognostic scores and RECIST response of one case."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer


class Format(StrEnum):
    text = "text"
    json = "json"


class BsaMethodOption(StrEnum):
    mosteller = "mosteller"
    dubois = "dubois"


def scores_command(
    case_file: Path = typer.Argument(
        ..., help="A case document (case-v1 JSON).", metavar="CASE.json"
    ),
    fmt: Format = typer.Option(Format.text, "--format", "-f", help="text (for a person) or json."),
    bsa: BsaMethodOption = typer.Option(
        BsaMethodOption.mosteller, "--bsa", help="Body surface area formula (A1: Mosteller)."
    ),
) -> None:
    """Compute BSA, TELV, sFLR and the required sFLR, the eight prognostic scores and the RECIST
    1.1 response of a case, each with its inputs, what is missing and its evidence.

    livermdt supports and does not replace the MDT's judgement."""
    from livermdt.case import load_case
    from livermdt.scores.report import render_scores_text, scores_report

    case = load_case(case_file)
    report = scores_report(case, bsa_method=bsa.value)
    if fmt is Format.json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        typer.echo(render_scores_text(report), nl=False)


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.command("scores")(scores_command)
