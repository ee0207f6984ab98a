"""The ``livermdt`` command. Each part registers its own commands from its own module; this
module only assembles them and is the one place where errors become exit codes
(0 ok, 2 invalid input, 1 anything else)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer

from livermdt.about import DISCLAIMER, __version__
from livermdt.cli import (
    assess_cmds,
    case_cmds,
    imaging_cmds,
    plan_cmds,
    registry_cmds,
    scores_cmds,
    web_cmds,
)
from livermdt.errors import InvalidInputError, LivermdtError

app = typer.Typer(
    name="livermdt",
    help=f"Decision support for liver MDTs (colorectal liver metastases).\n\n{DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        from livermdt.knowledge import KNOWLEDGE_VERSION

        typer.echo(f"livermdt {__version__} (knowledge {KNOWLEDGE_VERSION})")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print versions and exit."
    ),
) -> None:
    """livermdt supports and does not replace the MDT's judgement."""


for _module in (
    case_cmds,
    scores_cmds,
    assess_cmds,
    imaging_cmds,
    plan_cmds,
    web_cmds,
    registry_cmds,
):
    _module.register(app)


def report_error(err: LivermdtError) -> int:
    """Print an error for a person, one problem per line, no traceback; return the exit code."""
    if isinstance(err, InvalidInputError) and err.problems and err.problems != [str(err)]:
        typer.echo(f"error: {err}", err=True)
        for problem in err.problems:
            typer.echo(f"  {problem}", err=True)
    else:
        typer.echo(f"error: {err}", err=True)
    return err.exit_code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status.

    Click handles its own usage errors (exit 2, message on stderr); livermdt's errors are turned
    into one-line messages and exit codes here, with no traceback."""
    try:
        app(args=list(argv) if argv is not None else None, standalone_mode=True)
    except LivermdtError as err:
        return report_error(err)
    except SystemExit as ex:
        code = ex.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
