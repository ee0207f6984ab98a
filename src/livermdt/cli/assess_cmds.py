"""``livermdt assess`` (one or many case documents) and ``livermdt rules`` (the generated rule-set
reference, ``docs/rules.md``).

An invalid case is reported (stderr: path and problems; in JSON Lines a line
``{"case_file": ..., "errors": [...]}``) and does not stop the others; the exit status is 2 when
any input was invalid, else 0.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from livermdt.errors import InvalidInputError


class Format(StrEnum):
    text = "text"
    json = "json"
    jsonl = "jsonl"


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; directories become their ``*.json`` files (sorted, not recursive)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out.extend(sorted(p for p in path.glob("*.json") if p.is_file()))
        else:
            out.append(path)
    return out


def _assess_file(path: Path) -> tuple[dict[str, Any] | None, str | None, list[str]]:
    """(assessment JSON, text, []) or (None, None, problems)."""
    from livermdt.case import load_case
    from livermdt.engine import assess, render_text

    try:
        case = load_case(path)
    except InvalidInputError as err:
        return None, None, list(err.problems)
    except OSError as err:
        return None, None, [f"{path}: cannot be read ({err.strerror or err})"]
    assessment = assess(case)
    return assessment.to_json_dict(), render_text(assessment), []


def assess_command(
    paths: list[Path] = typer.Argument(
        ..., help="Case documents (case-v1 JSON) or folders of them (*.json inside)."
    ),
    fmt: Format = typer.Option(
        Format.text, "--format", "-f", help="text (for a person), json, or jsonl (one per line)."
    ),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write here instead of stdout."),
) -> None:
    """Assess case documents: resectability, remnant, scores and cited recommendations.

    livermdt supports and does not replace the MDT's judgement."""
    files = expand_paths(paths)
    if not files:
        raise InvalidInputError("no case documents found", [f"{p}: no *.json files" for p in paths])
    chunks: list[str] = []
    objects: list[dict[str, Any]] = []
    invalid = 0
    for path in files:
        obj, text, problems = _assess_file(path)
        if problems:
            invalid += 1
            typer.echo(f"error: {path}: invalid case document", err=True)
            for problem in problems:
                typer.echo(f"  {problem}", err=True)
            if fmt is Format.jsonl:
                chunks.append(json.dumps({"case_file": str(path), "errors": problems}))
            continue
        assert obj is not None and text is not None
        if fmt is Format.jsonl:
            chunks.append(json.dumps(obj, ensure_ascii=False))
        elif fmt is Format.json:
            objects.append(obj)
        else:
            header = f"=== {path} ===\n" if len(files) > 1 else ""
            chunks.append(header + text)
    if fmt is Format.json:
        payload: Any = objects[0] if len(files) == 1 and objects else objects
        body = json.dumps(payload, indent=2, ensure_ascii=False) + "\n" if objects else ""
    elif fmt is Format.jsonl:
        body = "".join(c + "\n" for c in chunks)
    else:
        body = "\n".join(chunks)
    if out is not None:
        out.write_text(body, encoding="utf-8")
    elif body:
        sys.stdout.write(body)
        sys.stdout.flush()
    if invalid:
        raise typer.Exit(2)


def rules_command(
    check: bool = typer.Option(
        False, "--check", help="Exit 1 when the file is not current instead of writing it."
    ),
    out: Path = typer.Option(Path("docs/rules.md"), "--out", "-o", help="The rules reference."),
) -> None:
    """Regenerate the rule-set reference (every rule, its conditions, outputs and evidence)."""
    from livermdt.engine.rules_doc import render_rules_markdown

    text = render_rules_markdown()
    if check:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            typer.echo(f"{out} is not current: run `livermdt rules`", err=True)
            raise typer.Exit(1)
        typer.echo(f"{out} is current")
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {out}")


def register(app: typer.Typer) -> None:
    """Add ``assess`` and ``rules`` to the ``livermdt`` application."""
    app.command("assess")(assess_command)
    app.command("rules")(rules_command)
