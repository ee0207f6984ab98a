"""``livermdt validate`` and ``livermdt schema case``: the case document at the command line."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from livermdt.errors import CaseValidationError, InvalidInputError

schema_app = typer.Typer(
    name="schema", help="Print the JSON Schema of a livermdt document.", no_args_is_help=True
)


def validate(
    cases: list[Path] = typer.Argument(
        ..., help="Case documents (JSON) to check.", metavar="CASE.json"
    ),
) -> None:
    """Check case documents against case-v1; list every problem of each invalid one.

    Exit status 0 when every document is valid, 2 when any is invalid.
    """
    from livermdt.case import load_case

    invalid = 0
    for path in cases:
        try:
            load_case(path)
        except InvalidInputError as err:
            invalid += 1
            typer.echo(f"{path}: invalid")
            if isinstance(err, CaseValidationError):
                problems = err.problems
            else:  # one line that already starts with the file name
                problems = [str(err).removeprefix(f"{path}: ")]
            for problem in problems:
                typer.echo(f"  {problem}")
        else:
            typer.echo(f"{path}: valid")
    if invalid:
        if len(cases) == 1:
            raise InvalidInputError(f"{cases[0]}: invalid case document")
        raise InvalidInputError(f"{invalid} of {len(cases)} case documents are invalid")


@schema_app.command("case")
def schema_case() -> None:
    """Print the JSON Schema (draft 2020-12) of the case-v1 document."""
    from livermdt.case import case_json_schema

    typer.echo(json.dumps(case_json_schema(), indent=2, ensure_ascii=False))


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.command("validate")(validate)
    app.add_typer(schema_app)
