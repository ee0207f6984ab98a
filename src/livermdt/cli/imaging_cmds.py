"""``livermdt volumetry``: a thin layer over ``livermdt.imaging.volumetry`` (imaging-v1)."""

from __future__ import annotations

import json
import os
import tempfile
from enum import StrEnum
from pathlib import Path

import typer

from livermdt.errors import ImagingInputError, InvalidInputError


class OutputFormat(StrEnum):
    json = "json"
    text = "text"


class Modality(StrEnum):
    ct = "ct"
    mr = "mr"


def _parse_label_options(options: list[str], inputs: list[Path]) -> dict[Path, str]:
    """``PATH=SPEC`` pairs, each PATH one of the inputs."""
    by_path: dict[Path, str] = {}
    known = {p.resolve(): p for p in inputs}
    for option in options:
        path_text, sep, spec = option.partition("=")
        if not sep or not path_text or not spec:
            raise ImagingInputError(f"--labels expects PATH=SPEC (got {option!r})")
        target = Path(path_text).resolve()
        if target not in known:
            raise ImagingInputError(
                f"--labels {option!r}: {path_text} is not one of the label maps given"
            )
        by_path[known[target]] = spec
    return by_path


def _write_atomically(path: Path, document: dict[str, object]) -> None:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def volumetry_command(
    labelmaps: list[Path] = typer.Argument(
        ..., help="Label map files (.nii/.nii.gz, .nrrd/.seg.nrrd, DICOM SEG) or mask folders."
    ),
    labels: list[str] = typer.Option(
        [],
        "--labels",
        help="PATH=SPEC: the label table of one input (a built-in convention such as "
        "totalsegmentator-liver_segments, or a JSON table file). Repeatable.",
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.json, "--format", help="json (livermdt/volumetry/v1) or text."
    ),
    into: Path | None = typer.Option(
        None,
        "--into",
        help="Case document (case-v1 JSON) to fill with volumes and lesions; typed values "
        "are kept.",
    ),
    modality: Modality | None = typer.Option(
        None, "--modality", help="ct or mr: fills volumetry.source with --into."
    ),
) -> None:
    """Liver, tumour and segment volumes, and per-tumour measurements, from label maps."""
    from livermdt.imaging.io import read_labelmaps
    from livermdt.imaging.labelmap import LabelMap
    from livermdt.imaging.volumetry import InputInfo, render_text, volumetry

    specs = _parse_label_options(labels, labelmaps)
    maps: list[LabelMap] = []
    inputs: list[InputInfo] = []
    for path in labelmaps:
        read = read_labelmaps(path, specs.get(path))
        maps.extend(read)
        inputs.append(InputInfo(path=str(path), shape=read[0].shape, spacing_mm=read[0].spacing_mm))
    result = volumetry(maps, inputs=inputs)

    if into is not None:
        from livermdt.imaging.into_case import apply_volumetry

        try:
            original = json.loads(into.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInputError(f"{into}: no such case file") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as ex:
            raise InvalidInputError(f"{into}: not a readable JSON case document ({ex})") from None
        if not isinstance(original, dict):
            raise InvalidInputError(f"{into}: a case document is a JSON object")
        document, _, changes = apply_volumetry(
            original, result, modality.value if modality is not None else None
        )
        if document != original:
            _write_atomically(into, document)
        typer.echo(f"{into}:", err=True)
        for line in changes:
            typer.echo(f"  {line}", err=True)

    if output_format is OutputFormat.json:
        typer.echo(json.dumps(result.to_json(), indent=2))
    else:
        typer.echo(render_text(result))


def register(app: typer.Typer) -> None:
    """Add this part's commands to the `livermdt` application."""
    app.command(name="volumetry")(volumetry_command)
